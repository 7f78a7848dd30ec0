"""Mutated input files for the ingestion fuzzer: hypothesis strategies and a seeded random twin.

A mutation is a list of byte operations (flip, insert a format token or random bytes, delete, duplicate,
truncate) at relative positions, applied to a valid seed file of the sample corpus. For DOCX most
mutations go inside one member of the zip (the XML), which is then zipped again, so the files get past
the zip check and reach the parser; for TXT/MD the seed text may first be re-encoded (UTF-16, CP1258,
Latin-1, UTF-8 with BOM).
"""

from __future__ import annotations

import io
import random
import zipfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

SAMPLE = Path(__file__).resolve().parent.parent / "corpora" / "sample"
SEEDS = {
    "pdf": SAMPLE / "du-thao-bao-cao-45-BC-TU.pdf",
    "docx": SAMPLE / "ket-luan-08-KL-TU.docx",
    "html": SAMPLE / "ke-hoach-112-KH-UBND.html",
    "txt": SAMPLE / "chi-thi-05-CT-TU.txt",
    "md": SAMPLE / "nghi-quyet-15-NQ-TU.md",
}
KINDS = tuple(SEEDS)
TOKENS: dict[str, list[bytes]] = {
    "pdf": [b"endobj", b"stream", b"endstream", b"xref", b"%%EOF", b"trailer", b"/Length 999999", b"obj <<", b">>", b"/Encrypt"],
    "docx": [b"<w:p>", b"</w:p>", b"<w:t>", b"</w:t>", b"<w:tbl>", b"<w:tc>", b"&amp;", b"&#0;", b"<!DOCTYPE x [", b"<?xml"],
    "html": [b"<table>", b"</td>", b"<tr><td>", b"<script>", b"<!--", b"&#x0;", b"<meta charset='koi8-r'>", b"<h1>", b"</html>"],
    "txt": ["Điều 5.".encode(), b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\r", b"|---|---|", b"# ", "Số 57-NQ/TW".encode()],
}
TOKENS["md"] = TOKENS["txt"]
ENCODINGS = (None, "utf-16", "cp1258", "latin-1", "utf-8-sig")
DOCX_MEMBERS = ("word/document.xml", "[Content_Types].xml", "word/styles.xml", None)  # None: the zip's own bytes

Op = tuple[str, float, int, bytes]  # (kind, position in [0, 1), length or byte value, inserted bytes)


@dataclass(frozen=True)
class Mutation:
    kind: str  # a key of SEEDS
    ops: tuple[Op, ...]
    encoding: str | None = None  # txt/md: re-encode the seed text first
    member: str | None = None  # docx: the zip member mutated (None: the zip bytes)

    @property
    def suffix(self) -> str:
        return "." + self.kind


def _apply(data: bytes, ops: tuple[Op, ...]) -> bytes:
    buf = bytearray(data)
    for kind, pos, n, blob in ops:
        at = int(pos * len(buf)) if buf else 0
        if kind == "flip" and buf:
            buf[min(at, len(buf) - 1)] = n % 256
        elif kind == "insert":
            buf[at:at] = blob
        elif kind == "delete":
            del buf[at : at + n]
        elif kind == "dup":
            buf[at:at] = buf[at : at + n]
        elif kind == "truncate":
            del buf[at:]
    return bytes(buf)


def render(m: Mutation) -> bytes:
    """The bytes of the mutated file."""
    seed = SEEDS[m.kind].read_bytes()
    if m.kind in ("txt", "md") and m.encoding:
        seed = seed.decode("utf-8").encode(m.encoding, errors="replace")
    if m.kind == "docx" and m.member:
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(seed)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                body = src.read(info.filename)
                dst.writestr(info.filename, _apply(body, m.ops) if info.filename == m.member else body)
        return out.getvalue()
    return _apply(seed, m.ops)


def write(m: Mutation, folder: Path, name: str) -> Path:
    path = folder / f"{name}{m.suffix}"
    path.write_bytes(render(m))
    return path


# --- hypothesis ---------------------------------------------------------------------------------------
_pos = st.floats(min_value=0.0, max_value=0.999, allow_nan=False)


@st.composite
def mutations(draw: st.DrawFn, kinds: tuple[str, ...] = KINDS) -> Mutation:
    kind = draw(st.sampled_from(kinds))
    blob = st.one_of(st.sampled_from(TOKENS[kind]), st.binary(min_size=1, max_size=32))
    op = st.one_of(
        st.tuples(st.just("flip"), _pos, st.integers(0, 255), st.just(b"")),
        st.tuples(st.just("insert"), _pos, st.just(0), blob),
        st.tuples(st.just("delete"), _pos, st.integers(1, 4096), st.just(b"")),
        st.tuples(st.just("dup"), _pos, st.integers(1, 4096), st.just(b"")),
        st.tuples(st.just("truncate"), _pos, st.just(0), st.just(b"")),
    )
    ops = tuple(draw(st.lists(op, min_size=1, max_size=6)))
    encoding = draw(st.sampled_from(ENCODINGS)) if kind in ("txt", "md") else None
    member = draw(st.sampled_from(DOCX_MEMBERS)) if kind == "docx" else None
    return Mutation(kind, ops, encoding, member)


# --- the same, from a seeded random generator (for batches built outside hypothesis) -----------------
def random_mutation(rng: random.Random, kind: str) -> Mutation:
    ops: list[Op] = []
    for _ in range(rng.randint(1, 6)):
        op = rng.choice(("flip", "insert", "delete", "dup", "truncate"))
        blob = rng.choice(TOKENS[kind]) if rng.random() < 0.7 else rng.randbytes(rng.randint(1, 32))
        ops.append((op, rng.random() * 0.999, rng.randint(1, 4096) if op != "flip" else rng.randint(0, 255), blob))
    encoding = rng.choice(ENCODINGS) if kind in ("txt", "md") else None
    member = rng.choice(DOCX_MEMBERS) if kind == "docx" else None
    return Mutation(kind, tuple(ops), encoding, member)


# --- what ingestion does with one file, short of storing it -------------------------------------------
def ingest_stages(path: Path, max_bytes: int = 50_000_000) -> int:
    """The stages `Indexer._ingest_one` runs on a file before storing it; the number of passages."""
    from assistant.ingest import docmeta, load
    from assistant.ingest.chunk import chunk_document
    from assistant.ingest.dedupe import minhash, text_fingerprint
    from assistant.ingest.indexer import embed_input
    from assistant.ingest.relations import extract_relations
    from assistant.types import IngestError
    from tests.fakes import HashEmbedder

    source = load.load_file(path, max_bytes=max_bytes)
    text_fingerprint(source.text)
    minhash(source.text)
    meta = docmeta.extract(source.text, path.name)
    chunks = chunk_document(source.text, meta.key or meta.doc_id)
    if not chunks:
        raise IngestError("no text found")
    extract_relations(source.text, meta.doc_id)
    HashEmbedder().embed_documents([embed_input(meta, c) for c in chunks])
    return len(chunks)


def outcome(path: Path) -> tuple[str, str]:
    """("loaded", n passages) | ("error", the one-line message) | ("crash", exception) for one file."""
    from assistant.types import IngestError

    try:
        return "loaded", str(ingest_stages(path))
    except IngestError as exc:
        msg = str(exc)
        if not msg.strip() or "\n" in msg or len(msg) > 300:
            return "crash", f"unclear error message: {msg!r}"
        return "error", msg
    except Exception as exc:
        return "crash", f"{type(exc).__name__}: {exc}"
