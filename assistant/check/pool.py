"""The sentences a statement is compared with: the whole of each named directive (a directive is a few dozen
passages), not only the passages retrieval ranked first, so a changed figure is found wherever it is stated.

Each sentence keeps the heading that governs it: a line ending in ":" above it in its passage ("Ban cán sự
đảng Chính phủ:" above a list of duties) or the last breadcrumb part, so a list item that begins with its task
verb is read with its body. Sentences end at ".", "!", "?", "…" before a capital, at ";" or ":" before a capital
and at line ends; a clause after ";" that starts with a figure ("; 6 tháng một lần báo cáo …") stays with its
sentence.

Sentences are scored by IDF-weighted coverage of the statement's key terms, on wording normalised by
`wording.Wording` (the directive's abbreviations, synonyms); a sentence with any direction cue counts the
statement's cue words as shared, so "hạn chế X" and "khuyến khích X" cover each other.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.check import tables
from assistant.check.direction import CUE
from assistant.check.wording import Wording, abbreviations
from assistant.search.catalog import Catalog
from assistant.text.normalize import fold
from assistant.text.terms import tokenize
from assistant.types import Chunk, DocMeta, Hit

_ENDS = re.compile(r"(?<=[.!?…;:])\s+(?=[\"“(\[*]?(\w))")
_HEADING_LINE = re.compile(r"^\W*(.{3,160}?):\W*$")


@dataclass(frozen=True)
class Sentence:
    hit_index: int  # index of its passage in the pool
    text: str  # a substring of the passage text
    heading: str  # the heading line or breadcrumb part that governs it ("" when none)
    reading: str  # what is compared: the text, or a table row read by its column headers
    tokens: frozenset[str]  # normalised syllables of the breadcrumb and the sentence
    cued: bool  # whether it carries a direction cue


@dataclass(frozen=True)
class Scored:
    sentence: Sentence
    score: float


def split(text: str) -> list[tuple[str, str, str]]:
    """(sentence, heading line above it in the passage, its reading) for each sentence of a passage: a table row
    is one sentence, read by its column headers (`tables`)."""
    out: list[tuple[str, str, str]] = []
    heading = ""
    header: list[str] | None = None
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped:
            continue
        if tables.is_row(stripped):
            if tables.is_rule(stripped):
                continue
            if header is None:
                header = tables.cells(stripped)
                continue
            row = tables.cells(stripped)
            if any(ch.islower() for ch in stripped):
                out.append((stripped, heading, tables.reading(header, row)))
            continue
        header = None
        for p in _sentences(stripped):
            if sum(ch.isalpha() for ch in p) >= 3 and any(ch.islower() for ch in p):  # not a heading in capitals
                out.append((p, heading, p))
        if _HEADING_LINE.match(stripped):
            heading = stripped
    return out


def _sentences(line: str) -> list[str]:
    """A line's sentences: a break after ".", "!", "?", "…", ";" or ":" only before a capital letter (a character
    range such as À-Ỹ holds lower-case letters too, which cut "…; định kỳ 6 tháng báo cáo" off its sentence)."""
    out, start = [], 0
    for m in _ENDS.finditer(line):
        if m.group(1).isupper():
            out.append(line[start : m.start()].strip())
            start = m.end()
    out.append(line[start:].strip())
    return [p for p in out if p]


class Pool:
    """The sentences of `hits`, tokenised with `wording` (tokens kept on it, by breadcrumb and sentence, for the
    next statement checked against the same directives)."""

    def __init__(self, hits: list[Hit], wording: Wording) -> None:
        cache = wording.tokens
        self.hits = hits
        self.wording = wording
        self.sentences: list[Sentence] = []
        seen: set[str] = set()
        for i, hit in enumerate(hits):
            crumb = hit.chunk.breadcrumb_text
            last = hit.chunk.breadcrumb[-1] if hit.chunk.breadcrumb else ""
            for text, heading, read in split(hit.chunk.text):
                key = fold(text)
                if key in seen:
                    continue
                seen.add(key)
                toks = cache.get((crumb, text))
                if toks is None:
                    toks = cache[(crumb, text)] = frozenset(tokenize(wording.canon(crumb + " " + text)))
                self.sentences.append(Sentence(i, text, heading or last, read, toks, bool(CUE.search(key))))

    @property
    def text(self) -> str:
        """All the sentences, one per line (where a statement's abbreviations are looked up)."""
        return "\n".join(s.text for s in self.sentences)

    def rank(self, terms: set[str], weights: dict[str, float], figures: set[str], cues: set[str]) -> list[Scored]:
        """Sentences by weighted coverage of `terms`; the statement's figures found add a little (the same year or
        value among equals); retrieval's order breaks ties."""
        total = sum(weights.get(t, 1.0) for t in terms)
        out = []
        for s in self.sentences:
            toks = s.tokens | cues if s.cued else s.tokens
            cov = sum(weights.get(t, 1.0) for t in terms & toks) / total if total else 0.0
            bonus = 0.05 * len(figures & s.tokens) / len(figures) if figures else 0.0
            out.append(Scored(s, cov + bonus - 0.001 * s.hit_index))
        return sorted(out, key=lambda x: -x.score)


class Directives:
    """What a checker reads once per directive and keeps while the index is unchanged (the catalog's generation):
    each directive's passages and its abbreviations (with the tokens of sentences already scored)."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._generation = -1
        self._chunks: dict[str, list[Chunk]] = {}
        self._wordings: dict[tuple[str, ...], Wording] = {}

    def _fresh(self) -> None:
        if self._catalog.generation != self._generation:
            self._generation = self._catalog.generation
            self._chunks.clear()
            self._wordings.clear()

    def passages(self, doc_ids: Sequence[str], docs: dict[str, DocMeta], exclude: set[str], first: list[Hit]) -> list[Hit]:
        """Every passage of the named directives not in `first` (none without names), in document order."""
        if not doc_ids:
            return []
        self._fresh()
        have = {h.chunk.chunk_id for h in first}
        out: list[Hit] = []
        for key, meta in sorted(docs.items()):
            if meta.doc_id not in doc_ids or meta.doc_id in exclude:
                continue
            if key not in self._chunks:
                self._chunks[key] = self._catalog.doc_chunks(key)
            out += [Hit(chunk=c, meta=meta, score=0.0) for c in self._chunks[key] if c.chunk_id not in have]
        return out

    def wording(self, doc_ids: Sequence[str], docs: dict[str, DocMeta]) -> Wording:
        """The named directives' abbreviations (read from their text) and the common ones."""
        self._fresh()
        keys = tuple(sorted(k for k, m in docs.items() if m.doc_id in doc_ids))
        if keys not in self._wordings:
            defined: dict[str, str] = {}
            for k in keys:
                defined.update(abbreviations(self._catalog.document_text(k)))
            self._wordings[keys] = Wording(defined)
        return self._wordings[keys]
