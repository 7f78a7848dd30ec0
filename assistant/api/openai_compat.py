"""OpenAI-compatible chat endpoint, so chat front-ends such as Open WebUI can use the assistant.

`GET /v1/models` lists one model; `POST /v1/chat/completions` answers the last user message with
the assistant's pipeline (earlier user messages help read a follow-up question) and puts the
verified citations into the message text. The API key is the user's token: clearance and
audit apply exactly as for /ask. With `stream: true` the verified answer is sent as chunks
once it is ready (unverified model output is never streamed to the chat). Answers share the answer
limiter with /ask (429 with Retry-After, and an OpenAI-style `error`, when the queue is full).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import AsyncGenerator
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from assistant.access.users import User
from assistant.answer.answerer import Turn
from assistant.api.ask import record_answer
from assistant.api.auth import require, service_of
from assistant.api.limits import HeldStreamingResponse
from assistant.api.messages import say
from assistant.types import Answer

MODEL_ID = "tro-ly-van-ban"


class ChatMessageIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        parts = self.content or []
        return "\n".join(str(p.get("text", "")) for p in parts if p.get("type") == "text")


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, max_tokens, … are accepted and ignored
    model: str = Field(default=MODEL_ID, description="Model id; any value is answered by the assistant.")
    messages: list[ChatMessageIn] = Field(min_length=1, description="The conversation; the last user message is answered.")
    stream: bool = Field(default=False, description="Send chunks as server-sent events, ending with [DONE].")


def message_text(answer: Answer) -> str:
    """The answer with its sources written out, for a chat window."""
    lines = [answer.text.strip()]
    if answer.citations:
        lines += ["", "**Nguồn trích dẫn**"]
        for c in answer.citations:
            mark = "✓" if c.verified else "✗"
            lines.append(f"[{c.n}] {mark} {c.doc_id} › {c.breadcrumb}: “{c.quote}”")
    elif answer.refused and answer.passages:
        lines += ["", "**Các đoạn gần nhất**"]
        lines += [f"[{i}] {h.meta.doc_id} › {h.chunk.breadcrumb_text}" for i, h in enumerate(answer.passages[:3], 1)]
    lines += [f"_{note}_" for note in answer.notes]
    return "\n".join(lines)


def _chunk(cid: str, created: int, model: str, delta: dict[str, Any], finish: str | None = None) -> bytes:
    body = {
        "id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }  # fmt: skip
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n".encode()


def router() -> APIRouter:
    r = APIRouter(tags=["OpenAI-compatible"])

    @r.get("/v1/models", summary="Models (OpenAI-compatible)")
    def models(user: User = Depends(require("ask"))) -> dict[str, Any]:
        return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "assistant"}]}

    @r.post("/v1/chat/completions", summary="Chat completion (OpenAI-compatible)", response_model=None)
    async def chat(
        body: ChatRequest, request: Request, user: User = Depends(require("ask"))
    ) -> dict[str, Any] | HeldStreamingResponse:
        svc = service_of(request)
        asked = [m.text().strip() for m in body.messages if m.role == "user" and m.text().strip()]
        if not asked:
            raise HTTPException(422, say("không có câu hỏi nào của người dùng để trả lời", "no user message to answer"))
        question = asked[-1][:4000]
        history = [Turn(q, Answer(q, "", "refused")) for q in asked[:-1]]
        filters = svc.filters_for(user)

        def answer_once() -> Answer:
            with svc.lock:
                answer = svc.pipeline.answerer.ask(question, filters, history)
            record_answer(svc, user, question, answer.passages, answer, channel="openai")
            return answer

        cid = "chatcmpl-" + secrets.token_hex(12)
        created = int(time.time())
        if not body.stream:
            async with svc.answers.slot(request):
                answer = await svc.answers.run(answer_once)
            text = message_text(answer)
            return {
                "id": cid, "object": "chat.completion", "created": created, "model": body.model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            }  # fmt: skip

        async def chunks() -> AsyncGenerator[bytes, None]:
            yield _chunk(cid, created, body.model, {"role": "assistant", "content": ""})
            try:
                answer = await svc.answers.run(answer_once)
                text = message_text(answer)
            except Exception as exc:  # the response has started: report in the chat
                text = f"Lỗi: {type(exc).__name__}: {exc}"
            for line in text.splitlines(keepends=True):
                yield _chunk(cid, created, body.model, {"content": line})
            yield _chunk(cid, created, body.model, {}, "stop")
            yield b"data: [DONE]\n\n"

        slot = await svc.answers.acquire_for(request)  # before the response starts, so that a full queue is a 429
        return HeldStreamingResponse(
            chunks(), slot, media_type="text/event-stream; charset=utf-8", headers={"Cache-Control": "no-cache"}
        )

    return r
