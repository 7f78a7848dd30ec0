"""Structure-aware chunking (stage `chunk`).

Headings are recognised line by line on normalised text (Markdown `#` headings, Party-document
parts "I-", "A-", items "1.", "2.1-", "a)", "(1)", law structure "Phần thứ", "Chương", "Mục", "Điều",
appendices "PHỤ LỤC"). A breadcrumb stack follows the document's levels. Consecutive paragraphs of
one section are packed up to `target_chars`; a title heading always starts a new chunk, so no chunk
spans two sections. Offsets point into the original (possibly NFD, Markdown) text.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from assistant.normalize import normalize_text
from assistant.types import Chunk

PREAMBLE = "Phần mở đầu"  # breadcrumb of the text before the first heading (number, date, title, opening)
WHOLE = "Toàn văn"  # breadcrumb of every chunk of a text without any recognised heading
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
_NAMED = {"phuluc", "phan", "chuong", "muc"}  # "Chương I" may carry its name on the next line
_SOFT = {"num", "num2", "letter", "paren"}  # inline items of these kinds may share a chunk
_MD_HEADING = re.compile(r"^(#{1,6})\s+")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_BULLET = re.compile(r"^(?:[-+•]|\*(?=\s))\s+")
_DASHES = re.compile("[\u2010-\u2014\u2212]")
_TABLE_SEP = re.compile(r"^\|?[\s:|\-]+$")


@dataclass
class _Head:
    kind: str
    rank: int
    label: str
    title: bool  # a heading line of its own (else: the line is also the item's content)
    hard: bool  # starts a new chunk


@dataclass
class _Unit:
    start: int
    end: int
    kind: str  # "title" | "para" | "table"
    path: tuple[str, ...]
    hard: tuple[str, ...]
    hard_head: bool = False  # begins with a heading that must start a chunk
    rows: list[tuple[int, int]] = field(default_factory=list)  # table rows (big tables only)


@dataclass
class _Group:
    start: int
    end: int
    breadcrumb: tuple[str, ...]
    hard: tuple[str, ...]
    text: str | None = None  # set for table chunks whose text is not a plain slice
    mergeable: bool = False  # may merge into the previous group when tiny
    heading_only: bool = False


def _clean(line: str) -> tuple[str, int, float]:
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


def _heading(norm_line: str) -> _Head | None:
    s, level, bold = _clean(norm_line)
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
    return _Head(kind, rank, label, title, title or kind not in _SOFT)


def title_label(line: str) -> str | None:
    """The heading label when `line` is a heading line of its own (not an item that carries content), else None."""
    head = _heading(normalize_text(line))
    return head.label if head is not None and head.title else None


def _table_section(row: str) -> str | None:
    """Label of a table row that opens a section ("| **I** | **Đến năm 2030** | | |"), else None."""
    cells = [re.sub(r"\s+", " ", c.replace("*", "")).strip() for c in row.strip().strip("|").split("|")]
    if len(cells) < 2 or not re.fullmatch(r"[IVX]{1,6}\.?", cells[0]) or not cells[1]:
        return None
    if any(c for c in cells[2:]):
        return None
    return trim_label(f"{cells[0].rstrip('.')}. {cells[1]}")


def _common(paths: list[tuple[str, ...]]) -> tuple[str, ...]:
    out = paths[0]
    for p in paths[1:]:
        n = 0
        while n < min(len(out), len(p)) and out[n] == p[n]:
            n += 1
        out = out[:n]
    return out


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


def _units(text: str, target: int) -> list[_Unit]:
    units: list[_Unit] = []
    stack: list[tuple[int, str, bool]] = []
    preamble, long_seen = True, False
    para: _Unit | None = None

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
                    units.append(_Unit(s, e, "para", para.path, para.hard, para.hard_head and k == 0))
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
            units.append(_Unit(rows[0][0], rows[-1][1], "table" if big else "para", path, hard, rows=rows))
            i = j
            continue
        head = _heading(normalize_text(raw))
        if head is not None and preamble:
            if (head.kind == "md" and not long_seen) or head.kind == "noinhan":
                head = None
            else:
                preamble = False
        if head is not None and head.kind in _NAMED and head.title and len(head.label) <= 20:
            j = i + 1
            while j < len(lines) and not text[lines[j][0] : lines[j][1]].strip():
                j += 1
            if j < len(lines) and j - i <= 2:
                nxt = text[lines[j][0] : lines[j][1]]
                name = _clean(normalize_text(nxt))[0]
                named = name == name.upper() and any(c.isalpha() for c in name) and len(name) <= 160
                if named and _heading(normalize_text(nxt)) is None:
                    head.label = trim_label(f"{head.label} {name}")
                    e = lines[j][0] + len(nxt.rstrip())
                    i = j
        if head is None:
            if len(stripped) >= 200 and not stripped.startswith("#"):
                long_seen = True
            if para is not None:
                para.end = e
            else:
                para = _Unit(s, e, "para", *paths())
        else:
            close()
            while stack and (stack[-1][0] >= head.rank or head.kind == "noinhan"):
                stack.pop()
            if not stack:
                head.hard = True  # top-level items never share a chunk (its breadcrumb would be empty)
            stack.append((head.rank, head.label, head.hard))
            path, hard = paths()
            if head.title:
                units.append(_Unit(s, e, "title", path, hard, hard_head=True))
            else:
                para = _Unit(s, e, "para", path, hard, hard_head=head.hard)
        i += 1
    close()
    if preamble:  # no structure at all: the whole text is one section, not an opening
        for u in units:
            u.path = u.hard = (WHOLE,)
    return units


def _table_groups(text: str, unit: _Unit, prefix: list[_Unit], target: int) -> list[_Group]:
    """Chunks of a long table: rows are never split; later chunks repeat the header rows."""
    rows = unit.rows
    n_head = 2 if len(rows) > 1 and _TABLE_SEP.match(text[rows[1][0] : rows[1][1]]) else 1
    header = text[rows[0][0] : rows[n_head - 1][1]]
    header = re.sub(r"-{4,}", "---", re.sub(r"[ \t]{2,}", " ", header))  # repeated: padding adds nothing
    budget = max(target - len(header), target // 2)
    groups: list[_Group] = []
    path = unit.path
    cur: list[tuple[int, int]] = []
    cur_path = path

    def flush() -> None:
        if not cur:
            return
        if not groups:  # the first chunk holds the header itself: a plain slice
            start = prefix[0].start if prefix else rows[0][0]
            groups.append(_Group(start, cur[-1][1], cur_path, cur_path))
        else:
            body = text[cur[0][0] : cur[-1][1]]
            groups.append(_Group(cur[0][0], cur[-1][1], cur_path, cur_path, text=f"{header}\n{body}"))
        cur.clear()

    for r in rows[n_head:] or rows[n_head - 1 : n_head]:
        label = _table_section(text[r[0] : r[1]])
        if label is not None:
            flush()
            path = (*unit.path, label)
        elif cur and r[1] - cur[0][0] > budget:
            flush()
        if not cur:
            cur_path = path
        cur.append(r)
    flush()
    return groups


def _group(units: list[_Unit]) -> _Group:
    content = [u.path for u in units if u.kind != "title"]
    crumb = _common(content) if content else units[-1].path
    first = units[0]
    return _Group(first.start, units[-1].end, crumb, first.hard, mergeable=not first.hard_head, heading_only=not content)


def chunk_document(text: str, doc_id: str, *, target_chars: int = 1200) -> list[Chunk]:
    """Split `text` (the original source text) into structure-aware chunks of about `target_chars`.

    Every chunk's `text` is `text[start:end]`, except later chunks of a long Markdown table, whose
    text is the table's header rows followed by the rows they cover.
    """
    target = max(200, target_chars)
    groups: list[_Group] = []
    cur: list[_Unit] = []

    def flush() -> None:
        if cur:
            groups.append(_group(cur))
            cur.clear()

    for u in _units(text, target):
        if u.kind == "table":
            prefix = cur[:] if cur and all(x.kind == "title" for x in cur) else []
            if prefix:
                cur.clear()
            flush()
            groups.extend(_table_groups(text, u, prefix, target))
            continue
        if cur:
            if all(x.kind == "title" for x in cur):
                if u.path[: len(cur[-1].path)] != cur[-1].path:
                    flush()
            elif u.kind == "title" or u.hard != cur[-1].hard or u.end - cur[0].start > target:
                flush()
        cur.append(u)
    flush()

    merged: list[_Group] = []
    for g in groups:
        prev = merged[-1] if merged else None
        last_heading = g is groups[-1] and g.heading_only  # a heading with nothing after it
        if (
            prev is not None
            and (g.mergeable or last_heading)
            and g.text is None
            and prev.text is None
            and g.end - g.start < target // 4
            and g.end - prev.start <= target * 3 // 2
            and (prev.hard[:1] == g.hard[:1] or last_heading)
        ):
            crumb, hard = (
                (prev.breadcrumb, prev.hard)
                if last_heading
                else (_common([prev.breadcrumb, g.breadcrumb]), _common([prev.hard, g.hard]))
            )
            merged[-1] = _Group(prev.start, g.end, crumb, hard, mergeable=prev.mergeable)
        else:
            merged.append(g)

    chunks: list[Chunk] = []
    for g in merged:
        body = g.text if g.text is not None else text[g.start : g.end]
        if not any(c.isalpha() for c in body):
            continue
        chunks.append(Chunk(doc_id, len(chunks), body, g.breadcrumb, g.start, g.end))
    return chunks
