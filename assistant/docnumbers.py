"""Document numbers: the reference numbers of Vietnamese documents, read from text.

Formal numbers as documents write them ("Số 57-NQ/TW", "Số: 03/NQ-CP", "124/2020/NĐ-CP",
"3260-KH/ĐĐQH15", law numbers "59/2020/QH14") are parsed into a canonical id, type, number and
issuer on `prepare`d text (normalised, Markdown noise removed); `docmeta` reads a document's own
number with them, `relations` and `check` the numbers a text cites.
"""

from __future__ import annotations

import re

from assistant.normalize import normalize_text

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
_DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2212]")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")


def prepare(text: str) -> str:
    """The text that reference offsets point into: normalised, Markdown escapes and emphasis removed,
    dashes, spaces and Đ unified."""
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


def formal_references(prepped: str) -> list[tuple[int, int, tuple[str, str, str, str]]]:
    """All references in `prepare`d text as (start, end, (canonical_id, doc_type, number, issuer_code)),
    in order, without overlaps."""
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
    refs = formal_references(prepare(text))
    return refs[0][2] if refs else None


def reference_spans(text: str) -> list[tuple[int, int, str]]:
    """Formal references in `text` as (start, end, canonical id), offsets into `prepare(text)`."""
    return [(s, e, ref[0]) for s, e, ref in formal_references(prepare(text))]


def canonical_id(text: str) -> str | None:
    """Canonical form of the first reference in `text` (e.g. "57-nq/tw" -> "57-NQ/TW"), or None."""
    ref = parse_reference(text)
    return ref[0] if ref else None


def type_name(doc_type: str | None) -> str | None:
    """Vietnamese name of a type code ("NQ" -> "Nghị quyết")."""
    return TYPE_NAMES.get(doc_type) if doc_type else None
