"""Evaluation metrics: pure functions over run records (dicts, one per item; see `summarize`).

Matching
- An expected doc matches a passage when, after `normalize_text`, upper-casing and removing
  whitespace, it equals the passage's `doc_id`; written `label:<file name>`, when the file name
  equals the passage's `source_name` (or its last path component).
- An expected quote is found in the top k when `match_key(quote)` is a substring of
  `match_key(text)` of one passage, or of two consecutive chunks of one document (ordinals n and
  n+1, both in the top k) joined with a space or joined over their longest overlap.

Definitions (averages over applicable items; a metric with no applicable item is left out)
- Retrieval, over answerable question items with expected docs (records with an error count, as
  misses): doc_recall@k = share of expected docs matched in the top k; doc_hit@k = any matched;
  quote_recall@k = share of expected quotes found (items with quotes); mrr@10 = 1/position of the
  first matching passage; ndcg@10 = document-level binary nDCG: a passage gains 1/log2(i+1) when it
  matches an expected doc that no higher passage matched, the ideal is min(#expected docs, 10)
  gains at positions 1..n, so duplicates of one document neither help nor push the score above 1.
- Answers, over question records whose `answer` is not null: see `_answer_scores`.
- Drafts, over draft records whose `predicted` is not null; `summary["drafts"]` is "not run" when none.
- Latency: p50/p95 (linear interpolation) of every stage in `timings`, over all records.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from assistant.normalize import _NOISE_CHARS, match_key, normalize_text

KS: tuple[int, ...] = (1, 3, 5, 10)
VERDICTS: tuple[str, ...] = ("consistent", "contradicts", "not_covered")
# Per-item scores averaged into the single "overall" score that ranks worst items and wins/losses.
OVERALL_KEYS: tuple[str, ...] = (
    "rr", "quote_recall@10", "abstention_ok", "citation_recall", "correctness", "verdict_ok", "evidence_recall",
)  # fmt: skip

Record = dict[str, Any]


_SLOW_PATH = re.compile(r"\\")  # Markdown escapes: left to match_key
_NOISE = re.compile("[" + re.escape("".join(sorted(_NOISE_CHARS))) + "]+")  # the characters match_key drops
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=16384)
def _key(text: str) -> str:
    """`match_key(text)`. For NFC text without backslashes the same steps run as C-level string
    operations (tone convention, Markdown noise removed, whitespace collapsed), many times faster;
    tests check that both agree."""
    if _SLOW_PATH.search(text) or not unicodedata.is_normalized("NFC", text):
        return match_key(text)
    return _SPACES.sub(" ", _NOISE.sub("", normalize_text(text))).strip(" ")


def _doc_key(doc_id: str) -> str:
    return re.sub(r"\s+", "", normalize_text(doc_id).upper())


def doc_matches(expected: str, passage: Record) -> bool:
    """Whether the expected doc id (or `label:<file name>`) names the passage's document."""
    if expected.startswith("label:"):
        name = normalize_text(expected[len("label:") :].strip())
        source = normalize_text(str(passage.get("source_name") or "")).strip()
        return bool(name) and (name == source or name == source.replace("\\", "/").rsplit("/", 1)[-1])
    return bool(passage.get("doc_id")) and _doc_key(expected) == _doc_key(str(passage["doc_id"]))


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
    keys = [(_key(str(p.get("text") or "")), pos) for pos, p in enumerate(passages, start=1)]
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
    return [min((need for key, need in hay if _key(q) in key), default=math.inf) for q in quotes]


def quotes_found(quotes: Iterable[str], passages: Sequence[Record]) -> list[bool]:
    """For each quote, whether it occurs in the passages (consecutive chunks joined, see module doc)."""
    return [pos < math.inf for pos in quote_positions(quotes, passages)]


def _quotes(record: Record, field: str = "expected_quotes") -> list[str]:
    return [q for q in record.get(field) or [] if _key(q)]


