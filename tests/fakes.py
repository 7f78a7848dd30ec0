"""Test doubles that implement our own protocols (no MagicMock)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator, Sequence

from assistant.keyword import tokenize
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
    """Returns scripted outputs in order, streamed in small pieces; records the prompts it got."""

    def __init__(self, outputs: Sequence[str], context_size: int = 4096) -> None:
        self._outputs = list(outputs)
        self._ctx = context_size
        self.prompts: list[list[ChatMessage]] = []
        self.schemas: list[dict[str, object] | None] = []
        self.stats: dict[str, float] = {}

    @property
    def name(self) -> str:
        return "scripted"

    @property
    def context_size(self) -> int:
        return self._ctx

    def count_tokens(self, text: str) -> int:
        return max(1, len(text) // 3)

    def stream(self, messages: Sequence[ChatMessage], *, json_schema: dict[str, object] | None = None) -> Iterator[str]:
        self.prompts.append(list(messages))
        self.schemas.append(json_schema)
        out = self._outputs.pop(0) if self._outputs else ""
        for i in range(0, len(out), 7):
            yield out[i : i + 7]
