"""Terms and sentences of Vietnamese text, shared by search, answers and the draft checker.

Tokens (`tokenize`) are syllables of the normalised, lower-cased text plus syllable bigrams (a cheap
stand-in for word segmentation: "khoa_học", "chuyển_đổi"), and document numbers ("57-nq/tw",
"124/2020/nđ-cp", `docnumbers.NUMBER_TOKEN`) and article references ("điều_5") kept as single tokens.
A question's key terms are its tokens less stop words; coverage is the share of them a text holds.
"""

from __future__ import annotations

import itertools
import re

from assistant.text.docnumbers import NUMBER_TOKEN
from assistant.text.normalize import fold

_DOCNUM = re.compile(NUMBER_TOKEN)
_ARTICLE = re.compile(r"\b(điều|khoản|chương|mục|điểm)\s+(\d+[a-zđ]?|[ivxlc]+)\b")
_WORD = re.compile(r"[0-9a-zà-ỹđ]+(?:[.,][0-9]+)*%?")
TOKENS_VERSION = 2
"""The version of `tokenize`'s output, stored with every index built with it: an index of other tokens is rebuilt
from the catalog on first use (2: law numbers whole, "193/2025/qh15"; no code cut out of "10-năm")."""


def tokenize(text: str, *, bigrams: bool = True) -> list[str]:
    t = fold(text)
    special: list[str] = [m.group(0) for m in _DOCNUM.finditer(t)]
    special += [f"{m.group(1)}_{m.group(2)}" for m in _ARTICLE.finditer(t)]
    words = _WORD.findall(_DOCNUM.sub(" ", t))
    out = special + words
    if bigrams:
        out += [f"{a}_{b}" for a, b in itertools.pairwise(words)]
    return out


_STOP = """là và của các những có được cho với trong về theo đến từ này đó nào gì bao nhiêu thế sao không thì
ra ai đâu ở tại một nhiều đã sẽ đang để do bởi mà hay hoặc cũng còn vẫn rằng nêu hãy biết như khi
gồm việc vấn đề nội dung quy định văn bản đặt phải cần nhằm số năm tháng ngày phần trăm bao giờ"""
STOPWORDS = frozenset(_STOP.split())

_SENT_SPLIT = re.compile(r"(?<=[.;:!?…])\s+(?=[\"“(\[]?[A-ZÀ-ỸĐ0-9-])|\n+")


def key_terms(question: str, drop: str = "") -> set[str]:
    """Content terms of a question: syllables that are not stop words, numbers, document numbers.

    `drop` is text whose terms are left out, e.g. the document references already used by retrieval.
    """
    dropped = set(tokenize(drop, bigrams=False)) if drop else set()
    return {
        t for t in tokenize(question, bigrams=False) if ((t not in STOPWORDS and len(t) > 1) or t.isdigit()) and t not in dropped
    }


def coverage(terms: set[str], text: str, weights: dict[str, float] | None = None) -> float:
    """Share of `terms` present in `text`, weighted (e.g. by IDF) when `weights` is given; 0 without terms."""
    if not terms:
        return 0.0
    toks = set(tokenize(text, bigrams=False))
    if weights is None:
        return len(terms & toks) / len(terms)
    total = sum(weights.get(t, 1.0) for t in terms)
    return sum(weights.get(t, 1.0) for t in terms & toks) / total if total else 0.0


def split_sentences(text: str) -> list[str]:
    """Sentences and list items of a passage, as substrings of it (original characters)."""
    parts = [p.strip() for p in _SENT_SPLIT.split(text)]
    return [p for p in parts if sum(ch.isalpha() for ch in p) >= 3]
