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


def test_eval_run_cli_takes_a_config_file(tmp_path: Path) -> None:
    """`assistant eval run SET --corpus DIR --config FILE --out DIR` (fast: extractive, retrieval only, hash-free real CLI)."""
    from typer.testing import CliRunner

    from assistant.cli.main import app

    cfg = tmp_path / "run.yaml"
    cfg.write_text(f"index_dir: {tmp_path / 'idx'}\nembed_model: all-minilm-l6-v2\ntop_k: 4\n", "utf-8")
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app,
        ["eval", "run", str(REPO / "evals" / "sample_smoke.jsonl"), "--corpus", str(REPO / "corpora" / "sample"),
         "--retrieval-only", "--config", str(cfg), "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert summary["config"]["settings"]["top_k"] == 4
    assert summary["config"]["settings"]["embed_model"] == "all-minilm-l6-v2"
    assert "mrr@10" in result.output
    assert all(len(json.loads(line)["retrieved"]) <= 4 for line in (out / "items.jsonl").read_text("utf-8").splitlines()[:5])
