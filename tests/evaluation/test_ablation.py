"""Retrieval ablation: every configuration scored in one run over one index, the baseline first."""

from __future__ import annotations

from pathlib import Path

from assistant.evaluation.ablation import CONFIGS, format_ablation, pyvi_tokens, run_ablation
from assistant.settings import Settings
from tests.fakes import HashEmbedder

REPO = Path(__file__).resolve().parents[2]


def test_pyvi_tokens_join_words() -> None:
    tokens = pyvi_tokens("Phát triển khoa học công nghệ")
    assert "khoa_học" in tokens and "công_nghệ" in tokens


def test_ablation_scores_every_configuration(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "index", model_dir=tmp_path / "models")
    out = tmp_path / "run"
    rows = run_ablation(
        REPO / "evals" / "sample_smoke.jsonl", [REPO / "corpora" / "sample"], settings, out, embedder=HashEmbedder()
    )
    assert list(rows) == [c.name for c in CONFIGS]
    for name, row in rows.items():
        for col in ("mrr@10", "doc_recall@10", "doc_hit@1"):
            value = row[col]
            assert value is not None and 0.0 <= value <= 1.0, (name, col, value)
        assert row["p50_ms"] is not None and row["p95_ms"] is not None and row["p50_ms"] <= row["p95_ms"]
    # the configurations really differ: query understanding pins named documents first
    assert rows["hybrid + query understanding"]["named_top3"] == 1.0
    assert (out / "ablation.json").exists()
    assert len(list(out.glob("items-*.jsonl"))) == len(CONFIGS)
    table = format_ablation(rows)
    assert table.splitlines()[2].startswith("| BM25 + pyvi (baseline) |") and "1.00×" in table.splitlines()[2]
    assert len(table.splitlines()) == 2 + len(CONFIGS)
