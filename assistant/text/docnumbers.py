"""Document numbers: the reference numbers of Vietnamese documents, read from text.

Formal numbers as documents write them ("Số 57-NQ/TW", "Số: 03/NQ-CP", "124/2020/NĐ-CP",
"3260-KH/ĐĐQH15", law numbers "59/2020/QH14") are parsed into a canonical id, type, number and
issuer on `prepare`d text (normalised, Markdown noise removed); `docmeta` reads a document's own
number with them, `relations` and `check` the numbers a text cites.

`find_refs` reads the documents a question (or a draft) names, on folded text: full numbers as
typed ("57-nq/tw", "03/NQ-CP") and short forms ("Nghị quyết 57", "NQ 57", "Kết luận số 69"), each
marked when it follows "thực hiện", "sửa đổi"… (the question is about a document related to it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.text.normalize import fold, normalize_text

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


# --- document numbers in folded text -----------------------------------------------------------
#
# Three shapes of one pattern, for lower-case (`fold`ed) text: a number, optionally "/" and a year,
# then "-" or "/" and a run of letters (the type), then more letter-and-digit groups. The letter
# runs are [a-zđ] only: type and issuer codes hold no other Vietnamese letters. Only NUMBER_TOKEN
# carries a boundary (its end); each caller of the others adds the one it needs, if any. A law number
# ("193/2025/qh15") has no type group and fits the other two not whole (`formal_references` reads it).

NUMBER_TOKEN = r"\d+(?:/\d{4})?[-/][a-zđ][a-zđ0-9]*(?:[-/][a-zđ0-9]+)*(?![a-zà-ỹđ0-9])"
"""A number joined by "-" or "/" to a code, then any number of further groups, ending at a word's end: every
document number ("57-nq/tw", "03/nq-cp", "45/2024/nđ-cp", "112/kh-ubnd"), a law number ("193/2025/qh15"), a
bare "57-nq", and a number joined to an unaccented word ("10-nam"), but not "10-n" out of "10-năm": a code that
runs into another Vietnamese letter is a word, not a code. The keyword index keeps each match as one token
(`keyword.tokenize`); an index built with an earlier form of it is rebuilt (`keyword.TOKENS_VERSION`)."""

DOC_NUMBER = r"\d+(?:/\d{4})?[-/][a-zđ]+(?:[-/][a-zđ0-9]+)+"
"""A document number: at least two groups after the number, a type and an issuer ("57-nq/tw",
"03/nq-cp", "45/2024/nđ-cp", "112/kh-ubnd", "3260-kh/đđqh15"), with any further groups; not a bare
"57-nq", "10-năm" or a law number. The evidence checks remove these before reading a text's figures
(`evidence`), so a figure joined to a word ("10-năm") still counts as a figure."""

DOC_NUMBER_PARTS = r"(\d+)(?:/(\d{4}))?([-/])([a-zđ]+)([-/])([a-zđ0-9]+(?:-[a-zđ0-9]+)*)"
"""DOC_NUMBER in groups, for reading one: number, year (or None), separator, type, separator,
issuer. The issuer's own groups are joined by "-" only ("04/ttr-bkhcn-btttt"), so the issuer ends at
a "/" after it, where DOC_NUMBER would go on ("57-nq/tw/2024": "57-nq/tw" here, all of it there).
Used by `find_refs` and by `query.source_profile`, each with its own boundary."""


# --- references in questions ------------------------------------------------------------------

TYPE_WORDS = {
    "nghị quyết": "NQ", "nq": "NQ", "kết luận": "KL", "kl": "KL", "chỉ thị": "CT", "ct": "CT",
    "quyết định": "QĐ", "quy định": "QĐ", "qđ": "QĐ", "qd": "QĐ", "kế hoạch": "KH", "kh": "KH",
    "nghị định": "NĐ", "nđ": "NĐ", "thông tư": "TT", "tt": "TT", "hướng dẫn": "HD", "hd": "HD",
    "báo cáo": "BC", "bc": "BC", "công văn": "CV", "cv": "CV", "thông báo": "TB", "tb": "TB",
}  # fmt: skip
_INFORMAL = re.compile(
    r"(?<![\w-])(" + "|".join(sorted(map(re.escape, TYPE_WORDS), key=len, reverse=True)) + r")\s*(?:số\s*)?(\d+)(?![\w/-])"
)
# A reference right after these words names the document the question's subject relates to
# ("kế hoạch … thực hiện Nghị quyết 57"), not the subject itself.
_RELATION_CONTEXT = re.compile(
    r"(thực hiện|triển khai|cụ thể hóa|quán triệt|sửa đổi|bổ sung|thay thế|bãi bỏ|hướng dẫn)\s*(?:các\s*)?"
    r"(?:(?:" + "|".join(sorted(map(re.escape, TYPE_WORDS), key=len, reverse=True)) + r")\s*(?:số\s*)?)?$"
)
_FORMAL = re.compile(rf"(?<![\w]){DOC_NUMBER_PARTS}")  # a reference starts at no letter or digit


@dataclass(frozen=True)
class DocRef:
    """A document named in a question: by its full number, or by type and number ("NQ 57")."""

    text: str  # as written in the question
    doc_type: str | None
    number: str
    canonical: str | None  # full form when written in full
    via_relation: bool = False  # named as what the asked-about document implements, continues, amends…


def find_refs(question: str) -> list[DocRef]:
    """Document references written in a question."""
    q = fold(question)
    refs: list[DocRef] = []
    spans: list[tuple[int, int]] = []
    for m in _FORMAL.finditer(q):
        number, year, s1, typ, s2, rest = m.groups()
        if s1 == "-" and s2 == "/":
            canon = f"{number}-{typ}/{rest}".upper()
            dtype = typ.upper()
        elif s1 == "/" and s2 == "-":
            canon = f"{number}/{year + '/' if year else ''}{typ}-{rest}".upper()
            dtype = typ.upper()
        else:
            continue
        refs.append(DocRef(m.group(0), dtype.replace("QD", "QĐ").replace("ND", "NĐ"), number, canon, _via(q, m.start())))
        spans.append(m.span())
    for m in _INFORMAL.finditer(q):
        if any(a <= m.start() < b for a, b in spans):
            continue
        refs.append(DocRef(m.group(0), TYPE_WORDS[m.group(1)], m.group(2), None, _via(q, m.start())))
    return refs


def _via(folded: str, start: int) -> bool:
    return bool(_RELATION_CONTEXT.search(folded[max(0, start - 40) : start]))
