"""Document structure for `chunk`: the document walked line by line into units with breadcrumbs.

Each line is classified by `headings` (heading, paragraph line, table row). A breadcrumb stack
follows the document's levels; consecutive lines of one paragraph become one unit, a paragraph longer
than the target is cut at sentence (else clause, else word) boundaries, and a run of table rows is
one unit. The text before the first heading is the preamble; a text without any heading is one
section. Offsets point into the original (possibly NFD, Markdown) text.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from assistant.ingest.headings import NAMED_KINDS, clean_line, parse_heading, trim_label
from assistant.text.normalize import normalize_text

PREAMBLE = "Phần mở đầu"  # breadcrumb of the text before the first heading (number, date, title, opening)
WHOLE = "Toàn văn"  # breadcrumb of every chunk of a text without any recognised heading


@dataclass
class Unit:
    """A title line, a paragraph (or a piece of a long one) or a run of table rows, with its breadcrumb."""

    start: int
    end: int
    kind: str  # "title" | "para" | "table"
    path: tuple[str, ...]  # breadcrumb: the labels of the headings above
    hard: tuple[str, ...]  # the labels of those headings that start a chunk
    hard_head: bool = False  # begins with a heading that must start a chunk
    rows: list[tuple[int, int]] = field(default_factory=list)  # table rows (big tables only)


_BOUNDARIES: list[tuple[re.Pattern[str], bool]] = [  # (boundary, next letter must not be lower case)
    (re.compile(r"\n\s*"), False),
    (re.compile(r"[.!?…][\"'”’)\]*_]*\s+"), True),
    (re.compile(r"[;:]\s+"), False),
    (re.compile(r",\s+"), False),
    (re.compile(r"\s+"), False),
]


def _split_span(text: str, start: int, end: int, target: int, first: int | None = None) -> list[tuple[int, int]]:
    """Cut text[start:end] into pieces of at most `target` characters (the first at most `first`)."""
    cuts: list[int] = []
    ideal = (end - start) / math.ceil((end - start) / target)
    pos = start
    while end - pos > (first if first and not cuts else target):
        limit = first if first and not cuts else target
        lo, hi, aim = pos + int(min(ideal, limit) * 0.5), pos + limit, pos + min(ideal, limit)
        best: int | None = None
        for rx, upper_next in _BOUNDARIES:
            cands = [m.end() for m in rx.finditer(text, lo, hi) if m.end() < end and not (upper_next and text[m.end()].islower())]
            if cands:
                best = min(cands, key=lambda c: abs(c - aim))
                break
        pos = best if best is not None else hi
        cuts.append(pos)
    out: list[tuple[int, int]] = []
    for s, e in zip([start, *cuts], [*cuts, end], strict=True):
        piece = text[s:e]
        s2, e2 = s + len(piece) - len(piece.lstrip()), s + len(piece.rstrip())
        if e2 > s2:
            out.append((s2, e2))
    return out


def section_units(text: str, target: int) -> list[Unit]:
    """The units of `text` in order: titles, paragraphs (or pieces of one) and tables, each with its breadcrumb."""
    units: list[Unit] = []
    stack: list[tuple[int, str, bool]] = []
    preamble, long_seen = True, False
    para: Unit | None = None

    def paths() -> tuple[tuple[str, ...], tuple[str, ...]]:
        if preamble:
            return (PREAMBLE,), (PREAMBLE,)
        return tuple(lbl for _, lbl, _ in stack), tuple(lbl for _, lbl, h in stack if h)

    def close() -> None:
        nonlocal para
        if para is not None:
            if para.end - para.start > target:
                k = len(units)
                while k > 0 and units[k - 1].kind == "title":
                    k -= 1
                prefix = para.start - units[k].start if k < len(units) else 0
                pieces = _split_span(text, para.start, para.end, target, max(target - prefix, target // 4))
                for k, (s, e) in enumerate(pieces):
                    units.append(Unit(s, e, "para", para.path, para.hard, para.hard_head and k == 0))
            else:
                units.append(para)
        para = None

    lines: list[tuple[int, int]] = []
    pos = 0
    while pos <= len(text):
        nl = text.find("\n", pos)
        end = len(text) if nl < 0 else nl
        lines.append((pos, end))
        pos = end + 1
    i = 0
    while i < len(lines):
        s, e = lines[i]
        raw = text[s:e]
        stripped = raw.strip()
        s, e = s + len(raw) - len(raw.lstrip()), s + len(raw.rstrip())
        if not stripped:
            close()
            i += 1
            continue
        if stripped.startswith("|"):
            close()
            j = i
            while j < len(lines) and text[lines[j][0] : lines[j][1]].strip().startswith("|"):
                j += 1
            rows = [(a + len(text[a:b]) - len(text[a:b].lstrip()), a + len(text[a:b].rstrip())) for a, b in lines[i:j]]
            big = rows[-1][1] - rows[0][0] > target
            path, hard = paths()
            units.append(Unit(rows[0][0], rows[-1][1], "table" if big else "para", path, hard, rows=rows))
            i = j
            continue
        head = parse_heading(normalize_text(raw))
        if head is not None and preamble:
            if (head.kind == "md" and not long_seen) or head.kind == "noinhan":
                head = None
            else:
                preamble = False
        if head is not None and head.kind in NAMED_KINDS and head.title and len(head.label) <= 20:
            j = i + 1
            while j < len(lines) and not text[lines[j][0] : lines[j][1]].strip():
                j += 1
            if j < len(lines) and j - i <= 2:
                nxt = text[lines[j][0] : lines[j][1]]
                name = clean_line(normalize_text(nxt))[0]
                named = name == name.upper() and any(c.isalpha() for c in name) and len(name) <= 160
                if named and parse_heading(normalize_text(nxt)) is None:
                    head.label = trim_label(f"{head.label} {name}")
                    e = lines[j][0] + len(nxt.rstrip())
                    i = j
        if head is None:
            if len(stripped) >= 200 and not stripped.startswith("#"):
                long_seen = True
            if para is not None:
                para.end = e
            else:
                para = Unit(s, e, "para", *paths())
        else:
            close()
            while stack and (stack[-1][0] >= head.rank or head.kind == "noinhan"):
                stack.pop()
            if not stack:
                head.hard = True  # top-level items never share a chunk (its breadcrumb would be empty)
            stack.append((head.rank, head.label, head.hard))
            path, hard = paths()
            if head.title:
                units.append(Unit(s, e, "title", path, hard, hard_head=True))
            else:
                para = Unit(s, e, "para", path, hard, hard_head=head.hard)
        i += 1
    close()
    if preamble:  # no structure at all: the whole text is one section, not an opening
        for u in units:
            u.path = u.hard = (WHOLE,)
    return units
