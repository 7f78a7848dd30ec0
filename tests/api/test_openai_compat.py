"""The OpenAI-compatible endpoint (what Open WebUI calls): models, chat completions with citations in the text,
streaming chunks ending in [DONE], follow-up questions, auth and audit."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from assistant.api.openai_compat import MODEL_ID
from tests.api.conftest import ANSWERABLE, QUOTE, UNANSWERABLE, Office


def chunks(body: str) -> list[Any]:
    out: list[Any] = []
    for block in body.split("\n\n"):
        if not block.strip():
            continue
        assert block.startswith("data: "), block
        data = block[len("data: ") :]
        out.append(data if data == "[DONE]" else json.loads(data))
    return out


def test_models_lists_the_assistant(client: TestClient) -> None:
    r = client.get("/v1/models")
    assert r.status_code == 200
    assert r.json() == {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "assistant"}]}


def test_chat_completion_has_the_answer_and_its_sources(client: TestClient) -> None:
    body = {
        "model": MODEL_ID,
        "messages": [{"role": "system", "content": "Bạn là trợ lý."}, {"role": "user", "content": ANSWERABLE}],
        "temperature": 0.2,  # accepted and ignored
    }
    r = client.post("/v1/chat/completions", json=body)
    assert r.status_code == 200
    out = r.json()
    assert out["object"] == "chat.completion" and out["model"] == MODEL_ID and out["id"].startswith("chatcmpl-")
    [choice] = out["choices"]
    assert choice["finish_reason"] == "stop" and choice["message"]["role"] == "assistant"
    text = choice["message"]["content"]
    assert "25% GRDP" in text
    assert "**Nguồn trích dẫn**" in text
    assert "✓ 15-NQ/TU › " in text and f"“{QUOTE}”" in text


def test_content_given_as_parts_is_read(client: TestClient) -> None:
    body = {"messages": [{"role": "user", "content": [{"type": "text", "text": ANSWERABLE}]}]}
    assert "25% GRDP" in client.post("/v1/chat/completions", json=body).json()["choices"][0]["message"]["content"]


def test_a_refusal_lists_the_nearest_passages(client: TestClient) -> None:
    r = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": UNANSWERABLE}]})
    text = r.json()["choices"][0]["message"]["content"]
    assert text.startswith("Không tìm thấy căn cứ") and "**Các đoạn gần nhất**" in text and "[1] " in text


def test_streaming_sends_role_then_content_then_stop_and_done(client: TestClient) -> None:
    r = client.post("/v1/chat/completions", json={"stream": True, "messages": [{"role": "user", "content": ANSWERABLE}]})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    parts = chunks(r.text)
    assert parts[-1] == "[DONE]"
    deltas = [p["choices"][0]["delta"] for p in parts[:-1]]
    assert deltas[0] == {"role": "assistant", "content": ""}
    assert parts[-2]["choices"][0]["finish_reason"] == "stop" and deltas[-1] == {}
    assert all(p["object"] == "chat.completion.chunk" and p["id"] == parts[0]["id"] for p in parts[:-1])
    text = "".join(d.get("content", "") for d in deltas)
    assert "25% GRDP" in text and f"“{QUOTE}”" in text


def test_a_follow_up_is_read_with_the_previous_question(client: TestClient, office: Office) -> None:
    messages = [
        {"role": "user", "content": ANSWERABLE},
        {"role": "assistant", "content": "Đến năm 2030, kinh tế số chiếm 25% GRDP [1]"},
        {"role": "user", "content": "còn năm 2025 thì sao?"},
    ]
    r = client.post("/v1/chat/completions", json={"messages": messages})
    assert r.status_code == 200
    last = list(office.service.audit.entries())[-1]
    assert last["action"] == "ask" and last["details"]["channel"] == "openai"
    assert last["details"]["question"] == "còn năm 2025 thì sao?"
    assert any(p["doc_id"] == "15-NQ/TU" for p in last["details"]["passages"])  # searched together with the first question


def test_no_user_message_is_422(client: TestClient) -> None:
    r = client.post("/v1/chat/completions", json={"messages": [{"role": "system", "content": "x"}]})
    assert r.status_code == 422 and "no user message" in r.json()["detail"]
    assert client.post("/v1/chat/completions", json={"messages": []}).status_code == 422
