"""Index consistency: the catalog, Chroma and the on-disk BM25 index agree on every passage.

`check_index` reads the three stores and lists every disagreement in words. With `settled=False`
(an index a killed run may have left, before the next run repairs it) pending documents, vectors no
passage owns and a stale keyword index are allowed; a complete document lacking any of its vectors
never is. With `settled=True` (after a run finished) the three must hold exactly the same passages.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from assistant.ingest import chunk as chunking
from assistant.ingest import load
from assistant.search.catalog import Catalog
from assistant.search.keyword import KeywordIndex
from assistant.search.store import ChromaStore


@dataclass
class IndexState:
    documents: int = 0  # complete documents
    passages: int = 0  # passages of complete documents
    pending: int = 0  # documents a run started and did not finish
    orphan_vectors: int = 0  # vectors in Chroma that no complete passage owns
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _dupes(ids: list[str]) -> list[str]:
    return sorted(i for i, n in Counter(ids).items() if n > 1)


def _few(ids: set[str] | list[str]) -> str:
    items = sorted(ids)
    return ", ".join(items[:5]) + (f" and {len(items) - 5} more" if len(items) > 5 else "")


def check_index(catalog: Catalog, store: ChromaStore, keyword_dir: Path, *, settled: bool = True) -> IndexState:
    state = IndexState()
    complete = catalog.documents()
    pending = catalog.documents(status="pending")
    state.documents, state.pending = len(complete), len(pending)
    if settled and pending:
        state.problems.append(f"{len(pending)} pending documents: {_few([r.meta.key for r in pending])}")

    index = catalog.chunk_index()
    passages = [cid for cid, _, _ in index]
    state.passages = len(passages)
    if d := _dupes(passages):
        state.problems.append(f"catalog passages listed twice: {_few(d)}")
    by_doc: dict[str, list[str]] = {}
    for cid, key, _ in index:
        by_doc.setdefault(key, []).append(cid)
    for rec in complete:
        ids = by_doc.get(rec.meta.key, [])
        ordinals = sorted(int(c.rsplit("#", 1)[1]) for c in ids)
        if not ids:
            state.problems.append(f"complete document {rec.meta.key} has no passages")
        elif ordinals != list(range(len(ordinals))):
            state.problems.append(f"complete document {rec.meta.key} has gaps in its passages: {ordinals}")

    vectors = store.all_ids()
    if d := _dupes(vectors):
        state.problems.append(f"Chroma holds ids twice: {_few(d)}")
    have, want = set(vectors), set(passages)
    if missing := want - have:
        state.problems.append(f"{len(missing)} passages of complete documents lack vectors: {_few(missing)}")
    extra = have - want
    state.orphan_vectors = len(extra)
    if settled and extra:
        state.problems.append(f"{len(extra)} vectors no passage owns: {_few(extra)}")

    kw = KeywordIndex(keyword_dir)
    loaded = kw.load()
    if settled:
        if not loaded and passages and not kw.outdated:  # an outdated one is rebuilt on first use
            state.problems.append("the keyword index is missing or unreadable")
        elif loaded:
            if kw.generation != catalog.generation:
                state.problems.append(f"keyword index is of generation {kw.generation}, the catalog of {catalog.generation}")
            if d := _dupes(kw.ids):
                state.problems.append(f"keyword index lists passages twice: {_few(d)}")
            if set(kw.ids) != want:
                diff = set(kw.ids) ^ want
                state.problems.append(f"keyword index and catalog differ on {len(diff)} passages: {_few(diff)}")
    return state


def check_files(catalog: Catalog, paths: list[Path], *, chunk_chars: int, max_bytes: int) -> list[str]:
    """Every file is indexed completely, in its current version: its text, and as many passages as chunking gives."""
    problems = []
    files, bad = load.discover(paths)
    problems += [f"{p}: {msg}" for p, msg in bad]
    for path in files:
        rec = catalog.by_path(str(path.resolve()))
        if rec is None or rec.status != "complete":
            problems.append(f"{path.name} is not indexed" + (f" ({rec.status})" if rec else ""))
            continue
        text = load.load_file(path, max_bytes=max_bytes).text
        if catalog.document_text(rec.meta.key) != text:
            problems.append(f"{path.name}: the index holds an older version of its text")
            continue
        want = len(chunking.chunk_document(text, rec.meta.key, target_chars=chunk_chars))
        have = len(catalog.doc_chunks(rec.meta.key))
        if have != want:
            problems.append(f"{path.name}: {have} passages indexed, {want} expected")
    return problems
