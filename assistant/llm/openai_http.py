"""An OpenAI-compatible chat server (llama.cpp's server, vLLM), over HTTP with httpx."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence

import httpx

from assistant.types import ChatMessage


class OpenAIServerGenerator:
    """Streams chat completions from `{base_url}/chat/completions`.

    JSON constraint, by `schema_style`: `json_object` sends `response_format: {type: json_object, schema}`,
    the form llama-cpp-python's server enforces; `json_schema` sends OpenAI's
    `response_format: {type: json_schema, json_schema: {name, schema}}`, the form vLLM and llama.cpp's
    own `llama-server` enforce.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str = "none",
        max_tokens: int = 320,
        timeout_s: float = 120.0,
        context_size: int = 4096,
        schema_style: str = "json_object",
    ) -> None:
        if schema_style not in ("json_object", "json_schema"):
            raise ValueError(f"schema_style must be 'json_object' or 'json_schema', not {schema_style!r}")
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._model = model
        self._headers = {"Authorization": f"Bearer {api_key}"}
        self._max_tokens = max_tokens
        self._timeout = timeout_s
        self._ctx = context_size
        self._style = schema_style
        self.stats: dict[str, float] = {}

    @property
    def name(self) -> str:
        return self._model

    @property
    def context_size(self) -> int:
        return self._ctx

    def count_tokens(self, text: str) -> int:
        return max(1, len(text.encode("utf-8")) // 3)  # estimate: the server owns the tokenizer

    def choose(self, messages: Sequence[ChatMessage], *, prefix: str, options: Sequence[str]) -> dict[str, float] | None:
        """Not asked of a server: a reply prefix is not portable across servers, so the answer falls back to
        its lexical evidence for choosing."""
        return None

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        json_schema: dict[str, object] | None = None,
        prefix: str = "",
        grammar: str | None = None,
    ) -> Iterator[str]:
        if prefix or grammar:
            raise ValueError("an OpenAI-compatible server is not given a reply prefix or a grammar; use json_schema")
        body: dict[str, object] = {
            "model": self._model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "temperature": 0.0,
            "max_tokens": self._max_tokens,
            "stream": True,
        }
        if json_schema is not None:
            if self._style == "json_schema":
                body["response_format"] = {"type": "json_schema", "json_schema": {"name": "answer", "schema": json_schema}}
            else:
                body["response_format"] = {"type": "json_object", "schema": json_schema}
        t0 = time.perf_counter()
        first: float | None = None
        pieces = 0
        done = False
        with httpx.stream("POST", self._url, json=body, headers=self._headers, timeout=self._timeout) as resp:
            if resp.status_code >= 400:
                resp.read()
                raise RuntimeError(f"LLM server answered {resp.status_code}: {resp.text[:300]}")
            for line in resp.iter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    done = True
                    break
                try:
                    delta = json.loads(data)["choices"][0].get("delta", {}).get("content")
                except (ValueError, KeyError, IndexError):
                    continue
                if delta:
                    if first is None:
                        first = time.perf_counter()
                    pieces += 1
                    yield str(delta)
        end = time.perf_counter()
        self.stats = {"ttft": (first or end) - t0, "gen_tokens": float(pieces)}
        if not pieces and not done:
            raise RuntimeError(
                "the LLM server closed the stream without any output (is the prompt longer than its context size?)"
            )
