"""Clearance: canary passages planted at every access level must never reach a person below that level —
not through an answer, a citation, a passage list, a prompt, a document list or view, a relation, an upload
report, the OpenAI-compatible endpoint, an evaluation run and its report, or a draft check (its evidence,
notes, dates, and the directives named to check against).

Four documents, one per level, each holding a unique canary string. Four users, one per clearance, all with
the admin role so that every endpoint is open to them and only clearance differs. Each check also has a
positive control: what a user may see does show up, so a missing filter would be caught."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Office, RepeatingGenerator, make_office, make_pipeline, sse_events, upload

LEVELS = ("công khai", "nội bộ", "mật", "tối mật")
CANARY = {rank: f"HLQ{rank}ZXV{rank * 7 + 3}K" for rank in range(4)}
DOC_ID = {rank: f"{10 + rank}-TB/TU" for rank in range(4)}
TOPIC = "Mã đối chiếu của chương trình bảo vệ rừng phòng hộ đầu nguồn là gì?"
COMMON = "Chương trình bảo vệ rừng phòng hộ đầu nguồn được triển khai trên toàn tỉnh."
# The scripted model quotes the sentence every canary document shares, from each of the first three passages:
# whatever is in the prompt gets cited, so a passage above clearance in the prompt would show in the answer.
OUTPUT = json.dumps(
    {"found": True, "claims": [{"passage": n, "quote": COMMON, "answer": COMMON} for n in (1, 2, 3)]}, ensure_ascii=False
)


def canary_doc(rank: int) -> str:
    implements = f"\nThông báo này thực hiện Thông báo số {DOC_ID[0]}.\n" if rank else ""
    return f"""TỈNH ỦY HÒA LÂM

Số {DOC_ID[rank]}

Hòa Lâm, ngày {rank + 1} tháng 6 năm 2025

# THÔNG BÁO

về chương trình bảo vệ rừng phòng hộ đầu nguồn, phương án {("một", "hai", "ba", "bốn")[rank]}
{implements}
## 1. Nội dung

{COMMON}

