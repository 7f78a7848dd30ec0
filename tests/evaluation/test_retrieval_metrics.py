"""Retrieval metrics: document recall and hit, reciprocal rank, nDCG."""

from __future__ import annotations

import math

import pytest

from assistant.evaluation.metrics import summarize
from assistant.evaluation.retrieval_metrics import retrieval_scores
from tests.evaluation.records import passage, question, ranking_record


def test_doc_recall_hit_mrr_ndcg_known_values() -> None:
    scores = retrieval_scores(ranking_record())
    assert scores["doc_recall@1"] == 0.0
    assert scores["doc_recall@3"] == 0.5
    assert scores["doc_recall@5"] == 1.0
    assert scores["doc_recall@10"] == 1.0
    assert (scores["doc_hit@1"], scores["doc_hit@3"]) == (0.0, 1.0)
    assert scores["rr"] == 0.5
    dcg = 1 / math.log2(3) + 1 / math.log2(6)
    ideal = 1 + 1 / math.log2(3)
    assert scores["ndcg@10"] == pytest.approx(dcg / ideal)
    metrics = summarize([ranking_record()])["metrics"]
    assert metrics["mrr@10"] == 0.5
    assert "quote_recall@5" not in metrics  # no item has expected quotes


def test_ranking_uses_rank_field_not_list_order() -> None:
    record = ranking_record()
    record["retrieved"].reverse()
    assert retrieval_scores(record)["rr"] == 0.5


def test_ndcg_never_exceeds_one_with_duplicate_passages() -> None:
    record = question("d", [passage(r, "57-NQ/TW", r, "x") for r in range(1, 6)], ["57-NQ/TW"])
    scores = retrieval_scores(record)
    assert scores["ndcg@10"] == 1.0
    assert scores["rr"] == 1.0
