"""Document metadata (stage `docmeta`, after `load` and before `chunk`).

Reads the document's own reference number ("Số 57-NQ/TW", "Số: 03/NQ-CP", "124/2020/NĐ-CP"; parsed
by `docnumbers`), issuer, date and title from its header and applies corpus-manifest overrides
(`manifest`). All matching runs on normalised text; metadata strings are returned in NFC as written
(Markdown markers removed).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from assistant.ingest.manifest import coerce_overrides
from assistant.text.docnumbers import formal_references, parse_reference, prepare, type_name
from assistant.types import DocMeta

# Title words (normalised, lower case) and the type code they imply.
_TITLE_WORDS: dict[str, str] = {
    "nghị quyết": "NQ",
    "kết luận": "KL",
    "chỉ thị": "CT",
    "quyết định": "QĐ",
    "quy định": "QĐ",
    "kế hoạch": "KH",
    "hướng dẫn": "HD",
    "báo cáo": "BC",
    "công văn": "CV",
    "văn bản": "CV",
    "nghị định": "NĐ",
    "thông tư": "TT",
    "thông báo": "TB",
    "quy chế": "QC",
    "đề án": "ĐA",
    "tờ trình": "TTr",
    "luật": "L",
    "công điện": "CĐ",
    "chương trình": "CTr",
    "phụ lục": "PL",
}
_WORD_RE = "|".join(sorted(_TITLE_WORDS, key=len, reverse=True))
_TITLE_START = re.compile(rf"^(?:dự thảo\s+)?({_WORD_RE})(?![\w])", re.IGNORECASE)
_SO_LINE = re.compile(r"^số\s*[:.]?\s*", re.IGNORECASE)
_DATE_VI = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.IGNORECASE)
_DATE_NUM = re.compile(r"ngày\s+(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})", re.IGNORECASE)
_PLACE_DATE = re.compile(r"^[^\d,]{2,40},\s*(?=ngày\s)", re.IGNORECASE)
_NATIONAL = re.compile(
    r"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM|ĐẢNG CỘNG SẢN VIỆT NAM|Độc lập\s*-\s*Tự do\s*-\s*Hạnh phúc", re.IGNORECASE
)
_GENERIC_ISSUERS = {"VĂN PHÒNG", "THƯỜNG TRỰC", "BAN THƯỜNG VỤ", "BAN CÁN SỰ ĐẢNG", "ĐẢNG ĐOÀN"}
_ISSUER_AFTER = re.compile(
    r"của\s+(Bộ Chính trị|Ban Bí thư|Ban Chấp hành Trung ương(?: Đảng)?|Thủ tướng Chính phủ|Chính phủ"
    r"|Ủy ban Thường vụ Quốc hội|Quốc hội)",
    re.IGNORECASE,
)
_HEADER_CHARS = 2500


# --- header analysis -------------------------------------------------------------------------


def _cells(header: str) -> list[str]:
    """Header lines split into table cells, cleaned of heading/bullet markers; blank lines kept as ""."""
    out: list[str] = []
    for line in header.split("\n"):
        for cell in line.split("|") if "|" in line else [line]:
            c = re.sub(r"^\s*#{1,6}\s+", "", cell)
            c = re.sub(r"\s+", " ", c.replace("_", " ")).strip()
            out.append("" if re.fullmatch(r"[-:=\s]*", c) else c)
    return out


def _ref_in_cell(cell: str) -> tuple[int, tuple[str, str, str, str]] | None:
    """(priority, parsed) when `cell` states the document's own number."""
    m = _SO_LINE.match(cell)
    if m:
        refs = formal_references(cell)
        if refs and refs[0][0] == m.end():
            return 1, refs[0][2]
    w = _TITLE_START.match(cell)
    if w:
        rest = cell[w.end() :]
        rest = _SO_LINE.sub("", rest.strip())
        refs = formal_references(rest)
        if refs and refs[0][0] == 0:
            code = _TITLE_WORDS[w.group(1).lower()]
            tail = rest[refs[0][1] :].strip()
            if code == refs[0][2][1] and (len(tail) <= 3 or tail.lower().startswith(("ngày", "("))):
                return 2, refs[0][2]
    refs = formal_references(cell)
    if refs and refs[0][0] == 0 and refs[0][1] == len(cell):
        return 3, refs[0][2]
    return None


def _own_reference(cells: list[str]) -> tuple[int, tuple[str, str, str, str]] | None:
    hits = [(hit[0], i, hit[1]) for i, cell in enumerate(cells) if (hit := _ref_in_cell(cell))]
    if len({ref[0] for prio, _i, ref in hits if prio == 1}) >= 3:
        hits = [h for h in hits if h[0] != 1]  # a list of documents ("Số 15-NQ/TU", "Số 05-CT/TU", ...), not a header
    best = min(hits, key=lambda h: (h[0], h[1]), default=None)
    return (best[1], best[2]) if best else None


def _to_date(d: str, m: str, y: str) -> date | None:
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


