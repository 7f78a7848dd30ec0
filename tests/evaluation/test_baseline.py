"""The harness runs the LangChain baseline into a run folder that `eval compare` reads beside ours."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.evaluation.baseline import abstains, run_baseline_eval
from assistant.evaluation.compare import compare, format_compare
from assistant.evaluation.runner import run_eval
from assistant.settings import Settings
from tests.fakes import HashEmbedder, ScriptedGenerator

REPO = Path(__file__).resolve().parents[2]
SET = REPO / "evals" / "sample_smoke.jsonl"
SAMPLE = REPO / "corpora" / "sample"


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("", True),
        ("Tôi không biết.", True),
        ("Tài liệu không đề cập đến chỉ tiêu này. Tuy nhiên, nghị quyết nêu mục tiêu chung.", True),
        ("I don’t know the answer based on the context.", True),
        ("The context does not mention it.", True),
        ("Kinh tế số chiếm 25% GRDP của tỉnh.", False),
        # a "not known" phrase after the first sentence does not make the answer a refusal
        ("Kinh tế số chiếm 25% GRDP. Mốc năm 2045 không được đề cập.", False),
    ],
)
def test_abstains(text: str, refused: bool) -> None:
    assert abstains(text) is refused


def test_baseline_run_is_scored_and_compared_with_ours(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "idx", answer_mode="extractive")
    emb = HashEmbedder()
    n_questions = sum(1 for line in SET.read_text("utf-8").splitlines() if line.strip())
    outputs = ["Kinh tế số chiếm 25% GRDP của tỉnh."] + ["Tôi không biết."] * (n_questions - 1)
    gen = ScriptedGenerator(outputs)
    base_dir = tmp_path / "base"
    summary = run_baseline_eval(SET, [SAMPLE], settings, base_dir, index_dir=tmp_path / "lc", embedder=emb, generator=gen)

    records = [json.loads(line) for line in (base_dir / "items.jsonl").read_text("utf-8").splitlines()]
    assert len(records) == n_questions and len(gen.prompts) == n_questions
    first = records[0]
    assert first["answer"]["text"] == outputs[0] and first["answer"]["mode"] == "generated"
    assert first["answer"]["citations"] is None
    assert all(r["answer"]["mode"] == "refused" for r in records[1:])
    assert all(len(r["retrieved"]) == 4 and r["retrieved"][0]["doc_id"] for r in records)
    assert {"total", "passages_shown", "first_token"} <= set(first["timings"])
    m = summary["metrics"]
    assert "mrr@10" in m and "abstention_accuracy" in m and "answer_correctness" in m
    assert "citation_precision" not in m and "citation_recall" not in m  # no citations: not applicable, not 0
    assert summary["config"]["baseline"]["k"] == 4 and summary["config"]["baseline"]["chunk_size"] == 1000
    assert summary["config"]["baseline"]["prompt"].startswith("Use the following pieces of context")
    assert (base_dir / "report.html").is_file()

    ours_dir = tmp_path / "ours"
    run_eval(SET, [SAMPLE], settings, ours_dir, cache_root=tmp_path / "cache", embedder=emb)
    result = compare(ours_dir, base_dir, [])
    names = {d.name: d for d in result.metrics}
    assert names["abstention_accuracy"].a is not None and names["abstention_accuracy"].b is not None
    assert names["citation_recall"].a is not None and names["citation_recall"].b is None
    assert result.only_a == [] and result.only_b == []
    assert "citation_recall" in format_compare(result)

    # a --limit baseline run compared on the items both runs share
    calls = emb.calls
    small = tmp_path / "small"
    run_baseline_eval(SET, [SAMPLE], settings, small, index_dir=tmp_path / "lc", embedder=emb,
                      generator=ScriptedGenerator(["Tôi không biết."] * 3), limit=3)  # fmt: skip
    assert emb.calls == calls  # the baseline's index was reused
    whole = compare(ours_dir, small, [])
    assert len(whole.only_a) == n_questions - 3
    shared = compare(ours_dir, small, [], common=True)
    assert shared.only_a == [] and shared.only_b == []
    assert len(shared.wins) + len(shared.losses) + shared.ties == 3


def test_baseline_refuses_to_clear_a_folder_it_did_not_make(tmp_path: Path) -> None:
    folder = tmp_path / "somebody-elses"
    folder.mkdir()
    (folder / "keep.txt").write_text("data", "utf-8")
    with pytest.raises(ValueError, match="not a baseline index"):
        run_baseline_eval(SET, [SAMPLE], Settings(index_dir=tmp_path / "idx"), tmp_path / "run", index_dir=folder,
                          embedder=HashEmbedder(), generator=ScriptedGenerator([]), limit=1)  # fmt: skip
    assert (folder / "keep.txt").read_text("utf-8") == "data"


def test_pick_spreads_a_subset_over_the_set() -> None:
    from assistant.evaluation.items import load_items
    from assistant.evaluation.runner import pick

    questions, _ = load_items(SET)
    assert [q.id for q in pick(questions, every=3)] == [q.id for q in questions[::3]]
    assert [q.id for q in pick(questions, 2, every=3)] == [questions[0].id, questions[3].id]
    assert pick(questions) == questions
    with pytest.raises(ValueError, match="at least 1"):
        pick(questions, every=0)