Mã đối chiếu của chương trình bảo vệ rừng phòng hộ đầu nguồn là {CANARY[rank]}, giao khoán {rank + 1}0 nghìn héc-ta.
"""


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    root = tmp_path_factory.mktemp("clearance")
    corpus = root / "corpus"
    corpus.mkdir()
    manifest = ["documents:"]
    for rank in range(4):
        (corpus / f"thong-bao-{rank}.md").write_text(canary_doc(rank), "utf-8")
        manifest.append(f'  "thong-bao-{rank}.md":\n    access_level: "{LEVELS[rank]}"')
    (corpus / "manifest.yaml").write_text("\n".join(manifest) + "\n", "utf-8")
    sets = root / "sets"
    sets.mkdir()
    items = [
        {"id": f"level-{r}", "question": TOPIC, "expected_docs": [DOC_ID[r]], "answerable": True, "expected_quotes": [COMMON]}
        for r in range(4)
    ]
    (sets / "canary.jsonl").write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), "utf-8")
    pipe = make_pipeline(root, generator=RepeatingGenerator(OUTPUT), eval_sets_dir=sets)
    reports = pipe.ingest([corpus])
    assert [r.status for r in reports] == ["added"] * 4, reports
    office = make_office(pipe, {f"u{r}": ("admin", LEVELS[r]) for r in range(4)})
    yield office
    pipe.close()


def hidden(rank: int) -> list[str]:
    return [CANARY[r] for r in range(rank + 1, 4)]


def assert_clean(text: str, rank: int, *, ids: bool = True) -> None:
    """No canary (and, with `ids`, no document number) above `rank` in `text`."""
    for r in range(rank + 1, 4):
        assert CANARY[r] not in text, f"canary of level {LEVELS[r]} leaked to clearance {LEVELS[rank]}"
        if ids:
            assert DOC_ID[r] not in text, f"{DOC_ID[r]} ({LEVELS[r]}) named to clearance {LEVELS[rank]}"


RANKS = pytest.mark.parametrize("rank", range(4), ids=LEVELS)


@RANKS
def test_ask_json_and_prompts(office: Office, rank: int) -> None:
    generator = office.pipeline.generator
    assert isinstance(generator, RepeatingGenerator)
    generator.prompts.clear()
    with office.client(f"u{rank}") as c:
        body = c.post("/ask", json={"question": TOPIC}).json()
    assert_clean(json.dumps(body, ensure_ascii=False), rank)
    assert {p["doc_id"] for p in body["passages"]} == {DOC_ID[r] for r in range(rank + 1)}  # control: all it may see
    assert body["mode"] == "generated" and body["citations"]
    shown = [c["context"]["text"] for c in body["citations"]] + [p["text"] for p in body["passages"]]
    assert any(CANARY[rank] in text for text in shown)
    prompts = "\n".join(m.content for prompt in generator.prompts for m in prompt)
    assert (prompts and CANARY[0] in prompts) or rank > 0
    assert_clean(prompts, rank)  # never reached the model


@RANKS
def test_ask_stream(office: Office, rank: int) -> None:
    with office.client(f"u{rank}") as c:
        r = c.post("/ask", json={"question": TOPIC, "stream": True})
    assert_clean(r.text, rank)
    events = sse_events(r.text)
    assert {p["doc_id"] for p in events[0][1]} == {DOC_ID[x] for x in range(rank + 1)}


@RANKS
def test_question_naming_a_hidden_document_is_answered_as_if_it_did_not_exist(office: Office, rank: int) -> None:
    with office.client(f"u{rank}") as c:
        for r in range(4):
            body = c.post("/ask", json={"question": f"Thông báo số {DOC_ID[r]} quy định mã đối chiếu là gì?"}).json()
            assert_clean(json.dumps(body["passages"] + body["citations"], ensure_ascii=False), rank)
            assert_clean(body["answer"], rank)
            missing = f"Văn bản {DOC_ID[r]} không có trong kho tài liệu đã nạp."
            assert (missing in body["notes"]) == (r > rank), (r, body["notes"])
            if r <= rank:
                assert {p["doc_id"] for p in body["passages"][:1]} == {DOC_ID[r]}  # control: named, so pinned first


@RANKS
def test_filters_cannot_reach_above_clearance(office: Office, rank: int) -> None:
    with office.client(f"u{rank}") as c:
        body = c.post("/ask", json={"question": TOPIC, "doc_ids": [DOC_ID[r] for r in range(4)]}).json()
    assert_clean(json.dumps(body["passages"] + body["citations"], ensure_ascii=False), rank)
    assert {p["doc_id"] for p in body["passages"]} == {DOC_ID[r] for r in range(rank + 1)}


@RANKS
def test_document_list_view_and_relations(office: Office, rank: int) -> None:
    with office.client(f"u{rank}") as c:
        listing = c.get("/documents")
        assert_clean(listing.text, rank)
        assert {d["doc_id"] for d in listing.json()} == {DOC_ID[r] for r in range(rank + 1)}
        assert c.get("/health").json()["documents"] == rank + 1
        for r in range(4):
            view = c.get(f"/documents/{DOC_ID[r]}")
            if r > rank:
                absent = f"không có văn bản {DOC_ID[r]} trong kho (no indexed document {DOC_ID[r]})"
                assert view.status_code == 404 and view.json() == {"detail": absent}
            else:
                assert view.status_code == 200 and CANARY[r] in view.text
                assert_clean(view.text, rank)
        incoming = {i["doc_id"] for i in c.get(f"/documents/{DOC_ID[0]}").json()["relations"]["incoming"]}
        assert incoming == {DOC_ID[r] for r in range(1, rank + 1)}


@RANKS
def test_hidden_documents_cannot_be_deleted(office: Office, rank: int) -> None:
    with office.client(f"u{rank}") as c:
        for r in range(rank + 1, 4):
            assert c.delete(f"/documents/{DOC_ID[r]}").status_code == 404
    with office.client("u3") as top:
        assert len(top.get("/documents").json()) == 4


@RANKS
def test_existence_uploading_a_copy_of_a_hidden_document_is_like_uploading_new_text(office: Office, rank: int) -> None:
    """A copy of a visible document is a named duplicate; a copy of a hidden one is indexed as a new document of
    the uploader's, exactly as a text never seen before would be (the uploader holds its text already)."""
    with office.client(f"u{rank}") as c:
        for r in range(4):
            reply = upload(c, f"ban-sao-{r}.md", canary_doc(r).encode(), level=LEVELS[min(r, rank)])
            assert_clean(reply.text, rank, ids=r <= rank)
            if r <= rank:
                assert reply.status_code == 200 and reply.json()["status"] == "duplicate"
                assert reply.json()["doc_id"] == DOC_ID[r]  # control: a visible twin is named
                continue
            fresh_text = canary_doc(r).replace(CANARY[r], "MOIHOANTOAN")
            if reply.json().get("key"):
                assert c.delete(f"/documents/{reply.json()['key']}").status_code == 204
            never = upload(c, f"ban-moi-{r}.md", fresh_text.encode(), level=LEVELS[rank])
            if never.json().get("key"):
                assert c.delete(f"/documents/{never.json()['key']}").status_code == 204
            assert reply.status_code == never.status_code == 201, (reply.text, never.text)
            got, want = reply.json(), never.json()
            assert got["status"] == want["status"] == "added" and got["doc_id"] == want["doc_id"] == DOC_ID[r]
            assert got["key"].startswith(f"{DOC_ID[r]}@ban-sao-{r}-") and want["key"].startswith(f"{DOC_ID[r]}@ban-moi-{r}-")
            assert {k: v for k, v in got.items() if k not in ("file", "key")} == {
                k: v for k, v in want.items() if k not in ("file", "key")
            }
    with office.client("u3") as top:
        assert len(top.get("/documents").json()) == 4


