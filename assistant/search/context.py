"""Context around a hit: a passage that cuts an item in two is joined with the neighbour holding the rest.

Chunking packs whole paragraphs and list items, and splits one only when it alone exceeds the chunk
size. Two consecutive passages of one section cut an item when no line break separates them in the
source. A hit on either half then carries both, so the answerer (and the user) sees the whole item.
The hit's section heading travels in its breadcrumb.
"""

from __future__ import annotations

from dataclasses import replace

from assistant.search.catalog import Catalog
from assistant.types import Chunk, Hit


def _cuts_item(first: Chunk, second: Chunk, catalog: Catalog) -> bool:
    if first.breadcrumb != second.breadcrumb or second.ordinal != first.ordinal + 1:
        return False
    if not 0 <= first.end <= second.start:
        return False
    return "\n" not in catalog.text_between(first.doc_id, first.end, second.start)


def _joined(first: Chunk, second: Chunk, keep: Chunk) -> Chunk:
    """One passage over both halves, under the id of the passage that was hit."""
    return replace(keep, text=f"{first.text} {second.text}", start=first.start, end=second.end)


def with_neighbours(hits: list[Hit], catalog: Catalog, max_chars: int = 4000) -> list[Hit]:
    """The hits, each joined with the previous or next passage of its document where an item was cut."""
    wanted = [replace(h.chunk, ordinal=h.chunk.ordinal + d).chunk_id for h in hits for d in (-1, 1)]
    rows = catalog.chunk_rows(wanted)  # one read for every neighbour, not every passage of each document
    out: list[Hit] = []
    for hit in hits:
        chunk = hit.chunk
        prev = rows.get(replace(chunk, ordinal=chunk.ordinal - 1).chunk_id, (None, ""))[0]
        nxt = rows.get(replace(chunk, ordinal=chunk.ordinal + 1).chunk_id, (None, ""))[0]
        if nxt is not None and _cuts_item(chunk, nxt, catalog) and len(chunk.text) + len(nxt.text) <= max_chars:
            chunk = _joined(chunk, nxt, chunk)
        if prev is not None and _cuts_item(prev, hit.chunk, catalog) and len(prev.text) + len(chunk.text) <= max_chars:
            chunk = _joined(prev, chunk, chunk)
        out.append(hit if chunk is hit.chunk else replace(hit, chunk=chunk))
    return out
