"""The smoke evaluation set over corpora/sample, run with the real default embedder (CI runs it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.evaluation.runner import run_eval
from assistant.settings import Settings

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def test_smoke_set_on_sample_corpus(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "idx", answer_mode="extractive")
    out = tmp_path / "run"
    summary = run_eval(
        REPO / "evals" / "sample_smoke.jsonl", [REPO / "corpora" / "sample"], settings, out, cache_root=tmp_path / "cache"
    )
    m = summary["metrics"]
    assert m["doc_hit@3"] >= 0.85, summary["table"]
    assert m["quote_recall@5"] >= 0.8, summary["table"]
    assert m["abstention_accuracy"] >= 0.8, summary["table"]
    assert summary["drafts"] == "not run"
    assert (out / "report.html").exists() and (out / "summary.json").exists()
    lines = (out / "items.jsonl").read_text("utf-8").splitlines()
    assert len(lines) >= 8 and all(json.loads(line)["id"] for line in lines)

    # A rerun reuses the cached index: nothing is embedded again.
    again = run_eval(
        REPO / "evals" / "sample_smoke.jsonl", [REPO / "corpora" / "sample"], settings, tmp_path / "run2",
        cache_root=tmp_path / "cache",
    )  # fmt: skip
    assert again["config"]["index_cached"] is True
    assert again["metrics"]["doc_hit@3"] == m["doc_hit@3"]
