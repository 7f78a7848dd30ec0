"""Benchmark corpus: real passages embedded once by the real model, grown to any size by noisy copies.

Embedding 100k passages with EmbeddingGemma on 2 CPU cores would take hours, so the benchmark embeds a
few thousand *real* passages (the party and news corpora and ALQAC articles, read from ../shared at run
time and never copied into the repository) once, caches them under a data folder, and reaches larger
sizes with copies: each copy's vector is the real vector plus small Gaussian noise, re-normalised, and its
text is lightly perturbed (a few words dropped or swapped), so BM25 postings and HNSW neighbourhoods are
not exact duplicates. Copies are separate documents without a document number, so questions naming a
document number still resolve to the real one.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from assistant.evaluation import alqac
from assistant.ingest import chunk as chunking
from assistant.ingest import docmeta, load
from assistant.ingest.indexer import embed_input
from assistant.ingest.relations import extract_relations
from assistant.pipeline import Pipeline
from assistant.search.catalog import access_rank, meta_from_json, meta_to_json
from assistant.types import Chunk, DocMeta, Embedder

BLOCK = 128  # passages embedded per cached part, so an interrupted preparation resumes


@dataclass(frozen=True)
class BaseDoc:
    meta: DocMeta
    text: str
    chunks: list[Chunk]


def _real_documents(shared: Path, seed: int) -> Iterator[tuple[DocMeta, str]]:
    """Party and news documents first, then ALQAC articles in a fixed shuffled order."""
    for folder in ("party", "news"):
        root = shared / "corpora" / folder
        for path in sorted(root.iterdir()):
            if path.suffix not in (".md", ".txt"):
                continue
            src = load.load_file(path, max_bytes=50_000_000)
            meta = docmeta.extract(src.text, path.name)
            yield replace(meta, key=f"{meta.doc_id}@{path.stem}"), src.text
    names, articles = alqac.load_articles(shared / "corpora" / "alqac")
    keys = sorted(articles)
    random.Random(seed).shuffle(keys)
    for law, aid in keys:
        doc_id = alqac.article_doc_id(names[law], aid)
        text = f"{names[law]}\nĐiều {aid}. {articles[(law, aid)].strip()}\n"
        meta = docmeta.extract(text, alqac.article_file_name(names[law], aid), {"doc_id": doc_id, "title": doc_id})
        yield replace(meta, key=doc_id), text


def select_base(shared: Path, n_real: int, seed: int = 0) -> list[BaseDoc]:
    """Whole real documents, in order, until `n_real` passages are reached."""
    out: list[BaseDoc] = []
    total = 0
    for meta, text in _real_documents(shared, seed):
        chunks = chunking.chunk_document(text, meta.key)
        if not chunks:
            continue
        out.append(BaseDoc(meta, text, chunks))
        total += len(chunks)
        if total >= n_real:
            break
    return out


def prepare(cache: Path, shared: Path, n_real: int, embedder: Embedder, log: bool = True) -> tuple[list[BaseDoc], np.ndarray]:
    """The base documents and their real vectors, embedded once and cached under `cache`."""
    folder = cache / f"base-{n_real}-{embedder.name}"
    folder.mkdir(parents=True, exist_ok=True)
    docs_file = folder / "docs.jsonl"
    if docs_file.exists():
        docs = _read_docs(docs_file)
    else:
        docs = select_base(shared, n_real)
        _write_docs(docs_file, docs)
    inputs = [embed_input(d.meta, c) for d in docs for c in d.chunks]
    parts = []
    t0 = time.perf_counter()
    for i in range(0, len(inputs), BLOCK):
        part = folder / f"part-{i // BLOCK:05d}.npy"
        if not part.exists():
            vecs = np.asarray(embedder.embed_documents(inputs[i : i + BLOCK]), dtype=np.float32)
            np.save(part.with_suffix(".tmp.npy"), vecs)
            part.with_suffix(".tmp.npy").rename(part)
            if log:
                rate = (i + BLOCK) / max(time.perf_counter() - t0, 1e-9)
                print(f"  embedded {min(i + BLOCK, len(inputs))}/{len(inputs)} real passages ({rate:.1f}/s)", flush=True)
        parts.append(np.load(part))
    return docs, np.concatenate(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)


def _write_docs(path: Path, docs: list[BaseDoc]) -> None:
    with path.with_suffix(".tmp").open("w", encoding="utf-8") as f:
        for d in docs:
            chunks = [[c.ordinal, c.text, list(c.breadcrumb), c.start, c.end] for c in d.chunks]
            f.write(json.dumps({"meta": meta_to_json(d.meta), "text": d.text, "chunks": chunks}, ensure_ascii=False) + "\n")
    path.with_suffix(".tmp").rename(path)


def _read_docs(path: Path) -> list[BaseDoc]:
    out = []
    for line in path.read_text("utf-8").splitlines():
        row = json.loads(line)
        meta = meta_from_json(row["meta"])
        chunks = [Chunk(meta.key, o, t, tuple(b), s, e) for o, t, b, s, e in row["chunks"]]
        out.append(BaseDoc(meta, row["text"], chunks))
    return out


def perturb(text: str, rng: random.Random) -> str:
    """Light text noise: about one word in 25 dropped or swapped with its neighbour."""
    words = text.split(" ")
    for _ in range(max(1, len(words) // 25)):
        i = rng.randrange(len(words))
        if rng.random() < 0.5 and len(words) > 3:
            del words[i]
        elif i + 1 < len(words):
            words[i], words[i + 1] = words[i + 1], words[i]
    return " ".join(words)


def build_index(pipe: Pipeline, docs: list[BaseDoc], vectors: np.ndarray, size: int, *, sigma: float, seed: int = 0) -> int:
    """Write `size` passages (real ones first, then noisy copies) through the catalog, Chroma and BM25 code.

    Each document goes through the same three steps as `Indexer._ingest_one` (pending row, vectors,
    passages and the complete mark); vectors are sent to Chroma in batches to keep the build short.
    Copies carry no relations, so they do not join the documents pinned through a relation.
    """
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    pipe.indexer.check_embedder(write=True)
    offsets = np.cumsum([0] + [len(d.chunks) for d in docs])
    batch: list[tuple[DocMeta, list[Chunk], np.ndarray, list[tuple[str, str]]]] = []
    written = copy = 0
    while written < size:
        for di, doc in enumerate(docs):
            if written >= size:
                break
            chunks = doc.chunks[: size - written]
            vecs = vectors[offsets[di] : offsets[di] + len(chunks)]
            meta = doc.meta
            relations = extract_relations(doc.text, meta.doc_id)
            if copy:
                key = f"{meta.key}~{copy}"
                meta = replace(meta, key=key, doc_id=f"{meta.doc_id}~{copy}", number=None, title=f"{meta.title or ''} ~{copy}")
                chunks = [replace(c, doc_id=key, text=perturb(c.text, rng)) for c in chunks]
                noisy = vecs + nrng.normal(0.0, sigma, vecs.shape).astype(np.float32)
                vecs = noisy / np.linalg.norm(noisy, axis=1, keepdims=True)
                relations = []
            pipe.catalog.begin_document(
                meta, source_path=f"/bench/{meta.key}", content_sha=meta.key, text_sha=meta.key, fmt="txt", text=doc.text,
                minhash=[0] * 64,
            )  # fmt: skip
            batch.append((meta, chunks, vecs, relations))
            written += len(chunks)
            if sum(len(b[1]) for b in batch) >= 2000:
                _flush(pipe, batch)
        copy += 1
    _flush(pipe, batch)
    pipe.indexer.refresh_keyword()
    return written


def _flush(pipe: Pipeline, batch: list[tuple[DocMeta, list[Chunk], np.ndarray, list[tuple[str, str]]]]) -> None:
    ids: list[str] = []
    metadatas: list[dict[str, str | int | float | bool]] = []
    for meta, chunks, _, _ in batch:
        year = meta.issued.year if meta.issued else 0
        ids += [c.chunk_id for c in chunks]
        metadatas += [
            {
                "doc_key": meta.key, "doc_id": meta.doc_id, "ordinal": c.ordinal, "access_rank": access_rank(meta.access_level),
                "doc_type": meta.doc_type or "", "issuer": meta.issuer or "", "year": year,
            }
            for c in chunks
        ]  # fmt: skip
    if ids:
        pipe.store.upsert(ids, np.concatenate([b[2] for b in batch]).tolist(), metadatas)
    for meta, chunks, _, relations in batch:
        pipe.catalog.complete_document(meta.key, chunks, meta.access_level, relations)
    batch.clear()
