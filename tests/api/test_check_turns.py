"""A draft check takes turns with the answers: over a real index (embedded Chroma, fake embedder and scripted LLM)
an answer asked while a check is with the model is answered at the check's next statement, before the check ends,
and the check still gives the report it gives alone; a deletion or an upload waiting on the model lock lands at the
next statement too, and the check stops with an error naming a deleted directive, or leaves an added document out
and says so. Every use of a model is watched: never two at once, never without the service's model lock."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.api.model_lock import ModelLock
from assistant.check.judge import VERDICT_SCHEMA
from assistant.pipeline import Pipeline
from assistant.settings import Settings
from assistant.types import ChatMessage
from tests.api.conftest import ANSWERABLE, GOOD_OUTPUT, Office, make_office, sse_events, upload
from tests.fakes import HashEmbedder, ScriptedGenerator

# three statements the rules leave to the model, and one they decide (a figure that differs)
# (reversals with no negation or cue word: the check's rules decide those with one, as contradictions)
M1 = "Nghị quyết xác định người đứng đầu cấp ủy chỉ phối hợp, cấp phó chịu trách nhiệm về kết quả chuyển đổi số tại địa phương."
R = "Kinh tế số chiếm 30% GRDP của tỉnh vào năm 2030."
M2 = "Người dân và doanh nghiệp chỉ thụ hưởng kết quả chuyển đổi số; cơ quan nhà nước quyết định mọi việc trong tỉnh."
M3 = "Dữ liệu là tài nguyên thứ yếu; an toàn, an ninh mạng là việc riêng của ngành công an trong tỉnh."
S = "Tỉnh Hòa Lâm xây dựng 12 trạm sạc xe điện công cộng tại các huyện miền núi trong năm 2026."
DRAFT = f"# BÁO CÁO kết quả thực hiện Nghị quyết số 15-NQ/TU\n\n{M1}\n\n{R}\n\n{M2}\n\n{M3}\n"
LABELS = {"bao nhiêu phần trăm": "ask", "chỉ phối hợp": "M1", "30% GRDP": "R", "thụ hưởng": "M2", "thứ yếu": "M3"}
WAIT_S = 60  # bound on every wait, so that a broken turn fails the test instead of hanging it


def label(text: str) -> str:
    return next((name for phrase, name in LABELS.items() if phrase in text), "other")


class Monitor:
    """Every use of a model (an embedding or a generation) in order, and any that overlapped another one or ran
    without the service's model lock held."""

    def __init__(self) -> None:
        self.lock: ModelLock | None = None  # the service's, once the app is built
        self.uses: list[str] = []
        self.overlaps = 0
        self.unlocked = 0
        self._inside = 0
        self._mutex = threading.Lock()

    @contextmanager
    def use(self, what: str) -> Iterator[None]:
        with self._mutex:
            self._inside += 1
            self.overlaps += self._inside > 1
            self.unlocked += self.lock is not None and not self.lock.locked()
            self.uses.append(what)
        try:
            yield
        finally:
            with self._mutex:
                self._inside -= 1


class WatchedEmbedder(HashEmbedder):
    def __init__(self, monitor: Monitor) -> None:
        super().__init__()
        self.monitor = monitor

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        with self.monitor.use("index"):
            return super().embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        with self.monitor.use(f"search {label(text)}"):
            return super().embed_query(text)


class GatedModel(ScriptedGenerator):
    """Answers at once; while `gated`, each draft-check judgement waits for a turn the test gives (`allow`)."""

    def __init__(self, monitor: Monitor) -> None:
        super().__init__([])
        self.monitor = monitor
        self.gated = False
        self._turns = threading.Semaphore(0)
        self._judging = threading.Semaphore(0)

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        json_schema: dict[str, object] | None = None,
        prefix: str = "",
        grammar: str | None = None,
    ) -> Iterator[str]:
        judging = json_schema == VERDICT_SCHEMA
        with self.monitor.use(f"{'judge' if judging else 'answer'} {label(messages[-1].content)}"):
            if judging and self.gated:
                self._judging.release()
                if not self._turns.acquire(timeout=WAIT_S):  # not an error the checker handles: the check fails
                    raise AssertionError("the test gave the judgement no turn")
            out = json.dumps({"verdict": "not_covered", "evidence": 1}) if judging else GOOD_OUTPUT
            for i in range(0, len(out), 7):
                yield out[i : i + 7]

    def judging(self) -> None:
        """Until a judgement is waiting for its turn."""
        assert self._judging.acquire(timeout=WAIT_S), "no judgement began"

    def allow(self) -> None:
        self._turns.release()

    def open(self) -> None:
        self.gated = False
        for _ in range(8):
            self._turns.release()


