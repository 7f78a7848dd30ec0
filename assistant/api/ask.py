"""POST /ask: an answer with verified citations, as JSON or as server-sent events.

The reader's clearance is imposed on the filters (`Service.filters_for`), so retrieval never
returns a passage above it. Every question is audited with the passages shown and the citations.
An answer first takes a slot of the answer limiter (`limits.py`; 429 with Retry-After when the
queue is full); a streamed answer holds it until its response ends.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from starlette.concurrency import run_in_threadpool

from assistant.access.users import User
from assistant.api.auth import require, service_of
from assistant.api.limits import HeldStreamingResponse
from assistant.api.messages import say
from assistant.api.service import Service
from assistant.shapes import answer_json, citation_json, passages_json
from assistant.types import Answer, Chunk, Event, Filters, Hit

log = logging.getLogger(__name__)


class AskRequest(BaseModel):
    """A question, with optional filters on the documents searched."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(max_length=4000, description="The question, in Vietnamese.")
    doc_ids: list[str] = Field(default_factory=list, description="Only these documents, e.g. 57-NQ/TW.")
    doc_types: list[str] = Field(default_factory=list, description="Only these types: NQ, KL, CT, KH, ...")
    issuers: list[str] = Field(default_factory=list, description="Only documents of these issuers (code or name).")
    date_from: date | None = Field(default=None, description="Issued on or after this day (YYYY-MM-DD).")
    date_to: date | None = Field(default=None, description="Issued on or before this day (YYYY-MM-DD).")
    stream: bool = Field(default=False, description="Answer as server-sent events: passages, text and tokens, answer.")

    @field_validator("question")
    @classmethod
    def _question_not_empty(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError(
                say(
                    "chưa có câu hỏi: hãy hỏi về các văn bản đã nạp",
                    "question is empty: ask something about the indexed documents",
                )
            )
        return value

    @model_validator(mode="after")
    def _dates_in_order(self) -> AskRequest:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(
                say(
                    f"ngày bắt đầu {self.date_from:%d/%m/%Y} sau ngày kết thúc {self.date_to:%d/%m/%Y}",
                    f"date_from {self.date_from} is after date_to {self.date_to}",
                )
            )
        return self

    def filters(self) -> Filters:
        return Filters(
            doc_ids=tuple(self.doc_ids), doc_types=tuple(self.doc_types), issuers=tuple(self.issuers),
            date_from=self.date_from, date_to=self.date_to,
        )  # fmt: skip


def sse(event: str, data: object) -> bytes:
    """One server-sent event. `data` is JSON on a single line (token text included), so newlines never break framing."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def answer_view(svc: Service, answer: Answer) -> dict[str, Any]:
    """The answer's JSON, each citation with its passage's source text around the quote (`context`):
    `context.text[quote_start:quote_end]` is the quote, so a page can highlight it in place."""
    out = answer_json(answer)
    texts: dict[str, str] = {}
    for cite, c in zip(out["citations"], answer.citations, strict=True):
        if not 1 <= c.n <= len(answer.passages):
            continue
        chunk = answer.passages[c.n - 1].chunk
        if chunk.doc_id not in texts:
            texts[chunk.doc_id] = svc.pipeline.catalog.document_text(chunk.doc_id)
        cite["context"] = quote_context(texts[chunk.doc_id], chunk, c.start, c.end)
    return out


def quote_context(text: str, chunk: Chunk, start: int | None, end: int | None) -> dict[str, Any]:
    """A passage's source text (`text` is its document's) around a quote at [start, end) of the document:
    `text[quote_start:quote_end]` of the result is the quote, so a page can highlight it in place."""
    lo, hi = chunk.start, chunk.end
    if start is not None and end is not None:
        lo, hi = min(lo, start), max(hi, end)
    return {
        "start": lo,
        "text": text[lo:hi],
        "quote_start": None if start is None else start - lo,
        "quote_end": None if end is None else end - lo,
    }


def record_answer(svc: Service, user: User, question: str, hits: list[Hit], answer: Answer | None, **extra: Any) -> None:
    """Audit: who asked what, and which documents and passages were shown and cited."""
    svc.record(
        user, "ask", question=question,
        passages=[{"doc_id": h.meta.doc_id, "chunk_id": h.chunk.chunk_id} for h in hits],
        citations=[{"doc_id": c.doc_id, "chunk_id": c.chunk_id, "start": c.start, "end": c.end} for c in answer.citations]
        if answer else [],
        mode=answer.mode if answer else None, **extra,
    )  # fmt: skip


def router() -> APIRouter:
    r = APIRouter(tags=["hỏi đáp"])

    @r.post("/ask", summary="Answer a question with verified citations", response_model=None)
    async def ask(
        body: AskRequest, request: Request, user: User = Depends(require("ask"))
    ) -> dict[str, Any] | HeldStreamingResponse:
        """JSON answer; with `stream: true`, server-sent events: `passages` (JSON list), `text` (answer prose as
        the model writes it, not yet verified) and `token` (raw model output) pieces, then one `answer` (the full
        JSON answer), or `error` if it fails midway. Only documents within the caller's clearance are searched.
        429 with Retry-After when too many answers are already running or waiting."""
        svc = service_of(request)
        filters = svc.filters_for(user, body.filters())
        audit_filters = {k: v for k, v in body.model_dump(mode="json", exclude={"question", "stream"}).items() if v}

        def events() -> Generator[Event, None, None]:
            with svc.lock:
                yield from svc.pipeline.answerer.stream(body.question, filters)

        if not body.stream:

            def once() -> dict[str, Any]:
                with svc.lock:
                    answer = svc.pipeline.answerer.ask(body.question, filters)
                record_answer(svc, user, body.question, answer.passages, answer, channel="api", filters=audit_filters)
                return answer_view(svc, answer)

            async with svc.answers.slot(request):
                return await svc.answers.run(once)
        slot = await svc.answers.acquire_for(request)
        it = events()
        try:
            # The first step (retrieval) runs before the response starts, so its errors keep their status codes.
            first = await svc.answers.run(next, it)
        except BaseException:
            it.close()
            slot.release()
            raise

        def done(hits: list[Hit], answer: Answer | None, complete: bool) -> None:
            record_answer(svc, user, body.question, hits, answer, channel="stream", filters=audit_filters, complete=complete)

        return HeldStreamingResponse(
            stream_events(first, it, lambda a: answer_view(svc, a), done, svc.answers.run),
            slot,
            media_type="text/event-stream; charset=utf-8",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    return r


async def stream_events(
    first: Event,
    it: Generator[Event, None, None],
    view: Callable[[Answer], dict[str, Any]] = answer_json,
    done: Callable[[list[Hit], Answer | None, bool], None] | None = None,
    run: Callable[..., Awaitable[Any]] = run_in_threadpool,
) -> AsyncGenerator[bytes, None]:
    """Drive the (blocking) answer stream with `run` (a thread); closing it releases the model lock.
    `done(passages shown, answer, completed)` runs at the end, however the stream ends."""
    shown: list[Hit] = []
    final: Answer | None = None
    try:
        ev: Event | None = first
        while ev is not None:
            if ev.kind == "passages":
                shown = ev.hits
                yield sse("passages", passages_json(ev.hits))
            elif ev.kind == "units":
                yield sse("units", [citation_json(c) for c in ev.citations])
            elif ev.kind == "text":
                yield sse("text", ev.text)
            elif ev.kind == "token":
                yield sse("token", ev.text)
            elif ev.kind == "answer" and ev.answer is not None:
                final = ev.answer
                yield sse("answer", view(ev.answer))
            ev = await run(next, it, None)
    except Exception as exc:
        log.exception("answer stream failed")
        yield sse("error", {"detail": say("lỗi khi trả lời", f"{type(exc).__name__}: {exc}")})
    finally:
        it.close()
        if done is not None:
            done(shown, final, final is not None)
