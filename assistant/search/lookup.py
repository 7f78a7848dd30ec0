"""What retrieval looks up before it searches: the indexed documents and passages, in step with the
catalog; the documents that references name, that relate to them, that fit a described source; the
passages a search may return given its scope and the reader's clearance.
"""

from __future__ import annotations

from assistant.search.catalog import Catalog, access_rank
from assistant.search.query import describe, matches, source_profile
from assistant.text.docnumbers import DocRef
from assistant.text.normalize import normalize_text
from assistant.types import DocMeta

RELATION_KINDS = ("implements", "continues", "amends", "replaces", "repeals")


class DocumentLookup:
    """The catalog's documents and passages, indexed by id, number and document; rebuilt by `sync`
    when the catalog's generation changes."""

    def __init__(self, catalog: Catalog, refresh_keyword: object = None) -> None:
        self._catalog = catalog
        self._refresh = refresh_keyword
        self._profiles: dict[str, str] | None = None
        self._gen = -1
        self.docs: dict[str, DocMeta] = {}  # key -> metadata
        self.chunk_doc: dict[str, tuple[str, int]] = {}  # chunk id -> (key, access rank)
        self._doc_chunks: dict[str, list[tuple[str, int]]] = {}  # key -> (chunk id, access rank)
        self._by_id: dict[str, list[str]] = {}  # normalised upper-case doc id -> keys
        self._by_number: dict[tuple[str | None, int], list[str]] = {}  # (type, number) -> keys

    def sync(self) -> None:
        """Rebuild the lookups when the catalog changed (and refresh the keyword index first)."""
        gen = self._catalog.generation
        if gen == self._gen:
            return
        if callable(self._refresh):
            self._refresh()
        self.docs = {r.meta.key: r.meta for r in self._catalog.documents()}
        self.chunk_doc = {cid: (key, rank) for cid, key, rank in self._catalog.chunk_index()}
        # lookups that keep each query from scanning every document and passage
        self._doc_chunks, self._by_id, self._by_number = {}, {}, {}
        for cid, (key, rank) in self.chunk_doc.items():
            self._doc_chunks.setdefault(key, []).append((cid, rank))
        for key, m in self.docs.items():
            self._by_id.setdefault(normalize_text(m.doc_id).upper(), []).append(key)
            if m.number and m.number.isdigit():
                self._by_number.setdefault((m.doc_type, int(m.number)), []).append(key)
        self._profiles = None
        self._gen = gen

    def described(self, question: str, allowed: set[str]) -> list[str]:
        """Documents that fit the question's description of its source (types, issuers, years)."""
        desc = describe(question)
        if desc.empty:
            return []
        if self._profiles is None:
            heads = self._catalog.document_heads()
            self._profiles = {k: source_profile(m.doc_id, m.issuer_name, m.title, heads.get(k, "")) for k, m in self.docs.items()}
        pool = [k for k in self.docs if k in allowed]
        fit = [k for k in pool if matches(desc, self.docs[k].doc_type, self.docs[k].issued, self._profiles.get(k, ""))]
        return fit if len(fit) < len(pool) else []

    def resolve(self, refs: list[DocRef], docs: dict[str, DocMeta] | None = None) -> tuple[list[str], list[str]]:
        """(keys of indexed documents named by refs, refs with no indexed document).

        `docs` are the documents the reader may see (default: all); a document above the reader's
        clearance is reported as missing, exactly like one that was never indexed.
        """
        docs = self.docs if docs is None else docs
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
        docs = self.docs if docs is None else docs
        out: list[str] = []
        for key in keys:
            _, incoming = self._catalog.relations(key)
            out += [src for rel, src in incoming if rel in RELATION_KINDS and src in docs and src not in out]
        return out

    def visible(self, max_rank: int | None) -> dict[str, DocMeta]:
        """Documents at or below the clearance `max_rank`; all when it is None."""
        if max_rank is None:
            return dict(self.docs)
        return {k: m for k, m in self.docs.items() if self.rank(k) <= max_rank}

    def allowed_chunks(self, scope: set[str] | None, max_rank: int | None) -> set[str] | None:
        """Passages in `scope` (document keys; None = all) at or below `max_rank`; None when nothing restricts."""
        if scope is None and max_rank is None:
            return None
        if scope is not None:
            return {c for key in scope for c, rank in self._doc_chunks.get(key, ()) if max_rank is None or rank <= max_rank}
        return {
            c for c, (key, rank) in self.chunk_doc.items()
            if (scope is None or key in scope) and (max_rank is None or rank <= max_rank)
        }  # fmt: skip

    def rank(self, key: str) -> int:
        """Access rank of an indexed document."""
        return access_rank(self.docs[key].access_level)
