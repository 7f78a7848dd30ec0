"""Split a draft into statements (sentences and list items), each with its location.

A statement keeps its section (the breadcrumb of headings above it, as `chunk` reads the document's
structure), its paragraph number (1-based, counting the draft's non-heading lines) and its offsets in
the draft's source text. Heading lines, table rule lines and the recipients/signature block are not
statements. Sentence ends are ".", "!", "?", "…" or ";" followed by a space; not the dots of
abbreviations ("TP.", "ThS.", "v.v."), initials, decimals ("1,5%", "1.000") or item numbers ("1.", "a)").
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from assistant.ingest.chunk import chunk_document
from assistant.ingest.headings import title_label
from assistant.ingest.sections import PREAMBLE
from assistant.text.normalize import fold, normalize_text

_ABBREV_WORDS = "tp tp.hcm ths ts pgs gs bs ks cn kts ls nxb tr st p q tt đ/c sđd pgs.ts gs.ts ths.bs"
_ABBREV = frozenset(_ABBREV_WORDS.split())
_END = re.compile(r"[.!?…]+[\"'”’)\]*_]*(?=\s+\S)")
_MARKER = re.compile(
    r"^(?:\s*(?:[-+•*]|#{1,6})\s+|\s*(?:\*\*|__)?\s*(?:\(?\d{1,2}(?:\.\d{1,2})*[.)\-]|\([a-zđ]\)|[a-zđ]\)|[IVX]{1,6}[.\-)]"
    r"|\(\d{1,2}\))(?:\\?\.)?\s*(?:\*\*|__)?\s+)+"
)
_NOISE = re.compile(r"\\(?=[\\`*_{}\[\]()#+\-.!|>~])|\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)")
_RULE = re.compile(r"^\s*(?:\|?[\s:|\-]+|[-*_]{3,}|\\\*)\s*$")
_MIN_WORDS = 4
_SIGNATURE = re.compile(r"(?i)^(?:nơi nhận|lưu\s*:)")
_LABEL = re.compile(r"(?i)^(?:kính gửi|v/v|số\s*:|nơi nhận|lưu\s*:|[\w\s]{2,30},\s*ngày\s+(?:\d+|\.+|…)?\s*tháng)")


@dataclass(frozen=True)
class Statement:
    n: int  # 1-based order in the draft
    text: str  # the statement as shown: Markdown noise and item markers removed, normalised
    section: str  # breadcrumb of its section ("A. BÁO CÁO … › I- CÔNG TÁC …"), "" before any heading
    paragraph: int  # 1-based number of its paragraph (line) among the draft's non-heading lines
    start: int  # offsets of the statement in the draft's source text
    end: int


# A list item that is only a document's name ("Luật Năng lượng nguyên tử (sửa đổi)", "Nghị định số 13/2023/NĐ-CP về
# bảo vệ dữ liệu cá nhân"): it begins with a document type and its name, has no sentence end and none of the words
# that make a name into a claim about it ("… đã ban hành", "… đặt mục tiêu", "… giao …"; not "quy định", a title word).
_DOC_TYPES = (
    "bộ luật|luật|pháp lệnh|nghị định|nghị quyết|thông tư|quyết định|chỉ thị|kết luận|chương trình|đề án|chiến lược"
    "|kế hoạch|quy chế"
)
# the type, then a proper name ("Luật Đất đai"), a number ("Nghị định số 13/2023/NĐ-CP") or an amending title
_NAME_START = re.compile(rf"^(?i:dự thảo\s+)?(?i:{_DOC_TYPES})\s+(?:[A-ZĐÀ-Ỹ]|(?i:số\s*)?\d|(?i:sửa đổi))")
_LAW_START = re.compile(r"^(?:Dự thảo\s+)?(?:Bộ luật|Luật|Pháp lệnh)\s+\w")  # "Luật bảo vệ dữ liệu cá nhân"
_MAX_LAW_WORDS = 12
_CLAIM_WORDING = "là có được đã sẽ đang phải cần đạt giao nêu đặt nhằm yêu khẳng nhấn xác chấp khuyến"
_CLAIM_WORDS = frozenset(_CLAIM_WORDING.split())
_MAX_NAME_WORDS = 25


def names_a_document(text: str) -> bool:
    """Whether a statement is only a document's name, as in a list of laws submitted: nothing in it to check
    (its number and date still are, and its references are still flagged)."""
    t = text.strip()
    if re.search(r"[.!?…;:]$", t):
        return False
    words = fold(t).split()
    if not _NAME_START.match(t) and not (_LAW_START.match(t) and len(words) <= _MAX_LAW_WORDS):
        return False
    return len(words) <= _MAX_NAME_WORDS and not any(w.strip(",()") in _CLAIM_WORDS for w in words[1:])


def clean(text: str) -> str:
    """Display form of a piece of Markdown: escapes and emphasis removed, whitespace collapsed, normalised."""
    return normalize_text(re.sub(r"\s+", " ", _NOISE.sub("", text)).strip())


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the "." at `dot` ends an abbreviation, an initial or a line-leading item number."""
    word = re.search(r"[\w./]*$", text[:dot])
    token = word.group(0).lower() if word else ""
    if token in _ABBREV or token.rstrip(".") in _ABBREV:
        return True
    prev = text[: dot - len(token)].split()
    if len(token) == 1 and token.isalpha() and token.upper() == text[dot - 1] and prev and prev[-1][:1].isupper():
        return True  # an initial after a name ("Nguyễn V. An"), not "quý I."
    return bool(re.fullmatch(r"\s*(?:[-+•*]\s+)?(?:\d{1,2}(?:\.\d{1,2})*|[IVX]{1,6}|[a-zđ])", text[:dot]))


