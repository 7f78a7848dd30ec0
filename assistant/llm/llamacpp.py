"""llama.cpp in-process (llama-cpp-python): the only module that imports llama_cpp."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

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
        self._format: Any = None  # the GGUF's chat template, built on first use
        self.stats: dict[str, float] = {}

    @property
    def name(self) -> str:
        return self._path.name

    @property
    def context_size(self) -> int:
        return self._ctx

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def _prompt_tokens(self, messages: Sequence[ChatMessage], prefix: str) -> list[int]:
        """The chat-formatted prompt (the GGUF's own template) with `prefix` as the start of the reply."""
        if self._format is None:
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            llm = self._llm
            eos, bos = llm.token_eos(), llm.token_bos()
            self._format = Jinja2ChatFormatter(
                template=str(llm.metadata["tokenizer.chat_template"]),
                eos_token=llm._model.token_get_text(eos) if eos != -1 else "",
                bos_token=llm._model.token_get_text(bos) if bos != -1 else "",
            )
        result = self._format(messages=[{"role": m.role, "content": m.content} for m in messages])
        text = result.prompt + prefix
        return self._llm.tokenize(text.encode("utf-8"), add_bos=not result.added_special, special=True)

    def choose(self, messages: Sequence[ChatMessage], *, prefix: str, options: Sequence[str]) -> dict[str, float] | None:
        """The model's probability of each option as the next text after `prefix`, from the logits of one
        evaluation (the prompt's cached prefix is reused). None when two options begin with the same token."""
        firsts = [self._llm.tokenize(o.encode("utf-8"), add_bos=False, special=False)[:1] for o in options]
        ids = [f[0] for f in firsts if f]
        if len(ids) != len(options) or len(set(ids)) != len(ids):
            return None
        tokens = self._prompt_tokens(messages, prefix)
        t0 = time.perf_counter()
        logits = self._logits_after(tokens)
        top = float(np.max(logits))
        log_total = top + math.log(float(np.sum(np.exp(logits - top))))
        probs = {o: math.exp(float(logits[i]) - log_total) for o, i in zip(options, ids, strict=True)}
        self.stats = {"prompt_tokens": float(len(tokens)), "choose_s": time.perf_counter() - t0}
        return probs

    def _logits_after(self, tokens: list[int]) -> Any:
        """Evaluate `tokens`, reusing the longest prefix already in the KV cache, and return the logits of the
        next token (a copy)."""
        llm = self._llm
        cached = 0
        for a, b in zip(llm.input_ids[: llm.n_tokens], tokens, strict=False):
            if a != b:
                break
            cached += 1
        cached = min(cached, len(tokens) - 1)  # at least one token is evaluated, so its logits are fresh
        llm.n_tokens = cached
        llm.eval(tokens[cached:])
        return np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(llm.n_vocab(),)).copy()

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        json_schema: dict[str, object] | None = None,
        prefix: str = "",
        grammar: str | None = None,
    ) -> Iterator[str]:
        if prefix or grammar:
            yield from self._continue(messages, prefix, grammar)
            return
        kwargs: dict[str, object] = {}
        if json_schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": json_schema}
        prompt_tokens = sum(self.count_tokens(m.content) + 4 for m in messages)
        t0 = time.perf_counter()
        chunks = self._llm.create_chat_completion(
            messages=[{"role": m.role, "content": m.content} for m in messages],  # type: ignore[misc]
            temperature=0.0, max_tokens=self._max_tokens, stream=True, **kwargs,  # type: ignore[arg-type]
        )  # fmt: skip
        self.stats = {}
        deltas = (str(part["choices"][0]["delta"].get("content") or "") for part in chunks)  # type: ignore[index,union-attr]
        yield from self._timed(t0, prompt_tokens, deltas)
        ttft = self.stats["ttft"]
        self.stats["prompt_tps"] = prompt_tokens / ttft if ttft > 0 else 0.0

    def _continue(self, messages: Sequence[ChatMessage], prefix: str, grammar: str | None) -> Iterator[str]:
        """The reply after `prefix`, constrained by a GBNF `grammar` for the continuation."""
        from llama_cpp import LlamaGrammar

        tokens = self._prompt_tokens(messages, prefix)
        t0 = time.perf_counter()
        parts = self._llm.create_completion(
            prompt=tokens, max_tokens=self._max_tokens, temperature=0.0, repeat_penalty=1.0, stream=True,
            grammar=LlamaGrammar.from_string(grammar, verbose=False) if grammar else None,
        )  # fmt: skip
        yield from self._timed(t0, len(tokens), (str(p["choices"][0]["text"]) for p in parts))  # type: ignore[index]

    def _timed(self, t0: float, prompt_tokens: int, pieces: Iterable[str]) -> Iterator[str]:
        first: float | None = None
        n = 0
        for piece in pieces:
            if piece:
                if first is None:
                    first = time.perf_counter()
                n += 1
                yield piece
        end = time.perf_counter()
        ttft = (first or end) - t0
        self.stats.update({
            "prompt_tokens": float(prompt_tokens), "ttft": ttft, "gen_tokens": float(n),
            "gen_tps": n / (end - first) if first and end > first else 0.0,
        })  # fmt: skip