@RANKS
def test_openai_endpoint(office: Office, rank: int) -> None:
    with office.client(f"u{rank}") as c:
        plain = c.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": TOPIC}]})
        streamed = c.post("/v1/chat/completions", json={"stream": True, "messages": [{"role": "user", "content": TOPIC}]})
    for r in (plain, streamed):
        assert r.status_code == 200
        assert_clean(r.text, rank)
    assert CANARY[rank] in plain.text or DOC_ID[rank] in plain.text  # control: its own level is cited


def _wait(c: TestClient, run_id: str) -> dict[str, Any]:
    for _ in range(600):
        run = c.get(f"/eval/runs/{run_id}").json()
        if run["status"] in ("done", "failed"):
            return run
        time.sleep(0.1)
    raise AssertionError("run did not finish")


@RANKS
def test_evaluation_runs_and_reports(office: Office, rank: int) -> None:
    with office.client(f"u{rank}") as c:
        started = c.post("/eval/runs", json={"set": "canary.jsonl"}).json()
        assert started["withheld"] == 3 - rank  # items about documents above clearance are not run
        run = _wait(c, started["id"])
        assert run["status"] == "done", run
        assert [i["id"] for i in run["items"]] == [f"level-{r}" for r in range(rank + 1)]
        assert_clean(json.dumps(run, ensure_ascii=False), rank)
        assert CANARY[rank] in json.dumps(run["items"], ensure_ascii=False)  # control: its own level is there
        # the run itself was made at the clearance: what it stored holds nothing above it either
        stored = office.service.settings.index_dir / "eval-runs" / started["id"]
        assert_clean((stored / "items.jsonl").read_text("utf-8") + (stored / "summary.json").read_text("utf-8"), rank)
        report = c.get(f"/eval/runs/{started['id']}/report")
        assert report.status_code == 200
        assert_clean(report.text, rank)
        mine_items = json.dumps({"id": "x", "question": TOPIC, "expected_docs": [], "answerable": True}, ensure_ascii=False)
        uploaded = c.post("/eval/runs", files={"file": ("mine.jsonl", (mine_items + "\n").encode())}).json()
        assert_clean(json.dumps(_wait(c, uploaded["id"]), ensure_ascii=False), rank)
        mine = office.service.settings.index_dir / "eval-runs" / uploaded["id"] / "items.jsonl"
        assert_clean(mine.read_text("utf-8"), rank)
        assert CANARY[rank] in mine.read_text("utf-8")  # control
    # a run is shown only to viewers cleared at least as high as the run
    for viewer in range(4):
        with office.client(f"u{viewer}") as v:
            listed = {x["id"] for x in v.get("/eval/runs").json()}
            assert (started["id"] in listed) == (viewer >= rank)
            assert v.get(f"/eval/runs/{started['id']}").status_code == (200 if viewer >= rank else 404)
            assert v.get(f"/eval/runs/{started['id']}/report").status_code == (200 if viewer >= rank else 404)