def _retrieval_scores(record: Record) -> dict[str, float]:
    expected = list(dict.fromkeys(record.get("expected_docs") or []))
    passages = ranked(record)[: max(KS)]
    scores: dict[str, float] = {}
    first_match: dict[str, int] = {}  # expected doc -> first position (1-based)
    rr = 0.0
    dcg = 0.0
    for pos, passage in enumerate(passages, start=1):
        hits = [e for e in expected if doc_matches(e, passage)]
        if hits and rr == 0.0:
            rr = 1.0 / pos
        new = [e for e in hits if e not in first_match]
        for e in new:
            first_match[e] = pos
        if new:
            dcg += 1.0 / math.log2(pos + 1)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(expected), max(KS)) + 1))
    quotes = _quotes(record)
    quote_pos = quote_positions(quotes, passages)
    for k in KS:
        found = [e for e in expected if first_match.get(e, math.inf) <= k]
        scores[f"doc_recall@{k}"] = len(found) / len(expected)
        scores[f"doc_hit@{k}"] = 1.0 if found else 0.0
        if quotes:
            scores[f"quote_recall@{k}"] = sum(pos <= k for pos in quote_pos) / len(quotes)
    scores["rr"] = rr
    scores["ndcg@10"] = dcg / ideal if ideal else 0.0
    return scores


# --- answers -------------------------------------------------------------------------------

_CITE_MARK = re.compile(r"\[\d+(?:\s*[,;–-]\s*\d+)*\]")
_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*\s?%?")
_DOC_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[/-][A-ZĐ][A-ZĐ0-9]*)+")


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", _key(_CITE_MARK.sub(" ", text)).lower())


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
    ref, ans = _key(_CITE_MARK.sub(" ", reference)), _key(_CITE_MARK.sub(" ", answer))
    doc_numbers = {_doc_key(d) for d in _DOC_NUMBER.findall(ref)}
    ref = _DOC_NUMBER.sub(" ", ref)  # numbers and letters inside a document number are not counted again
    numbers = {n.replace(" ", "").rstrip(".,") for n in _NUMBER.findall(ref)}
    words = _capitalised(ref)
    total = len(numbers) + len(doc_numbers) + len(words)
    if not total:
        return None
    ans_numbers = {n.replace(" ", "").rstrip(".,") for n in _NUMBER.findall(ans)}
    ans_doc, ans_words = _doc_key(ans), set(_tokens(ans))
    hit = len(numbers & ans_numbers) + sum(d in ans_doc for d in doc_numbers) + len(words & ans_words)
    return hit / total


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
        cited = _key(str(citation.get("quote") or ""))
        if passage is not None and any(quotes_found(quotes, [passage])):
            return True
        return bool(cited) and any(cited in _key(q) for q in quotes)
    if passage is None:
        passage = {"doc_id": citation.get("doc_id")}
    return any(doc_matches(e, passage) for e in expected_docs)


def _citations(record: Record) -> list[Record]:
    return [c for c in record["answer"].get("citations") or [] if isinstance(c, dict)]


def _n_citations(record: Record) -> int:
    return len(_citations(record))


