"""Context around a hit: a passage that cuts an item in two is joined with its neighbour."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from assistant.pipeline import Pipeline
from assistant.search.context import with_neighbours
from assistant.settings import Settings
from tests.fakes import HashEmbedder

LONG_ITEM = " ".join(f"Câu thứ {i} của mục dài nói về chỉ tiêu chuyển đổi số số {i}." for i in range(1, 40))
DOC = f"""Số 77-NQ/TU

# NGHỊ QUYẾT

## I. MỤC TIÊU

1. {LONG_ITEM}

## II. NHIỆM VỤ

1. Mục ngắn thứ hai về an toàn thông tin.

2. Mục ngắn thứ ba về nhân lực số.
"""


def test_a_cut_item_is_joined_and_whole_items_are_not(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "nq77.md").write_text(DOC, "utf-8")
    p = Pipeline(Settings(index_dir=tmp_path / "idx", model_dir=tmp_path / "m", chunk_chars=600), embedder=HashEmbedder())
    try:
        p.ingest([tmp_path / "docs"])
        key = p.catalog.documents()[0].meta.key
        chunks = p.catalog.doc_chunks(key)
        cut = [c for c in chunks if "Câu thứ" in c.text]
        assert len(cut) >= 2, "the long item must have been split for this test to mean anything"
        hits = p.retriever.search("chỉ tiêu chuyển đổi số câu thứ", k=10).hits
        by_ordinal = {h.chunk.ordinal: h for h in with_neighbours(hits, p.catalog)}
        first = by_ordinal.get(cut[0].ordinal)
        assert first is not None
        assert cut[1].text in first.chunk.text  # the rest of the item travels with the hit
        assert first.chunk.chunk_id == cut[0].chunk_id  # under the id of the passage that was hit
        assert first.chunk.start == cut[0].start and first.chunk.end == cut[1].end
        every = {c.ordinal: c for c in chunks}
        whole = [c for c in chunks if "Mục ngắn thứ hai" in c.text and "Câu thứ" not in c.text]
        assert whole, "a chunk holding only whole items"
        for h in with_neighbours([replace(hits[0], chunk=c) for c in whole], p.catalog):
            assert h.chunk.text == every[h.chunk.ordinal].text  # whole items stay as they are
    finally:
        p.close()
