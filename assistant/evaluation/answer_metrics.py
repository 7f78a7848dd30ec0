"""Answer metrics of one question record: abstention, citation precision and recall, correctness.

Over question records whose `answer` is not null; see `answer_scores`. Correctness compares the
answer with the item's reference answer: token F1 over syllables and the share of its key terms
(document numbers, other numbers, proper names) that the answer holds.
"""

from __future__ import annotations

import re
from collections import Counter

from assistant.evaluation.matching import Record, doc_key, doc_matches, expected_quotes, fast_match_key, quotes_found

_CITE_MARK = re.compile(r"\[\d+(?:\s*[,;–-]\s*\d+)*\]")
_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*\s?%?")
_DOC_NUMBER = re.compile(r"(?<![\w.,])\d+(?:/\d{4})?(?:[/-][A-ZĐ][A-ZĐ0-9]*)+")  # 57-NQ/TW, 124/2020/NĐ-CP


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", fast_match_key(_CITE_MARK.sub(" ", text)).lower())


def token_f1(prediction: str, reference: str) -> float:
    """SQuAD-style token F1 over lower-cased syllables of the match keys."""
    pred, ref = Counter(_tokens(prediction)), Counter(_tokens(reference))
    common = sum((pred & ref).values())
    if not common:
        return 0.0
    precision, recall = common / sum(pred.values()), common / sum(ref.values())
    return 2 * precision * recall / (precision + recall)


def _capitalised(text: str) -> set[str]:
    """Lower-cased capitalised words that do not start a sentence (proper names: "Bộ Chính trị")."""
    words = set()
    for m in re.finditer(r"\w+", text):
        word, before = m.group(), text[: m.start()].rstrip()
        if len(word) > 1 and word[0].isupper() and before and before[-1] not in ".!?":
            words.add(word.lower())
    return words


def key_term_share(answer: str, reference: str) -> float | None:
    """Share of the reference's document numbers ("57-NQ/TW"), other numbers ("30%", "2.000") and
    capitalised words that do not start a sentence, found in the answer; None when it has none."""
    ref, ans = fast_match_key(_CITE_MARK.sub(" ", reference)), fast_match_key(_CITE_MARK.sub(" ", answer))
    doc_numbers = {doc_key(d) for d in _DOC_NUMBER.findall(ref)}
    ref = _DOC_NUMBER.sub(" ", ref)  # numbers and letters inside a document number are not counted again
    numbers = {n.replace(" ", "").rstrip(".,") for n in _NUMBER.findall(ref)}
    words = _capitalised(ref)
    total = len(numbers) + len(doc_numbers) + len(words)
    if not total:
        return None
    ans_numbers = {n.replace(" ", "").rstrip(".,") for n in _NUMBER.findall(ans)}
    ans_doc, ans_words = doc_key(ans), set(_tokens(ans))
    hit = len(numbers & ans_numbers) + sum(d in ans_doc for d in doc_numbers) + len(words & ans_words)
    return hit / total


# Qualifiers of a figure, folded into groups of one meaning: "tối thiểu 30%" and "ít nhất 30%" agree,
# "khoảng 30%" does not.
_QUALIFIERS = {
    "tối thiểu": "min", "ít nhất": "min", "không dưới": "min", "không thấp hơn": "min", "từ": "min",
    "trên": "over", "hơn": "over", "vượt": "over", "cao hơn": "over",
    "khoảng": "about", "xấp xỉ": "about", "gần": "about", "khoảng chừng": "about",
    "dưới": "max", "không quá": "max", "tối đa": "max", "chưa đến": "max", "không vượt quá": "max",
}  # fmt: skip
_QUALIFIED = re.compile(
    r"(?:(" + "|".join(sorted(map(re.escape, _QUALIFIERS), key=len, reverse=True)) + r")\s+)?"
    r"(?<![\w.,])(\d+(?:[.,]\d+)*)\s?(%?)",
    re.IGNORECASE,
)
_BODY = re.compile(
    r"(?<!\w)(?:Bộ Chính trị|Ban Bí thư|Ban Chấp hành Trung ương|Chính phủ|Quốc hội|Thủ tướng Chính phủ|Tổng Bí thư"
    r"|(?:Bộ|Ban|Ủy ban|Uỷ ban|Văn phòng|Đảng đoàn|Ban cán sự đảng|Đảng ủy|Đảng uỷ|Hội đồng|Sở|Viện|Ngân hàng|Kiểm toán"
    r"|Tòa án|Toà án|Mặt trận|Tỉnh ủy|Tỉnh uỷ|Thành ủy|Thành uỷ|Cục|Tổng cục)(?:\s+(?:[A-ZĐÀ-Ỹ][\wÀ-ỹ]*|và|đảng))+)"
)


