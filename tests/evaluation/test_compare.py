from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant.evaluation.compare import compare, format_compare
from assistant.evaluation.metrics import summarize
from tests.evaluation.records import answer, passage, question


def make_run(path: Path, records: list[dict[str, Any]], *, with_summary: bool = True) -> Path:
    path.mkdir(parents=True)
    (path / "items.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    if with_summary:
        (path / "summary.json").write_text(json.dumps(summarize(records), ensure_ascii=False), encoding="utf-8")
    return path


def records(first_rank: int, total: float = 1.0) -> list[dict[str, Any]]:
    """Ten items; item q0 finds its document at `first_rank`, the others at rank 1."""
    out = []
    for i in range(10):
        rank = first_rank if i == 0 else 1
        retrieved = [passage(r, "57-NQ/TW" if r == rank else "20-NQ/TW", r, "x") for r in range(1, 4)]
        out.append(question(f"q{i}", retrieved, ["57-NQ/TW"], timings={"total": total}))
    return out


@pytest.fixture
def runs(tmp_path: Path) -> tuple[Path, Path]:
    # b loses on q0: reciprocal rank 1 -> 1/2, so mrr@10 drops by 0.05
    return make_run(tmp_path / "a", records(1)), make_run(tmp_path / "b", records(2, total=2.0))


def test_regression_caught_by_fail_if(runs: tuple[Path, Path]) -> None:
    result = compare(*runs, ["mrr@10<-0.02"])
    assert not result.ok
    assert len(result.failed) == 1 and result.failed[0].startswith("mrr@10<-0.02")
    deltas = {d.name: d.delta for d in result.metrics}
    assert deltas["mrr@10"] == pytest.approx(-0.05)
    assert deltas["doc_hit@1"] == pytest.approx(-0.1)
    assert deltas["doc_hit@3"] == 0.0
    assert [c.id for c in result.losses] == ["q0"] and not result.wins and result.ties == 9
    assert result.losses[0].changed["rr"] == (1.0, 0.5)
    text = format_compare(result)
    assert "FAIL mrr@10<-0.02" in text and "q0" in text


def test_regression_within_threshold_passes(runs: tuple[Path, Path]) -> None:
    result = compare(*runs, ["mrr@10<-0.1", "doc_hit@3<0"])
    assert result.ok and result.failed == []
    assert "all gates passed" in format_compare(result)


def test_improvement_is_a_win_and_passes_zero_gate(runs: tuple[Path, Path]) -> None:
    b, a = runs
    result = compare(a, b, ["mrr@10<0", "ndcg@10<0"])
    assert result.ok
    assert [c.id for c in result.wins] == ["q0"]


def test_greater_than_gate_for_latency(runs: tuple[Path, Path]) -> None:
    result = compare(*runs, ["latency.total.p95>0.5"])
    assert result.failed and "latency.total.p95" in result.failed[0]
    assert compare(*runs, ["latency.total.p95>1.5"]).ok


def test_unknown_metric_and_bad_syntax_rejected(runs: tuple[Path, Path]) -> None:
    with pytest.raises(ValueError, match="unknown metric"):
        compare(*runs, ["mrr@11<0"])
    with pytest.raises(ValueError, match="bad --fail-if"):
        compare(*runs, ["mrr@10 <= 0"])


def test_known_metric_missing_from_a_run_fails(runs: tuple[Path, Path]) -> None:
    result = compare(*runs, ["citation_precision<0"])  # retrieval-only runs: no citations
    assert result.failed == ["citation_precision<0: metric not available in run a and b"]


def test_metrics_recomputed_without_summary_and_items_only_in_one_run(tmp_path: Path) -> None:
    a = make_run(tmp_path / "a", records(1), with_summary=False)
    extra = question("new", [], ["57-NQ/TW"], answer=answer("x"))
    b = make_run(tmp_path / "b", [*records(1)[1:], extra], with_summary=False)
    result = compare(a, b, ["doc_hit@1<-0.2"])
    assert result.ok
    assert result.only_a == ["q0"] and result.only_b == ["new"]
    assert {d.name for d in result.metrics} >= {"mrr@10", "abstention_accuracy"}
    abst = next(d for d in result.metrics if d.name == "abstention_accuracy")
    assert abst.a is None and abst.b == 1.0 and abst.delta is None
