"""Retrieval stage: dense (Chroma) and keyword (BM25) search, fused by reciprocal rank.

Query understanding: references to documents in the question ("Nghị quyết 57", "NQ 57",
"57-NQ/TW", "Kết luận số 69", read by `docnumbers.find_refs`) are resolved against the catalog
(`lookup`, which also keeps the passages a scope and clearance allow); passages of the named
documents are searched separately and ranked first. A named document that is not in the index
is reported, so the answer can say so. A document described rather than named ("nghị quyết của
Bộ Chính trị năm 2024", see `assistant.search.query`) is searched separately too, as a boost without
pinning, and the keyword query gets the long forms of policy abbreviations ("GDP", "KH&CN").

`mode` selects the lists fused: "hybrid" (dense and keyword), "dense" or "keyword"; with
`understand=False` only explicit filters apply. Both are for ablation; the default is hybrid with
query understanding.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from assistant.search.catalog import Catalog
from assistant.search.keyword import KeywordIndex
from assistant.search.lookup import DocumentLookup
from assistant.search.query import expand_abbreviations
from assistant.search.store import EXACT_ALL_MAX, ChromaStore
from assistant.text.docnumbers import DocRef, find_refs
from assistant.text.normalize import fold, normalize_text
from assistant.types import DocMeta, Embedder, Filters, Hit


@dataclass
class Retrieval:
    hits: list[Hit]
    named: list[str] = field(default_factory=list)  # doc ids named in the question and found
    missing: list[str] = field(default_factory=list)  # references named in the question, not in the index
    ref_text: str = ""  # the words of the question that named documents
    timings: dict[str, float] = field(default_factory=dict)


def _where(scope: set[str] | None, max_rank: int | None) -> dict[str, object] | None:
    """Chroma filter: documents in `scope` (None = any), passages at or below `max_rank` (None = any)."""
    clauses: list[dict[str, object]] = []
    if max_rank is not None:
        clauses.append({"access_rank": {"$lte": max_rank}})
    if scope is not None:
        clauses.append({"doc_key": {"$in": sorted(scope)}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class Retriever:
    def __init__(
        self,
        catalog: Catalog,
        store: ChromaStore,
        keyword: KeywordIndex,
        embedder: Embedder,
        *,
        rrf_k: int = 60,
        candidates: int = 50,
        refresh_keyword: object = None,
        mode: str = "hybrid",
        understand: bool = True,
        dense_weight: float = 1.0,
    ) -> None:
        if mode not in ("hybrid", "dense", "keyword"):
            raise ValueError(f"unknown retrieval mode {mode!r}: use hybrid, dense or keyword")
        self._catalog = catalog
        self._store = store
        self._keyword = keyword
        self._embedder = embedder
        self._rrf_k = rrf_k
        self._n = candidates
        self._mode = mode
        self._dense_weight = dense_weight
        self._understand = understand

        def refresh() -> None:  # the index changed, perhaps in another process: re-read what is held in memory
            store.forget_vectors()
            if callable(refresh_keyword):
                refresh_keyword()

        self._lookup = DocumentLookup(catalog, refresh)

    def _sync(self) -> None:
        self._lookup.sync()

    def documents(self) -> dict[str, DocMeta]:
        self._sync()
        return dict(self._lookup.docs)

    def resolve(self, refs: list[DocRef], docs: dict[str, DocMeta] | None = None) -> tuple[list[str], list[str]]:
        """(keys of indexed documents named by refs, refs with no indexed document); see `DocumentLookup.resolve`."""
        return self._lookup.resolve(refs, docs)

    def visible(self, filters: Filters) -> dict[str, DocMeta]:
        """Documents within the reader's clearance (`filters.max_access_rank`); all when it is unset."""
        self._sync()
        return self._lookup.visible(filters.max_access_rank)

    def search(self, question: str, k: int = 10, filters: Filters | None = None) -> Retrieval:
        t0 = time.perf_counter()
        self._sync()
        filters = filters or Filters()
        refs = find_refs(question) if self._understand else []
        max_rank = filters.max_access_rank
        docs = self.visible(filters)  # clearance first: nothing above it is resolved, related or searched
        named_keys, missing = self.resolve([r for r in refs if not r.via_relation], docs)
        context_keys, context_missing = self.resolve([r for r in refs if r.via_relation], docs)
        missing += context_missing
        related = self._lookup.related(context_keys, docs)
        if context_keys and not named_keys:
            # "the plan implementing NQ 57": the documents related to NQ 57 come first, then NQ 57 itself
            named_keys = related or context_keys
        # `allowed_keys` is None when only clearance restricts: the stores then filter by rank alone
        allowed_keys: set[str] | None = None
        if not replace(filters, max_access_rank=None).empty:
            allowed_keys = {key for key, meta in docs.items() if filters.admits(meta, self._lookup.rank(key))}
            named_keys = [key for key in named_keys if key in allowed_keys]
        qtext = normalize_text(question)
        qvec = self._embedder.embed_query(qtext) if self._mode != "keyword" else []
        kw_text = expand_abbreviations(qtext) if self._understand else qtext
        pool = set(docs) if allowed_keys is None else allowed_keys
        described = self._lookup.described(question, pool) if self._understand and not named_keys else []
        t1 = time.perf_counter()

        lists: list[tuple[float, list[str]]] = []  # (weight, ranked chunk ids)
        dense_sim: dict[str, float] = {}
        kw_score: dict[str, float] = {}
        scopes: list[set[str] | None] = [allowed_keys]
        if named_keys:
            scopes.append(set(named_keys))
        elif described:
            scopes.append(set(described))
        for scope in scopes:
            if scope is not None and not scope:
                continue
            allowed_chunks = self._lookup.allowed_chunks(scope, max_rank)
            # clearance is enforced inside both searches: Chroma filters on each passage's access rank,
            # BM25 masks every passage outside the allowed set; both results are checked again here
            if self._mode != "keyword":
                # the allowed passages by id where the store searches them exactly (a scope, or a small index)
                listed = scope is not None or len(self._lookup.chunk_doc) <= EXACT_ALL_MAX
                ids = sorted(allowed_chunks) if allowed_chunks is not None and listed else None
                dense = self._store.query(qvec, self._n, _where(scope, max_rank), ids=ids)
                dense = [
                    h for h in dense
                    if h.chunk_id in self._lookup.chunk_doc and (allowed_chunks is None or h.chunk_id in allowed_chunks)
                ]  # fmt: skip
                lists.append((self._dense_weight, [h.chunk_id for h in dense]))
                for h in dense:
                    dense_sim[h.chunk_id] = max(dense_sim.get(h.chunk_id, -1.0), h.similarity)
            if self._mode != "dense":
                kw = self._keyword.search(kw_text, self._n, allowed_chunks)
                lists.append((1.0, [cid for cid, _ in kw]))
                for cid, s in kw:
                    kw_score[cid] = max(kw_score.get(cid, 0.0), s)
        t2 = time.perf_counter()

        fused: dict[str, float] = {}
        for weight, ranked in lists:
            for rank, cid in enumerate(ranked):
                fused[cid] = fused.get(cid, 0.0) + weight / (self._rrf_k + rank + 1)
        named = set(named_keys)
        order = sorted(fused, key=lambda c: (self._lookup.chunk_doc[c][0] not in named, -fused[c]))[: 2 * k]
        rows = self._catalog.chunk_rows(order)
        hits: list[Hit] = []
        seen: set[str] = set()
        for cid in order:
            if cid not in rows or rows[cid][1] not in docs:
                continue
            text_key = fold(rows[cid][0].text)
            if text_key in seen:  # the same passage in another copy or version of a document
                continue
            seen.add(text_key)
            hits.append(
                Hit(
                    chunk=rows[cid][0],
                    meta=self._lookup.docs[rows[cid][1]],
                    score=fused[cid],
                    dense_score=dense_sim.get(cid),
                    keyword_score=kw_score.get(cid),
                )
            )
            if len(hits) == k:
                break
        named_ids = sorted({self._lookup.docs[key].doc_id for key in named_keys})
        timings = {"embed_query": t1 - t0, "search": t2 - t1, "retrieve": time.perf_counter() - t0}
        ref_text = " ".join(r.text for r in refs)
        return Retrieval(hits=hits, named=named_ids, missing=missing, ref_text=ref_text, timings=timings)

    def term_weights(self, terms: set[str], filters: Filters | None = None) -> dict[str, float]:
        """IDF of each term over the indexed passages the reader may see."""
        self._sync()
        max_rank = filters.max_access_rank if filters else None
        return self._keyword.idf(terms, self._lookup.allowed_chunks(None, max_rank))