@dataclass
class Turns:
    office: Office
    model: GatedModel
    monitor: Monitor


@pytest.fixture
def turns(tmp_path: Path, directives: Path) -> Iterator[Turns]:
    monitor = Monitor()
    model = GatedModel(monitor)
    settings = Settings(index_dir=tmp_path / "idx", model_dir=tmp_path / "m", answer_mode="copy")
    pipe = Pipeline(settings, embedder=WatchedEmbedder(monitor), generator=model)
    pipe.checker.check_use_model = True  # the check is rules-only by default; these turns are about its model calls
    assert [r.status for r in pipe.ingest([directives])] == ["added", "added"]
    office = make_office(pipe)
    monitor.lock = office.service.lock
    try:
        yield Turns(office, model, monitor)
    finally:
        model.open()  # a failed test leaves no judgement waiting
        pipe.close()


def wait_for(condition: Callable[[], bool], what: str) -> None:
    for _ in range(WAIT_S * 100):
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError(f"never {what}")


def post_check(c: TestClient, text: str = DRAFT, against: Sequence[str] = ("15-NQ/TU",), stream: bool = False) -> Any:
    return c.post("/check", json={"text": text, "name": "bao-cao.md", "against": list(against), "stream": stream})


def report_of(r: Any, stream: bool) -> tuple[dict[str, Any], list[Any]]:
    """(the report without its timings, the progress steps)."""
    assert r.status_code == 200, r.text
    if not stream:
        return {k: v for k, v in r.json().items() if k != "timings"}, []
    events = sse_events(r.text)
    assert events[-1][0] == "report", events[-1]
    steps = [(data["done"], data["total"]) for kind, data in events[:-1] if kind == "progress"]
    return {k: v for k, v in events[-1][1].items() if k != "timings"}, steps


@pytest.mark.parametrize("stream", [False, True])
def test_an_answer_asked_during_a_check_is_answered_at_its_next_statement(turns: Turns, stream: bool) -> None:
    svc, model, monitor = turns.office.service, turns.model, turns.monitor
    with turns.office.client("drafter") as drafter, turns.office.client("analyst") as analyst, ThreadPoolExecutor(2) as pool:
        alone, alone_steps = report_of(post_check(drafter, stream=stream), stream)
        monitor.uses.clear()
        model.gated = True
        checking = pool.submit(post_check, drafter, stream=stream)
        model.judging()  # statement 1 is with the model: the check holds the answer slot and the model lock
        asking = pool.submit(analyst.post, "/ask", json={"question": ANSWERABLE})
        wait_for(lambda: svc.answers.stats()["queued"] == 1, "the answer waited in line")
        model.allow()  # statement 1 ends
        answer = asking.result(timeout=WAIT_S)
        model.judging()  # the check has gone on to statement 3 ...
        assert not checking.done()  # ... and is still in progress: the answer did not wait for its end
        model.open()
        report, steps = report_of(checking.result(timeout=WAIT_S), stream)
    assert answer.status_code == 200 and answer.json()["citations"], answer.text
    assert monitor.uses == [
        "search M1", "judge M1", "search ask", "answer ask", "search R", "search M2", "judge M2", "search M3", "judge M3",
    ]  # fmt: skip
    assert report == alone
    assert [s["verdict"] for s in report["statements"]] == ["not_covered", "contradicts", "not_covered", "not_covered"]
    assert steps == alone_steps == ([(i, 4) for i in range(5)] if stream else [])
    assert (monitor.overlaps, monitor.unlocked) == (0, 0)
    assert svc.answers.stats()["running"] == 0 and not svc.lock.locked()


