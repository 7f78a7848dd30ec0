"""Document metadata (stage `docmeta`, after `load` and before `chunk`).

Reads the reference number ("Số 57-NQ/TW", "Số: 03/NQ-CP", "124/2020/NĐ-CP"), issuer, date and
title from a document's header, applies corpus-manifest overrides and finds the references a
document makes to other documents. All matching runs on normalised text; metadata strings are
returned in NFC as written (Markdown markers removed).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from assistant.manifest import coerce_overrides
from assistant.normalize import normalize_text
from assistant.types import DocMeta

TYPE_NAMES: dict[str, str] = {
    "NQ": "Nghị quyết",
    "KL": "Kết luận",
    "CT": "Chỉ thị",
    "QĐ": "Quyết định",
    "QĐi": "Quy định",
    "KH": "Kế hoạch",
    "HD": "Hướng dẫn",
    "BC": "Báo cáo",
    "CV": "Công văn",
    "NĐ": "Nghị định",
    "TT": "Thông tư",
    "TB": "Thông báo",
    "QC": "Quy chế",
    "ĐA": "Đề án",
    "TTr": "Tờ trình",
    "L": "Luật",
    "CĐ": "Công điện",
    "CTr": "Chương trình",
    "PL": "Phụ lục",
}
_TYPE_ALIASES = {"QD": "QĐ", "ND": "NĐ", "DA": "ĐA", "CD": "CĐ", "QDI": "QĐi"}
_TYPE_CANON = {k.upper(): k for k in TYPE_NAMES if k != "PL"} | _TYPE_ALIASES
_TYPE_RE = "|".join(sorted((re.escape(k) for k in _TYPE_CANON), key=len, reverse=True))
_ISS = r"[A-ZĐ0-9]+(?:-[A-ZĐ0-9]+)*"
_START = r"(?<![\w/.\-])"
_PARTY = re.compile(rf"{_START}(\d{{1,5}}) ?- ?({_TYPE_RE}) ?/ ?({_ISS})(?!\w)", re.IGNORECASE)
_STATE = re.compile(rf"{_START}(\d{{1,5}}) ?/ ?(?:(\d{{4}}) ?/ ?)?({_TYPE_RE}) ?- ?({_ISS})(?!\w)", re.IGNORECASE)
_LAW = re.compile(rf"{_START}(\d{{1,5}}) ?/ ?(\d{{4}}) ?/ ?((?:UBTV)?QH\d{{1,2}})(?!\w)", re.IGNORECASE)

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
_DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2212]")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
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

# DocMeta fields a manifest may set (`source_name` and the index `key` are set by the pipeline).


def _prep(text: str) -> str:
    """Normalised text with Markdown escapes/emphasis removed and dashes, spaces and Đ unified."""
    t = normalize_text(text)
    t = t.replace("D\u0335", "Đ").replace("D\u0336", "Đ").replace("d\u0335", "đ").replace("d\u0336", "đ")
    t = t.replace("\u00d0", "Đ").replace("\u0189", "Đ")
    t = _MD_ESCAPE.sub(r"\1", t)
    t = t.replace("*", "").replace("`", "")
    t = _DASHES.sub("-", t)
    return re.sub(r"[\u00a0\u2002-\u200b\u202f]", " ", t)


def _issuer_code(raw: str) -> str:
    return "-".join("TTg" if seg.upper() == "TTG" else seg.upper() for seg in raw.split("-"))


def _from_match(m: re.Match[str]) -> tuple[str, str, str, str]:
    if m.re is _LAW:
        number, year, issuer = m.group(1), m.group(2), m.group(3).upper()
        return f"{number}/{year}/{issuer}", ("L" if issuer.startswith("QH") else ""), number, issuer
    if m.re is _PARTY:
        number, typ, issuer = m.group(1), _TYPE_CANON[m.group(2).upper()], _issuer_code(m.group(3))
        return f"{number}-{typ}/{issuer}", typ, number, issuer
    number, year, typ, issuer = m.group(1), m.group(2), _TYPE_CANON[m.group(3).upper()], _issuer_code(m.group(4))
    canonical = f"{number}/{year}/{typ}-{issuer}" if year else f"{number}/{typ}-{issuer}"
    return canonical, typ, number, issuer


def _find_refs(prepped: str) -> list[tuple[int, int, tuple[str, str, str, str]]]:
    """All references in already-prepared text as (start, end, parsed), in order, without overlaps."""
    found = [(m.start(), m.end(), _from_match(m)) for rx in (_PARTY, _STATE, _LAW) for m in rx.finditer(prepped)]
    found.sort(key=lambda x: (x[0], -x[1]))
    out: list[tuple[int, int, tuple[str, str, str, str]]] = []
    for item in found:
        if not out or item[0] >= out[-1][1]:
            out.append(item)
    return out


def parse_reference(text: str) -> tuple[str, str, str, str] | None:
    """First document reference in `text` as (canonical_id, doc_type, number, issuer_code), or None.

    "Số 57-NQ/TW" -> ("57-NQ/TW", "NQ", "57", "TW"); "Số: 03/NQ-CP" -> ("03/NQ-CP", "NQ", "03", "CP");
    "124/2020/NĐ-CP" -> ("124/2020/NĐ-CP", "NĐ", "124", "CP"). Numbers keep their leading zeros.
    """
    refs = _find_refs(_prep(text))
    return refs[0][2] if refs else None


def reference_spans(text: str) -> list[tuple[int, int, str]]:
    """Formal references in `text` as (start, end, canonical id), offsets into `prepare(text)`."""
    return [(s, e, ref[0]) for s, e, ref in _find_refs(_prep(text))]


def prepare(text: str) -> str:
    """The text that reference offsets point into: normalised, Markdown escapes and emphasis removed, dashes unified."""
    return _prep(text)


def canonical_id(text: str) -> str | None:
    """Canonical form of the first reference in `text` (e.g. "57-nq/tw" -> "57-NQ/TW"), or None."""
    ref = parse_reference(text)
    return ref[0] if ref else None


def type_name(doc_type: str | None) -> str | None:
    """Vietnamese name of a type code ("NQ" -> "Nghị quyết")."""
    return TYPE_NAMES.get(doc_type) if doc_type else None


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
        refs = _find_refs(cell)
        if refs and refs[0][0] == m.end():
            return 1, refs[0][2]
    w = _TITLE_START.match(cell)
    if w:
        rest = cell[w.end() :]
        rest = _SO_LINE.sub("", rest.strip())
        refs = _find_refs(rest)
        if refs and refs[0][0] == 0:
            code = _TITLE_WORDS[w.group(1).lower()]
            tail = rest[refs[0][1] :].strip()
            if code == refs[0][2][1] and (len(tail) <= 3 or tail.lower().startswith(("ngày", "("))):
                return 2, refs[0][2]
    refs = _find_refs(cell)
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
        for _start, end, ref in _find_refs(header):
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
        for _start, end, ref in _find_refs(header):
            if ref[0] == own and (m := _ISSUER_AFTER.search(header[end : end + 120])):
                return m.group(1)
    return None


def _is_ref_only(cell: str, start: re.Match[str]) -> bool:
    rest = _SO_LINE.sub("", cell[start.end() :].strip())
    refs = _find_refs(rest)
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
    refs = _find_refs(rest)
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
    prepped = _prep(source_text)
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