def _figures(text: str) -> dict[str, str]:
    """The figures of a text (document numbers left out), each with its qualifier group ("" without one)."""
    plain = _DOC_NUMBER.sub(" ", fast_match_key(_CITE_MARK.sub(" ", text)))
    out: dict[str, str] = {}
    for m in _QUALIFIED.finditer(plain):
        value = m.group(2).replace(",", ".").rstrip(".") + m.group(3)
        qual = _QUALIFIERS.get((m.group(1) or "").lower(), "")
        out[value] = out.get(value) or qual
    return out


def strict_correct(answer: str, question: str, reference: str) -> bool:
    """Whether an answer holds every figure of the reference answer with a qualifier of the same meaning,
    every body the reference names, and no figure that neither the reference nor the question has."""
    ref, ans, asked = _figures(reference), _figures(answer), _figures(question)
    for value, qual in ref.items():
        if value not in ans or (qual and ans[value] and ans[value] != qual):
            return False
    if set(ans) - set(ref) - set(asked):
        return False
    said = fast_match_key(answer).lower()
    return all(fast_match_key(b).lower() in said for b in _BODY.findall(reference))


def answer_correctness(answer: str, reference: str) -> float:
    """0.5 × key-term share + 0.5 × token F1 (token F1 alone when the reference has no key terms)."""
    f1 = token_f1(answer, reference)
    share = key_term_share(answer, reference)
    return f1 if share is None else 0.5 * share + 0.5 * f1


def _citation_ok(citation: Record, by_chunk: dict[str, Record], expected_docs: list[str], quotes: list[str]) -> bool:
    if not citation.get("verified"):
        return False
    passage = by_chunk.get(str(citation.get("chunk_id")))
    if quotes:
        cited = fast_match_key(str(citation.get("quote") or ""))
        if passage is not None and any(quotes_found(quotes, [passage])):
            return True
        return bool(cited) and any(cited in fast_match_key(q) for q in quotes)
    if passage is None:
        passage = {"doc_id": citation.get("doc_id")}
    return any(doc_matches(e, passage) for e in expected_docs)


def _citations(record: Record) -> list[Record]:
    return [c for c in record["answer"].get("citations") or [] if isinstance(c, dict)]


def n_citations(record: Record) -> int:
    """How many citations the record's answer gives."""
    return len(_citations(record))


def answer_scores(record: Record) -> dict[str, float]:
    """Answer scores of one question record whose `answer` is not null.

    abstention_ok: refused iff unanswerable. On answerable items:
    citation_precision (share of citations that are verified and whose passage, found by chunk_id,
    holds an expected quote (or whose quote lies inside one); without expected quotes: whose passage
    belongs to an expected doc); citation_recall (share of expected quotes held by a verified
    citation's passage or quote; 0 when refused); with a reference answer and not refused:
    correctness and token_f1; with a reference answer, strict_correctness (`strict_correct`; 0 when refused).
    `citations: null` marks a system that gives no citations (the LangChain
    baseline): citation scores are then not applicable, rather than zero."""
    answer = record["answer"]
    refused = answer.get("mode") == "refused"
    answerable = bool(record.get("answerable", True))
    scores = {"abstention_ok": 1.0 if refused != answerable else 0.0}
    if not answerable:
        return scores
    cites = answer.get("citations") is not None
    by_chunk = {str(p.get("chunk_id")): p for p in record.get("retrieved") or []}
    citations = _citations(record)
    expected_docs, quotes = list(record.get("expected_docs") or []), expected_quotes(record)
    if cites and citations:
        ok = [_citation_ok(c, by_chunk, expected_docs, quotes) for c in citations]
        scores["citation_precision"] = sum(ok) / len(ok)
    if cites and quotes:
        covered = []
        verified = [c for c in citations if c.get("verified")] if not refused else []
        for q in quotes:
            qk = fast_match_key(q)
            covered.append(
                any(
                    qk in fast_match_key(str(c.get("quote") or ""))
                    or qk in fast_match_key(str(by_chunk.get(str(c.get("chunk_id")), {}).get("text") or ""))
                    for c in verified
                )
            )
        scores["citation_recall"] = sum(covered) / len(covered)
    reference = record.get("reference_answer")
    if reference:
        text = str(answer.get("text") or "")
        question = str(record.get("question") or "")
        scores["strict_correctness"] = 0.0 if refused else float(strict_correct(text, question, reference))
    if reference and not refused:
        text = str(answer.get("text") or "")
        scores["correctness"] = answer_correctness(text, reference)
        scores["token_f1"] = token_f1(text, reference)
    return scores