def test_a_directive_deleted_during_a_check_lands_at_its_next_statement_and_stops_it(turns: Turns) -> None:
    svc, model, monitor = turns.office.service, turns.model, turns.monitor
    before = sum(1 for _ in svc.audit.entries())
    with turns.office.client("drafter") as drafter, turns.office.client("admin") as admin, ThreadPoolExecutor(2) as pool:
        model.gated = True
        checking = pool.submit(post_check, drafter)
        model.judging()
        deleting = pool.submit(admin.delete, "/documents/15-NQ/TU")
        wait_for(lambda: svc.lock.waiting == 1, "the deletion waited for the model lock")
        model.allow()
        deleted = deleting.result(timeout=WAIT_S)
        r = checking.result(timeout=WAIT_S)
    error = (
        "Văn bản 15-NQ/TU đã bị xoá hoặc thay đổi trong kho tài liệu khi dự thảo đang được kiểm tra "
        "(đã kiểm tra 1/4 câu); hãy kiểm tra lại dự thảo."
    )
    assert deleted.status_code == 204
    assert (r.status_code, r.json()) == (422, {"detail": error})
    assert [u for u in monitor.uses if u.startswith("judge")] == ["judge M1"]  # nothing checked after the deletion
    audited = [e["details"] for e in list(svc.audit.entries())[before:] if e["action"] == "check"]
    assert [(a["errors"], a["complete"], a["passages"]) for a in audited] == [([error], False, [])]
    assert (monitor.overlaps, monitor.unlocked) == (0, 0)


def plan_text(number: str) -> str:
    head = f"ỦY BAN NHÂN DÂN TỈNH HÒA LÂM\n\nSố {number}\n\nHòa Lâm, ngày 2 tháng 6 năm 2025\n\n"
    return f"{head}# KẾ HOẠCH\n\n## 1. Nhiệm vụ\n\n{S}\n"


def test_a_document_uploaded_during_a_check_is_left_out_of_it_and_noted(turns: Turns) -> None:
    svc, model, monitor = turns.office.service, turns.model, turns.monitor
    draft = f"# BÁO CÁO\n\n{M1}\n\n{S}\n"
    with turns.office.client("drafter") as drafter, turns.office.client("admin") as admin, ThreadPoolExecutor(3) as pool:
        alone, _ = report_of(post_check(drafter, draft, against=()), False)
        model.gated = True
        checking = pool.submit(post_check, drafter, draft, ())
        model.judging()
        uploads = [
            pool.submit(upload, admin, name, plan_text(number).encode(), level=level)
            for name, number, level in (("ke-hoach-30.md", "30/KH-UBND", "nội bộ"), ("ke-hoach-31.md", "31/KH-UBND", "tối mật"))
        ]
        wait_for(lambda: svc.lock.waiting == 2, "both uploads waited for the model lock")
        model.allow()
        assert [u.result(timeout=WAIT_S).status_code for u in uploads] == [201, 201]
        report, _ = report_of(checking.result(timeout=WAIT_S), False)
        model.open()
        now, _ = report_of(post_check(drafter, draft, against=()), False)
    verdicts = [(s["verdict"], [e["doc_id"] for e in s["evidence"]]) for s in report["statements"]]
    assert verdicts == [(s["verdict"], [e["doc_id"] for e in s["evidence"]]) for s in alone["statements"]]
    assert verdicts[1][0] == "not_covered" and "30/KH-UBND" not in verdicts[1][1]
    assert report["notes"] == [
        "Văn bản 30/KH-UBND được nạp vào kho trong khi kiểm tra nên không được dùng để đối chiếu; "
        "kiểm tra lại dự thảo để đối chiếu cả văn bản này."
    ]  # the document above the drafter's clearance is not named
    # control: checked now, the statement rests on the new plan (so leaving it out mattered)
    assert now["statements"][1]["verdict"] == "consistent" and now["statements"][1]["evidence"][0]["doc_id"] == "30/KH-UBND"
    assert now["notes"] == []
    assert (monitor.overlaps, monitor.unlocked) == (0, 0)
