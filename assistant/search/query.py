"""Query understanding: what a question says about the documents it wants, besides their numbers.

Advisory staff often describe a document instead of citing its number: "nghị quyết của Bộ Chính
trị cuối năm 2024 về chuyển đổi số", "kết luận năm 2024 của Bộ Chính trị", "văn bản của Chính phủ
khóa XIII". `describe` reads the facets of such a description (document types, issuing bodies, the
year or the term of office in which it was issued); `matches` tells whether a document fits them.
Retrieval uses the fitting documents as a boost, never as a hard filter: the description may be
loose, and the question may also be about something else.

`expand_abbreviations` adds the long form of common policy abbreviations ("GDP", "R&D", "KH&CN",
"UBND"…) to a keyword query, and the abbreviation to a long form, so both spellings match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from assistant.text.docnumbers import DOC_NUMBER_PARTS
from assistant.text.normalize import fold

# Issuing bodies as written in questions (folded) → phrases that identify them in a document's
# header, issuer name or title (folded).
ISSUERS: dict[str, tuple[str, ...]] = {
    "bộ chính trị": ("bộ chính trị",),
    "ban bí thư": ("ban bí thư",),
    "ban chấp hành trung ương": ("ban chấp hành trung ương",),
    "hội nghị trung ương": ("ban chấp hành trung ương", "hội nghị lần thứ"),
    "trung ương đảng": ("ban chấp hành trung ương", "bộ chính trị", "ban bí thư"),
    "trung ương": ("ban chấp hành trung ương", "bộ chính trị", "ban bí thư"),
    "thủ tướng": ("thủ tướng",),
    "chính phủ": ("chính phủ",),
    "ủy ban thường vụ quốc hội": ("ủy ban thường vụ quốc hội",),
    "đảng đoàn quốc hội": ("đảng đoàn quốc hội",),
    "quốc hội": ("quốc hội",),
    "ủy ban nhân dân": ("ủy ban nhân dân", "ubnd"),
    "ubnd": ("ủy ban nhân dân", "ubnd"),
    "hội đồng nhân dân": ("hội đồng nhân dân", "hđnd"),
    "hđnd": ("hội đồng nhân dân", "hđnd"),
    "tỉnh ủy": ("tỉnh ủy",),
    "thành ủy": ("thành ủy",),
}
_ISSUER_RE = re.compile(r"(?<!\w)(" + "|".join(sorted(map(re.escape, ISSUERS), key=len, reverse=True)) + r")(?!\w)")

# Type words that describe a document (not verbs: "quy định", "hướng dẫn", "báo cáo" are left out,
# they are too often the action asked about).
DESCRIBED_TYPES: dict[str, str] = {
    "nghị quyết": "NQ", "kết luận": "KL", "chỉ thị": "CT", "kế hoạch": "KH", "nghị định": "NĐ",
    "thông tư": "TT", "quyết định": "QĐ", "công văn": "CV", "thông báo kết luận": "TB",
}  # fmt: skip
_TYPE_ALT = "|".join(sorted(map(re.escape, DESCRIBED_TYPES), key=len, reverse=True))
_TYPE_RE = re.compile(r"(?<!\w)(" + _TYPE_ALT + r")(?!\w)")
_DOC_WORD_RE = re.compile(r"(?<!\w)(?:văn bản|chương trình hành động|đề án|" + _TYPE_ALT + r")(?!\w)")
# "năm 2024" as the year a document was issued; "đến năm 2030", "trước năm 2025" are targets.
_YEAR_RE = re.compile(r"(?<!\w)(?:(cuối|đầu|giữa|trong|từ|đến|tới|trước|sau|vào|hết|giai đoạn)\s+)?năm\s+((?:19|20)\d\d)(?!\d)")
_TARGET_WORDS = {"đến", "tới", "trước", "sau", "vào", "hết", "giai đoạn", "từ"}
# Party congress terms (khóa) → the years they span; a document "khóa XIII" was issued then.
TERMS: dict[str, tuple[int, int]] = {
    "ix": (2001, 2006), "x": (2006, 2011), "xi": (2011, 2016), "xii": (2016, 2021), "xiii": (2021, 2026), "xiv": (2026, 2031),
}  # fmt: skip
_TERM_RE = re.compile(r"(?<!\w)khóa\s+(xiv|xiii|xii|xi|ix|x)(?!\w)")

ABBREVIATIONS: dict[str, str] = {
    "gdp": "tổng sản phẩm quốc nội",
    "grdp": "tổng sản phẩm trên địa bàn",
    "r&d": "nghiên cứu phát triển",
    "kh&cn": "khoa học và công nghệ",
    "khcn": "khoa học công nghệ",
    "đmst": "đổi mới sáng tạo",
    "cđs": "chuyển đổi số",
    "cntt": "công nghệ thông tin",
    "ubnd": "ủy ban nhân dân",
    "hđnd": "hội đồng nhân dân",
    "nsnn": "ngân sách nhà nước",
    "dnnn": "doanh nghiệp nhà nước",
    "fdi": "đầu tư trực tiếp nước ngoài",
    "bct": "bộ chính trị",
    "bch": "ban chấp hành",
    "bchtw": "ban chấp hành trung ương",
    "ođa": "hỗ trợ phát triển chính thức",
    "oda": "hỗ trợ phát triển chính thức",
}
_ABBR_RE = re.compile(r"(?<![\w&])(" + "|".join(sorted(map(re.escape, ABBREVIATIONS), key=len, reverse=True)) + r")(?![\w&])")


@dataclass(frozen=True)
class Description:
    """Facets of the documents a question describes; empty when it describes none."""

    doc_types: frozenset[str] = frozenset()
    issuers: tuple[tuple[str, ...], ...] = ()  # each: phrases, any of which identifies the body
    years: tuple[tuple[int, int], ...] = ()  # inclusive ranges of the issue year
    words: list[str] = field(default_factory=list, compare=False)  # the question's words that described

    @property
    def empty(self) -> bool:
        return not (self.doc_types or self.issuers or self.years)


def _describes_source(q: str, m: re.Match[str]) -> bool:
    """Whether an issuer mention describes the source ("nghị quyết của Bộ Chính trị", "văn bản năm 2024
    của Bộ Chính trị", "do Chính phủ ban hành") rather than an actor or a body in the question ("Chính
    phủ phải …", "cơ quan nào của Chính phủ", "thuộc trách nhiệm của Quốc hội")."""
    before = q[max(0, m.start() - 40) : m.start()]
    after = q[m.end() : m.end() + 20]
    if re.match(r"\s*(?:đã\s*)?ban hành", after) and _DOC_WORD_RE.search(q):
        return True  # "văn bản do Chính phủ ban hành", "Chính phủ ban hành nghị quyết nào"
    if not _DOC_WORD_RE.search(before):
        return False
    return bool(re.search(r"(?<!\w)(?:của|do)\s+(?:ban thường vụ\s+|thường trực\s+)?$", before) or _TYPE_RE.search(before[-25:]))


def _near_type(q: str, pos: int) -> bool:
    return bool(_DOC_WORD_RE.search(q[max(0, pos - 40) : pos]))


def describe(question: str) -> Description:
    """The document types, issuers and issue years or terms a question mentions.

    A type word counts only when the same question also names an issuer, a year or a term, so that
    "xây dựng kế hoạch" (an action) is not read as "a plan"; an issuer counts only where it is said
    to have issued something (see `_describes_source`)."""
    q = fold(question)
    issuers = [m for m in _ISSUER_RE.finditer(q) if _describes_source(q, m)]
    years: list[tuple[int, int]] = []
    words = [m.group(0) for m in issuers]
    for m in _YEAR_RE.finditer(q):
        # "cuối năm 2025, Ban Bí thư yêu cầu…" dates an event; "kết luận năm 2024" dates a document
        if (m.group(1) or "") in _TARGET_WORDS or not (issuers or _near_type(q, m.start())):
            continue
        y = int(m.group(2))
        years.append((y, y))
        words.append(m.group(0))
    for m in _TERM_RE.finditer(q):
        if issuers or _near_type(q, m.start()):
            years.append(TERMS[m.group(1)])
            words.append(m.group(0))
    types: set[str] = set()
    if issuers or years:
        for m in _TYPE_RE.finditer(q):
            types.add(DESCRIBED_TYPES[m.group(1)])
            words.append(m.group(0))
    bodies = tuple(dict.fromkeys(ISSUERS[m.group(1)] for m in issuers))
    return Description(frozenset(types), bodies, tuple(dict.fromkeys(years)), words)


# A reference to another document: a full number, which starts at no letter, digit, "-" or "/"
# (inside a longer code such as a file name "nq-57-nq-tw" it is not one), or a type word and "số".
_OTHER_REF = re.compile(
    rf"(?<![\w/-]){DOC_NUMBER_PARTS}"
    r"|(?<!\w)(?:" + _TYPE_ALT + r")\s+số\s+\d+"
)


def source_profile(own_id: str, issuer_name: str | None, title: str | None, head: str) -> str:
    """Folded text that names a document's own issuer: its issuer name, and its head up to the first
    reference to another document (so that "… thực hiện Nghị quyết 57-NQ/TW của Bộ Chính trị" in a
    government resolution's title does not make it a Politburo document)."""
    own = fold(own_id)
    own_number = re.match(r"\d+", own)

    def other(m: re.Match[str]) -> bool:
        ref = m.group(0)
        if ref[:1].isdigit():
            return ref != own and not own.startswith(ref)
        number = re.search(r"\d+$", ref)
        return not (own_number and number and int(number.group(0)) == int(own_number.group(0)))

    def upto_other(text: str) -> str:
        return text[: next((m.start() for m in _OTHER_REF.finditer(text) if other(m)), len(text))]

    return " ".join([fold(issuer_name or ""), upto_other(fold(title or "")), upto_other(fold(head))])


def matches(desc: Description, doc_type: str | None, issued: date | None, profile: str) -> bool:
    """Whether a document fits every facet of the description.

    `profile` is the folded text that names the document's issuer: its issuer name, title and the
    head of its text (where "NGHỊ QUYẾT CỦA BỘ CHÍNH TRỊ" is written)."""
    if desc.empty:
        return False
    if desc.doc_types and (doc_type or "").upper() not in desc.doc_types:
        return False
    if desc.issuers and not any(any(p in profile for p in body) for body in desc.issuers):
        return False
    return not (desc.years and (issued is None or not any(a <= issued.year <= b for a, b in desc.years)))


def expand_abbreviations(question: str) -> str:
    """The question with the long form of each abbreviation it uses appended, and vice versa."""
    q = fold(question)
    extra = [ABBREVIATIONS[m.group(1)] for m in _ABBR_RE.finditer(q)]
    extra += [abbr for abbr, long in ABBREVIATIONS.items() if long in q and "&" not in abbr]
    extra = [e for e in dict.fromkeys(extra) if e not in q]
    return question if not extra else question + " " + " ".join(extra)
