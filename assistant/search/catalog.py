"""The document catalog: SQLite, the source of truth for documents, passages and relations.

A document is visible only once its row is `complete`; its passages are written in the same
transaction that marks it complete. A process killed midway leaves a `pending` row, which the
next ingestion repairs, so the index never shows half a document.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from assistant.types import ACCESS_LEVELS, Chunk, DocMeta

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    key TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    source_path TEXT NOT NULL UNIQUE,
    content_sha TEXT NOT NULL,
    text_sha TEXT NOT NULL,
    fmt TEXT NOT NULL,
    meta_json TEXT NOT NULL,
    text TEXT NOT NULL,
    minhash TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'complete'))
);
CREATE INDEX IF NOT EXISTS documents_doc_id ON documents(doc_id);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY,
    doc_key TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    text TEXT NOT NULL,
    breadcrumb TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    access_rank INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_key);
CREATE TABLE IF NOT EXISTS relations (src TEXT NOT NULL, relation TEXT NOT NULL, dst TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS relations_src ON relations(src);
CREATE INDEX IF NOT EXISTS relations_dst ON relations(dst);
"""


@dataclass(frozen=True)
class DocRecord:
    meta: DocMeta
    source_path: str
    content_sha: str
    text_sha: str
    fmt: str
    status: str
    minhash: list[int]


def meta_to_json(meta: DocMeta) -> str:
    d = asdict(meta)
    d["issued"] = meta.issued.isoformat() if meta.issued else None
    return json.dumps(d, ensure_ascii=False)


def meta_from_json(raw: str) -> DocMeta:
    d = json.loads(raw)
    d["issued"] = date.fromisoformat(d["issued"]) if d.get("issued") else None
    return DocMeta(**d)


def access_rank(level: str) -> int:
    return ACCESS_LEVELS.index(level) if level in ACCESS_LEVELS else len(ACCESS_LEVELS) - 1


