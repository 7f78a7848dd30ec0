"""Evaluation metrics: pure functions over run records (dicts, one per item; see `summarize`).

Per item, `per_item_scores` gathers the retrieval (`retrieval_metrics`), answer (`answer_metrics`)
and draft-check (`draft_metrics`) scores that apply; matching expected documents and quotes is
`matching`'s. Over a run, `summarize` averages them over the applicable items (a metric with no
applicable item is left out):
- Retrieval, over answerable question items with expected docs (records with an error count, as
  misses): doc_recall@k, doc_hit@k, quote_recall@k (items with quotes), mrr@10, ndcg@10.
- Answers, over question records whose `answer` is not null: see `answer_metrics.answer_scores`;
  citation precision is pooled over all citations on answerable items, not averaged per item.
- Drafts, over draft records whose `predicted` is not null; `summary["drafts"]` is "not run" when none.
- Latency: p50/p95 (linear interpolation) of every stage in `timings`, over all records.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from assistant.evaluation.answer_metrics import answer_scores, n_citations
from assistant.evaluation.draft_metrics import draft_breakdown, draft_metrics, draft_scores
from assistant.evaluation.matching import Record
from assistant.evaluation.retrieval_metrics import KS, retrieval_scores

# Per-item scores averaged into the single "overall" score that ranks worst items and wins/losses.
OVERALL_KEYS: tuple[str, ...] = (
    "rr", "quote_recall@10", "abstention_ok", "citation_recall", "correctness", "verdict_ok", "evidence_recall",
)  # fmt: skip


def is_question(record: Record) -> bool:
    return record.get("type", "question") != "draft"


def per_item_scores(record: Record) -> dict[str, float]:
    """Scores of one record (1 = good); "overall" is the mean of those in OVERALL_KEYS present."""
    scores: dict[str, float] = {}
    if is_question(record):
        if record.get("answerable", True) and record.get("expected_docs"):
            scores.update(retrieval_scores(record))
        if isinstance(record.get("answer"), dict):
            scores.update(answer_scores(record))
    elif isinstance(record.get("predicted"), dict):
        scores.update(draft_scores(record))
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
        n_cites = [(sc["citation_precision"], n_citations(r)) for r, sc in answered if "citation_precision" in sc]
        if n_cites:
            out["citation_precision"] = sum(p * n for p, n in n_cites) / sum(n for _, n in n_cites)
        for name, key in (("citation_recall", "citation_recall"), ("answer_correctness", "correctness"),
                          ("strict_correctness", "strict_correctness"), ("answer_token_f1", "token_f1")):  # fmt: skip
            if pooled[key]:
                out[name] = _mean(pooled[key])
    return out


def summarize(records: Sequence[Record]) -> dict[str, Any]:
    """{"metrics": {name: float}, "by_kind": {kind: {name: float}}, "counts": {name: int}, "drafts": str}, and
    "draft_breakdown" (per split and per kind, `draft_metrics.draft_breakdown`) when drafts were checked."""
    questions = [r for r in records if is_question(r)]
    drafts = [r for r in records if not is_question(r)]
    predicted = [r for r in drafts if isinstance(r.get("predicted"), dict)]
    scored = [per_item_scores(r) for r in questions]
    metrics = question_metrics(questions, scored)
    if predicted:
        metrics.update(draft_metrics(predicted))
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
        "citations": sum(n_citations(r) for r in answered),
        "correctness_scored": sum("correctness" in s for s in scored),
        "drafts": len(drafts),
        "drafts_predicted": len(predicted),
        "errors": sum(bool(r.get("error")) for r in records),
    }
    for kind, rs in kinds.items():
        counts[f"kind.{kind}"] = len(rs)
    out = {"metrics": metrics, "by_kind": by_kind, "counts": counts, "drafts": "scored" if predicted else "not run"}
    if predicted:
        out["draft_breakdown"] = draft_breakdown(predicted)
    return out


def metric_names() -> set[str]:
    """Every metric name `summarize` can produce, apart from the latency.<stage>.p50/p95 family."""
    names = {f"{m}@{k}" for m in ("doc_recall", "doc_hit", "quote_recall") for k in KS}
    names |= {"mrr@10", "ndcg@10", "abstention_accuracy", "false_refusal_rate", "false_answer_rate"}
    names |= {"citation_precision", "citation_recall", "answer_correctness", "strict_correctness", "answer_token_f1"}
    names |= {"draft_accuracy", "draft_macro_f1", "contradicts_recall", "evidence_recall"}
    return names
