"""The HTTP API over a real pipeline: embedded Chroma, the sample corpus, fake embedder and scripted LLM."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Generator, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient

from assistant.answer import Event
from assistant.api import TITLE, _stream, _UploadReader, create_app, safe_filename
from assistant.pipeline import Pipeline
from assistant.settings import Settings
from assistant.types import ChatMessage
from tests.conftest import REPO
from tests.fakes import HashEmbedder, ScriptedGenerator

SAMPLE_IDS = {"15-NQ/TU", "08-KL/TU", "112/KH-UBND", "45-BC/TU", "05-CT/TU"}
ANSWERABLE = "Nghị quyết số 15-NQ/TU đặt mục tiêu kinh tế số chiếm bao nhiêu phần trăm GRDP của tỉnh Hòa Lâm đến năm 2030?"
UNANSWERABLE = "Tỉnh Hòa Lâm đặt mục tiêu bao nhiêu khách du lịch quốc tế?"
QUOTE = "Kinh tế số chiếm 25% GRDP của tỉnh."
# Cites the quote from each of the first three passages: whichever holds it verifies, the rest are dropped,
# so the answer is "generated" however the ranking among those three changes.
GOOD_OUTPUT = json.dumps(
    {
        "found": True,
        "claims": [
            {"passage": n, "quote": QUOTE, "answer": "Đến năm 2030, kinh tế số chiếm 25% GRDP của tỉnh Hòa Lâm."}
            for n in (1, 2, 3)
        ],
    },
    ensure_ascii=False,
)
NOTICE = """TỈNH ỦY HÒA LÂM

Số 21-TB/TU

Hòa Lâm, ngày 5 tháng 5 năm 2025

# THÔNG BÁO

về lịch tiếp công dân định kỳ của Thường trực Tỉnh ủy

## 1. Lịch tiếp công dân

Thường trực Tỉnh ủy tiếp công dân định kỳ vào ngày 15 hằng tháng tại Trụ sở tiếp công dân của tỉnh.

## 2. Tổ chức thực hiện