def _answer_scores(record: Record) -> dict[str, float]:
    """Per-item answer scores. abstention_ok: refused iff unanswerable. On answerable items:
    citation_precision (share of citations that are verified and whose passage, found by chunk_id,
    holds an expected quote (or whose quote lies inside one); without expected quotes: whose passage
    belongs to an expected doc); citation_recall (share of expected quotes held by a verified
    citation's passage or quote; 0 when refused); with a reference answer and not refused:
    correctness and token_f1. `citations: null` marks a system that gives no citations (the LangChain
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
    expected_docs, quotes = list(record.get("expected_docs") or []), _quotes(record)
    if cites and citations:
        ok = [_citation_ok(c, by_chunk, expected_docs, quotes) for c in citations]
        scores["citation_precision"] = sum(ok) / len(ok)
    if cites and quotes:
        covered = []
        verified = [c for c in citations if c.get("verified")] if not refused else []
        for q in quotes:
            qk = _key(q)
            covered.append(
                any(
                    qk in _key(str(c.get("quote") or ""))
                    or qk in _key(str(by_chunk.get(str(c.get("chunk_id")), {}).get("text") or ""))
                    for c in verified
                )
            )
        scores["citation_recall"] = sum(covered) / len(covered)
    reference = record.get("reference_answer")
    if reference and not refused:
        text = str(answer.get("text") or "")
        scores["correctness"] = answer_correctness(text, reference)
        scores["token_f1"] = token_f1(text, reference)
    return scores


# --- drafts --------------------------------------------------------------------------------


def _evidence_found(expected: str, predicted: Sequence[str]) -> bool:
    """Containment either way; a predicted quote inside the expected one must be ≥ half its length."""
    ek = _key(expected)
    for p in predicted:
        pk = _key(p)
        if pk and (ek in pk or (pk in ek and 2 * len(pk) >= len(ek))):
            return True
    return False


def _draft_scores(record: Record) -> dict[str, float]:
    predicted = record["predicted"]
    scores = {"verdict_ok": 1.0 if predicted.get("verdict") == record.get("expected_verdict") else 0.0}
    expected = _quotes(record, "evidence_quotes")
    if expected:
        pred = [str(e.get("quote") or "") for e in predicted.get("evidence") or [] if isinstance(e, dict)]
        scores["evidence_recall"] = sum(_evidence_found(q, pred) for q in expected) / len(expected)
    return scores


def _draft_metrics(records: Sequence[Record]) -> dict[str, float]:
    gold = [str(r.get("expected_verdict")) for r in records]
    pred = [str((r["predicted"] or {}).get("verdict")) for r in records]
    out = {"draft_accuracy": sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)}
    f1s = []
    for label in VERDICTS:
        tp = sum(g == p == label for g, p in zip(gold, pred, strict=True))
        n_gold, n_pred = gold.count(label), pred.count(label)
        if n_gold or n_pred:  # classes absent from both gold and predictions are left out
            f1s.append(2 * tp / (n_gold + n_pred))
    out["draft_macro_f1"] = sum(f1s) / len(f1s) if f1s else 0.0
    contradicts = [p == "contradicts" for g, p in zip(gold, pred, strict=True) if g == "contradicts"]
    if contradicts:
        out["contradicts_recall"] = sum(contradicts) / len(contradicts)
    evidence = [s["evidence_recall"] for s in map(_draft_scores, records) if "evidence_recall" in s]
    if evidence:
        out["evidence_recall"] = sum(evidence) / len(evidence)
    return out


# --- per item and summary ------------------------------------------------------------------


def is_question(record: Record) -> bool:
    return record.get("type", "question") != "draft"


def per_item_scores(record: Record) -> dict[str, float]:
    """Scores of one record (1 = good); "overall" is the mean of those in OVERALL_KEYS present."""
    scores: dict[str, float] = {}
    if is_question(record):
        if record.get("answerable", True) and record.get("expected_docs"):
            scores.update(_retrieval_scores(record))
        if isinstance(record.get("answer"), dict):
            scores.update(_answer_scores(record))
    elif isinstance(record.get("predicted"), dict):
        scores.update(_draft_scores(record))
    main = [scores[k] for k in OVERALL_KEYS if k in scores]
    if main:
        scores["overall"] = sum(main) / len(main)
    return scores


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100), linear interpolation between closest ranks (numpy's default)."""
    data = sorted(values)
    if not data:
        raise ValueError("percentile of no values")
    pos = (len(data) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def latency_metrics(records: Iterable[Record]) -> dict[str, float]:
    stages: dict[str, list[float]] = defaultdict(list)
    for r in records:
        for stage, value in (r.get("timings") or {}).items():
            if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
                stages[stage].append(float(value))
    out: dict[str, float] = {}
    for stage in sorted(stages):
        out[f"latency.{stage}.p50"] = percentile(stages[stage], 50)
        out[f"latency.{stage}.p95"] = percentile(stages[stage], 95)
    return out


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def question_metrics(records: Sequence[Record], scores: Sequence[dict[str, float]] | None = None) -> dict[str, float]:
    """Retrieval and answer metrics over question records (see module doc); `scores`, when given, are
    their `per_item_scores` in the same order."""
    if scores is None:
        scores = [per_item_scores(r) for r in records]
    pairs = [(r, s) for r, s in zip(records, scores, strict=True) if is_question(r)]
    pooled: dict[str, list[float]] = defaultdict(list)
    for _, item_scores in pairs:
        for name, value in item_scores.items():
            pooled[name].append(value)
    out: dict[str, float] = {}
    for name in [f"{m}@{k}" for m in ("doc_recall", "doc_hit", "quote_recall") for k in KS]:
        if pooled[name]:
            out[name] = _mean(pooled[name])
    if pooled["rr"]:
        out["mrr@10"] = _mean(pooled["rr"])
        out["ndcg@10"] = _mean(pooled["ndcg@10"])
    answered = [(r, sc) for r, sc in pairs if isinstance(r.get("answer"), dict)]
    if answered:
        out["abstention_accuracy"] = _mean(pooled["abstention_ok"])
        refused = [(bool(r.get("answerable", True)), r["answer"].get("mode") == "refused") for r, _ in answered]
        on_answerable = [ref for ans, ref in refused if ans]
        on_unanswerable = [not ref for ans, ref in refused if not ans]
        if on_answerable:
            out["false_refusal_rate"] = _mean([float(x) for x in on_answerable])
        if on_unanswerable:
            out["false_answer_rate"] = _mean([float(x) for x in on_unanswerable])
        # pooled over all citations on answerable items, not averaged per item
        n_cites = [(sc["citation_precision"], _n_citations(r)) for r, sc in answered if "citation_precision" in sc]
        if n_cites:
            out["citation_precision"] = sum(p * n for p, n in n_cites) / sum(n for _, n in n_cites)
        for name, key in (("citation_recall", "citation_recall"), ("answer_correctness", "correctness"),
                          ("answer_token_f1", "token_f1")):  # fmt: skip
            if pooled[key]:
                out[name] = _mean(pooled[key])
    return out


def summarize(records: Sequence[Record]) -> dict[str, Any]:
    """{"metrics": {name: float}, "by_kind": {kind: {name: float}}, "counts": {name: int}, "drafts": str}."""
    questions = [r for r in records if is_question(r)]
    drafts = [r for r in records if not is_question(r)]
    predicted = [r for r in drafts if isinstance(r.get("predicted"), dict)]
    scored = [per_item_scores(r) for r in questions]
    metrics = question_metrics(questions, scored)
    if predicted:
        metrics.update(_draft_metrics(predicted))
    metrics.update(latency_metrics(records))
    kinds: dict[str, list[tuple[Record, dict[str, float]]]] = defaultdict(list)
    for r, sc in zip(questions, scored, strict=True):
        kinds[str(r.get("kind") or "unspecified")].append((r, sc))
    by_kind = {kind: question_metrics([r for r, _ in rs], [sc for _, sc in rs]) for kind, rs in sorted(kinds.items())}
    answered = [r for r in questions if isinstance(r.get("answer"), dict)]
    counts = {
        "items": len(records),
        "questions": len(questions),
        "answerable": sum(bool(r.get("answerable", True)) for r in questions),
        "unanswerable": sum(not r.get("answerable", True) for r in questions),
        "retrieval_scored": sum("rr" in s for s in scored),
        "quote_scored": sum("quote_recall@10" in s for s in scored),
        "answered": len(answered),
        "refused": sum(r["answer"].get("mode") == "refused" for r in answered),
        "citations": sum(_n_citations(r) for r in answered),
        "correctness_scored": sum("correctness" in s for s in scored),
        "drafts": len(drafts),
        "drafts_predicted": len(predicted),
        "errors": sum(bool(r.get("error")) for r in records),
    }
    for kind, rs in kinds.items():
        counts[f"kind.{kind}"] = len(rs)
    return {"metrics": metrics, "by_kind": by_kind, "counts": counts, "drafts": "scored" if predicted else "not run"}


def metric_names() -> set[str]:
    """Every metric name `summarize` can produce, apart from the latency.<stage>.p50/p95 family."""
    names = {f"{m}@{k}" for m in ("doc_recall", "doc_hit", "quote_recall") for k in KS}
    names |= {"mrr@10", "ndcg@10", "abstention_accuracy", "false_refusal_rate", "false_answer_rate"}
    names |= {"citation_precision", "citation_recall", "answer_correctness", "answer_token_f1"}
    names |= {"draft_accuracy", "draft_macro_f1", "contradicts_recall", "evidence_recall"}
    return names
