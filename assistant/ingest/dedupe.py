"""Exact and near-duplicate detection of documents: MinHash over word 5-gram shingles."""

from __future__ import annotations

import hashlib

import numpy as np

from assistant.text.normalize import match_key

_PERM = 64
_PRIME = (1 << 31) - 1  # a*h + b stays below 2**64 for 31-bit a, b and 32-bit h
_rng = np.random.default_rng(20241222)
_A = _rng.integers(1, _PRIME - 1, size=(_PERM, 1), dtype=np.uint64)
_B = _rng.integers(0, _PRIME - 1, size=(_PERM, 1), dtype=np.uint64)


def text_fingerprint(text: str) -> str:
    """sha256 of the normalised text: equal for the same document in another file or encoding form."""
    return hashlib.sha256(match_key(text).lower().encode("utf-8")).hexdigest()


def minhash(text: str, shingle: int = 5) -> list[int]:
    words = match_key(text).lower().split()
    grams = {" ".join(words[i : i + shingle]) for i in range(max(1, len(words) - shingle + 1))}
    if not grams:
        return [0] * _PERM
    hashes = np.array(
        [int.from_bytes(hashlib.blake2b(g.encode(), digest_size=4).digest(), "little") for g in grams], dtype=np.uint64
    )
    sig = ((_A * hashes[None, :] + _B) % _PRIME).min(axis=1)
    return [int(x) for x in sig]


def similarity(a: list[int], b: list[int]) -> float:
    """Estimated Jaccard similarity of two documents' shingle sets."""
    if not a or not b or len(a) != len(b):
        return 0.0
    return sum(1 for x, y in zip(a, b, strict=True) if x == y) / len(a)
