"""Re-ingesting an edited document embeds only the passages whose embedded text changed (real Chroma, hash embedder)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.ingest.chunk import chunk_document
from assistant.ingest.indexer import embed_input, embedding_key
from assistant.pipeline import Pipeline
from assistant.settings import Settings
from assistant.types import DocMeta
from tests.fakes import HashEmbedder

NQ15 = "nghi-quyet-15-NQ-TU.md"


@pytest.fixture
def corpus(tmp_path: Path, sample_dir: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(sample_dir / NQ15, folder / NQ15)
    return folder


@pytest.fixture
def embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture
def pipe(tmp_path: Path, embedder: HashEmbedder) -> Iterator[Pipeline]:
    s = Settings(index_dir=tmp_path / "idx", model_dir=tmp_path / "models", answer_mode="extractive")
    p = Pipeline(s, embedder=embedder)
    yield p
    p.close()


def _inputs(p: Pipeline, text: str) -> list[str]:
    [rec] = p.catalog.documents()
    return [embed_input(rec.meta, c) for c in chunk_document(text, rec.meta.key, target_chars=p.settings.chunk_chars)]


def test_edited_document_reembeds_only_changed_passages(pipe: Pipeline, embedder: HashEmbedder, corpus: Path) -> None:
    src = corpus / NQ15
    old_text = src.read_text("utf-8")
    [first] = pipe.ingest([corpus])
    assert first.status == "added" and first.reused == 0
    old_inputs = _inputs(pipe, old_text)
    old_vectors = pipe.store.vectors_by_key([embedding_key(embedder, t) for t in old_inputs])
    assert len(old_vectors) == len(set(old_inputs)), "every passage's vector carries its embedding key"

    gone = "Trung tâm giám sát, điều hành thông minh của tỉnh bước đầu phát huy hiệu quả."
    assert gone in old_text
    new_text = old_text.replace(gone, "Tỉnh Hòa Lâm thí điểm mô hình xã thông minh tại huyện Sơn Khê.")
    src.write_text(new_text, "utf-8")
    new_inputs = _inputs(pipe, new_text)
    changed = [t for t in dict.fromkeys(new_inputs) if t not in set(old_inputs)]
    unchanged = [t for t in new_inputs if t in set(old_inputs)]
    assert changed and len(unchanged) >= 3, "the edit must leave most passages as they were"

    calls = embedder.calls
    [second] = pipe.ingest([corpus])
    assert second.status == "replaced"
    assert embedder.calls - calls == len(changed), "only the edited passages are embedded again"
    assert second.reused == len(unchanged) and "vectors reused" in second.message

    stored = pipe.store.vectors_by_key([embedding_key(embedder, t) for t in new_inputs])
    for t in unchanged:
        assert stored[embedding_key(embedder, t)] == pytest.approx(old_vectors[embedding_key(embedder, t)], abs=1e-6)
    for t in changed:  # the edited passage got a vector of its new text, not a stale one
        assert stored[embedding_key(embedder, t)] == pytest.approx(embedder.embed_documents([t])[0], abs=1e-6)
    # the catalog and Chroma still agree: one vector per passage, no stale ones
    ids = sorted(cid for cid, _, _, _ in pipe.catalog.all_chunks())
    assert sorted(pipe.store.all_ids()) == ids and len(ids) == len(new_inputs)


def test_same_input_twice_in_one_document_is_embedded_once(pipe: Pipeline, embedder: HashEmbedder, tmp_path: Path) -> None:
    folder = tmp_path / "dup"
    folder.mkdir()
    row = "| Chỉ tiêu | Giá trị |\n|---|---|\n| Tỷ lệ hồ sơ trực tuyến | 80% |\n"
    text = "# Phụ lục\n\nCác chỉ tiêu của tỉnh theo từng năm.\n\n## A\n\n" + row + "\n## A\n\n" + row
    (folder / "phu-luc.md").write_text(text, "utf-8")
    [report] = pipe.ingest([folder])
    inputs = _inputs(pipe, text)
    assert report.status == "added" and report.chunks == len(inputs)
    assert len(set(inputs)) < len(inputs), "the document must repeat a passage for this test to mean anything"
    assert embedder.calls == len(set(inputs))
    assert pipe.store.count() == len(inputs)


def test_embedding_key_depends_on_embedder_and_exact_text() -> None:
    a, b, short = HashEmbedder(name="a"), HashEmbedder(name="b"), HashEmbedder(dim=32, name="a")
    text = "57-NQ/TW\nII- MỤC TIÊU\nChi cho nghiên cứu phát triển đạt 2% GDP."
    assert embedding_key(a, text) == embedding_key(HashEmbedder(name="a"), text)
    assert len({embedding_key(a, text), embedding_key(b, text), embedding_key(short, text)}) == 3
    assert embedding_key(a, text) != embedding_key(a, text.replace("GDP.", "GDP. "))


def test_unknown_keys_find_nothing(pipe: Pipeline, corpus: Path, embedder: HashEmbedder) -> None:
    pipe.ingest([corpus])
    meta = DocMeta(doc_id="99-NQ/TW")
    [c] = chunk_document("Một đoạn văn bản chưa từng được nạp.", "99-NQ/TW", target_chars=1200)
    assert pipe.store.vectors_by_key([embedding_key(embedder, embed_input(meta, c))]) == {}
    assert pipe.store.vectors_by_key([]) == {}