Văn phòng Tỉnh ủy chủ trì, phối hợp với Ban Tiếp công dân tỉnh chuẩn bị địa điểm, tổng hợp kết quả tiếp công dân.
"""


class OverlapProbe(ScriptedGenerator):
    """A scripted LLM that is slow and notes how many answers it was producing at the same time."""

    def __init__(self, outputs: Sequence[str]) -> None:
        super().__init__(outputs)
        self.active = 0
        self.max_active = 0
        self._guard = threading.Lock()

    def stream(self, messages: Sequence[ChatMessage], *, json_schema: dict[str, object] | None = None) -> Iterator[str]:
        with self._guard:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            for piece in super().stream(messages, json_schema=json_schema):
                time.sleep(0.002)
                yield piece
        finally:
            with self._guard:
                self.active -= 1


def make_pipeline(root: Path, *, generator: ScriptedGenerator | None = None, **settings: Any) -> Pipeline:
    s = Settings(index_dir=root / "idx", model_dir=root / "m", answer_mode="generate", **settings)
    return Pipeline(s, embedder=HashEmbedder(), generator=generator or ScriptedGenerator([]))


@pytest.fixture(scope="module")
def sample_pipeline(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Iterator[Pipeline]:
    pipe = make_pipeline(tmp_path_factory.mktemp("api"), generator=OverlapProbe([GOOD_OUTPUT] * 40))
    reports = pipe.ingest([sample_dir])
    assert {r.status for r in reports} == {"added"}, reports
    yield pipe
    pipe.close()


@pytest.fixture(scope="module")
def client(sample_pipeline: Pipeline) -> Iterator[TestClient]:
    with TestClient(create_app(sample_pipeline)) as c:
        yield c


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[tuple[TestClient, Pipeline]]:
    """An empty index, for tests that add and remove documents."""
    pipe = make_pipeline(tmp_path)
    with TestClient(create_app(pipe)) as c:
        yield c, pipe
    pipe.close()


def sse_events(body: str) -> list[tuple[str, Any]]:
    events = []
    for block in body.split("\n\n"):
        if not block.strip():
            continue
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        assert set(fields) == {"event", "data"}, block
        events.append((fields["event"], json.loads(fields["data"])))
    return events


def upload(client: TestClient, name: str, data: bytes, ctype: str = "text/markdown") -> Any:
    return client.post("/documents", files={"file": (name, data, ctype)})


# --- import and app ------------------------------------------------------------------------------


def test_import_builds_nothing_heavy() -> None:
    heavy = ["torch", "llama_cpp", "chromadb", "sentence_transformers", "unstructured", "transformers"]
    code = (
        "import json, sys\n"
        "from fastapi import FastAPI\n"
        "import assistant.api as api\n"
        f"heavy = [m for m in {heavy!r} if m in sys.modules]\n"
        "apps = [k for k, v in vars(api).items() if isinstance(v, FastAPI)]\n"
        "print(json.dumps({'heavy': heavy, 'apps': apps, 'fastapi': 'fastapi' in sys.modules}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result == {"heavy": [], "apps": [], "fastapi": True}


def test_openapi_title_and_docs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["info"]["title"] == TITLE == "Trợ lý nghiên cứu văn bản"
    assert "multipart/form-data" in spec["paths"]["/documents"]["post"]["requestBody"]["content"]
    assert {"/health", "/ask", "/documents", "/documents/{key}"} <= set(spec["paths"])
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_health_counts(client: TestClient) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "documents": 5, "embedder": "hash-64", "answer_mode": "generate"}


def test_health_of_an_empty_index(fresh: tuple[TestClient, Pipeline]) -> None:
    client, _ = fresh
    assert client.get("/health").json()["documents"] == 0
    assert client.get("/health").json()["embedder"] is None


# --- documents -------------------------------------------------------------------------------------


def test_list_documents_is_utf8_json(client: TestClient) -> None:
    r = client.get("/documents")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json; charset=utf-8"
    assert "chuyển đổi số".encode() in r.content  # raw UTF-8, not \u escapes
    assert b"\\u" not in r.content
    docs = {d["doc_id"]: d for d in r.json()}
    assert set(docs) == SAMPLE_IDS
    nq = docs["15-NQ/TU"]
    assert nq["key"] == "15-NQ/TU"
    assert (nq["type"], nq["number"], nq["issuer"], nq["issued"]) == ("NQ", "15", "TU", "2024-03-12")
    assert "hòa lâm" in nq["issuer_name"].lower()
    assert nq["source_name"] == "nghi-quyet-15-NQ-TU.md"
    assert "chuyển đổi số" in nq["title"]
    assert docs["45-BC/TU"]["access_level"] == "nội bộ"
    assert all(d["passages"] > 0 for d in docs.values())
    assert set(nq) >= {"doc_id", "key", "type", "number", "issuer", "issuer_name", "issued", "title", "access_level"}


def test_get_document_with_chunks_and_relations(client: TestClient) -> None:
    r = client.get("/documents/15-NQ/TU")
    assert r.status_code == 200
    doc = r.json()
    assert doc["doc_id"] == "15-NQ/TU"
    text = doc["text"]
    assert "Kinh tế số chiếm 25% GRDP" in text
    assert len(doc["chunks"]) == doc["passages"] > 1
    assert [c["ordinal"] for c in doc["chunks"]] == list(range(len(doc["chunks"])))
    for c in doc["chunks"]:
        assert 0 <= c["start"] < c["end"] <= len(text)
        assert text[c["start"] : c["end"]].strip()
        assert c["chunk_id"] == f"15-NQ/TU#{c['ordinal']}"
    assert any("Mục tiêu" in c["breadcrumb"] for c in doc["chunks"])
    incoming = {(i["relation"], i["doc_id"]) for i in doc["relations"]["incoming"]}
    assert ("implements", "112/KH-UBND") in incoming
    assert ("continues", "08-KL/TU") in incoming


def test_get_document_whose_id_has_a_slash_in_the_middle(client: TestClient) -> None:
    doc = client.get("/documents/112/KH-UBND").json()
    assert doc["doc_id"] == "112/KH-UBND"
    assert {"relation": "implements", "doc_id": "15-NQ/TU", "indexed": True} in doc["relations"]["outgoing"]


def test_unknown_document_is_404(client: TestClient) -> None:
    r = client.get("/documents/99-NQ/TW")
    assert r.status_code == 404
    assert "99-NQ/TW" in r.json()["detail"]
    assert client.delete("/documents/99-NQ/TW").status_code == 404


# --- questions -------------------------------------------------------------------------------------


def test_unanswerable_question_is_refused(client: TestClient) -> None:
    r = client.post("/ask", json={"question": UNANSWERABLE})
    assert r.status_code == 200
    body = r.json()
    assert body["mode"] == "refused"
    assert body["citations"] == []
    assert body["question"] == UNANSWERABLE
    assert "Không tìm thấy căn cứ" in body["answer"]


def test_answerable_question_is_answered_with_verified_citations(client: TestClient) -> None:
    r = client.post("/ask", json={"question": ANSWERABLE})
    assert r.status_code == 200
    body = r.json()
    assert body["mode"] == "generated"
    assert "25% GRDP" in body["answer"]
    assert body["citations"], body
    cite = body["citations"][0]
    assert set(cite) == {"n", "doc_id", "breadcrumb", "quote", "verified", "chunk_id", "start", "end"}
    assert cite["verified"] is True and cite["doc_id"] == "15-NQ/TU"
    passage = body["passages"][cite["n"] - 1]
    assert passage["n"] == cite["n"] and passage["chunk_id"] == cite["chunk_id"]
    assert QUOTE in passage["text"]
    # the offsets point into the document text that /documents serves
    text = client.get("/documents/15-NQ/TU").json()["text"]
    assert text[cite["start"] : cite["end"]] == cite["quote"]
    assert set(body) == {"question", "answer", "mode", "citations", "passages", "notes", "timings"}
    assert body["timings"]["total"] > 0
    assert [p["n"] for p in body["passages"]] == list(range(1, len(body["passages"]) + 1))


def test_stream_sends_passages_then_tokens_then_answer(client: TestClient) -> None:
    r = client.post("/ask", json={"question": ANSWERABLE, "stream": True})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    events = sse_events(r.text)
    kinds = [k for k, _ in events]
    assert kinds[0] == "passages" and kinds[-1] == "answer"
    assert set(kinds[1:-1]) == {"token"}
    assert "".join(data for kind, data in events if kind == "token") == GOOD_OUTPUT
    answer = events[-1][1]
    assert answer["mode"] == "generated"
    assert [p["chunk_id"] for p in events[0][1]] == [p["chunk_id"] for p in answer["passages"]]


def test_stream_of_a_refusal_has_no_tokens(client: TestClient) -> None:
    r = client.post("/ask", json={"question": UNANSWERABLE, "stream": True})
    events = sse_events(r.text)
    assert [k for k, _ in events] == ["passages", "answer"]
    assert events[1][1]["mode"] == "refused"


def test_filters_reach_retrieval(client: TestClient) -> None:
    question = "kinh tế số chiếm bao nhiêu phần trăm GRDP"
    by_type = client.post("/ask", json={"question": question, "doc_types": ["KH"]}).json()
    assert by_type["passages"] and {p["doc_id"] for p in by_type["passages"]} == {"112/KH-UBND"}
    by_date = client.post("/ask", json={"question": question, "date_to": "2024-03-31"}).json()
    assert by_date["passages"] and {p["doc_id"] for p in by_date["passages"]} == {"15-NQ/TU"}


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"question": ""}, "question is empty"),
        ({"question": "   \n "}, "question is empty"),
        ({}, "question"),
        ({"question": "x", "date_from": "2025-01-01", "date_to": "2024-01-01"}, "after date_to"),
        ({"question": "x", "date_from": "2024-13-01"}, "date"),
        ({"question": "x", "doc_id": "15-NQ/TU"}, "doc_id"),
    ],
)
def test_bad_questions_are_422(client: TestClient, body: dict[str, Any], needle: str) -> None:
    r = client.post("/ask", json=body)
    assert r.status_code == 422
    assert needle in json.dumps(r.json(), ensure_ascii=False)


def test_one_answer_at_a_time(client: TestClient, sample_pipeline: Pipeline) -> None:
    probe = sample_pipeline.generator
    assert isinstance(probe, OverlapProbe)
    with ThreadPoolExecutor(4) as pool:
        responses = list(pool.map(lambda _: client.post("/ask", json={"question": ANSWERABLE}), range(4)))
    assert [r.status_code for r in responses] == [200] * 4
    assert {r.json()["mode"] for r in responses} == {"generated"}
    assert probe.max_active == 1


class Exploding(ScriptedGenerator):
    """An LLM backend that fails midway with an error the answerer does not handle."""

    def stream(self, messages: Sequence[ChatMessage], *, json_schema: dict[str, object] | None = None) -> Iterator[str]:
        yield '{"found": '
        raise ValueError("backend fell over")


def test_stream_failing_midway_ends_with_an_error_event_and_frees_the_model(sample_pipeline: Pipeline) -> None:
    broken = Pipeline(sample_pipeline.settings, embedder=HashEmbedder(), generator=Exploding([]))
    try:
        with TestClient(create_app(broken)) as c, ThreadPoolExecutor(1) as pool:
            for _ in range(2):  # the second request would hang if the first had kept the lock
                r = pool.submit(c.post, "/ask", json={"question": ANSWERABLE, "stream": True}).result(timeout=30)
                events = sse_events(r.text)
                assert [k for k, _ in events] == ["passages", "token", "error"]
                assert "backend fell over" in events[-1][1]["detail"]
    finally:
        broken.close()


def test_closing_a_stream_early_releases_the_lock() -> None:
    lock = threading.Lock()

    def answer_events() -> Generator[Event, None, None]:
        with lock:
            yield Event("passages")
            yield Event("token", text="một")
            yield Event("token", text="hai")

    it = answer_events()
    first = next(it)
    assert lock.locked()

    async def client_reads_one_then_leaves() -> bytes:
        events = _stream(first, it)
        got = await events.__anext__()
        await events.aclose()
        return got

    assert anyio.run(client_reads_one_then_leaves).startswith(b"event: passages\ndata: []")
    assert not lock.locked()


def test_index_built_with_another_embedder_is_409(sample_pipeline: Pipeline) -> None:
    other = Pipeline(sample_pipeline.settings, embedder=HashEmbedder(name="other-64"), generator=ScriptedGenerator([]))
    try:
        with TestClient(create_app(other)) as c:
            for stream in (False, True):
                r = c.post("/ask", json={"question": ANSWERABLE, "stream": stream})
                assert r.status_code == 409
                assert "hash-64" in r.json()["detail"]
    finally:
        other.close()


# --- uploads ---------------------------------------------------------------------------------------


def test_upload_lists_asks_and_deletes(fresh: tuple[TestClient, Pipeline]) -> None:
    client, pipe = fresh
    uploads = pipe.settings.index_dir / "uploads"
    r = upload(client, "thong-bao-21.md", NOTICE.encode())
    assert r.status_code == 201, r.text
    added = r.json()
    assert added["status"] == "added" and added["doc_id"] == "21-TB/TU" and added["key"] == "21-TB/TU"
    assert added["file"] == "thong-bao-21.md" and added["chunks"] > 0
    assert (uploads / "thong-bao-21.md").read_text("utf-8") == NOTICE
    assert [d["doc_id"] for d in client.get("/documents").json()] == ["21-TB/TU"]
    assert client.get("/health").json()["documents"] == 1

    answer = client.post("/ask", json={"question": "Thường trực Tỉnh ủy tiếp công dân định kỳ vào ngày nào?"}).json()
    assert answer["passages"][0]["doc_id"] == "21-TB/TU"

    assert upload(client, "thong-bao-21.md", NOTICE.encode()).json()["status"] == "unchanged"
    dup = upload(client, "ban-sao.md", NOTICE.encode())
    assert dup.status_code == 200 and dup.json()["status"] == "duplicate" and dup.json()["doc_id"] == "21-TB/TU"
    assert not (uploads / "ban-sao.md").exists()
    changed = NOTICE.replace("ngày 15 hằng tháng", "ngày 20 hằng tháng")
    replaced = upload(client, "thong-bao-21.md", changed.encode())
    assert replaced.status_code == 201 and replaced.json()["status"] == "replaced"
    assert "ngày 20 hằng tháng" in client.get("/documents/21-TB/TU").json()["text"]

    gone = client.delete("/documents/21-TB/TU")
    assert gone.status_code == 204 and gone.content == b""
    assert client.get("/documents/21-TB/TU").status_code == 404
    assert client.delete("/documents/21-TB/TU").status_code == 404
    assert client.get("/documents").json() == []
    assert not (uploads / "thong-bao-21.md").exists()


def test_upload_strips_client_directories(fresh: tuple[TestClient, Pipeline], tmp_path: Path) -> None:
    client, pipe = fresh
    r = upload(client, "../../outside/Thông báo 21.md", NOTICE.encode())
    assert r.status_code == 201, r.text
    assert r.json()["file"] == "Thông báo 21.md"
    assert (pipe.settings.index_dir / "uploads" / "Thông báo 21.md").is_file()
    assert not (tmp_path / "outside").exists()


@pytest.mark.parametrize("name", [".hidden.md", "~$draft.docx", "../", "dir/..", "  "])
def test_upload_with_unusable_name_is_422(fresh: tuple[TestClient, Pipeline], name: str) -> None:
    client, _ = fresh
    r = upload(client, name, NOTICE.encode())
    assert r.status_code == 422
    assert "file name" in r.json()["detail"]
    assert client.get("/documents").json() == []


def test_upload_of_unsupported_type_is_415(fresh: tuple[TestClient, Pipeline]) -> None:
    client, pipe = fresh
    r = upload(client, "setup.exe", b"MZ\x90\x00" * 100, "application/octet-stream")
    assert r.status_code == 415
    assert "setup.exe" in r.json()["detail"] and ".exe" in r.json()["detail"]
    assert not (pipe.settings.index_dir / "uploads" / "setup.exe").exists()
    plain = client.post("/documents", content=NOTICE.encode(), headers={"content-type": "text/markdown"})
    assert plain.status_code == 415 and "multipart/form-data" in plain.json()["detail"]


def test_upload_over_the_size_limit_is_413(tmp_path: Path) -> None:
    pipe = make_pipeline(tmp_path, max_file_mb=0.0001)  # 100 bytes
    try:
        with TestClient(create_app(pipe)) as client:
            r = upload(client, "quá-lớn.md", NOTICE.encode())
            assert r.status_code == 413
            assert "quá-lớn.md" in r.json()["detail"] and "0.0001 MB" in r.json()["detail"]
            assert r.headers["content-type"] == "application/json; charset=utf-8"
            uploads = pipe.settings.index_dir / "uploads"
            assert [p for p in uploads.rglob("*") if p.is_file()] == []
            small = "Số 3-TB/TU\n\nThông báo ngắn về lịch họp.\n".encode()
            assert len(small) <= 100
            assert upload(client, "nho.md", small).status_code != 413
    finally:
        pipe.close()


def test_upload_of_empty_file_is_422(fresh: tuple[TestClient, Pipeline]) -> None:
    client, pipe = fresh
    r = upload(client, "rong.md", b"")
    assert r.status_code == 422
    assert "rong.md" in r.json()["detail"] and "empty" in r.json()["detail"]
    assert not (pipe.settings.index_dir / "uploads" / "rong.md").exists()


def test_failed_ingest_is_422_and_leaves_nothing(fresh: tuple[TestClient, Pipeline]) -> None:
    client, pipe = fresh
    r = upload(client, "hong.docx", b"this is not a Word file", "application/octet-stream")
    assert r.status_code == 422
    assert "hong.docx" in r.json()["detail"] and "DOCX" in r.json()["detail"]
    assert [p for p in (pipe.settings.index_dir / "uploads").rglob("*") if p.is_file()] == []
    assert client.get("/documents").json() == []


def test_upload_without_the_file_field_is_422(fresh: tuple[TestClient, Pipeline]) -> None:
    client, _ = fresh
    r = client.post("/documents", files={"tep": ("a.md", NOTICE.encode(), "text/markdown")})
    assert r.status_code == 422 and "'file'" in r.json()["detail"]


def test_size_limit_is_enforced_while_the_body_arrives(tmp_path: Path) -> None:
    boundary = "b0undary"
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="lớn.md"\r\n\r\n'.encode()
    body = head + b"x" * 10_000 + f"\r\n--{boundary}--\r\n".encode()
    reader = _UploadReader(boundary.encode(), tmp_path / "in", max_bytes=1000, limit_mb=0.001)
    pieces = [body[i : i + 256] for i in range(0, len(body), 256)]
    fed = 0
    with pytest.raises(HTTPException) as err:
        for piece in pieces:
            reader.write(piece)
            fed += 1
    assert err.value.status_code == 413 and "lớn.md" in str(err.value.detail)
    assert fed < 6 < len(pieces)  # refused at the first piece past 1000 bytes, not after reading everything
    assert reader.temp is not None and reader.temp.stat().st_size <= 1000
    reader.discard()
    assert list((tmp_path / "in").iterdir()) == []


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("nghi-quyet.md", "nghi-quyet.md"),
        ("../../etc/passwd.md", "passwd.md"),
        ("C:\\Users\\cb\\Kết luận.docx", "Kết luận.docx"),
        ('a<b>:"c"|?*.txt', "a_b___c____.txt"),
        ("ten.md. ", "ten.md"),
        ("Nghi\u0323 quyết.md", "Nghị quyết.md"),  # decomposed Unicode comes out NFC
        (".env", None),
        ("~$draft.docx", None),
        ("x/", None),
        ("", None),
        ("...", None),
    ],
)
def test_safe_filename(raw: str, safe: str | None) -> None:
    assert safe_filename(raw) == safe


def test_safe_filename_caps_length_and_keeps_the_suffix() -> None:
    name = safe_filename("đ" * 300 + ".docx")
    assert name is not None and name.endswith(".docx") and len(name.encode()) <= 200
