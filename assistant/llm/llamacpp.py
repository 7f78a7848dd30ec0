"""llama.cpp in-process (llama-cpp-python): the only module that imports llama_cpp."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from assistant.types import ChatMessage


class LlamaCppGenerator:
    """Any local GGUF file. Output can be constrained to a JSON schema (llama.cpp grammar)."""

    def __init__(
        self, path: Path, *, n_ctx: int = 4096, n_threads: int = 2, max_tokens: int = 320, prompt_lookup: int = 0
    ) -> None:
        from llama_cpp import Llama
        from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

        self._path = path
        # Prompt-lookup decoding drafts the next tokens from a matching n-gram earlier in the context and
        # checks them in one batch: verbatim quotes come out several tokens per step, same output.
        draft = LlamaPromptLookupDecoding(num_pred_tokens=prompt_lookup) if prompt_lookup else None
        self._llm = Llama(
            model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads, n_batch=512,
            seed=0, verbose=False, draft_model=draft, logits_all=draft is not None,  # speculation checks every position
        )  # fmt: skip
        self._max_tokens = max_tokens
        self._ctx = n_ctx
        self.stats: dict[str, float] = {}

    @property
    def name(self) -> str:
        return self._path.name

    @property
    def context_size(self) -> int:
        return self._ctx

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def stream(self, messages: Sequence[ChatMessage], *, json_schema: dict[str, object] | None = None) -> Iterator[str]:
        kwargs: dict[str, object] = {}
        if json_schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": json_schema}
        prompt_tokens = sum(self.count_tokens(m.content) + 4 for m in messages)
        t0 = time.perf_counter()
        first: float | None = None
        pieces = 0
        chunks = self._llm.create_chat_completion(
            messages=[{"role": m.role, "content": m.content} for m in messages],  # type: ignore[misc]
            temperature=0.0, max_tokens=self._max_tokens, stream=True, **kwargs,  # type: ignore[arg-type]
        )  # fmt: skip
        for part in chunks:
            delta = part["choices"][0]["delta"].get("content")  # type: ignore[index,union-attr]
            if delta:
                if first is None:
                    first = time.perf_counter()
                pieces += 1
                yield str(delta)
        end = time.perf_counter()
        ttft = (first or end) - t0
        self.stats = {
            "prompt_tokens": float(prompt_tokens),
            "ttft": ttft,
            "gen_tokens": float(pieces),
            "prompt_tps": prompt_tokens / ttft if ttft > 0 else 0.0,
            "gen_tps": pieces / (end - (first or end)) if first and end > first else 0.0,
        }
