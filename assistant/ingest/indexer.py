"""Ingestion: files → load → docmeta → chunk → embed → store, consistent under kill -9.

Order of writes for one document (see `Catalog`): a `pending` catalog row, then the vectors
in Chroma, then the passages and the `complete` mark in one SQLite transaction. At the start
of every run, pending rows and vectors that no catalog passage owns are removed, so a rerun of
an interrupted command completes it without duplicates.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from assistant.ingest import chunk as chunking
from assistant.ingest import docmeta, load
from assistant.ingest.dedupe import minhash, text_fingerprint
from assistant.ingest.manifest import read_manifest
from assistant.ingest.relations import extract_relations
from assistant.search.catalog import Catalog, access_rank
from assistant.search.keyword import KeywordIndex
from assistant.search.store import ChromaStore
from assistant.types import Chunk, DocMeta, Embedder, FileReport, IngestError

# Bump when loading or chunking changes in a way that needs existing documents re-indexed.
PIPELINE_VERSION = "1"

Progress = Callable[[str, int, int], None]  # (file name, done, total)


class IndexMismatch(Exception):
    """The index was built with another embedding model than the one configured."""


def embed_input(meta: DocMeta, chunk: Chunk) -> str:
    """The text embedded for a passage: document id and title context, breadcrumb, passage."""
    head = meta.doc_id if not meta.doc_id.startswith("file:") else (meta.title or meta.source_name)
    crumb = chunk.breadcrumb_text
    return f"{head}\n{crumb}\n{chunk.text}" if crumb else f"{head}\n{chunk.text}"


def embedding_key(embedder: Embedder, text: str) -> str:
    """Identity of a passage vector: the embedder (name, dimension) and the exact text it embedded.

    The text is hashed as given to the model, not normalised further: the tokenizer sees every
    character, so two inputs that differ only in Unicode form or spacing do not share a vector.
    """
    return hashlib.sha256(f"{embedder.name}|{embedder.dim}|{text}".encode()).hexdigest()[:32]


@dataclass
class Indexer:
    catalog: Catalog
    store: ChromaStore
    keyword: KeywordIndex
    embedder: Embedder
    max_bytes: int
    chunk_chars: int = 1200
    near_duplicate: float = 0.8
    ocr_language: str = "vie"
    _sig_rows: list[tuple[str, str, int]] = field(default_factory=list, init=False, repr=False)  # (path, doc_id, rank)
    _sigs: np.ndarray = field(default_factory=lambda: np.zeros((0, 64), dtype=np.int64), init=False, repr=False)

    # --- embedder identity ---------------------------------------------------------------------
    def check_embedder(self, *, write: bool) -> None:
        ident = json.dumps({"name": self.embedder.name, "dim": self.embedder.dim})
        have = self.catalog.get_meta("embedder")
        if have is None:
            if write:
                self.catalog.set_meta("embedder", ident)
            return
        if have != ident:
            built = json.loads(have)
            raise IndexMismatch(
                f"this index was built with embedding model {built['name']!r} (dim {built['dim']}); the configured model "
                f"is {self.embedder.name!r} (dim {self.embedder.dim}); vectors of the two are never mixed. Use the same "
                "model and precision (embed_model, embed_precision; `auto` follows the index), or a new index_dir."
            )

    # --- consistency ----------------------------------------------------------------------------
    def repair(self) -> int:
        """Remove what an interrupted run left: pending documents and vectors no passage owns."""
        removed = 0
        for rec in self.catalog.documents(status="pending"):
            self.store.delete_doc(rec.meta.key)
            self.catalog.remove_document(rec.meta.key)
            removed += 1
        known = {cid for cid, _, _ in self.catalog.chunk_index()}
        orphans = [cid for cid in self.store.all_ids() if cid not in known]
        self.store.delete_ids(orphans)
        return removed + len(orphans)

    def refresh_keyword(self) -> None:
        gen = self.catalog.generation
        if self.keyword.generation == gen:
            return
        if self.keyword.load() and self.keyword.generation == gen:
            return
        self.keyword.build([(cid, text) for cid, _, text, _ in self.catalog.all_chunks()], gen)

    # --- ingestion ------------------------------------------------------------------------------
    def ingest(
        self, paths: Sequence[Path], progress: Progress | None = None, *, uploader_rank: int | None = None
    ) -> list[FileReport]:
        """Index `paths`. With `uploader_rank` (a file uploaded by a person of that clearance rank), nothing about
        documents above that rank may show in the result: a twin is looked for only among documents the uploader
        can see, and the key is `<doc_id>@<file stem>-<8 hex of the file's path>` whether or not the number is
        taken, so neither the status nor the key tells that a hidden document exists."""
        self.check_embedder(write=True)
        self.repair()
        self._load_signatures()
        files, problems = load.discover([Path(p) for p in paths])
        reports = [FileReport(path=p, status="failed", message=m) for p, m in problems]
        manifests: dict[Path, dict[str, dict[str, object]] | str] = {}
        for i, path in enumerate(files):
            if progress:
                progress(path.name, i, len(files))
            folder = path.parent
            if folder not in manifests:
                try:
                    manifests[folder] = read_manifest(folder)
                except ValueError as exc:
                    manifests[folder] = str(exc)
            manifest = manifests[folder]
            if isinstance(manifest, str):
                reports.append(FileReport(path=path, status="failed", message=f"manifest error: {manifest}"))
                continue
            try:
                reports.append(self._ingest_one(path, manifest.get(path.name, {}), uploader_rank))
            except IngestError as exc:
                reports.append(FileReport(path=path, status="failed", message=str(exc)))
            except (OSError, ValueError) as exc:
                reports.append(FileReport(path=path, status="failed", message=f"{type(exc).__name__}: {exc}"))
        if progress:
            progress("", len(files), len(files))
        self.refresh_keyword()
        return reports

    def _load_signatures(self) -> None:
        recs = self.catalog.documents()
        self._sig_rows = [(r.source_path, r.meta.doc_id, access_rank(r.meta.access_level)) for r in recs]
        self._sigs = np.array([r.minhash for r in recs], dtype=np.int64).reshape(len(recs), 64)

    def _remember(self, sig: list[int], source_path: str, doc_id: str, rank: int) -> None:
        keep = [i for i, row in enumerate(self._sig_rows) if row[0] != source_path]
        self._sig_rows = [self._sig_rows[i] for i in keep] + [(source_path, doc_id, rank)]
        row = np.array([sig], dtype=np.int64)
        self._sigs = np.vstack([self._sigs[keep], row]) if self._sigs.size else row

    def _nearest(self, sig: list[int], source_path: str, max_rank: int | None = None) -> tuple[str, str, float] | None:
        if not self._sig_rows:
            return None
        sims = (self._sigs == np.array(sig, dtype=np.int64)[None, :]).mean(axis=1)
        for i in np.argsort(-sims):
            if sims[i] < self.near_duplicate:
                return None
            path, doc_id, rank = self._sig_rows[i]
            if path != source_path and (max_rank is None or rank <= max_rank):
                return path, doc_id, float(sims[i])
        return None

    def _ingest_one(self, path: Path, overrides: dict[str, object], uploader_rank: int | None = None) -> FileReport:
        resolved = str(path.resolve())
        size = path.stat().st_size
        if size > self.max_bytes:
            raise IngestError(load.size_error(size, self.max_bytes))
        h = hashlib.sha256(path.read_bytes())
        h.update(json.dumps(overrides, sort_keys=True, default=str, ensure_ascii=False).encode())
        h.update(f"{PIPELINE_VERSION}|{self.chunk_chars}".encode())
        content_sha = h.hexdigest()
        existing = self.catalog.by_path(resolved)
        if existing and existing.status == "complete" and existing.content_sha == content_sha:
            return FileReport(path=path, status="unchanged", doc_id=existing.meta.doc_id)

        source = load.load_file(path, max_bytes=self.max_bytes, ocr_language=self.ocr_language)
        text_sha = text_fingerprint(source.text)
        twin = self.catalog.find_text_sha(text_sha, uploader_rank)
        if twin and twin.source_path != resolved:
            return FileReport(
                path=path,
                status="duplicate",
                doc_id=twin.meta.doc_id,
                message=f"same text as {Path(twin.source_path).name} ({twin.meta.doc_id}); not indexed again",
            )
        sig = minhash(source.text)
        near = self._nearest(sig, resolved, uploader_rank)
        if near is not None:
            rec_path, rec_id, sim = near
            return FileReport(
                path=path,
                status="duplicate",
                doc_id=rec_id,
                message=f"near-duplicate of {Path(rec_path).name} ({rec_id}), similarity {sim:.2f}; not indexed again",
            )

        meta = docmeta.extract(source.text, path.name, overrides or None)
        key = meta.doc_id
        if uploader_rank is not None:
            key = f"{meta.doc_id}@{path.stem}-{hashlib.sha256(resolved.encode()).hexdigest()[:8]}"
        if self.catalog.key_in_use(key, except_path=resolved):
            key = f"{meta.doc_id}@{path.stem}"
        meta = replace(meta, key=key)
        chunks = chunking.chunk_document(source.text, key, target_chars=self.chunk_chars)
        if not chunks:
            raise IngestError("no text found")
        relations = extract_relations(source.text, meta.doc_id)

        inputs = [embed_input(meta, c) for c in chunks]
        keys = [embedding_key(self.embedder, t) for t in inputs]
        known = self.store.vectors_by_key(keys)  # read before the old vectors go: an edited file's unchanged passages
        self.catalog.begin_document(
            meta,
            source_path=resolved,
            content_sha=content_sha,
            text_sha=text_sha,
            fmt=source.fmt,
            text=source.text,
            minhash=sig,
        )
        if existing and existing.meta.key != key:
            self.store.delete_doc(existing.meta.key)
        self.store.delete_doc(key)
        vectors, reused = self._vectors(inputs, keys, known)
        rank = access_rank(meta.access_level)
        year = meta.issued.year if meta.issued else 0
        metadatas: list[dict[str, str | int | float | bool]] = [
            {
                "doc_key": key,
                "doc_id": meta.doc_id,
                "ordinal": c.ordinal,
                "access_rank": rank,
                "doc_type": meta.doc_type or "",
                "issuer": meta.issuer or "",
                "year": year,
                "embed_key": k,
            }
            for c, k in zip(chunks, keys, strict=True)
        ]
        self.store.upsert([c.chunk_id for c in chunks], vectors, metadatas)
        self.catalog.complete_document(key, chunks, meta.access_level, relations)
        self._remember(sig, resolved, meta.doc_id, rank)
        note = " (OCR)" if source.ocr else ""
        if reused and uploader_rank is None:  # an upload's passages may match a hidden document's: not said
            note += f", {reused} unchanged (vectors reused)"
        return FileReport(
            path=path,
            status="replaced" if existing else "added",
            doc_id=meta.doc_id,
            chunks=len(chunks),
            message=f"{len(chunks)} passages{note}",
            reused=reused,
        )

    def _vectors(self, inputs: list[str], keys: list[str], known: dict[str, list[float]]) -> tuple[list[list[float]], int]:
        """A vector per input: stored ones where the index already has this exact input from this embedder,
        the rest embedded (each distinct input once). Returns the vectors and how many were reused."""
        todo: dict[str, str] = {}
        for k, text in zip(keys, inputs, strict=True):
            if k not in known and k not in todo:
                todo[k] = text
        fresh = dict(zip(todo, self.embedder.embed_documents(list(todo.values())), strict=True)) if todo else {}
        reused = sum(1 for k in keys if k in known)
        return [known[k] if k in known else fresh[k] for k in keys], reused
