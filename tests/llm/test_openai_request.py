"""What the OpenAI-compatible backend sends, against a recording HTTP server on loopback.

The real-server tests (`test_openai_http.py`, llama-cpp-python's server) prove the `json_object` form is
enforced; this file pins both request forms, so a vLLM site (`llm_schema_style: json_schema`) gets the
OpenAI `response_format` it enforces, and settings reach the generator.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from assistant.answer.prompt import ANSWER_SCHEMA
from assistant.llm.openai_http import OpenAIServerGenerator
from assistant.pipeline import build_generator
from assistant.settings import Settings
from assistant.types import ChatMessage


class _Recorder(BaseHTTPRequestHandler):
    bodies: ClassVar[list[dict[str, object]]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        _Recorder.bodies.append({"path": self.path, "auth": self.headers.get("Authorization"),
                                 "json": json.loads(self.rfile.read(length))})  # fmt: skip
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for piece in ('{"found": ', "false}"):
            chunk = {"choices": [{"delta": {"content": piece}}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


@pytest.fixture()
def server() -> Iterator[str]:
    _Recorder.bodies = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _ask(gen: OpenAIServerGenerator) -> str:
    return "".join(gen.stream([ChatMessage("user", "Hỏi?")], json_schema=ANSWER_SCHEMA))


def test_json_object_style_is_llama_cpp_pythons_form(server: str) -> None:
    settings = Settings(llm_backend="openai", llm_base_url=server, llm_model="m", llm_api_key="k1")
    gen = build_generator(settings)
    assert isinstance(gen, OpenAIServerGenerator)
    assert _ask(gen) == '{"found": false}'
    sent = _Recorder.bodies[-1]
    assert sent["path"] == "/v1/chat/completions" and sent["auth"] == "Bearer k1"
    body = sent["json"]
    assert isinstance(body, dict)
    assert body["response_format"] == {"type": "json_object", "schema": ANSWER_SCHEMA}
    assert body["model"] == "m" and body["stream"] is True and body["temperature"] == 0.0


def test_json_schema_style_is_openais_form_for_vllm(server: str) -> None:
    settings = Settings(llm_backend="openai", llm_base_url=server, llm_model="m", llm_schema_style="json_schema")
    gen = build_generator(settings)
    assert isinstance(gen, OpenAIServerGenerator)
    _ask(gen)
    body = _Recorder.bodies[-1]["json"]
    assert isinstance(body, dict)
    assert body["response_format"] == {"type": "json_schema", "json_schema": {"name": "answer", "schema": ANSWER_SCHEMA}}


def test_free_text_sends_no_response_format(server: str) -> None:
    gen = OpenAIServerGenerator(server, "m", schema_style="json_schema")
    "".join(gen.stream([ChatMessage("user", "Hỏi?")]))
    body = _Recorder.bodies[-1]["json"]
    assert isinstance(body, dict) and "response_format" not in body


def test_an_unknown_style_is_refused() -> None:
    with pytest.raises(ValueError, match="schema_style"):
        OpenAIServerGenerator("http://127.0.0.1:9/v1", "m", schema_style="guided_json")
    with pytest.raises(ValueError, match="llm_schema_style"):
        Settings(llm_schema_style="guided_json")  # type: ignore[arg-type]
