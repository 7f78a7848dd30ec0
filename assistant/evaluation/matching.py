"""How evaluation matches what an item expects against what a system returned.

- An expected doc matches a passage when, after `normalize_text`, upper-casing and removing
  whitespace, it equals the passage's `doc_id`; written `label:<file name>`, when the file name
  equals the passage's `source_name` (or its last path component).
- An expected quote is found in the top k when `match_key(quote)` is a substring of
  `match_key(text)` of one passage, or of two consecutive chunks of one document (ordinals n and
  n+1, both in the top k) joined with a space or joined over their longest overlap.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from assistant.text.normalize import _NOISE_CHARS, match_key, normalize_text

Record = dict[str, Any]  # one run record (an item with what the system returned), see `metrics.summarize`

_SLOW_PATH = re.compile(r"\\")  # Markdown escapes: left to match_key
_NOISE = re.compile("[" + re.escape("".join(sorted(_NOISE_CHARS))) + "]+")  # the characters match_key drops
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=16384)
def fast_match_key(text: str) -> str:
    """`match_key(text)`. For NFC text without backslashes the same steps run as C-level string
    operations (tone convention, Markdown noise removed, whitespace collapsed), many times faster;
    tests check that both agree."""
    if _SLOW_PATH.search(text) or not unicodedata.is_normalized("NFC", text):
        return match_key(text)
    return _SPACES.sub(" ", _NOISE.sub("", normalize_text(text))).strip(" ")


def doc_key(doc_id: str) -> str:
    """A document id compared without case and spaces ("57-nq/ tw" -> "57-NQ/TW")."""
    return re.sub(r"\s+", "", normalize_text(doc_id).upper())


def doc_matches(expected: str, passage: Record) -> bool:
    """Whether the expected doc id (or `label:<file name>`) names the passage's document."""
    if expected.startswith("label:"):
        name = normalize_text(expected[len("label:") :].strip())
        source = normalize_text(str(passage.get("source_name") or "")).strip()
        return bool(name) and (name == source or name == source.replace("\\", "/").rsplit("/", 1)[-1])
    return bool(passage.get("doc_id")) and doc_key(expected) == doc_key(str(passage["doc_id"]))


def ranked(record: Record) -> list[Record]:
    """The record's retrieved passages in rank order."""
    passages = list(record.get("retrieved") or [])
    return sorted(passages, key=lambda p: p.get("rank", math.inf))


def _overlap_join(a: str, b: str, anchor: int = 12) -> str | None:
    """`a` + `b` without the longest suffix of `a` (at least `anchor` characters) that starts `b`."""
    head = b[:anchor]
    if len(head) < anchor:
        return None
    i = a.find(head, max(0, len(a) - len(b)))
    while i >= 0:
        if b.startswith(a[i:]):
            return a + b[len(a) - i :]
        i = a.find(head, i + 1)
    return None


def _haystacks(passages: Sequence[Record]) -> list[tuple[str, int]]:
    """(match key, position needed) for each passage (in rank order, positions from 1) and for each
    pair of consecutive chunks of one document (position of the later of the two).
    The key of "text_n text_n+1" is key(text_n) + " " + key(text_n+1): `match_key` strips and collapses
    whitespace and no normalisation step reaches across a space."""
    keys = [(fast_match_key(str(p.get("text") or "")), pos) for pos, p in enumerate(passages, start=1)]
    by_ordinal: dict[tuple[str, int], tuple[str, int]] = {}
    for key, pos in keys:
        p = passages[pos - 1]
        if isinstance(p.get("ordinal"), int) and p.get("doc_id") is not None:
            by_ordinal.setdefault((str(p["doc_id"]), p["ordinal"]), (key, pos))
    for (doc, n), (key, pos) in list(by_ordinal.items()):
        nxt = by_ordinal.get((doc, n + 1))
        if nxt is not None:
            need = max(pos, nxt[1])
            keys.append((f"{key} {nxt[0]}", need))
            joined = _overlap_join(key, nxt[0])
            if joined:
                keys.append((joined, need))
    return keys


def quote_positions(quotes: Iterable[str], passages: Sequence[Record]) -> list[float]:
    """For each quote, the smallest k such that the top k of `passages` (rank order) contain it; inf if none."""
    hay = _haystacks(passages)
    return [min((need for key, need in hay if fast_match_key(q) in key), default=math.inf) for q in quotes]


def quotes_found(quotes: Iterable[str], passages: Sequence[Record]) -> list[bool]:
    """For each quote, whether it occurs in the passages (consecutive chunks joined, see module doc)."""
    return [pos < math.inf for pos in quote_positions(quotes, passages)]


def expected_quotes(record: Record, field: str = "expected_quotes") -> list[str]:
    """The record's non-empty quotes in `field` ("expected_quotes", or "evidence_quotes" of a draft)."""
    return [q for q in record.get(field) or [] if fast_match_key(q)]
