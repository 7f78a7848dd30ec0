"""What a statement says about documents themselves: the date it gives a document, and documents
it relies on that another indexed document replaces, amends or repeals (catalog relations)."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date

from assistant.answer.cite import Claim, verify
from assistant.check.compare import Difference
from assistant.check.mentions import mentions
from assistant.search.catalog import Catalog
from assistant.search.retrieve import Retriever
from assistant.text.docnumbers import find_refs, prepare, reference_spans
from assistant.text.terms import split_sentences
from assistant.types import Chunk, Citation, DocMeta, Hit

SUPERSEDING = {"replaces": "thay thế", "amends": "sửa đổi, bổ sung", "repeals": "bãi bỏ"}
_ISSUED = re.compile(r"(?i)(?:ban hành|ký)\s*(?:vào\s*)?$")


@dataclass(frozen=True)
class DatedReference:
    doc_id: str  # the document the statement dates
    stated: str  # the date as written in the statement
    start: int  # offsets in the prepared statement
    end: int
    value: date


def named_documents(retriever: Retriever, text: str, docs: dict[str, DocMeta] | None = None) -> list[DocMeta]:
    """Indexed documents (of `docs`, those the reader may see; default all) a statement names, formally
    ("57-NQ/TW") or informally ("Nghị quyết 57")."""
    docs = retriever.documents() if docs is None else docs
    keys, _missing = retriever.resolve(find_refs(text), docs)
    return [docs[k] for k in keys if k in docs]


def dated_references(
    retriever: Retriever, text: str, docs: dict[str, DocMeta] | None = None
) -> list[tuple[DatedReference, DocMeta]]:
    """Dates the statement gives indexed documents (of `docs`, default all), with the document: a date right after
    a reference ("20-NQ/TW ngày 01/11/2013"), or after "ban hành" in a statement that names one indexed document."""
    docs = retriever.documents() if docs is None else docs
    prepared, found = mentions(text)
    refs = reference_spans(text)
    named = named_documents(retriever, text, docs)
    by_id = {meta.doc_id: meta for meta in docs.values()}
    out: list[tuple[DatedReference, DocMeta]] = []
    for m in found:
        if m.kind != "date" or not m.value.replace("-", "").isdigit():
            continue  # a quarter or half of a year ("2025-q4", "2025-h1") dates no document
        parts = [int(p) for p in m.value.split("-")]
        y, mo, d = parts if len(parts) == 3 else (parts[0], parts[1], 0)  # "tháng 12/2023": the month only
        before = [r for r in refs if 0 <= m.start - r[1] <= 4]  # "20-NQ/TW ngày …", "20-NQ/TW, ngày …"
        window = re.sub(r"(?i)\s*ngày\s*$", "", prepared[max(0, m.start - 25) : m.start])
        if before:
            meta = by_id.get(before[-1][2])
        elif len(named) == 1 and _ISSUED.search(window):
            meta = named[0]
        else:
            continue
        if meta is None or meta.issued is None:
            continue
        if not d and (y, mo) == (meta.issued.year, meta.issued.month):
            continue  # the right month
        out.append((DatedReference(meta.doc_id, m.text, m.start, m.end, date(y, mo, d or 1)), meta))
    return out


def dated_difference(
    retriever: Retriever, catalog: Catalog, text: str, doc_ids: Sequence[str], docs: dict[str, DocMeta]
) -> tuple[Difference, Citation] | None:
    """A date the statement gives a document of `docs` (those the reader may see) that differs from the
    catalog's, with a verified quote of the right date from one of them."""
    for ref, meta in dated_references(retriever, text, docs):
        if ref.value == meta.issued or meta.issued is None:
            continue
        keys = [k for k, m in docs.items() if m.doc_id in doc_ids] + [meta.key]
        for key in keys:
            found = sentence_with_date(catalog.doc_chunks(key), meta.issued, ref.doc_id)
            if found is None:
                continue
            chunk, sentence = found
            hit = Hit(chunk=chunk, meta=docs[key], score=0.0)
            v = verify([Claim(1, sentence, "")], [hit], {key: catalog.document_text(key)})
            if v and v[0].citation is not None:
                shown = f"{meta.issued.day:02d}/{meta.issued.month:02d}/{meta.issued.year}"
                return Difference("date", ref.stated, f"ngày {shown}", ref.start, ref.end), v[0].citation
    return None


def date_forms(value: date) -> list[re.Pattern[str]]:
    """Ways a date is written: "22/12/2024", "22-12-2024", "ngày 22 tháng 12 năm 2024", with or without leading zeros."""
    d, m, y = value.day, value.month, value.year
    return [
        re.compile(rf"(?<!\d)0?{d}\s*[/.-]\s*0?{m}\s*[/.-]\s*{y}(?!\d)"),
        re.compile(rf"(?i)ngày\s+0?{d}\s+tháng\s+0?{m}\s*(?:năm|,|/)\s*{y}(?!\d)"),
    ]


def sentence_with_date(chunks: list[Chunk], value: date, ref: str) -> tuple[Chunk, str] | None:
    """The sentence of `chunks` that gives `value`, preferring one that also names `ref`."""
    forms = date_forms(value)
    found: list[tuple[int, Chunk, str]] = []
    for c in chunks:
        for s in split_sentences(c.text):
            p = prepare(s)
            if any(f.search(p) for f in forms):
                found.append((0 if ref in p else 1, c, s))
    if not found:
        return None
    found.sort(key=lambda t: (t[0], t[1].ordinal))
    return found[0][1], found[0][2]


def superseded(catalog: Catalog, doc_ids: list[str], exclude: set[str], visible: Collection[str] | None = None) -> list[str]:
    """Notes for each document that another indexed document replaces, amends or repeals; only documents whose
    keys are in `visible` (those the reader may see; default all) are named as the ones that do."""
    notes: list[str] = []
    for doc_id in doc_ids:
        _out, incoming = catalog.relations(doc_id)
        for rel, src in incoming:
            if rel not in SUPERSEDING or src in exclude or (visible is not None and src not in visible):
                continue
            rec = catalog.by_key(src)
            src_id = rec.meta.doc_id if rec else src
            if src_id in exclude:
                continue
            note = f"{doc_id} bị {src_id} {SUPERSEDING[rel]} (theo quan hệ trong kho tài liệu); cần đối chiếu văn bản mới."
            if note not in notes:
                notes.append(note)
    return notes
