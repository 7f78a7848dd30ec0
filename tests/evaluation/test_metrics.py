"""Metrics over a run: per-item and overall scores, errors, latency percentiles, kinds and counts."""

from __future__ import annotations

import pytest

from assistant.evaluation.metrics import per_item_scores, percentile, summarize
from tests.evaluation.records import QUOTE, answer, citation, draft, passage, question, ranking_record


def test_error_record_counts_as_miss() -> None:
    records = [ranking_record(), question("e", [], ["57-NQ/TW"], error="timeout")]
    summary = summarize(records)
    assert summary["metrics"]["mrr@10"] == 0.25
    assert summary["counts"]["errors"] == 1


def test_retrieval_only_run_has_no_answer_metrics() -> None:
    m = summarize([ranking_record()])["metrics"]
    assert not {"abstention_accuracy", "citation_precision", "answer_correctness"} & set(m)


def test_latency_percentiles() -> None:
    records = [question(f"t{i}", [], [], timings={"retrieve": v, "total": 10 * v}) for i, v in
               enumerate([0.5, 0.1, 0.4, 0.2, 0.3])]  # fmt: skip
    records.append(draft("d", "consistent", None) | {"timings": {"check": 2.0}})
    m = summarize(records)["metrics"]
    assert m["latency.retrieve.p50"] == pytest.approx(0.3)
    assert m["latency.retrieve.p95"] == pytest.approx(0.48)
    assert m["latency.total.p95"] == pytest.approx(4.8)
    assert m["latency.check.p50"] == m["latency.check.p95"] == 2.0
    assert percentile([1.0], 95) == 1.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_by_kind_and_counts() -> None:
    hit = question("h", [passage(1, "57-NQ/TW", 1, "x")], ["57-NQ/TW"], kind="by_number")
    miss = question("m", [passage(1, "20-NQ/TW", 1, "x")], ["57-NQ/TW"], kind="paraphrase")
    summary = summarize([hit, miss])
    assert summary["metrics"]["doc_hit@1"] == 0.5
    assert summary["by_kind"]["by_number"]["doc_hit@1"] == 1.0
    assert summary["by_kind"]["paraphrase"]["doc_hit@1"] == 0.0
    assert summary["counts"]["kind.paraphrase"] == 1
    assert summary["counts"]["retrieval_scored"] == 2
    assert summary["drafts"] == "not run"


def test_overall_item_score() -> None:
    p = passage(1, "57-NQ/TW", 1, QUOTE)
    record = question("o", [passage(2, "57-NQ/TW", 1, QUOTE), passage(1, "20-NQ/TW", 1, "x")], ["57-NQ/TW"],
                      expected_quotes=[QUOTE], answer=answer("x", citations=[citation(1, p, QUOTE)]))  # fmt: skip
    scores = per_item_scores(record)
    # rr 0.5, quote_recall@10 1, abstention_ok 1, citation_recall 1
    assert scores["overall"] == pytest.approx((0.5 + 1 + 1 + 1) / 4)
