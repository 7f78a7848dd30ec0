"""Vector store stage: the chromadb adapter (the only module that imports chromadb).

Chroma holds our own embeddings and small per-chunk metadata; it never embeds anything
itself (no embedding function is configured, so it cannot fall back to its default one).
The passages' text and the documents live in the catalog.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

Scalar = str | int | float | bool
# Scopes of at most this many passages are searched exactly, by reading their vectors: Chroma's filtered
# HNSW search takes ~70-100 ms for a scope of a few dozen passages in a 50k-passage collection, this ~2 ms.
EXACT_MAX = 256
# Collections of at most this many passages are searched exactly, from their vectors held in memory (24 MB at
# 8,192 passages of 768 floats): Chroma's HNSW graph is rebuilt from its log when a collection is opened, and on
# small collections the rebuilt graph misses a different passage or two of a query's nearest on each opening, so
# the same question could rank differently from one process to the next. Exact search gives every run the same
# answer, and at this size it is also faster (a matrix product of < 1 ms).
EXACT_ALL_MAX = 8192


@dataclass(frozen=True)
class VectorHit:
    chunk_id: str
    similarity: float  # cosine similarity, higher is better


class ChromaStore:
    """Chroma on local disk (`PersistentClient`) or a `chroma run` server (`HttpClient`)."""

    def __init__(
        self,
        *,
        mode: str,
        path: Path | None = None,
        host: str = "127.0.0.1",
        port: int = 8000,
        collection: str = "passages",
    ) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        cs = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if mode == "embedded":
            if path is None:
                raise ValueError("embedded Chroma needs a path")
            path.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(path=str(path), settings=cs)
        elif mode == "http":
            client = chromadb.HttpClient(host=host, port=port, settings=cs)
        else:
            raise ValueError(f"unknown chroma mode {mode!r}")
        self._client = client
        self._col = client.get_or_create_collection(name=collection, embedding_function=None, metadata={"hnsw:space": "cosine"})
        self._held: tuple[list[str], dict[str, int], np.ndarray] | None = None  # ids, row of each id, unit vectors
        self._large = False  # the collection was found above EXACT_ALL_MAX (asked again after a write)

    def count(self) -> int:
        return int(self._col.count())

    def forget_vectors(self) -> None:
        """Drop the vectors held for exact search (the collection may have been changed by another process)."""
        self._held, self._large = None, False

    def upsert(self, ids: Sequence[str], embeddings: Sequence[Sequence[float]], metadatas: Sequence[dict[str, Scalar]]) -> None:
        self.forget_vectors()
        step = 2000
        for i in range(0, len(ids), step):
            self._col.upsert(
                ids=list(ids[i : i + step]),
                embeddings=[list(e) for e in embeddings[i : i + step]],  # type: ignore[arg-type]
                metadatas=[dict(m) for m in metadatas[i : i + step]],
            )

    def delete_doc(self, doc_key: str) -> None:
        self.forget_vectors()
        self._col.delete(where={"doc_key": doc_key})

    def delete_ids(self, ids: Sequence[str]) -> None:
        if ids:
            self.forget_vectors()
            self._col.delete(ids=list(ids))

    def vectors_by_key(self, keys: Sequence[str]) -> dict[str, list[float]]:
        """Stored vectors whose `embed_key` metadata is one of `keys`, one per key (vectors written before
        passages carried the key have none and are never found)."""
        wanted = list(dict.fromkeys(keys))
        out: dict[str, list[float]] = {}
        for i in range(0, len(wanted), 500):
            part = wanted[i : i + 500]
            got = self._col.get(where={"embed_key": {"$in": part}}, include=["embeddings", "metadatas"])  # type: ignore[dict-item]
            embeddings = got.get("embeddings")
            metadatas = got.get("metadatas") or []
            if embeddings is None:
                continue
            for emb, md in zip(embeddings, metadatas, strict=False):
                key = (md or {}).get("embed_key")
                if isinstance(key, str) and key not in out:
                    out[key] = [float(x) for x in emb]
        return out

    def ids_for_doc(self, doc_key: str) -> list[str]:
        got = self._col.get(where={"doc_key": doc_key}, include=[])
        return list(got["ids"])

    def all_ids(self) -> list[str]:
        return list(self._col.get(include=[])["ids"])

    def query(
        self, embedding: Sequence[float], k: int, where: dict[str, object] | None = None, *, ids: Sequence[str] | None = None
    ) -> list[VectorHit]:
        """The `k` nearest passages that `where` admits. `ids`, when given, are all the passages `where` admits;
        a scope of at most EXACT_MAX of them is searched exactly instead of through the HNSW index, and so is any
        query (`ids` given, or no `where`) in a collection of at most EXACT_ALL_MAX passages."""
        held = self._held_vectors() if ids is not None or where is None else None
        if held is not None:
            return _nearest(held, embedding, k, ids)
        if ids is not None and len(ids) <= EXACT_MAX:
            return self._exact(embedding, k, ids)
        res = self._col.query(  # n_results above the collection's size returns what there is
            query_embeddings=[list(embedding)],  # type: ignore[arg-type]
            n_results=k,
            where=where or None,  # type: ignore[arg-type]
            include=["distances"],
        )
        found = res["ids"][0]
        dists = (res.get("distances") or [[1.0] * len(found)])[0]
        return [VectorHit(chunk_id=i, similarity=1.0 - float(d)) for i, d in zip(found, dists, strict=False)]

    def _held_vectors(self) -> tuple[list[str], dict[str, int], np.ndarray] | None:
        """Every vector of a small collection (unit length), read once and kept until a write or `forget_vectors`."""
        if self._held is None and not self._large:
            self._large = self.count() > EXACT_ALL_MAX  # not asked again on every query of a large collection
            if not self._large:
                ids, vecs = self._vectors(None)
                self._held = (ids, {cid: row for row, cid in enumerate(ids)}, vecs)
        return self._held

    def _exact(self, embedding: Sequence[float], k: int, ids: Sequence[str]) -> list[VectorHit]:
        found, vecs = self._vectors(ids)
        return _top(found, vecs, embedding, k)

    def _vectors(self, ids: Sequence[str] | None) -> tuple[list[str], np.ndarray]:
        """The stored vectors of `ids` (None: of every passage), scaled to unit length, with their ids."""
        if ids is not None and not ids:
            return [], np.zeros((0, 1), dtype=np.float32)
        got = self._col.get(include=["embeddings"]) if ids is None else self._col.get(ids=list(ids), include=["embeddings"])
        found = [str(i) for i in got["ids"]]
        if not found:
            return [], np.zeros((0, 1), dtype=np.float32)
        vecs = np.asarray(got["embeddings"], dtype=np.float32)
        vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
        return found, vecs


def _nearest(
    held: tuple[list[str], dict[str, int], np.ndarray], embedding: Sequence[float], k: int, ids: Sequence[str] | None
) -> list[VectorHit]:
    """The `k` held vectors nearest to `embedding`, among `ids` (None: all)."""
    all_ids, row_of, vecs = held
    if ids is None:
        return _top(all_ids, vecs, embedding, k)
    rows = sorted(row_of[i] for i in ids if i in row_of)
    return _top([all_ids[r] for r in rows], vecs[rows], embedding, k)


def _top(ids: list[str], unit: np.ndarray, embedding: Sequence[float], k: int) -> list[VectorHit]:
    """The `k` of `ids` (rows of unit vectors `unit`) nearest to `embedding` by cosine, as Chroma's; ties in order."""
    if not ids:
        return []
    q = np.asarray(embedding, dtype=np.float32)
    sims = unit @ (q / max(float(np.linalg.norm(q)), 1e-12))
    return [VectorHit(chunk_id=ids[i], similarity=float(sims[i])) for i in np.argsort(-sims, kind="stable")[:k]]
