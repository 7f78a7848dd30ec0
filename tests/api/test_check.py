"""POST /check over a real index (embedded Chroma, the sample corpus, fake embedder and LLM): the report as the
CLI's JSON with passages to highlight, Markdown and HTML, pasted text and uploaded files, progress as server-sent
events, permissions, clear 4xx errors for bad drafts, 429 when the answer line is full, and the audit record."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.api.limits import AnswerLimiter, Slot
from assistant.check.report import report_json
from assistant.pipeline import Pipeline
from assistant.text.normalize import match_key
from assistant.types import Filters
from tests.api.conftest import Office, sse_events
from tests.fakes import HashEmbedder

DRAFT = (
    "# BÁO CÁO kết quả thực hiện Nghị quyết số 15-NQ/TU\n\n## I- KẾT QUẢ\n\n"
    "1. Tỉnh phấn đấu đến năm 2030 tổng chi cho nghiên cứu khoa học và phát triển công nghệ đạt 1,5% GRDP. "
    "Kinh tế số chiếm 30% GRDP của tỉnh vào năm 2030.\n"
)
MISSING = "Văn bản {} không có trong kho tài liệu đã nạp."
INVALID = "Yêu cầu không hợp lệ:"  # a 422 the request model refused, in Vietnamese


def check(c: TestClient, text: str = DRAFT, **body: Any) -> Any:
    return c.post("/check", json={"text": text, "name": "bao-cao.md", "against": ["15-NQ/TU"], **body})


@pytest.fixture(scope="module")
def drafter(office: Office) -> Iterator[TestClient]:
    with office.client("drafter") as c:
        yield c


def test_a_pasted_draft_gets_the_cli_report_with_each_quote_in_its_passage(
    office: Office, drafter: TestClient, sample_pipeline: Pipeline
) -> None:
    r = check(drafter)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json; charset=utf-8"
    body = r.json()
    assert [s["verdict"] for s in body["statements"]] == ["consistent", "contradicts"]
    assert body["summary"] == {"statements": 2, "consistent": 1, "contradicts": 1, "not_covered": 0, "flagged": 0}
    assert (body["draft"], body["against"], body["exit_code"], body["errors"]) == ("bao-cao.md", ["15-NQ/TU"], 1, [])
    assert body["statements"][1]["differences"][0] | {"kind_label": ""} == {
        "kind": "percentage", "kind_label": "", "stated": "30%", "directive": "25%",
    }  # fmt: skip
    # the same report as `assistant check --format json` at the drafter's clearance, plus each passage's text
    cli = report_json(sample_pipeline.check(("bao-cao.md", DRAFT), ["15-NQ/TU"], filters=Filters(max_access_rank=2)))
    for st in body["statements"]:
        for e in st["evidence"]:
            assert e.pop("key") == "15-NQ/TU"
            ctx = e.pop("context")
            assert match_key(ctx["text"][ctx["quote_start"] : ctx["quote_end"]]) == match_key(e["quote"])
            assert len(ctx["text"]) > len(e["quote"])
            doc = drafter.get("/documents/15-NQ/TU").json()["text"]
            assert doc[ctx["start"] : ctx["start"] + len(ctx["text"])] == ctx["text"]
    assert {k: v for k, v in body.items() if k != "timings"} == {k: v for k, v in cli.items() if k != "timings"}
    assert "25% GRDP" in body["statements"][1]["evidence"][0]["quote"]
    assert body["statements"][1]["rewrite"] and "25% GRDP" in body["statements"][1]["rewrite"]


def test_markdown_and_html_reports(drafter: TestClient) -> None:
    md = check(drafter, format="md")
    assert md.status_code == 200 and md.headers["content-type"] == "text/markdown; charset=utf-8"
    assert md.text.startswith("# Kiểm tra dự thảo: bao-cao.md") and "mâu thuẫn" in md.text
    html = check(drafter, format="html")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert html.headers["content-security-policy"].startswith("default-src 'none'")
    assert 'class="card v-contradicts"' in html.text


def test_an_uploaded_draft_file_is_checked(drafter: TestClient, sample_dir: Path) -> None:
    r = drafter.post("/check", files={"file": ("bao-cao.md", DRAFT.encode(), "text/markdown")}, data={"against": "15-NQ/TU"})
    assert r.status_code == 200, r.text
    assert [s["verdict"] for s in r.json()["statements"]] == ["consistent", "contradicts"]
    docx = (sample_dir / "ket-luan-08-KL-TU.docx").read_bytes()
    r = drafter.post("/check", files={"file": ("ket-luan.docx", docx)}, data={"against": "15-NQ/TU, NQ 15", "format": "json"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["draft"] == "ket-luan.docx" and body["against"] == ["15-NQ/TU"] and body["summary"]["statements"] > 3
    assert r.json()["summary"]["consistent"] >= 1


def test_progress_streams_before_the_report(drafter: TestClient) -> None:
    r = check(drafter, stream=True)
    assert r.status_code == 200 and r.headers["content-type"] == "text/event-stream; charset=utf-8"
    events = sse_events(r.text)
    assert events[:3] == [("progress", {"done": n, "total": 2}) for n in range(3)]
    assert [k for k, _ in events] == ["progress"] * 3 + ["report"]
    report = events[-1][1]
    assert [s["verdict"] for s in report["statements"]] == ["consistent", "contradicts"]
    assert report["statements"][0]["evidence"][0]["context"]["quote_start"] is not None
    upload = {"file": ("bao-cao.md", DRAFT.encode())}
    streamed = drafter.post("/check", files=upload, data={"against": "15-NQ/TU", "stream": "true"})
    assert [k for k, _ in sse_events(streamed.text)] == ["progress"] * 3 + ["report"]


def test_only_roles_with_the_check_permission(office: Office) -> None:
    for role in ("drafter", "reviewer", "admin"):
        with office.client(role) as c:
            assert check(c).status_code == 200, role
    with office.client("analyst") as c:
        r = check(c)
        refused = "vai trò chuyên viên phân tích không được kiểm tra dự thảo (the role 'analyst' may not check)"
        assert r.status_code == 403 and r.json() == {"detail": refused}
    assert office.anonymous().post("/check", json={"text": DRAFT}).status_code == 401


@pytest.mark.parametrize(
    ("files", "status", "detail"),
    [
        ({"file": ("du-thao.exe", b"MZ\x90")}, 415, "du-thao.exe: không hỗ trợ tệp loại .exe"),
        ({"file": ("du-thao.md", b"")}, 422, "du-thao.md: tệp rỗng (du-thao.md: empty file)"),
        ({"file": ("du-thao.pdf", b"%PDF-1.4 not really a pdf")}, 422, "du-thao.pdf: không đọc được tệp PDF"),
        ({"file": ("du-thao.txt", "Kinh tế số".encode()[:-1] + b"\xff")}, 422, "du-thao.txt: không phải văn bản UTF-8 hợp lệ"),
        ({"file": (".an.md", b"x")}, 422, "tên tệp '.an.md' không dùng được"),
        ({"other": ("du-thao.md", b"x")}, 422, "không có tệp nào"),
    ],
)
def test_a_bad_upload_gets_one_clear_error_naming_the_file(
    drafter: TestClient, files: dict[str, Any], status: int, detail: str
) -> None:
    r = drafter.post("/check", files=files, data={"against": "15-NQ/TU"})
    assert r.status_code == status, r.text
    assert r.json()["detail"].startswith(detail), r.json()


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"text": "  "}, 422, f"{INVALID} text: chưa có nội dung"),
        ({"text": DRAFT, "name": "du-thao.docx"}, 422, f"{INVALID} name: tên 'du-thao.docx'"),
        ({"text": DRAFT, "format": "pdf"}, 422, f"{INVALID} format: không phải giá trị được chấp nhận (Input should be 'json'"),
        ({"text": DRAFT, "format": "md", "stream": True}, 422, "chế độ stream chỉ trả báo cáo JSON"),
        ({"text": DRAFT, "against": ["99-NQ/TW"]}, 422, MISSING.format("99-NQ/TW")),
        ({"text": "Số 5.\n\n---\n"}, 422, "du-thao.txt: không tìm thấy câu nào để kiểm tra."),
        ({"text": DRAFT, "against": ["99-NQ/TW"], "stream": True}, 422, MISSING.format("99-NQ/TW")),
    ],
)
def test_a_bad_request_gets_one_clear_error(drafter: TestClient, body: dict[str, Any], status: int, detail: str) -> None:
    r = drafter.post("/check", json=body)
    assert r.status_code == status, r.text
    assert r.json()["detail"].startswith(detail), r.json()


def test_wrong_content_type_and_size_limits(office: Office, sample_pipeline: Pipeline) -> None:
    with office.client("drafter") as c:
        r = c.post("/check", content=DRAFT.encode(), headers={"Content-Type": "text/plain"})
        assert r.status_code == 415 and "multipart/form-data" in r.json()["detail"]
    small = Pipeline(sample_pipeline.settings.model_copy(update={"max_file_mb": 0.001}), embedder=HashEmbedder())
    try:
        auth = {"Authorization": f"Bearer {office.tokens['drafter']}"}
        with TestClient(create_app(small.settings, small, users=office.service.users), headers=auth) as c:
            big = DRAFT * 20
            r = c.post("/check", files={"file": ("lớn.md", big.encode())})
            too_big = "lớn.md: tệp vượt giới hạn tải lên 0.001 MB (lớn.md: file is over the 0.001 MB upload limit)"
            assert r.status_code == 413 and r.json()["detail"] == too_big
            r = c.post("/check", json={"text": big})
            too_big = "dự thảo vượt giới hạn 0.001 MB (the draft is over the 0.001 MB limit)"
            assert r.status_code == 413 and r.json()["detail"] == too_big
    finally:
        small.close()


def test_a_directive_above_the_clearance_is_answered_like_a_missing_one(office: Office) -> None:
    svc = office.service
    svc.users.add_user("soan-cong-khai", "drafter", "công khai")
    token = svc.users.issue_token("soan-cong-khai", "test")[1]
    with TestClient(office.app, headers={"Authorization": f"Bearer {token}"}) as low, office.client("drafter") as high:
        assert check(high, against=["45-BC/TU"]).status_code == 200  # control: nội bộ, within "mật"
        hidden = check(low, against=["45-BC/TU"])
        absent = check(low, against=["46-BC/TU"])
        assert hidden.status_code == absent.status_code == 422
        assert hidden.json() == {"detail": MISSING.format("45-BC/TU")} and absent.json() == {"detail": MISSING.format("46-BC/TU")}
        whole = check(low, against=[]).json()
        assert whole["statements"] and all(e["doc_id"] != "45-BC/TU" for s in whole["statements"] for e in s["evidence"])


@pytest.fixture
def saturated(office: Office) -> Iterator[Slot]:
    """The shared office with a limiter that admits one answer and queues none, its slot taken."""
    svc = office.service
    original = svc.answers
    svc.answers = AnswerLimiter(concurrent=1, queued=0, wait_s=1, estimate_s=9.0)
    held = asyncio.run(svc.answers.acquire())
    try:
        yield held
    finally:
        held.release()
        svc.answers = original


def test_a_check_waits_its_turn_with_the_answers(office: Office, drafter: TestClient, saturated: Slot) -> None:
    bodies: list[dict[str, Any]] = [{}, {"stream": True}]
    for body in bodies:
        r = check(drafter, **body)
        assert r.status_code == 429 and r.headers["retry-after"] == "9"
        assert "Máy chủ đang bận" in r.json()["detail"]
    upload = drafter.post("/check", files={"file": ("bao-cao.md", DRAFT.encode())})
    assert upload.status_code == 429
    saturated.release()
    assert check(drafter).status_code == 200
    assert check(drafter, stream=True).status_code == 200
    assert office.service.answers.stats()["running"] == 0  # every check gave its slot back


def test_every_check_is_audited_with_the_passages_shown(office: Office, drafter: TestClient) -> None:
    audit = office.service.audit
    before = sum(1 for _ in audit.entries())
    shown = check(drafter).json()
    check(drafter, stream=True)
    drafter.post("/check", files={"file": ("bao-cao.md", DRAFT.encode())}, data={"against": "15-NQ/TW"})
    checks = [e for e in list(audit.entries())[before:] if e["action"] == "check"]
    assert [(e["actor"], e["details"]["channel"], e["details"]["source"]) for e in checks] == [
        ("drafter", "api", "text"), ("drafter", "stream", "text"), ("drafter", "api", "upload"),
    ]  # fmt: skip
    first = checks[0]["details"]
    assert first["draft"] == "bao-cao.md" and first["sha256"] == hashlib.sha256(DRAFT.encode()).hexdigest()
    assert first["bytes"] == len(DRAFT.encode()) and first["against"] == first["resolved"] == ["15-NQ/TU"]
    assert first["summary"] == {"consistent": 1, "contradicts": 1, "not_covered": 0} and first["complete"] is True
    evidence = [(e["doc_id"], e["chunk_id"], e["start"], e["end"]) for s in shown["statements"] for e in s["evidence"]]
    assert [(p["doc_id"], p["chunk_id"], p["start"], p["end"]) for p in first["passages"]] == evidence and evidence
    assert checks[1]["details"]["passages"] == first["passages"] and checks[1]["details"]["complete"] is True
    refused = checks[2]["details"]  # a directive that is not indexed: what was asked, nothing shown
    assert refused["errors"] == [MISSING.format("15-NQ/TW")] and refused["passages"] == [] and refused["complete"] is False
    assert audit.verify().ok
