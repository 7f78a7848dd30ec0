"""Index consistency checks on a real Chroma and BM25 index in tmp (hash embedder)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.ingest.integrity import check_files, check_index
from assistant.pipeline import Pipeline
from assistant.settings import Settings
from tests.fakes import HashEmbedder


@pytest.fixture
def pipe(tmp_path: Path, sample_dir: Path) -> Iterator[Pipeline]:
    p = Pipeline(
        Settings(index_dir=tmp_path / "idx", model_dir=tmp_path / "m", answer_mode="extractive"), embedder=HashEmbedder()
    )
    p.ingest([sample_dir])
    yield p
    p.close()


def _state(p: Pipeline, settled: bool = True) -> list[str]:
    return check_index(p.catalog, p.store, p.settings.index_dir / "keyword", settled=settled).problems


def test_a_finished_ingest_is_consistent(pipe: Pipeline, sample_dir: Path) -> None:
    state = check_index(pipe.catalog, pipe.store, pipe.settings.index_dir / "keyword")
    assert state.ok, state.problems
    assert state.documents == 5 and state.passages == pipe.store.count() > 5
    assert check_files(pipe.catalog, [sample_dir], chunk_chars=1200, max_bytes=50_000_000) == []


def test_a_lost_vector_is_reported(pipe: Pipeline) -> None:
    victim = pipe.catalog.chunk_index()[3][0]
    pipe.store.delete_ids([victim])
    assert any("lack vectors" in p and victim in p for p in _state(pipe))
    assert any("lack vectors" in p for p in _state(pipe, settled=False)), "never allowed, even after a kill"


def test_orphan_vectors_and_pending_rows_only_after_a_kill(pipe: Pipeline) -> None:
    rec = pipe.catalog.documents()[0]
    pipe.store.upsert(["ghost#0"], [[1.0] + [0.0] * 63], [{"doc_key": "ghost"}])
    pipe.catalog.begin_document(
        rec.meta, source_path=rec.source_path, content_sha="x", text_sha="y", fmt=rec.fmt, text="t", minhash=rec.minhash
    )  # a run that started to replace the document, then died
    settled = _state(pipe)
    assert any("pending" in p for p in settled) and any("no passage owns" in p for p in settled)
    assert _state(pipe, settled=False) == []
    pipe.indexer.repair()
    pipe.indexer.refresh_keyword()
    assert _state(pipe) == []


def test_a_stale_keyword_index_is_reported(pipe: Pipeline, sample_dir: Path) -> None:
    key = pipe.catalog.documents()[0].meta.key
    pipe.catalog.remove_document(key)
    pipe.store.delete_doc(key)
    problems = _state(pipe)
    assert any("generation" in p for p in problems) and any("keyword index and catalog differ" in p for p in problems)
    missing = check_files(pipe.catalog, [sample_dir], chunk_chars=1200, max_bytes=50_000_000)
    assert len(missing) == 1 and "is not indexed" in missing[0]


def test_an_old_version_of_a_file_is_reported(pipe: Pipeline, sample_dir: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    doc = corpus / "thong-bao.txt"
    doc.write_text("THÔNG BÁO\n\nSố 12-TB/TU\n\nKết luận của Thường trực Tỉnh ủy về công tác chuyển đổi số năm nay.\n", "utf-8")
    assert [r.status for r in pipe.ingest([corpus])] == ["added"]
    doc.write_text(doc.read_text("utf-8") + "\nĐoạn mới thêm vào sau khi nạp.\n", "utf-8")
    assert check_files(pipe.catalog, [corpus], chunk_chars=1200, max_bytes=50_000_000) == [
        "thong-bao.txt: the index holds an older version of its text"
    ]


@pytest.mark.slow
def test_kill_9_trials_through_the_real_cli(tmp_path: Path) -> None:
    """`assistant ingest` (real embedder) SIGKILLed at random moments; each rerun leaves a consistent index."""
    from benchmarks.kill_ingest import run_trials

    trials = run_trials(3, seed=7, fresh_every=3, work=tmp_path, log=False)
    for t in trials:
        assert t.ok, (t.n, t.kill_after, t.left, t.final, t.rerun_rc)
    assert any(t.killed for t in trials), "no run was killed midway"


def test_a_keyword_index_of_older_tokens_is_rebuilt_on_first_use_not_reported(pipe: Pipeline, tmp_path: Path) -> None:
    import json

    from assistant.text.terms import TOKENS_VERSION

    meta_file = pipe.settings.index_dir / "keyword" / "ids.json"
    meta = json.loads(meta_file.read_text("utf-8"))
    meta["tokens"] = meta["tokens"].replace(f":{TOKENS_VERSION}", ":1")  # as the previous version wrote it
    meta_file.write_text(json.dumps(meta), "utf-8")
    pipe.close()
    reopened = Pipeline(pipe.settings, embedder=HashEmbedder())
    try:
        assert _state(reopened) == []  # outdated, not broken: the first search rebuilds it
        hits = reopened.retriever.search("Nghị quyết 15-NQ/TU chuyển đổi số", k=3).hits
        assert hits and hits[0].meta.doc_id == "15-NQ/TU"
        assert json.loads(meta_file.read_text("utf-8"))["tokens"].endswith(f":{TOKENS_VERSION}")
        assert _state(reopened) == []
    finally:
        reopened.close()
