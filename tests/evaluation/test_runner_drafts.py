"""The evaluation runner scores draft items with the checker (no more "not run")."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.evaluation.runner import run_eval
from assistant.settings import Settings
from tests.conftest import REPO
from tests.fakes import HashEmbedder, ScriptedGenerator


def test_draft_items_are_checked_and_scored(tmp_path: Path, sample_dir: Path) -> None:
    settings = Settings(index_dir=tmp_path / "idx", model_dir=tmp_path / "m")
    summary = run_eval(
        REPO / "evals" / "sample_drafts.jsonl", [sample_dir], settings, tmp_path / "run",
        cache_root=tmp_path / "cache", embedder=HashEmbedder(), generator=ScriptedGenerator([]),
    )  # fmt: skip
    assert summary["drafts"] == "scored"
    m = summary["metrics"]
    assert {"draft_accuracy", "draft_macro_f1", "contradicts_recall", "evidence_recall"} <= set(m)
    records = [json.loads(line) for line in (tmp_path / "run" / "items.jsonl").read_text("utf-8").splitlines()]
    assert len(records) == 6 and all(r["type"] == "draft" for r in records)
    by_id = {r["id"]: r for r in records}
    # a changed percentage and a changed deadline are found by the rules alone
    for rid in ("sdraft-02", "sdraft-03"):
        assert by_id[rid]["predicted"]["verdict"] == "contradicts", by_id[rid]["predicted"]
        assert by_id[rid]["predicted"]["evidence"][0]["verified"] is True
    assert by_id["sdraft-01"]["predicted"]["verdict"] == "consistent"
    assert m["contradicts_recall"] == 1.0
    assert "check" in by_id["sdraft-01"]["timings"]
    retrieval_only = run_eval(
        REPO / "evals" / "sample_drafts.jsonl", [sample_dir], settings, tmp_path / "run2",
        cache_root=tmp_path / "cache", embedder=HashEmbedder(), generator=ScriptedGenerator([]), retrieval_only=True,
    )  # fmt: skip
    assert retrieval_only["drafts"] == "not run"
