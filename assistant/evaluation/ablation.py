"""Retrieval ablation in one run: BM25 with pyvi word segmentation (the baseline), then our keyword,
dense and hybrid search, without and with query understanding, all over the same cached index.

Every configuration answers the same questions; query vectors are computed once and shared, so the
latency columns compare search work, not repeated embedding. Our configurations include the rerank
step the answerer uses; the baseline is plain BM25 over pyvi-segmented, lower-cased passages.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.evaluation.items import load_items
from assistant.evaluation.metrics import summarize
from assistant.evaluation.runner import prepare_index, question_record
from assistant.ingest.indexer import Progress
from assistant.pipeline import Pipeline
from assistant.search.keyword import KeywordIndex
from assistant.search.rerank import rerank
from assistant.search.retrieve import Retriever
from assistant.settings import Settings
from assistant.text.normalize import fold, normalize_text
from assistant.types import Embedder, Hit


@dataclass(frozen=True)
class Config:
    name: str
    mode: str  # "bm25-pyvi" or a Retriever mode
    understand: bool = False
    dense_weight: float = 1.0


CONFIGS = (
    Config("BM25 + pyvi (baseline)", "bm25-pyvi"),
    Config("keyword only", "keyword"),
    Config("dense only", "dense"),
    Config("hybrid (RRF)", "hybrid"),
    Config("hybrid (RRF, dense weight 0.5)", "hybrid", dense_weight=0.5),
    Config("hybrid (RRF, dense weight 2)", "hybrid", dense_weight=2.0),
    Config("hybrid + query understanding", "hybrid", True),
)
COLUMNS = ("mrr@10", "doc_recall@10", "doc_hit@1", "quote_recall@5", "named_top3", "p50_ms", "p95_ms")


class CachedEmbedder:
    """Remembers query vectors, so every configuration pays for each question's embedding once."""

    def __init__(self, inner: Embedder) -> None:
        self._inner = inner
        self._cache: dict[str, list[float]] = {}

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def dim(self) -> int:
        return self._inner.dim

    def embed_query(self, text: str) -> list[float]:
        if text not in self._cache:
            self._cache[text] = self._inner.embed_query(text)
        return self._cache[text]

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        return self._inner.embed_documents(texts)


def pyvi_tokens(text: str) -> list[str]:
    from pyvi import ViTokenizer

    return [t for t in fold(ViTokenizer.tokenize(text)).split() if any(c.isalnum() for c in t)]


class PyviBM25:
    """The baseline: BM25 over pyvi-segmented passages, no fusion, no query understanding."""

    def __init__(self, pipe: Pipeline, folder: Path) -> None:
        self._pipe = pipe
        self._index = KeywordIndex(folder, tokenizer=pyvi_tokens)
        if not self._index.load() or self._index.generation != pipe.catalog.generation:
            rows = pipe.catalog.all_chunks()
            self._index.build([(cid, text) for cid, _, text, _ in rows], pipe.catalog.generation)
        self._docs = {r.meta.key: r.meta for r in pipe.catalog.documents()}

    def search(self, question: str, k: int) -> list[Hit]:
        ranked = self._index.search(question, k)
        rows = self._pipe.catalog.chunk_rows([cid for cid, _ in ranked])
        return [
            Hit(chunk=rows[cid][0], meta=self._docs[rows[cid][1]], score=score, keyword_score=score)
            for cid, score in ranked
            if cid in rows
        ]


def _searcher(pipe: Pipeline, embedder: Embedder, config: Config) -> Callable[[str], list[Hit]]:
    k = pipe.settings.top_k
    if config.mode == "bm25-pyvi":
        base = PyviBM25(pipe, pipe.settings.index_dir / "keyword-pyvi")  # cached beside the index it mirrors
        return lambda q: base.search(q, k)
    retriever = Retriever(
        pipe.catalog, pipe.store, pipe.keyword, embedder, rrf_k=pipe.settings.rrf_k,
        refresh_keyword=pipe.indexer.refresh_keyword, mode=config.mode, understand=config.understand,
        dense_weight=config.dense_weight,
    )  # fmt: skip

    def search(q: str) -> list[Hit]:
        ret = retriever.search(q, k=k)
        return rerank(q, ret.hits, pinned=frozenset(ret.named))

    return search


def _row(summary: dict[str, Any]) -> dict[str, float | None]:
    m = summary["metrics"]
    by_number = summary["by_kind"].get("by_number", {})

    def ms(key: str) -> float | None:
        return 1000 * m[key] if key in m else None

    return {
        "mrr@10": m.get("mrr@10"),
        "doc_recall@10": m.get("doc_recall@10"),
        "doc_hit@1": m.get("doc_hit@1"),
        "quote_recall@5": m.get("quote_recall@5"),
        "named_top3": by_number.get("doc_hit@3"),
        "p50_ms": ms("latency.total.p50"),  # each record's "total" is its search time
        "p95_ms": ms("latency.total.p95"),
    }


def run_ablation(
    set_path: Path, corpora: list[Path], settings: Settings, out_dir: Path, *,
    embedder: Embedder | None = None, progress: Progress | None = None, configs: tuple[Config, ...] = CONFIGS,
) -> dict[str, dict[str, float | None]]:  # fmt: skip
    """Score every configuration on the set's questions; writes `ablation.json` and one items file each."""
    questions, _ = load_items(set_path)
    cache_root = settings.index_dir.parent / "eval-indexes"
    pipe, _, _ = prepare_index(corpora, settings, cache_root, embedder=embedder, progress=progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    shared = CachedEmbedder(pipe.embedder)
    rows: dict[str, dict[str, float | None]] = {}
    for config in configs:
        search = _searcher(pipe, shared, config)
        records = []
        for i, item in enumerate(questions):
            if progress:
                progress(f"{config.name}: {item.id}", i, len(questions))
            shared.embed_query(normalize_text(item.question))  # warm: the latency below is search work only
            t0 = time.perf_counter()
            hits = search(item.question)
            records.append(question_record(item, hits, None, {"total": time.perf_counter() - t0}))
        slug = re.sub(r"[^a-z0-9+]+", "-", config.name.lower()).strip("-")
        with (out_dir / f"items-{slug}.jsonl").open("w", encoding="utf-8") as f:
            f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        rows[config.name] = _row(summarize(records))
    pipe.close()
    result = {"set": str(set_path), "rows": rows}
    (out_dir / "ablation.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), "utf-8")
    return rows


def format_ablation(rows: dict[str, dict[str, float | None]]) -> str:
    """A Markdown table; the last column is MRR@10 relative to the first row (the baseline)."""
    base = next(iter(rows.values())).get("mrr@10") if rows else None
    head = "| configuration | " + " | ".join(COLUMNS) + " | MRR vs baseline |"
    lines = [head, "|" + "---|" * (len(COLUMNS) + 2)]
    for name, row in rows.items():
        cells = []
        for col in COLUMNS:
            v = row.get(col)
            cells.append("-" if v is None else (f"{v:.0f}" if col.endswith("_ms") else f"{v:.3f}"))
        mrr = row.get("mrr@10")
        ratio = f"{mrr / base:.2f}×" if base and mrr is not None else "-"
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {ratio} |")
    return "\n".join(lines)