def test_a_document_raised_above_a_viewers_clearance_disappears_from_old_runs(office: Office) -> None:
    with office.client("u1") as c:
        run_id = c.post("/eval/runs", json={"set": "canary.jsonl"}).json()["id"]
        run = _wait(c, run_id)
        assert CANARY[1] in json.dumps(run["items"], ensure_ascii=False)
        # the nội bộ document is re-classified mật: u1 no longer sees it, in the library or in the old run
        svc = office.service
        key = svc.pipeline.catalog.keys_for_doc_id(DOC_ID[1])[0]
        rec = svc.pipeline.catalog.by_key(key)
        assert rec is not None
        folder = Path(rec.source_path).parent
        manifest = (folder / "manifest.yaml").read_text("utf-8")
        raised = manifest.replace('"thong-bao-1.md":\n    access_level: "nội bộ"', '"thong-bao-1.md":\n    access_level: "mật"')
        assert raised != manifest
        (folder / "manifest.yaml").write_text(raised, "utf-8")
        try:
            assert svc.pipeline.ingest([folder / "thong-bao-1.md"])[0].status == "replaced"
            assert DOC_ID[1] not in {d["doc_id"] for d in c.get("/documents").json()}
            again = c.get(f"/eval/runs/{run_id}").json()
            assert CANARY[1] not in json.dumps(again["items"], ensure_ascii=False)
            assert CANARY[1] not in c.get(f"/eval/runs/{run_id}/report").text
        finally:
            (folder / "manifest.yaml").write_text(manifest, "utf-8")
            assert svc.pipeline.ingest([folder / "thong-bao-1.md"])[0].status == "replaced"


# A draft (its own number in its header) whose second statement fits the "tối mật" document best (its figure,
# 40); the others give each document a date.
CHECK_DRAFT = (
    f"Số 90-BC/TU\n\n# BÁO CÁO\n\n{COMMON}\n\n"
    "Chương trình bảo vệ rừng phòng hộ đầu nguồn có mã đối chiếu riêng, giao khoán 40 nghìn héc-ta.\n\n"
    + "".join(f"Thông báo số {DOC_ID[r]} ngày 20/6/2025 về chương trình bảo vệ rừng phòng hộ đầu nguồn.\n" for r in range(4))
)


def shown_by_check(report: dict[str, Any]) -> str:
    """What a check shows beyond the draft's own words: evidence, differences, flags, notes, resolved directives."""
    parts = [report["against"], report["notes"], report["errors"]]
    for st in report["statements"]:
        parts += [st["evidence"], [d["directive"] for d in st["differences"]], st["flags"], st["note"]]
    return json.dumps(parts, ensure_ascii=False)


@RANKS
def test_draft_check_evidence_notes_and_prompts(office: Office, rank: int) -> None:
    generator = office.pipeline.generator
    assert isinstance(generator, RepeatingGenerator)
    generator.prompts.clear()
    with office.client(f"u{rank}") as c:
        plain = c.post("/check", json={"text": CHECK_DRAFT})
        streamed = c.post("/check", json={"text": CHECK_DRAFT, "stream": True})
        md = c.post("/check", json={"text": CHECK_DRAFT, "format": "md"})
    assert plain.status_code == streamed.status_code == md.status_code == 200, plain.text
    report = plain.json()
    assert_clean(plain.text + streamed.text + md.text, rank, ids=False)  # the draft names every document itself
    assert_clean(shown_by_check(report), rank)
    assert_clean(shown_by_check(sse_events(streamed.text)[-1][1]), rank)
    dated = report["statements"][2:]
    # control: a date given to a visible document is checked against its issue date; a hidden one is not
    assert [any(d["kind"] == "date" for d in st["differences"]) for st in dated] == [r <= rank for r in range(4)]
    evidence = [e for st in report["statements"] for e in st["evidence"]]
    assert evidence and {e["doc_id"] for e in evidence} <= {DOC_ID[r] for r in range(rank + 1)}
    assert any(CANARY[r] in e["context"]["text"] for e in evidence for r in range(rank + 1))  # control
    prompts = "\n".join(m.content for prompt in generator.prompts for m in prompt)
    assert_clean(prompts, rank, ids=False)  # the statements in the prompts name the documents themselves


