"""Heading recognition for `chunk`: which line of a document is a heading, of what kind and level.

Lines are read on normalised text: Markdown `#` headings, Party-document parts "I-", "A-", items
"1.", "2.1-", "a)", "(1)", law structure "Phần thứ", "Chương", "Mục", "Điều", appendices "PHỤ LỤC",
and the recipients block "Nơi nhận". A heading has a rank (lower is higher in the hierarchy), a
label for breadcrumbs, and tells whether it is a line of its own and whether it must start a chunk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.text.normalize import normalize_text

LABEL_CHARS = 80

# (kind, rank, pattern) — lower rank is higher in the hierarchy. Markdown headings without a
# pattern get rank level - 10 (so "# X" sits above everything but appendices).
_KINDS: list[tuple[str, int, re.Pattern[str]]] = [
    ("phuluc", -10, re.compile(r"^(?:PHỤ LỤC|Phụ lục)(?:\s+(?:[IVX]+|\d+)\b|\s*:|\s*$)")),
    ("phan", 0, re.compile(r"^(?:PHẦN|Phần)\s+(?:THỨ|thứ|[IVX]+\b|\d+\b)")),
    ("chuong", 1, re.compile(r"^(?:CHƯƠNG|Chương)\s+(?:[IVXLC]+|\d+)(?:\s*[.:]|\s|$)")),
    ("muc", 2, re.compile(r"^(?:MỤC|Mục)\s+(?:[IVX]+|\d+)(?:\s*[.:]|\s|$)")),
    ("dieu", 5, re.compile(r"^(?:ĐIỀU|Điều)\s+\d+[a-zđ]?\s*(?:[.:]|$)")),
    ("roman", 4, re.compile(r"^[IVX]{1,6}\s*[.\-:)](?=\s|$)")),
    ("alpha", 3, re.compile(r"^[A-H]\s*[.\-)](?=\s|$)")),
    ("num2", 7, re.compile(r"^\d{1,2}(?:\.\d{1,2})+\s*[.\-)]?(?=\s|$)")),
    ("num", 6, re.compile(r"^\d{1,3}\s*[.\-)](?=\s|$)")),
    ("letter", 8, re.compile(r"^[a-zđ]\s*\)(?=\s|$)|^[a-zđ]\s*-(?=\s)")),
    ("paren", 9, re.compile(r"^\((?:\d{1,2}|[a-zđ])\)(?=\s|$)")),
    ("noinhan", 100, re.compile(r"^Nơi nhận\s*:?$", re.IGNORECASE)),  # recipients/signature block
]
NAMED_KINDS = {"phuluc", "phan", "chuong", "muc"}  # "Chương I" may carry its name on the next line
_SOFT = {"num", "num2", "letter", "paren"}  # inline items of these kinds may share a chunk
_MD_HEADING = re.compile(r"^(#{1,6})\s+")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_BULLET = re.compile(r"^(?:[-+•]|\*(?=\s))\s+")
_DASHES = re.compile("[\u2010-\u2014\u2212]")


@dataclass
class Heading:
    kind: str
    rank: int
    label: str
    title: bool  # a heading line of its own (else: the line is also the item's content)
    hard: bool  # starts a new chunk


def clean_line(line: str) -> tuple[str, int, float]:
    """(cleaned text, Markdown heading level or 0, share of letters in bold) of a normalised line."""
    s = line.strip()
    md = _MD_HEADING.match(s)
    level = len(md.group(1)) if md else 0
    if md:
        s = s[md.end() :]
    s = _BULLET.sub("", _MD_ESCAPE.sub(r"\1", s))
    parts = s.split("**")
    letters = [sum(c.isalpha() for c in p) for p in parts]
    bold = sum(letters[1::2]) / max(1, sum(letters))
    s = re.sub(r"(?<!\w)_+|_+(?!\w)", "", s.replace("*", ""))
    s = re.sub(r"[\s\u00a0]+", " ", _DASHES.sub("-", s)).strip()
    return s, level, bold


def trim_label(text: str, limit: int = LABEL_CHARS) -> str:
    """`text` cut to at most `limit` characters at a word boundary, with "…" when cut."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip(" ,;:-") + "…"


def parse_heading(norm_line: str) -> Heading | None:
    """The heading a normalised line is, or None for a line of content."""
    s, level, bold = clean_line(norm_line)
    if not s:
        return None
    kind, rank, m = next(((k, r, m) for k, r, rx in _KINDS if (m := rx.match(s))), ("", 0, None))
    if m is not None and kind in ("num", "num2"):
        rest = s[m.end() :].lstrip()
        if rest and (rest[0].islower() or rest[0].isdigit()):
            m = None
    title = bool(level) or bold >= 0.6 or (len(s) <= 120 and not s.endswith((".", ";", ",")))
    if m is None:
        if not level:
            return None
        kind, rank = "md", level - 10
    if kind == "alpha" and not title:
        return None
    label = "Nơi nhận" if kind == "noinhan" else trim_label(s)
    return Heading(kind, rank, label, title, title or kind not in _SOFT)


def title_label(line: str) -> str | None:
    """The heading label when `line` is a heading line of its own (not an item that carries content), else None."""
    head = parse_heading(normalize_text(line))
    return head.label if head is not None and head.title else None


def table_section_label(row: str) -> str | None:
    """Label of a table row that opens a section ("| **I** | **Đến năm 2030** | | |"), else None."""
    cells = [re.sub(r"\s+", " ", c.replace("*", "")).strip() for c in row.strip().strip("|").split("|")]
    if len(cells) < 2 or not re.fullmatch(r"[IVX]{1,6}\.?", cells[0]) or not cells[1]:
        return None
    if any(c for c in cells[2:]):
        return None
    return trim_label(f"{cells[0].rstrip('.')}. {cells[1]}")
