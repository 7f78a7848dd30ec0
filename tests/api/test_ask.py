"""POST /ask over a real index: refusals, verified citations with highlight context, streaming, filters,
one model user at a time, errors midway, and the audit record of every question."""

from __future__ import annotations

import json
import threading
from collections.abc import Generator, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient

from assistant.answer.answerer import Event
from assistant.api.ask import stream_events
from assistant.pipeline import Pipeline
from assistant.types import ChatMessage
from tests.api.conftest import ANSWERABLE, GOOD_OUTPUT, QUOTE, UNANSWERABLE, Office, RepeatingGenerator, sse_events
from tests.fakes import HashEmbedder, ScriptedGenerator


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
    assert set(cite) == {"n", "doc_id", "breadcrumb", "quote", "verified", "chunk_id", "start", "end", "context"}
    assert cite["verified"] is True and cite["doc_id"] == "15-NQ/TU"
    passage = body["passages"][cite["n"] - 1]
    assert passage["n"] == cite["n"] and passage["chunk_id"] == cite["chunk_id"]
    assert QUOTE in passage["text"]
    # the offsets point into the document text that /documents serves
    text = client.get("/documents/15-NQ/TU").json()["text"]
    assert text[cite["start"] : cite["end"]] == cite["quote"]
    # the context is the passage's source text around the quote, with the quote's offsets inside it
    ctx = cite["context"]
    assert ctx["text"][ctx["quote_start"] : ctx["quote_end"]] == cite["quote"] == QUOTE
    assert text[ctx["start"] : ctx["start"] + len(ctx["text"])] == ctx["text"]
    assert len(ctx["text"]) > len(QUOTE)
    assert set(body) == {"question", "answer", "mode", "citations", "passages", "notes", "timings"}
    assert body["timings"]["total"] > 0
    assert [p["n"] for p in body["passages"]] == list(range(1, len(body["passages"]) + 1))


def test_stream_sends_passages_then_text_and_tokens_then_answer(client: TestClient) -> None:
    r = client.post("/ask", json={"question": ANSWERABLE, "stream": True})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    events = sse_events(r.text)
    kinds = [k for k, _ in events]
    assert kinds[0] == "passages" and kinds[-1] == "answer"
    assert set(kinds[1:-1]) == {"token", "text"}
    assert "".join(data for kind, data in events if kind == "token") == GOOD_OUTPUT
    prose = "".join(data for kind, data in events if kind == "text")
    assert "kinh tế số chiếm 25% GRDP" in prose
    answer = events[-1][1]
    assert answer["mode"] == "generated"
    assert answer["citations"][0]["context"]["quote_end"] > answer["citations"][0]["context"]["quote_start"]
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
        ({"question": "x", "max_access_rank": 3}, "max_access_rank"),  # clearance is never taken from the request
    ],
)
def test_bad_questions_are_422(client: TestClient, body: dict[str, Any], needle: str) -> None:
    r = client.post("/ask", json=body)
    assert r.status_code == 422
    assert needle in json.dumps(r.json(), ensure_ascii=False)


def test_one_answer_at_a_time(client: TestClient, sample_pipeline: Pipeline) -> None:
    probe = sample_pipeline.generator
    assert isinstance(probe, RepeatingGenerator)
    with ThreadPoolExecutor(4) as pool:
        responses = list(pool.map(lambda _: client.post("/ask", json={"question": ANSWERABLE}), range(4)))
    assert [r.status_code for r in responses] == [200] * 4
    assert {r.json()["mode"] for r in responses} == {"generated"}
    assert probe.max_active == 1


def test_every_question_is_audited_with_passages_and_citations(office: Office, client: TestClient) -> None:
    audit = office.service.audit
    before = sum(1 for _ in audit.entries())
    client.post("/ask", json={"question": ANSWERABLE, "doc_types": ["NQ"]})
    client.post("/ask", json={"question": ANSWERABLE, "stream": True})
    entries = list(audit.entries())[before:]
    asks = [e for e in entries if e["action"] == "ask"]
    assert [e["details"]["channel"] for e in asks] == ["api", "stream"]
    for e in asks:
        assert e["actor"] == "admin" and e["details"]["question"] == ANSWERABLE
        assert e["details"]["passages"] and all(set(p) == {"doc_id", "chunk_id"} for p in e["details"]["passages"])
        assert e["details"]["citations"][0]["doc_id"] == "15-NQ/TU" and e["details"]["mode"] == "generated"
    assert asks[0]["details"]["filters"] == {"doc_types": ["NQ"]}
    assert asks[1]["details"]["complete"] is True
    assert audit.verify().ok


class Exploding(ScriptedGenerator):
    """An LLM backend that fails midway with an error the answerer does not handle."""

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        json_schema: dict[str, object] | None = None,
        prefix: str = "",
        grammar: str | None = None,
    ) -> Iterator[str]:
        yield '{"found": '
        raise ValueError("backend fell over")


def test_stream_failing_midway_ends_with_an_error_event_and_frees_the_model(office: Office, sample_pipeline: Pipeline) -> None:
    from assistant.api import create_app

    broken = Pipeline(sample_pipeline.settings, embedder=HashEmbedder(), generator=Exploding([]))
    try:
        auth = {"Authorization": f"Bearer {office.tokens['analyst']}"}
        with TestClient(create_app(broken.settings, broken), headers=auth) as c, ThreadPoolExecutor(1) as pool:
            for _ in range(2):  # the second request would hang if the first had kept the lock
                r = pool.submit(c.post, "/ask", json={"question": ANSWERABLE, "stream": True}).result(timeout=30)
                events = sse_events(r.text)
                assert [k for k, _ in events] == ["passages", "token", "error"]
                assert "backend fell over" in events[-1][1]["detail"]
        last = list(office.service.audit.entries())[-1]
        assert last["action"] == "ask" and last["details"]["complete"] is False and last["details"]["passages"]
    finally:
        broken.close()


def test_closing_a_stream_early_releases_the_lock_and_records_what_was_shown() -> None:
    lock = threading.Lock()
    recorded: list[tuple[int, bool]] = []

    def answer_events() -> Generator[Event, None, None]:
        with lock:
            yield Event("passages")
            yield Event("token", text="một")
            yield Event("token", text="hai")

    it = answer_events()
    first = next(it)
    assert lock.locked()

    async def client_reads_one_then_leaves() -> bytes:
        events = stream_events(first, it, done=lambda hits, answer, complete: recorded.append((len(hits), complete)))
        got = await events.__anext__()
        await events.aclose()
        return got

    assert anyio.run(client_reads_one_then_leaves).startswith(b"event: passages\ndata: []")
    assert not lock.locked()
    assert recorded == [(0, False)]
