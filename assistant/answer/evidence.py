"""Evidence checks that decide, after verification, whether verified quotes answer the question.

A verified quote proves that the words exist in the source, not that they answer the question. A
small model asked "how much" will happily quote a sentence on the right topic that holds no figure.
These checks are mechanical and general:

- **Answer type.** A question that asks for a quantity or a time ("bao nhiêu", "mấy", "năm nào",
  "khi nào", "thời hạn nào") needs a number in the evidence that the question did not already give
  (document numbers do not count).
- **Specifics.** Figures and codes the question states ("năm 2035", "6G", "5%") must appear in the
  evidence: a source that says 2030 does not answer a question about 2035.
- **Relevance.** A verified claim whose quote covers far fewer of the question's key terms than the
  best claim does is dropped, so that an answer does not cite off-topic passages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.text.docnumbers import DOC_NUMBER
from assistant.text.normalize import fold
from assistant.text.terms import coverage

_DOCREF = re.compile(DOC_NUMBER)
_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?![\w])")
_NUMBER_WORDS = re.compile(
    r"(?<!\w)(hai|ba|bốn|sáu|bảy|tám|chín|mười|trăm|nghìn|ngàn|triệu|tỷ|gấp đôi|gấp ba|một nửa|một phần)(?!\w)"
)
_QUANTITY = re.compile(
    r"(?<!\w)(bao nhiêu|mấy|tỷ lệ nào|mức nào|năm nào|khi nào|bao giờ|thời hạn nào|thời gian nào|hạn nào|ngày nào|tháng nào"
    r"|quý nào|thời điểm nào|mốc nào)(?!\w)"
)
_PERIOD_WORDS = re.compile(r"(?<!\w)(hằng năm|hàng năm|hằng quý|hằng tháng|định kỳ|hằng tuần|hàng quý|hàng tháng)(?!\w)")
# Codes and figures the question states: digits with letters ("6g", "4.0"), percentages, years.
_SPECIFIC = re.compile(r"(?<![\w.,])(\d+[a-zđ]+|[a-zđ]+\d+[a-zđ0-9]*|\d+(?:[.,]\d+)+|\d+%|(?:19|20)\d\d)(?![\w])")


def _numbers(text: str) -> set[str]:
    t = _DOCREF.sub(" ", fold(text))
    return {n.replace(",", ".") for n in _NUMBER.findall(t)}


def asks_for_quantity(question: str) -> bool:
    """Whether the question asks how much, how many, or when."""
    return bool(_QUANTITY.search(fold(question)))


def gives_quantity(question: str, quotes: Iterable[str]) -> bool:
    """Whether the quotes hold a number (or a number word, or a period for "bao lâu") beyond those in the question."""
    asked = _numbers(question)
    for quote in quotes:
        q = fold(quote)
        if _numbers(quote) - asked or _NUMBER_WORDS.search(_DOCREF.sub(" ", q)) or _PERIOD_WORDS.search(q):
            return True
    return False


def specifics(question: str) -> set[str]:
    """Figures and codes the question states, other than document numbers."""
    t = _DOCREF.sub(" ", fold(question))
    return {m.group(1).replace(",", ".") for m in _SPECIFIC.finditer(t)}


def missing_specifics(question: str, evidence: Iterable[str]) -> set[str]:
    """The question's figures and codes that no evidence text holds."""
    wanted = specifics(question)
    if not wanted:
        return set()
    have: set[str] = set()
    for text in evidence:
        t = _DOCREF.sub(" ", fold(text)).replace(",", ".")
        have |= {w for w in wanted if re.search(r"(?<![\w.])" + re.escape(w) + r"(?![\w])", t)}
    return wanted - have


def relevant(quotes: list[str], terms: set[str], weights: dict[str, float], ratio: float = 0.5) -> list[bool]:
    """For each quote, whether it covers at least `ratio` of what the best quote covers."""
    scores = [coverage(terms, q, weights) for q in quotes]
    best = max(scores, default=0.0)
    return [best == 0.0 or s >= ratio * best for s in scores]


def shortfall(question: str, quotes: list[str], passages: list[str], named: str = "") -> str | None:
    """Why the verified quotes do not answer the question, or None when they may. `named` holds the
    words of the question that name documents ("NQ57"): retrieval resolved them, they are not figures."""
    if asks_for_quantity(question) and not gives_quantity(question, quotes):
        return "các trích dẫn không có con số hay mốc thời gian mà câu hỏi cần"
    missing = missing_specifics(question, quotes + passages) - specifics(named)
    if missing:
        return "tài liệu không nhắc tới " + ", ".join(sorted(missing))
    return None