@RANKS
def test_existence_draft_check_against_a_hidden_document_is_like_one_that_does_not_exist(office: Office, rank: int) -> None:
    with office.client(f"u{rank}") as c:
        absent = c.post("/check", json={"text": CHECK_DRAFT, "against": ["99-TB/TU"]})
        assert absent.status_code == 422
        for r in range(4):
            for stream in (False, True):
                reply = c.post("/check", json={"text": CHECK_DRAFT, "against": [DOC_ID[r]], "stream": stream})
                if r > rank:  # the same status and message as a document that was never indexed
                    assert reply.status_code == 422
                    assert reply.json()["detail"] == absent.json()["detail"].replace("99-TB/TU", DOC_ID[r])
                else:
                    assert reply.status_code == 200
                    body = sse_events(reply.text)[-1][1] if stream else reply.json()
                    assert body["against"] == [DOC_ID[r]]
                    assert {e["doc_id"] for st in body["statements"][:2] for e in st["evidence"]} == {DOC_ID[r]}
                    # a date given to a document is quoted from that document, when the reader may see it
                    evidence = {e["doc_id"] for st in body["statements"] for e in st["evidence"]}
                    assert evidence <= {DOC_ID[x] for x in range(rank + 1)}
                    assert_clean(shown_by_check(body), rank)


# --- existence canaries: for each route, a document above the reader's clearance and a document that was never
# indexed (ABSENT) give the same response, counts included, once the two numbers are swapped in the text.
ABSENT = "99-TB/TU"
BELOW_TOP = pytest.mark.parametrize("rank", range(3), ids=LEVELS[:3])


def swapped(text: str, doc_id: str) -> str:
    return text.replace(doc_id, ABSENT)


@BELOW_TOP
def test_existence_document_view_and_delete(office: Office, rank: int) -> None:
    with office.client(f"u{rank}") as c:
        for r in range(rank + 1, 4):
            for method in ("GET", "DELETE"):
                for variant in (lambda d: d, lambda d: d.replace("/", "%2F"), str.lower, lambda d: f"{d}/"):
                    never = c.request(method, f"/documents/{variant(ABSENT)}")
                    hidden_reply = c.request(method, f"/documents/{variant(DOC_ID[r])}")
                    assert hidden_reply.status_code == never.status_code == 404, (method, hidden_reply.text)
                    shown = hidden_reply.text.replace(DOC_ID[r], ABSENT).replace(DOC_ID[r].lower(), ABSENT.lower())
                    assert shown == never.text


@BELOW_TOP
def test_existence_answers_and_chat_completions(office: Office, rank: int) -> None:
    with office.client(f"u{rank}") as c:
        for r in range(rank + 1, 4):
            # restricted to the named document: nothing at all to search, whether it is hidden or absent
            a = c.post("/ask", json={"question": TOPIC, "doc_ids": [DOC_ID[r]]})
            b = c.post("/ask", json={"question": TOPIC, "doc_ids": [ABSENT]})
            assert a.status_code == b.status_code == 200
            untimed = [{k: v for k, v in x.json().items() if k != "timings"} for x in (a, b)]
            assert "timings" in a.json() and untimed[1]["passages"] == []
            assert swapped(json.dumps(untimed[0], ensure_ascii=False), DOC_ID[r]) == json.dumps(untimed[1], ensure_ascii=False)
            # named in the question: the same notes, the same kind of answer
            a_body = c.post("/ask", json={"question": f"Thông báo số {DOC_ID[r]} quy định gì?"}).json()
            b_body = c.post("/ask", json={"question": f"Thông báo số {ABSENT} quy định gì?"}).json()
            assert [swapped(n, DOC_ID[r]) for n in a_body["notes"]] == b_body["notes"]
            assert a_body["mode"] == b_body["mode"]
            chat = [
                c.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": f"Thông báo số {d} quy định gì?"}]})
                for d in (DOC_ID[r], ABSENT)
            ]
            assert chat[0].status_code == chat[1].status_code == 200
            texts = [x.json()["choices"][0]["message"]["content"] for x in chat]
            assert (f"Văn bản {DOC_ID[r]} không có" in texts[0]) and (f"Văn bản {ABSENT} không có" in texts[1])


@BELOW_TOP
def test_existence_listings_and_health_count_only_what_the_reader_sees(office: Office, rank: int) -> None:
    with office.client(f"u{rank}") as c:
        listed = c.get("/documents").json()
        health = c.get("/health").json()
    assert len(listed) == health["documents"] == rank + 1
    assert {d["doc_id"] for d in listed} == {DOC_ID[x] for x in range(rank + 1)}


def _run(c: TestClient, items: list[dict[str, Any]]) -> dict[str, Any]:
    body = "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items).encode()
    started = c.post("/eval/runs", files={"file": ("items.jsonl", body)})
    assert started.status_code == 202, started.text
    return {"started": started.json(), "run": _wait(c, started.json()["id"])}