class Catalog:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # --- meta ----------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    @property
    def generation(self) -> int:
        return int(self.get_meta("generation") or 0)

    def _bump(self, con: sqlite3.Connection) -> None:
        con.execute(
            "INSERT INTO meta(key, value) VALUES ('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    # --- documents -------------------------------------------------------------------------------
    def _record(self, row: tuple[object, ...]) -> DocRecord:
        meta_json, source_path, content_sha, text_sha, fmt, status, minhash = row
        return DocRecord(
            meta=meta_from_json(str(meta_json)),
            source_path=str(source_path),
            content_sha=str(content_sha),
            text_sha=str(text_sha),
            fmt=str(fmt),
            status=str(status),
            minhash=list(json.loads(str(minhash))),
        )

    _COLS = "meta_json, source_path, content_sha, text_sha, fmt, status, minhash"

    def by_path(self, source_path: str) -> DocRecord | None:
        row = self._db.execute(f"SELECT {self._COLS} FROM documents WHERE source_path=?", (source_path,)).fetchone()
        return None if row is None else self._record(row)

    def by_key(self, key: str) -> DocRecord | None:
        row = self._db.execute(f"SELECT {self._COLS} FROM documents WHERE key=?", (key,)).fetchone()
        return None if row is None else self._record(row)

    def documents(self, *, status: str = "complete") -> list[DocRecord]:
        rows = self._db.execute(f"SELECT {self._COLS} FROM documents WHERE status=? ORDER BY key", (status,))
        return [self._record(r) for r in rows]

    def keys_for_doc_id(self, doc_id: str) -> list[str]:
        rows = self._db.execute("SELECT key FROM documents WHERE doc_id=? AND status='complete'", (doc_id,))
        return [str(r[0]) for r in rows]

    def key_in_use(self, key: str, except_path: str) -> bool:
        row = self._db.execute("SELECT 1 FROM documents WHERE key=? AND source_path<>?", (key, except_path)).fetchone()
        return row is not None

    def document_text(self, key: str) -> str:
        row = self._db.execute("SELECT text FROM documents WHERE key=?", (key,)).fetchone()
        return "" if row is None else str(row[0])

    def text_between(self, key: str, start: int, end: int) -> str:
        """`document_text(key)[start:end]`, read without loading the whole text."""
        if end <= start:
            return ""
        row = self._db.execute("SELECT substr(text, ?, ?) FROM documents WHERE key=?", (start + 1, end - start, key)).fetchone()
        return "" if row is None else str(row[0])

    def document_heads(self, chars: int = 800) -> dict[str, str]:
        """The first `chars` characters of every complete document's text, by key."""
        rows = self._db.execute("SELECT key, substr(text, 1, ?) FROM documents WHERE status='complete'", (chars,))
        return {str(k): str(t) for k, t in rows}

    def find_text_sha(self, text_sha: str, max_rank: int | None = None) -> DocRecord | None:
        """A complete document with this text (with `max_rank`, only one at or below that access rank)."""
        rows = self._db.execute(f"SELECT {self._COLS} FROM documents WHERE text_sha=? AND status='complete'", (text_sha,))
        for row in rows:
            rec = self._record(row)
            if max_rank is None or access_rank(rec.meta.access_level) <= max_rank:
                return rec
        return None

    def begin_document(
        self,
        meta: DocMeta,
        *,
        source_path: str,
        content_sha: str,
        text_sha: str,
        fmt: str,
        text: str,
        minhash: list[int],
    ) -> None:
        """Step 1 of writing a document: a `pending` row, its old passages removed."""
        with self.transaction() as con:
            con.execute("DELETE FROM chunks WHERE doc_key IN (SELECT key FROM documents WHERE source_path=?)", (source_path,))
            con.execute("DELETE FROM relations WHERE src IN (SELECT key FROM documents WHERE source_path=?)", (source_path,))
            con.execute("DELETE FROM documents WHERE source_path=?", (source_path,))
            con.execute(
                "INSERT INTO documents(key, doc_id, source_path, content_sha, text_sha, fmt, meta_json, text, minhash, status)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')",
                (
                    meta.key,
                    meta.doc_id,
                    source_path,
                    content_sha,
                    text_sha,
                    fmt,
                    meta_to_json(meta),
                    text,
                    json.dumps(minhash),
                ),
            )
            self._bump(con)

    def complete_document(
        self, key: str, chunks: Iterable[Chunk], access_level: str, relations: Iterable[tuple[str, str]]
    ) -> None:
        """Step 2: passages and relations written, the document marked complete, atomically."""
        rank = access_rank(access_level)
        with self.transaction() as con:
            con.executemany(
                "INSERT OR REPLACE INTO chunks(chunk_id, doc_key, ordinal, text, breadcrumb, start, end, access_rank)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        c.chunk_id,
                        key,
                        c.ordinal,
                        c.text,
                        json.dumps(list(c.breadcrumb), ensure_ascii=False),
                        c.start,
                        c.end,
                        rank,
                    )
                    for c in chunks
                ],
            )
            con.executemany("INSERT INTO relations(src, relation, dst) VALUES (?, ?, ?)", [(key, r, d) for r, d in relations])
            con.execute("UPDATE documents SET status='complete' WHERE key=?", (key,))
            self._bump(con)

    def remove_document(self, key: str) -> None:
        with self.transaction() as con:
            con.execute("DELETE FROM chunks WHERE doc_key=?", (key,))
            con.execute("DELETE FROM relations WHERE src=?", (key,))
            con.execute("DELETE FROM documents WHERE key=?", (key,))
            self._bump(con)

    # --- passages --------------------------------------------------------------------------------
    def chunk_rows(self, chunk_ids: Iterable[str]) -> dict[str, tuple[Chunk, str]]:
        """Complete passages by id: (chunk, doc key). Ids of pending or removed documents are absent."""
        ids = list(chunk_ids)
        out: dict[str, tuple[Chunk, str]] = {}
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            marks = ",".join("?" * len(part))
            rows = self._db.execute(
                "SELECT c.chunk_id, c.doc_key, c.ordinal, c.text, c.breadcrumb, c.start, c.end FROM chunks c "
                f"JOIN documents d ON d.key = c.doc_key WHERE d.status='complete' AND c.chunk_id IN ({marks})",
                part,
            )
            for cid, key, ordinal, text, crumb, start, end in rows:
                out[str(cid)] = (
                    Chunk(str(key), int(ordinal), str(text), tuple(json.loads(crumb)), int(start), int(end)),
                    str(key),
                )
        return out

    def chunk_index(self) -> list[tuple[str, str, int]]:
        """(chunk_id, doc_key, access_rank) of every complete passage, without reading any text."""
        rows = self._db.execute(
            "SELECT c.chunk_id, c.doc_key, c.access_rank FROM chunks c "
            "JOIN documents d ON d.key = c.doc_key WHERE d.status='complete'"
        )
        return [(str(cid), str(key), int(rank)) for cid, key, rank in rows]

    def all_chunks(self, max_rank: int | None = None) -> list[tuple[str, str, str, int]]:
        """(chunk_id, doc_key, text with breadcrumb, access_rank) of every complete passage."""
        rows = self._db.execute(
            "SELECT c.chunk_id, c.doc_key, c.breadcrumb, c.text, c.access_rank FROM chunks c "
            "JOIN documents d ON d.key = c.doc_key WHERE d.status='complete' ORDER BY c.doc_key, c.ordinal"
        )
        out = []
        for cid, key, crumb, text, rank in rows:
            if max_rank is not None and rank > max_rank:
                continue
            out.append((str(cid), str(key), " › ".join(json.loads(crumb)) + "\n" + str(text), int(rank)))
        return out

    def passage_counts(self) -> dict[str, int]:
        """Number of passages of each complete document, by key."""
        rows = self._db.execute(
            "SELECT c.doc_key, COUNT(*) FROM chunks c JOIN documents d ON d.key = c.doc_key "
            "WHERE d.status='complete' GROUP BY c.doc_key"
        )
        return {str(k): int(n) for k, n in rows}

    def doc_chunks(self, key: str) -> list[Chunk]:
        rows = self._db.execute(
            "SELECT ordinal, text, breadcrumb, start, end FROM chunks WHERE doc_key=? ORDER BY ordinal", (key,)
        )
        return [Chunk(key, int(o), str(t), tuple(json.loads(b)), int(s), int(e)) for o, t, b, s, e in rows]

    def relations(self, key_or_id: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """(outgoing (relation, target id), incoming (relation, source key)) of a document."""
        out = [(str(r), str(d)) for r, d in self._db.execute("SELECT relation, dst FROM relations WHERE src=?", (key_or_id,))]
        rec = self.by_key(key_or_id)
        doc_id = rec.meta.doc_id if rec else key_or_id
        inc = [(str(r), str(s)) for r, s in self._db.execute("SELECT relation, src FROM relations WHERE dst=?", (doc_id,))]
        return out, inc