def split_sentences(line: str) -> list[tuple[int, int]]:
    """Spans of the sentences of one line (paragraph or list item)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _END.finditer(line):
        if line[m.start()] == "." and _is_abbreviation(line, m.start()):
            continue
        if line[m.end() :].lstrip()[:1].islower():
            continue  # "v.v. và …": the sentence goes on
        spans.append((start, m.end()))
        start = m.end()
    spans.append((start, len(line)))
    out: list[tuple[int, int]] = []
    for s, e in spans:
        while s < e and line[s].isspace():
            s += 1
        if s >= e:
            continue
        if out and len(clean(line[s:e]).split()) < _MIN_WORDS:
            out[-1] = (out[-1][0], e)  # a short tail stays with its sentence
        else:
            out.append((s, e))
    return out


def _is_label(line: str) -> bool:
    """Header and signature lines: wholly bold or upper case, place and date, "Kính gửi", "V/v", "Số:"."""
    shown = clean(line)
    letters = [c for c in shown if c.isalpha()]
    if not letters or all(c.isupper() for c in letters):
        return True
    if re.fullmatch(r"\s*(?:[-*+]\s+)?\*\*[^*]+\*\*\s*", line):
        return True
    return bool(_LABEL.match(shown))


def _is_fragment(line: str) -> bool:
    """An address or list fragment that is no statement: ends with ",", or is wholly in parentheses."""
    shown = clean(line).lstrip("-*+• ")
    return shown.endswith(",") or (shown.startswith("(") and shown.endswith(")"))


def _lines(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.splitlines(keepends=True):
        spans.append((pos, pos + len(line.rstrip("\r\n"))))
        pos += len(line)
    return spans


def split_statements(text: str) -> list[Statement]:
    """The statements of a draft's source text (as `load.load_file` gives it), in order."""
    chunks = [c for c in chunk_document(text, "draft", target_chars=200)]
    starts = [c.start for c in chunks]
    out: list[Statement] = []
    paragraph = 0
    signature = False  # inside a recipients/signature block ("Nơi nhận:" up to the next heading)
    for lo, hi in _lines(text):
        line = text[lo:hi]
        if not line.strip() or _RULE.match(line):
            continue
        if title_label(line) is not None or line.lstrip("#* ").startswith(("---", "##")):
            signature = _SIGNATURE.match(clean(line)) is not None
            continue
        if _SIGNATURE.match(clean(line)):
            signature = True
        if signature or _is_label(line) or _is_fragment(line):
            continue
        i = bisect.bisect_right(starts, lo) - 1
        crumb = chunks[i].breadcrumb if i >= 0 else ()
        if "Nơi nhận" in crumb:
            continue
        shown_line = clean(line).lstrip("-*+• ")
        while crumb and shown_line.startswith(crumb[-1].rstrip("…")):
            crumb = crumb[:-1]  # an item that carries content is not its own section
        section = " › ".join(c for c in crumb if c != PREAMBLE)
        paragraph += 1
        if line.lstrip().startswith("|"):
            cells = [c for c in (clean(c) for c in line.strip().strip("|").split("|")) if c]
            pieces = [(lo + line.index(line.strip()), hi, " | ".join(cells))]
        else:
            pieces = []
            for s, e in split_sentences(line):
                marker = _MARKER.match(line[s:e])
                s2 = s + (marker.end() if marker else 0)
                pieces.append((lo + s2, lo + e, clean(line[s2:e])))
        for s, e, shown in pieces:
            if len(shown.split()) >= _MIN_WORDS and sum(ch.isalpha() for ch in shown) >= 10:
                out.append(Statement(len(out) + 1, shown, section, paragraph, s, e))
    return out