def _untimed(x: Any) -> Any:
    """`x` without what depends on the clock (timings, latencies)."""
    if isinstance(x, dict):
        return {k: _untimed(v) for k, v in x.items() if k != "timings" and "latency" not in k and not k.endswith("_s")}
    if isinstance(x, list):
        return [_untimed(v) for v in x]
    return x


def _comparable(x: dict[str, Any]) -> str:
    started = {k: v for k, v in x["started"].items() if k not in ("id", "created", "status", "finished", "done")}
    run = {k: v for k, v in x["run"].items() if k not in ("id", "created", "finished", "summary")}
    metrics = (x["run"]["summary"] or {}).get("metrics")
    return json.dumps(_untimed([started, run, metrics]), ensure_ascii=False, sort_keys=True)


@BELOW_TOP
def test_existence_evaluation_runs_count_hidden_and_absent_documents_alike(office: Office, rank: int) -> None:
    def items(named: str) -> list[dict[str, Any]]:
        return [
            {"id": "seen", "question": TOPIC, "expected_docs": [DOC_ID[rank]], "answerable": True},
            {"id": "named", "question": "Mã đối chiếu là gì?", "expected_docs": [named], "answerable": True},
            {"id": "both", "question": TOPIC, "expected_docs": [DOC_ID[0], named], "answerable": True},
        ]

    with office.client(f"u{rank}") as c:
        never = _run(c, items(ABSENT))
        assert never["started"]["withheld"] == 2 and never["started"]["total"] == 1  # control: absent ones are withheld
        assert [i["id"] for i in never["run"]["items"]] == ["seen"]
        for r in range(rank + 1, 4):
            hidden_run = _run(c, items(DOC_ID[r]))
            assert swapped(_comparable(hidden_run), DOC_ID[r]) == _comparable(never)
            report = c.get(f"/eval/runs/{hidden_run['started']['id']}/report")
            assert report.status_code == 200
            assert_clean(report.text, rank)


def _notice(number: str) -> bytes:
    return (
        f"TỈNH ỦY HÒA LÂM\n\nSố {number}\n\n# THÔNG BÁO\n\nvề lịch họp giao ban\n\n## 1. Nội dung\n\n"
        f"Họp giao ban vào thứ hai đầu tháng, theo thông báo này.\n"
    ).encode()


@BELOW_TOP
def test_existence_upload_with_a_hidden_documents_number_is_keyed_like_a_free_one(office: Office, rank: int) -> None:
    """The uploaded document's key never depends on whether its number is taken: every upload is keyed
    `<number>@<file stem>-<8 hex>`, so neither the key nor the status tells a taken number from a free one."""
    with office.client(f"u{rank}") as c:
        for r in range(rank + 1, 4):
            replies = []
            try:
                for number in (DOC_ID[r], ABSENT):
                    replies.append(upload(c, f"giao-ban-{r}.md", _notice(number), level=LEVELS[rank]))
                    assert replies[-1].status_code == 201, replies[-1].text
                    assert replies[-1].json()["status"] == "added", replies[-1].text
                    assert c.delete(f"/documents/{replies[-1].json()['key']}").status_code == 204
                a, b = (x.json() for x in replies)
                assert a["key"].startswith(f"{DOC_ID[r]}@giao-ban-{r}-")
                assert swapped(json.dumps(a, ensure_ascii=False), DOC_ID[r]) == json.dumps(b, ensure_ascii=False)
            finally:
                for x in replies:
                    c.delete(f"/documents/{x.json().get('key')}")
            # relations: a visible document naming the hidden one says "not indexed", as for an absent one
            ref = (
                f"TỈNH ỦY HÒA LÂM\n\nSố 70-TB/TU\n\n# THÔNG BÁO\n\nvề việc thực hiện\n\n## 1. Nội dung\n\n"
                f"Thông báo này thực hiện Thông báo số {DOC_ID[r]} và Thông báo số {ABSENT}.\n"
            )
            made = upload(c, "thuc-hien.md", ref.encode(), level=LEVELS[rank])
            assert made.status_code == 201, made.text
            try:
                outgoing = c.get(f"/documents/{made.json()['key']}").json()["relations"]["outgoing"]
                by_target = {o["doc_id"]: o for o in outgoing}
                assert by_target[DOC_ID[r]] == {**by_target[ABSENT], "doc_id": DOC_ID[r]}
                assert by_target[ABSENT]["indexed"] is False
            finally:
                assert c.delete(f"/documents/{made.json()['key']}").status_code == 204
