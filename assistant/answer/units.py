"""Evidence units: the sentences, list items and table rows of the best passages, scored and numbered.

The answer stage shows the model numbered units (`S1` … `Sn`) and asks it to choose, not to copy: a
citation's quote is a unit itself, verbatim by construction. Units are scored on their own, before the
model sees them, by signals that need no model:

- **coverage**: IDF-weighted share of the question's key terms in the unit, read with its passage's
  breadcrumb and the lead-in line it belongs to ("a) Đến năm 2030:" above a list of targets);
- **answer type**: a question that asks how much or when wants a unit holding a number the question does
  not give; a question that asks which body wants a unit that names a role ("chủ trì", "giao");
- **rank**: a small prior for the passage's place in the reranked list.

Units are numbered best first, so the ids carry no position of their own beyond the score order, and only
the best few are shown (within a token budget): fewer, better units for a small model.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.answer.evidence import asks_for_quantity, gives_quantity
from assistant.text.normalize import fold, plain_text
from assistant.text.terms import coverage, split_sentences
from assistant.types import Hit

# A question that asks who: the unit should name a body in a role.
_ASKS_BODY = re.compile(
    r"(?<!\w)(cơ quan nào|đơn vị nào|bộ nào|ban nào|ai|chủ thể nào|tổ chức nào|do ai|giao cho|chủ trì|cơ quan đầu mối)(?!\w)"
)
_ROLE = re.compile(
    r"(?<!\w)(chủ trì|phối hợp|giao|đầu mối|chịu trách nhiệm|trưởng ban|làm trưởng|thường trực|tham mưu|có trách nhiệm"
    r"|theo dõi|hướng dẫn|ban cán sự|đảng đoàn|bộ |ủy ban|ban chỉ đạo)(?!\w)"
)
_TABLE_SEP = re.compile(r"^\|?\s*:?-{2,}")


@dataclass(frozen=True)
class Unit:
    """One sentence, list item or table row of a retrieved passage."""

    hit_index: int  # 0-based index into the reranked hits
    text: str  # the original words, a substring of the passage text (a citation's quote)
    lead: str  # the lead-in line or table header the unit reads under ("" if none)
    score: float
    coverage: float  # coverage of the question's key terms, breadcrumb and lead-in included


def _pieces(text: str) -> list[tuple[str, str]]:
    """(unit, lead-in) pairs of a passage, in order. A line ending in ':' is a lead-in of the lines below it,
    not a unit of its own; a table's header row is the lead-in of its rows."""
    out: list[tuple[str, str]] = []
    lead = ""
    header = ""
    for line in text.split("\n"):
        s = line.strip()
        if not s:
            continue
        if s.startswith("|"):
            if _TABLE_SEP.match(s):
                continue
            if not header:
                header = s
                continue
            out.append((s, header))
            continue
        header = ""
        for sent in split_sentences(s):
            if sent.rstrip().endswith(":") and len(sent) < 200:
                lead = sent
                continue
            out.append((sent, lead))
    return out


def build_units(
    question: str,
    terms: set[str],
    hits: list[Hit],
    weights: dict[str, float] | None = None,
    *,
    passages: int = 4,
) -> list[Unit]:
    """Every unit of the first `passages` hits, scored, best first."""
    wants_number = asks_for_quantity(question)
    wants_body = bool(_ASKS_BODY.search(fold(question)))
    out: list[Unit] = []
    for hi, hit in enumerate(hits[:passages]):
        crumb = hit.chunk.breadcrumb_text
        for text, lead in _pieces(hit.chunk.text):
            if sum(ch.isalpha() for ch in text) < 12:
                continue
            cov = coverage(terms, f"{crumb} {lead} {text}", weights)
            own = coverage(terms, text, weights)
            score = 0.7 * cov + 0.3 * own - 0.03 * hi
            if wants_number:
                score += 0.15 if gives_quantity(question, [text]) else -0.4
            if wants_body and _ROLE.search(fold(text)):
                score += 0.1
            out.append(Unit(hi, text, lead, score, cov))
    out.sort(key=lambda u: -u.score)
    return out


def shown_units(units: list[Unit], *, limit: int, budget: int, count_tokens: Callable[[str], int]) -> list[Unit]:
    """The best units that fit `limit` and a token `budget` (at least two when there are two)."""
    kept: list[Unit] = []
    used = 0
    for u in units[:limit]:
        cost = count_tokens(u.text) + 4
        if kept and len(kept) >= 2 and used + cost > budget:
            break
        kept.append(u)
        used += cost
    return kept


def render_units(units: list[Unit], hits: list[Hit]) -> str:
    """Units under their document number and breadcrumb, each shown once (groups in order of their best unit),
    a lead-in line once above its units; ids S1 … Sn in score order."""
    groups: dict[tuple[str, str], dict[str, list[int]]] = {}
    for i, u in enumerate(units, 1):
        hit = hits[u.hit_index]
        groups.setdefault((hit.meta.doc_id, hit.chunk.breadcrumb_text), {}).setdefault(u.lead, []).append(i)
    lines: list[str] = []
    for (doc_id, crumb), leads in groups.items():
        lines.append(f"## {doc_id}" + (f" › {plain_text(crumb)}" if crumb else ""))
        for lead, ids in leads.items():
            if lead:
                lines.append(plain_text(lead))
            lines.extend(f"S{i}: {plain_text(units[i - 1].text)}" for i in ids)
    return "\n".join(lines)
