"""Test doubles that implement our own protocols (no MagicMock)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator, Sequence

from assistant.text.terms import tokenize
from assistant.types import ChatMessage


class HashEmbedder:
    """Deterministic bag-of-tokens embedder: texts sharing tokens get similar vectors."""

    def __init__(self, dim: int = 64, name: str = "hash-64") -> None:
        self._dim = dim
        self._name = name
        self.calls = 0

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    def _vec(self, text: str) -> list[float]:
        v = [0.0] * self._dim
        for tok in tokenize(text, bigrams=False):
            h = int.from_bytes(hashlib.blake2b(tok.encode(), digest_size=4).digest(), "little")
            v[h % self._dim] += 1.0 if (h >> 16) & 1 else -1.0
        norm = math.sqrt(sum(x * x for x in v)) or 1.0
        return [x / norm for x in v]

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls += len(texts)
        return [self._vec(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vec(text)


class ScriptedGenerator:
    """Returns scripted outputs in order, streamed in small pieces; records the prompts it got.

    `choices`: what `choose` returns, in order (a dict of option probabilities, or None: no probabilities);
    without it, `choose` returns None. After a `choose`, an output is the reply's continuation after the prefix.
    """

    def __init__(self, outputs: Sequence[str], context_size: int = 4096, choices: Sequence[dict[str, float] | None] = ()) -> None:
        self._outputs = list(outputs)
        self._choices = list(choices)
        self._ctx = context_size
        self.prompts: list[list[ChatMessage]] = []
        self.schemas: list[dict[str, object] | None] = []
        self.prefixes: list[str] = []
        self.grammars: list[str | None] = []
        self.stats: dict[str, float] = {}

    @property
    def name(self) -> str:
        return "scripted"

    @property
    def context_size(self) -> int:
        return self._ctx

    def count_tokens(self, text: str) -> int:
        return max(1, len(text) // 3)

    def choose(self, messages: Sequence[ChatMessage], *, prefix: str, options: Sequence[str]) -> dict[str, float] | None:
        self.prompts.append(list(messages))
        self.prefixes.append(prefix)
        return self._choices.pop(0) if self._choices else None

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        json_schema: dict[str, object] | None = None,
        prefix: str = "",
        grammar: str | None = None,
    ) -> Iterator[str]:
        self.prompts.append(list(messages))
        self.schemas.append(json_schema)
        self.prefixes.append(prefix)
        self.grammars.append(grammar)
        out = self._outputs.pop(0) if self._outputs else ""
        for i in range(0, len(out), 7):
            yield out[i : i + 7]
