"""Retrieval stage: dense (Chroma) and keyword (BM25) search, fused by reciprocal rank.

Query understanding: references to documents in the question ("Nghị quyết 57", "NQ 57",
"57-NQ/TW", "Kết luận số 69") are resolved against the catalog; passages of the named
documents are searched separately and ranked first. A named document that is not in the index
is reported, so the answer can say so. A document described rather than named ("nghị quyết của
Bộ Chính trị năm 2024", see `assistant.query`) is searched separately too, as a boost without
pinning, and the keyword query gets the long forms of policy abbreviations ("GDP", "KH&CN").

`mode` selects the lists fused: "hybrid" (dense and keyword), "dense" or "keyword"; with
`understand=False` only explicit filters apply. Both are for ablation; the default is hybrid with
query understanding.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from datetime import date

from assistant.catalog import Catalog
from assistant.keyword import KeywordIndex
from assistant.normalize import fold, normalize_text
from assistant.query import describe, expand_abbreviations, matches, source_profile
from assistant.store import ChromaStore
from assistant.types import DocMeta, Embedder, Hit

TYPE_WORDS = {
    "nghị quyết": "NQ", "nq": "NQ", "kết luận": "KL", "kl": "KL", "chỉ thị": "CT", "ct": "CT",
    "quyết định": "QĐ", "quy định": "QĐ", "qđ": "QĐ", "qd": "QĐ", "kế hoạch": "KH", "kh": "KH",
    "nghị định": "NĐ", "nđ": "NĐ", "thông tư": "TT", "tt": "TT", "hướng dẫn": "HD", "hd": "HD",
    "báo cáo": "BC", "bc": "BC", "công văn": "CV", "cv": "CV", "thông báo": "TB", "tb": "TB",
}  # fmt: skip
_INFORMAL = re.compile(
    r"(?<![\w-])(" + "|".join(sorted(map(re.escape, TYPE_WORDS), key=len, reverse=True)) + r")\s*(?:số\s*)?(\d+)(?![\w/-])"
)
# A reference right after these words names the document the question's subject relates to
# ("kế hoạch … thực hiện Nghị quyết 57"), not the subject itself.
_RELATION_CONTEXT = re.compile(
    r"(thực hiện|triển khai|cụ thể hóa|quán triệt|sửa đổi|bổ sung|thay thế|bãi bỏ|hướng dẫn)\s*(?:các\s*)?"
    r"(?:(?:" + "|".join(sorted(map(re.escape, TYPE_WORDS), key=len, reverse=True)) + r")\s*(?:số\s*)?)?$"
)
RELATION_KINDS = ("implements", "continues", "amends", "replaces", "repeals")
_FORMAL = re.compile(r"(?<![\w])(\d+)(?:/(\d{4}))?([-/])([a-zđ]+)([-/])([a-zđ0-9]+(?:-[a-zđ0-9]+)*)")


@dataclass(frozen=True)
class Filters:
    """Explicit filters from the CLI or API. Empty means no restriction."""

    doc_ids: tuple[str, ...] = ()
    doc_types: tuple[str, ...] = ()
    issuers: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    max_access_rank: int | None = None

    def admits(self, meta: DocMeta, rank: int) -> bool:
        if self.max_access_rank is not None and rank > self.max_access_rank:
            return False
        if self.doc_ids and meta.doc_id.casefold() not in {d.casefold() for d in self.doc_ids}:
            return False
        if self.doc_types and (meta.doc_type or "").casefold() not in {t.casefold() for t in self.doc_types}:
            return False
        if self.issuers and not any(
            i.casefold() in ((meta.issuer or "") + " " + (meta.issuer_name or "")).casefold() for i in self.issuers
        ):
            return False
        if (self.date_from or self.date_to) and meta.issued is None:
            return False
        if self.date_from and meta.issued and meta.issued < self.date_from:
            return False
        return not (self.date_to and meta.issued and meta.issued > self.date_to)

    @property
    def empty(self) -> bool:
        return self == Filters()


@dataclass(frozen=True)
class DocRef:
    text: str  # as written in the question
    doc_type: str | None
    number: str
    canonical: str | None  # full form when written in full
    via_relation: bool = False  # named as what the asked-about document implements, continues, amends…


@dataclass
class Retrieval:
    hits: list[Hit]
    named: list[str] = field(default_factory=list)  # doc ids named in the question and found
    missing: list[str] = field(default_factory=list)  # references named in the question, not in the index
    ref_text: str = ""  # the words of the question that named documents
    timings: dict[str, float] = field(default_factory=dict)


def find_refs(question: str) -> list[DocRef]:
    """Document references written in a question."""
    q = fold(question)
    refs: list[DocRef] = []
    spans: list[tuple[int, int]] = []
    for m in _FORMAL.finditer(q):
        number, year, s1, typ, s2, rest = m.groups()
        if s1 == "-" and s2 == "/":
            canon = f"{number}-{typ}/{rest}".upper()
            dtype = typ.upper()
        elif s1 == "/" and s2 == "-":
            canon = f"{number}/{year + '/' if year else ''}{typ}-{rest}".upper()
            dtype = typ.upper()
        else:
            continue
        refs.append(DocRef(m.group(0), dtype.replace("QD", "QĐ").replace("ND", "NĐ"), number, canon, _via(q, m.start())))
        spans.append(m.span())
    for m in _INFORMAL.finditer(q):
        if any(a <= m.start() < b for a, b in spans):
            continue
        refs.append(DocRef(m.group(0), TYPE_WORDS[m.group(1)], m.group(2), None, _via(q, m.start())))
    return refs


def _via(folded: str, start: int) -> bool:
    return bool(_RELATION_CONTEXT.search(folded[max(0, start - 40) : start]))


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
        self._refresh = refresh_keyword
        self._mode = mode
        self._dense_weight = dense_weight
        self._understand = understand
        self._profiles: dict[str, str] | None = None
        self._gen = -1
        self._docs: dict[str, DocMeta] = {}
        self._chunk_doc: dict[str, tuple[str, int]] = {}
        self._doc_chunks: dict[str, list[tuple[str, int]]] = {}  # key -> (chunk id, access rank)
        self._by_id: dict[str, list[str]] = {}  # normalised upper-case doc id -> keys
        self._by_number: dict[tuple[str | None, int], list[str]] = {}  # (type, number) -> keys

    def _sync(self) -> None:
        gen = self._catalog.generation
        if gen == self._gen:
            return
        if callable(self._refresh):
            self._refresh()
        self._docs = {r.meta.key: r.meta for r in self._catalog.documents()}
        self._chunk_doc = {cid: (key, rank) for cid, key, rank in self._catalog.chunk_index()}
        # lookups that keep each query from scanning every document and passage
        self._doc_chunks, self._by_id, self._by_number = {}, {}, {}
        for cid, (key, rank) in self._chunk_doc.items():
            self._doc_chunks.setdefault(key, []).append((cid, rank))
        for key, m in self._docs.items():
            self._by_id.setdefault(normalize_text(m.doc_id).upper(), []).append(key)
            if m.number and m.number.isdigit():
                self._by_number.setdefault((m.doc_type, int(m.number)), []).append(key)
        self._profiles = None
        self._gen = gen

    def _described(self, question: str, allowed: set[str]) -> list[str]:
        """Documents that fit the question's description of its source (types, issuers, years)."""
        desc = describe(question)
        if desc.empty:
            return []
        if self._profiles is None:
            heads = self._catalog.document_heads()
            self._profiles = {
                k: source_profile(m.doc_id, m.issuer_name, m.title, heads.get(k, "")) for k, m in self._docs.items()
            }
        pool = [k for k in self._docs if k in allowed]
        fit = [k for k in pool if matches(desc, self._docs[k].doc_type, self._docs[k].issued, self._profiles.get(k, ""))]
        return fit if len(fit) < len(pool) else []

    def documents(self) -> dict[str, DocMeta]:
        self._sync()
        return dict(self._docs)

    def resolve(self, refs: list[DocRef], docs: dict[str, DocMeta] | None = None) -> tuple[list[str], list[str]]:
        """(keys of indexed documents named by refs, refs with no indexed document).

        `docs` are the documents the reader may see (default: all); a document above the reader's
        clearance is reported as missing, exactly like one that was never indexed.
        """
        docs = self._docs if docs is None else docs
        keys: list[str] = []
        missing: list[str] = []
        for ref in refs:
            number = int(ref.number) if ref.number.isdigit() else -1
            same_type = [k for k in self._by_number.get((ref.doc_type, number), []) if k in docs]
            if ref.canonical:
                # exact number first; a number written with the wrong separators ("57/NQ-TW") still finds
                # "57-NQ/TW" through its type, number and issuer
                issuer = ref.canonical.replace("/", "-").split("-")[-1]
                found = [k for k in self._by_id.get(ref.canonical, []) if k in docs]
                found = found or [k for k in same_type if (docs[k].issuer or "").upper() == issuer]
            else:
                found = same_type
            if found:
                keys += [k for k in found if k not in keys]
            else:
                missing.append(ref.canonical or ref.text)
        return keys, missing

    def related(self, keys: list[str], docs: dict[str, DocMeta] | None = None) -> list[str]:
        """Indexed documents (of `docs`, default all) that implement, continue, amend, replace or repeal the given ones."""
        docs = self._docs if docs is None else docs
        out: list[str] = []
        for key in keys:
            _, incoming = self._catalog.relations(key)
            out += [src for rel, src in incoming if rel in RELATION_KINDS and src in docs and src not in out]
        return out

    def visible(self, filters: Filters) -> dict[str, DocMeta]:
        """Documents within the reader's clearance (`filters.max_access_rank`); all when it is unset."""
        self._sync()
        if filters.max_access_rank is None:
            return dict(self._docs)
        return {k: m for k, m in self._docs.items() if self._rank(k) <= filters.max_access_rank}

    def _allowed_chunks(self, scope: set[str] | None, max_rank: int | None) -> set[str] | None:
        """Passages in `scope` (document keys; None = all) at or below `max_rank`; None when nothing restricts."""
        if scope is None and max_rank is None:
            return None
        if scope is not None:
            return {c for key in scope for c, rank in self._doc_chunks.get(key, ()) if max_rank is None or rank <= max_rank}
        return {
            c for c, (key, rank) in self._chunk_doc.items()
            if (scope is None or key in scope) and (max_rank is None or rank <= max_rank)
        }  # fmt: skip

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
        related = self.related(context_keys, docs)
        if context_keys and not named_keys:
            # "the plan implementing NQ 57": the documents related to NQ 57 come first, then NQ 57 itself
            named_keys = related or context_keys
        # `allowed_keys` is None when only clearance restricts: the stores then filter by rank alone
        allowed_keys: set[str] | None = None
        if not replace(filters, max_access_rank=None).empty:
            allowed_keys = {key for key, meta in docs.items() if filters.admits(meta, self._rank(key))}
            named_keys = [key for key in named_keys if key in allowed_keys]
        qtext = normalize_text(question)
        qvec = self._embedder.embed_query(qtext) if self._mode != "keyword" else []
        kw_text = expand_abbreviations(qtext) if self._understand else qtext
        pool = set(docs) if allowed_keys is None else allowed_keys
        described = self._described(question, pool) if self._understand and not named_keys else []
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
            allowed_chunks = self._allowed_chunks(scope, max_rank)
            # clearance is enforced inside both searches: Chroma filters on each passage's access rank,
            # BM25 masks every passage outside the allowed set; both results are checked again here
            if self._mode != "keyword":
                ids = sorted(allowed_chunks) if scope is not None and allowed_chunks is not None else None
                dense = self._store.query(qvec, self._n, _where(scope, max_rank), ids=ids)
                dense = [
                    h for h in dense
                    if h.chunk_id in self._chunk_doc and (allowed_chunks is None or h.chunk_id in allowed_chunks)
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
        order = sorted(fused, key=lambda c: (self._chunk_doc[c][0] not in named, -fused[c]))[: 2 * k]
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
                    meta=self._docs[rows[cid][1]],
                    score=fused[cid],
                    dense_score=dense_sim.get(cid),
                    keyword_score=kw_score.get(cid),
                )
            )
            if len(hits) == k:
                break
        named_ids = sorted({self._docs[key].doc_id for key in named_keys})
        timings = {"embed_query": t1 - t0, "search": t2 - t1, "retrieve": time.perf_counter() - t0}
        ref_text = " ".join(r.text for r in refs)
        return Retrieval(hits=hits, named=named_ids, missing=missing, ref_text=ref_text, timings=timings)

    def term_weights(self, terms: set[str], filters: Filters | None = None) -> dict[str, float]:
        """IDF of each term over the indexed passages the reader may see."""
        self._sync()
        max_rank = filters.max_access_rank if filters else None
        return self._keyword.idf(terms, self._allowed_chunks(None, max_rank))

    def _rank(self, key: str) -> int:
        from assistant.catalog import access_rank

        return access_rank(self._docs[key].access_level)
