"""`assistant eval answers`: each design answers the same questions on one cached index, side by side."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.evaluation.designs import ROWS, run_designs
from assistant.settings import Settings
from tests.fakes import HashEmbedder, ScriptedGenerator

REPO = Path(__file__).resolve().parents[2]


def test_designs_share_one_index_and_print_one_table(tmp_path: Path) -> None:
    # a model that always chooses S1 and answers with its words is scripted for every question (no probabilities)
    reply = json.dumps({"units": ["S1"], "answer": ""}, ensure_ascii=False)
    gen = ScriptedGenerator([reply] * 20)
    out = tmp_path / "run"
    result = run_designs(
        REPO / "evals" / "sample_smoke.jsonl", [REPO / "corpora" / "sample"], Settings(index_dir=tmp_path / "idx"), out,
        designs=["choose", "extractive"], cache_root=tmp_path / "cache", embedder=HashEmbedder(), generator=gen,
    )  # fmt: skip
    assert list(result["designs"]) == ["choose", "extractive"]
    lines = result["table"].splitlines()
    assert lines[0].split() == ["choose", "extractive"]
    assert [ln[: len(label)] for ln, (label, _, _) in zip(lines[1:], ROWS, strict=True)] == [label for label, _, _ in ROWS]
    for design in ("choose", "extractive"):
        summary = json.loads((out / design / "summary.json").read_text("utf-8"))
        assert summary["config"]["design"] == design
        assert "strict_correctness" in summary["metrics"] and "false_answer_rate" in summary["metrics"]
        records = [json.loads(x) for x in (out / design / "items.jsonl").read_text("utf-8").splitlines()]
        assert len(records) == summary["counts"]["questions"] >= 8
    # only the choose design asked the model: per question, one `choose` (no probabilities here) then one reply
    questions = json.loads((out / "choose" / "summary.json").read_text("utf-8"))["counts"]["questions"]
    assert 0 < len(gen.schemas) <= questions and len(gen.prompts) == 2 * len(gen.schemas)
    assert (out / "designs.txt").read_text("utf-8") == result["table"] + "\n"


def test_unknown_design_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown answer design"):
        run_designs(REPO / "evals" / "sample_smoke.jsonl", [REPO / "corpora" / "sample"], Settings(index_dir=tmp_path / "i"),
                    tmp_path / "o", designs=["quote"], embedder=HashEmbedder())  # fmt: skip
