"""The Chroma adapter on local disk: exact search of small collections from held vectors, and when it lets go."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.search import store as store_mod
from assistant.search.store import ChromaStore

DIM = 16


def vectors(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, DIM)).astype(np.float32)


def filled(path: Path, n: int = 300) -> tuple[ChromaStore, list[str], np.ndarray]:
    s = ChromaStore(mode="embedded", path=path)
    ids = [f"d{i // 10}#{i % 10}" for i in range(n)]
    vecs = vectors(n)
    s.upsert(ids, vecs.tolist(), [{"doc_key": cid.split("#")[0], "access_rank": 0} for cid in ids])
    return s, ids, vecs


def brute(vecs: np.ndarray, ids: list[str], q: np.ndarray, k: int) -> list[str]:
    unit = vecs / np.linalg.norm(vecs, axis=1, keepdims=True)
    sims = unit @ (q / np.linalg.norm(q))
    return [ids[i] for i in np.argsort(-sims, kind="stable")[:k]]


def test_a_small_collection_is_searched_exactly_and_the_same_on_every_opening(tmp_path: Path) -> None:
    s, ids, vecs = filled(tmp_path / "c")
    queries = vectors(20, seed=1)
    first = [[h.chunk_id for h in s.query(q.tolist(), 40)] for q in queries]
    assert first == [brute(vecs, ids, q, 40) for q in queries]
    again = ChromaStore(mode="embedded", path=tmp_path / "c")  # as another process would open it
    assert [[h.chunk_id for h in again.query(q.tolist(), 40)] for q in queries] == first
    hits = s.query(queries[0].tolist(), 5)
    assert all(-1.0 <= h.similarity <= 1.0 for h in hits) and hits == sorted(hits, key=lambda h: -h.similarity)


def test_ids_restrict_the_exact_search(tmp_path: Path) -> None:
    s, ids, vecs = filled(tmp_path / "c")
    allowed = ids[::3]
    q = vectors(1, seed=2)[0]
    got = [h.chunk_id for h in s.query(q.tolist(), 10, ids=allowed)]
    rows = [ids.index(c) for c in allowed]
    assert got == brute(vecs[rows], allowed, q, 10)
    assert s.query(q.tolist(), 10, ids=[]) == []


def test_writes_and_forget_vectors_let_go_of_held_vectors(tmp_path: Path) -> None:
    s, _ids, _vecs = filled(tmp_path / "c")
    q = vectors(1, seed=3)[0]
    s.query(q.tolist(), 5)
    s.upsert(["new#0"], [q.tolist()], [{"doc_key": "new", "access_rank": 0}])  # its own write
    assert s.query(q.tolist(), 1)[0].chunk_id == "new#0"
    other = ChromaStore(mode="embedded", path=tmp_path / "c")
    other.delete_ids(["new#0"])  # another process's write
    assert s.query(q.tolist(), 1)[0].chunk_id == "new#0"  # still held here …
    s.forget_vectors()  # … until the retriever sees the catalog change
    assert s.query(q.tolist(), 1)[0].chunk_id != "new#0"


def test_a_large_collection_goes_through_chroma_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_mod, "EXACT_ALL_MAX", 100)
    s, ids, vecs = filled(tmp_path / "c", n=300)
    q = vectors(1, seed=4)[0]
    hits = s.query(q.tolist(), 10)
    assert s._held is None and s._large and len(hits) == 10
    assert len({h.chunk_id for h in hits} & set(brute(vecs, ids, q, 10))) >= 8  # approximate, but close


def test_a_small_scope_of_a_large_collection_is_read_and_ranked_exactly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_mod, "EXACT_ALL_MAX", 100)
    s, ids, vecs = filled(tmp_path / "c", n=300)
    allowed = ids[5:45]  # within EXACT_MAX: read from Chroma by id, not held
    q = vectors(1, seed=5)[0]
    got = s.query(q.tolist(), 10, ids=allowed)
    assert s._held is None
    assert [h.chunk_id for h in got] == brute(vecs[5:45], allowed, q, 10)
    assert s.query(q.tolist(), 10, ids=[]) == []
