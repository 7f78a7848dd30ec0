"""Structure-aware chunking (stage `chunk`): a document's section units packed into passages.

Headings are recognised line by line (`headings`: Markdown `#` headings, Party-document parts
"I-", "A-", items "1.", "2.1-", "a)", "(1)", law structure "Phần thứ", "Chương", "Mục", "Điều",
appendices "PHỤ LỤC") and the document is walked into units with breadcrumbs (`sections`). Here
consecutive paragraphs of one section are packed up to `target_chars`; a title heading always starts
a new chunk, so no chunk spans two sections; a long table is cut between rows, each later piece with
the table's header. Offsets point into the original (possibly NFD, Markdown) text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.ingest.headings import table_section_label
from assistant.ingest.sections import Unit, section_units
from assistant.types import Chunk

_TABLE_SEP = re.compile(r"^\|?[\s:|\-]+$")


@dataclass
class _Group:
    start: int
    end: int
    breadcrumb: tuple[str, ...]
    hard: tuple[str, ...]
    text: str | None = None  # set for table chunks whose text is not a plain slice
    mergeable: bool = False  # may merge into the previous group when tiny
    heading_only: bool = False


def _common(paths: list[tuple[str, ...]]) -> tuple[str, ...]:
    out = paths[0]
    for p in paths[1:]:
        n = 0
        while n < min(len(out), len(p)) and out[n] == p[n]:
            n += 1
        out = out[:n]
    return out


def _table_groups(text: str, unit: Unit, prefix: list[Unit], target: int) -> list[_Group]:
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
        label = table_section_label(text[r[0] : r[1]])
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


def _group(units: list[Unit]) -> _Group:
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
    cur: list[Unit] = []

    def flush() -> None:
        if cur:
            groups.append(_group(cur))
            cur.clear()

    for u in section_units(text, target):
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
