"""Draft-check metrics: verdict accuracy, macro F1, contradicts recall, evidence recall."""

from __future__ import annotations

import pytest

from assistant.evaluation.metrics import per_item_scores, summarize
from assistant.evaluation.report import format_table
from tests.evaluation.records import draft, ranking_record


def test_drafts_not_run_are_not_failures() -> None:
    summary = summarize([ranking_record(), draft("d1", "contradicts", None), draft("d2", "consistent", None)])
    assert summary["drafts"] == "not run"
    assert not any(k.startswith("draft_") or k in ("contradicts_recall", "evidence_recall") for k in summary["metrics"])
    assert summary["counts"]["drafts"] == 2 and summary["counts"]["drafts_predicted"] == 0
    assert per_item_scores(draft("d1", "contradicts", None)) == {}


def test_draft_metrics_scored() -> None:
    quote = "Tỷ trọng kinh tế số đạt tối thiểu 30% GDP vào năm 2030"
    records = [
        draft("d1", "contradicts", "contradicts", evidence=[quote], found=[f"Nghị quyết nêu: {quote}."]),
        draft("d2", "contradicts", "consistent", evidence=[quote, "Hoàn thiện thể chế"], found=["30% GDP"]),
        draft("d3", "consistent", "consistent", evidence=[quote], found=["kinh tế số đạt tối thiểu 30% GDP vào năm"]),
        draft("d4", "not_covered", "consistent"),
        draft("d5", "contradicts", None),  # not predicted: ignored
    ]
    summary = summarize(records)
    m = summary["metrics"]
    assert summary["drafts"] == "scored"
    assert m["draft_accuracy"] == 0.5
    # F1: contradicts 2·1/(2+1), consistent 2·1/(1+3), not_covered 0
    assert m["draft_macro_f1"] == pytest.approx((2 / 3 + 0.5 + 0) / 3)
    assert m["contradicts_recall"] == 0.5
    # d1: found (predicted contains expected); d2: "30% GDP" is under half the quote -> 0 of 2;
    # d3: predicted is a long part of the expected quote -> found
    assert m["evidence_recall"] == pytest.approx((1 + 0 + 1) / 3)
    assert per_item_scores(records[1]) == {"verdict_ok": 0.0, "evidence_recall": 0.0, "overall": 0.0}


def test_draft_figures_per_split_and_kind() -> None:
    records = [
        {**draft("d1", "contradicts", "contradicts"), "split": "dev", "kind": "number"},
        {**draft("d2", "consistent", "not_covered"), "split": "dev", "kind": "paraphrase"},
        {**draft("u1", "contradicts", "consistent"), "split": "untouched", "kind": "number"},
        {**draft("u2", "not_covered", "not_covered"), "split": "untouched", "kind": "number"},
    ]
    summary = summarize(records)
    splits = summary["draft_breakdown"]["by_split"]
    assert set(splits) == {"dev", "untouched", "all"}
    assert splits["dev"]["n"] == 2 and splits["dev"]["draft_accuracy"] == 0.5
    assert splits["dev"]["contradicts_recall"] == 1.0
    assert splits["untouched"]["contradicts_recall"] == 0.0
    assert splits["all"]["draft_accuracy"] == summary["metrics"]["draft_accuracy"] == 0.5
    assert summary["draft_breakdown"]["by_kind"] == {
        "number": {"right": 2, "wrong": 1},
        "paraphrase": {"right": 0, "wrong": 1},
    }
    table = format_table(summary)
    assert "untouched" in table and "number 2 right / 1 wrong" in table


def test_no_split_no_split_table() -> None:
    summary = summarize([draft("d1", "contradicts", "contradicts")])
    assert "by_split" not in summary["draft_breakdown"]
    assert summary["draft_breakdown"]["by_kind"] == {"unspecified": {"right": 1, "wrong": 0}}