def _issued(cells: list[str], header: str, own: str | None) -> date | None:
    for cell in cells:
        p = _PLACE_DATE.match(cell)
        if p:
            m = _DATE_VI.match(cell, p.end()) or _DATE_NUM.match(cell, p.end())
            if m and (d := _to_date(*m.groups())):
                return d
    if own:
        for _start, end, ref in formal_references(header):
            if ref[0] != own:
                continue
            window = header[end : end + 40]
            m = _DATE_NUM.search(window) or _DATE_VI.search(window)
            if m and (d := _to_date(*m.groups())):
                return d
    return None


def _issuer_name(cells: list[str], ref_index: int | None, header: str, own: str | None) -> str | None:
    if ref_index is not None:
        names: list[str] = []
        for cell in cells[:ref_index]:
            c = _NATIONAL.sub("", cell).strip(" -*")
            upper = c == c.upper() and any(ch.isalpha() for ch in c)
            if upper and len(c) <= 80 and not c.startswith("SỐ") and not _TITLE_START.match(c):
                names.append(c)
        if names:
            last = names[-1]
            if last in _GENERIC_ISSUERS and len(names) > 1:
                return f"{last} {names[-2]}"
            return last
    if own:
        for _start, end, ref in formal_references(header):
            if ref[0] == own and (m := _ISSUER_AFTER.search(header[end : end + 120])):
                return m.group(1)
    return None


def _is_ref_only(cell: str, start: re.Match[str]) -> bool:
    rest = _SO_LINE.sub("", cell[start.end() :].strip())
    refs = formal_references(rest)
    return bool(refs and refs[0][0] == 0 and len(rest[refs[0][1] :].strip()) <= 3)


def _title_from(cells: list[str], i: int) -> str | None:
    cell = cells[i]
    if cell.startswith("V/v"):
        parts = [cell]
        for nxt in cells[i + 1 : i + 4]:
            if not nxt:
                break
            parts.append(nxt)
        return " ".join(parts)
    start = _TITLE_START.match(cell)
    if not start or len(cell) > 600 or _is_ref_only(cell, start):
        return None
    word = start.group(1)
    rest = _SO_LINE.sub("", cell[start.end() :].strip())
    refs = formal_references(rest)
    if word != word.upper() and not (refs and refs[0][0] == 0) and (len(cell) > 200 or cell.endswith((".", ":"))):
        return None  # a sentence that happens to begin with "Báo cáo", "Kế hoạch"...
    parts = [cell]
    have_subject = len(cell) - start.end() > 12
    blanks = 0
    for nxt in cells[i + 1 : i + 20]:
        if not nxt:
            blanks += 1
            if have_subject or blanks > 3:
                break
            continue
        if nxt.startswith(("(", "Căn cứ", "---")) or re.match(r"^([IVX]+|\d+|[A-H])\s*[.\-)]\s", nxt):
            break
        if len(nxt) > 300:
            break
        if re.match(r"^CỦA\s", nxt):
            continue
        parts.append(nxt)
        if not nxt.upper().startswith("HỘI NGHỊ"):
            have_subject = True
    return " ".join(parts)[:500].strip()


def _title(cells: list[str], ref_index: int | None) -> str | None:
    first = 0 if ref_index is None else ref_index + 1
    for lo in (first, 0):
        for i in range(lo, len(cells)):
            title = _title_from(cells, i)
            if title:
                return title
    if ref_index is not None and _TITLE_START.match(cells[ref_index]):
        return cells[ref_index]  # "Nghị quyết số 57-NQ/TW" is better than nothing
    return None


# --- extraction ------------------------------------------------------------------------------


def extract(source_text: str, file_name: str, overrides: dict[str, object] | None = None) -> DocMeta:
    """Metadata of one document from its header, with `overrides` (from a manifest, `manifest.py`) applied last."""
    prepped = prepare(source_text)
    cut = prepped.find("\n", _HEADER_CHARS)
    header = prepped if cut < 0 else prepped[:cut]
    cells = _cells(header)
    own = _own_reference(cells)
    ref_index, ref = (own[0], own[1]) if own else (None, None)
    title = _title(cells, ref_index)
    doc_type = ref[1] if ref and ref[1] else None
    if doc_type is None and title and (w := _TITLE_START.match(title)):
        doc_type = _TITLE_WORDS[w.group(1).lower()]
    if title and title.startswith("V/v"):
        title = f"{type_name(doc_type) or 'Văn bản'} {title}"
    parent = None
    if ref is None:
        parent = next((r[0] for c in cells if c.startswith("(Kèm theo") and (r := parse_reference(c))), None)
    values: dict[str, object] = {
        "doc_id": ref[0] if ref else f"file:{Path(file_name).stem}",
        "doc_type": doc_type,
        "number": ref[2] if ref else None,
        "issuer": ref[3] if ref else None,
        "issuer_name": _issuer_name(cells, ref_index, header, ref[0] if ref else None),
        "issued": _issued(cells, header, ref[0] if ref else None),
        "title": title,
        "parent": parent,
        "source_name": file_name,
    }
    if overrides:
        values.update(coerce_overrides(overrides, f"overrides for {file_name}"))
    values["key"] = values["doc_id"]
    return DocMeta(**values)  # type: ignore[arg-type]
