"""The rules' verdict on one statement from its comparisons with the best directive sentences.

- A value of the same kind stated otherwise (figure, year, date, period, body in its role) is a contradiction,
  unless another sentence states the same values of those kinds; a reversed direction is one when the sentence
  covers the statement well and no sentence agrees.
- Agreement: no difference, no figure the sentence leaves unstated, no added negation, the statement's named
  objects (bodies, acronyms, law names) all in the sentence or its heading, and enough support: the sentence's
  coverage of the statement's key terms plus a little for every agreeing value (figure, period, date, year, body).
- A figure that no sentence of the whole directive states makes the statement not covered; so does too little
  shared wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.check.compare import Comparison
from assistant.check.direction import adds_negation
from assistant.check.mentions import mentions, same_body
from assistant.check.pool import Pool, Scored
from assistant.check.results import Verdict
from assistant.check.wording import Wording
from assistant.text.normalize import fold

_ACRONYM = re.compile(r"(?<![\wÀ-ỹ&/-])([A-ZĐ0-9][A-Za-zĐ0-9&]*[A-ZĐ0-9])(?![\wÀ-ỹ&/-])")
_LAW_NAME = re.compile(r"(?<![\wÀ-ỹ])(?:Luật|Quỹ|Đề án|Chương trình|Trung tâm)\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*(?:\s+[\wÀ-ỹ]+){0,4}")
_NAME_END = frozenset(
    ["ngay", "trong", "năm", "và", "của", "để", "được", "đã", "với", "theo", "tại", "vào", "cho", "là", "sẽ", "do", "thì", "nhằm"]
)
_NOT_NAMES = frozenset({"gdp", "grdp", "tw", "nq", "kl", "ct", "qđ", "cp", "ttg", "ubtvqh", "vpđu"})
AGREE_BONUS = 0.07  # support each agreeing value adds to a sentence's coverage


@dataclass(frozen=True)
class Thresholds:
    min_coverage: float
    consistent: float
    direction: float
    wording_only: float  # coverage that makes a sentence with no agreeing value consistent (higher with a model)


def _is_acronym(token: str) -> bool:
    """ "GII", "IoT", "5G", "R&D"; not a number or a capitalised word."""
    upper = sum(c.isupper() for c in token)
    return upper >= 2 or (upper == 1 and any(c.isdigit() for c in token) and len(token) <= 4)


def named_objects(statement: str, wording: Wording | None = None) -> list[str]:
    """What the statement names and a directive must name too for it to agree: bodies, acronyms ("GII", "5G";
    not the abbreviations `wording` writes out), names of laws, funds, programmes ("Luật Trí tuệ nhân tạo");
    folded."""
    text, found = mentions(statement)
    w = wording or Wording()
    names = [m.value for m in found if m.kind == "body"]
    acronyms = [a for a in (m.group(1) for m in _ACRONYM.finditer(text)) if _is_acronym(a)]
    names += [fold(a) for a in acronyms if not w.knows(a)]
    for m in _LAW_NAME.finditer(text):
        if not m.group(0).split()[1 if not m.group(0).startswith(("Đề án", "Chương trình", "Trung tâm")) else 2][:1].isupper():
            continue  # "luật đất đai" in running text, not a law's name
        words = fold(m.group(0)).split()
        cut = next((i for i, w in enumerate(words) if i > 1 and w in _NAME_END), len(words))
        names.append(" ".join(words[:cut]))
    return [n for n in dict.fromkeys(names) if n not in _NOT_NAMES and not re.fullmatch(r"[\d\W]+", n)]


def names_present(names: list[str], s: Scored, crumb: str, wording: Wording) -> bool:
    """Whether every named object is in the sentence, its heading or breadcrumb (abbreviations written out)."""
    where = " ".join((s.sentence.text, s.sentence.heading, crumb))
    seen = fold(where) + " " + wording.canon(where)
    bodies = [m.value for m in mentions(where)[1] if m.kind == "body"]
    for n in names:
        if n in seen or wording.canon(n) in seen or any(same_body(n, b) for b in bodies):
            continue
        return False
    return True


def evidence(statement: str, ranked: list[Scored], pool: Pool, own: Wording) -> Evidence:
    """Whether each ranked sentence names the statement's named objects (`own`: its abbreviations written out)."""
    names = named_objects(statement, own)
    bodies = {m.value for m in mentions(statement)[1] if m.kind == "body"}
    things = [n for n in names if n not in bodies]
    crumbs = [pool.hits[s.sentence.hit_index].chunk.breadcrumb_text for s in ranked]
    return Evidence(
        [names_present(names, s, c, own) for s, c in zip(ranked, crumbs, strict=True)],
        [names_present(things, s, c, own) for s, c in zip(ranked, crumbs, strict=True)],
    )


def _as_good(c: Comparison, s: Scored, a: Comparison, sa: Scored) -> bool:
    return "body" not in c.differed or sa.score >= s.score - 0.05


@dataclass(frozen=True)
class Evidence:
    """Per ranked sentence: whether it names the statement's named objects (`named`), and those that are not
    bodies (`things`: acronyms, law names; a contradiction about "4G" needs a sentence about 4G)."""

    named: list[bool]
    things: list[bool]


def decide(
    statement: str,
    ranked: list[Scored],
    comps: list[Comparison],
    ev: Evidence,
    th: Thresholds,
    extra: int,
    *,
    short: bool = False,
) -> tuple[Verdict | None, int, Comparison | None]:
    """(verdict, index of the sentence it rests on, its comparison); verdict None: the rules leave it open.
    `ranked[:extra]` are the best-covering sentences, the rest sentences elsewhere in the directive that speak
    to the statement's figures. `short`: too few key terms for wording alone to make it consistent. A lead-in
    ("… phối hợp với Bộ Khoa học và Công nghệ:") states no task, so it contradicts nothing."""
    best = ranked[0].score
    principal = [(i, c) for i, c in enumerate(comps) if c.principal and ranked[i].score >= th.min_coverage - 0.1]
    if principal and not statement.rstrip().endswith(":"):  # "B là chủ yếu" against "A là chủ yếu", on shared ground
        i, c = principal[0]
        return "contradicts", i, Comparison(c.statement, c.matched, [d for d in c.differences if d.kind == "direction"])
    if best < th.min_coverage:
        return "not_covered", 0, None
    floor = max(th.min_coverage, best - 0.2)
    near = [
        (i, s, c) for i, (s, c) in enumerate(zip(ranked, comps, strict=True))
        if s.score >= floor or (i >= extra and s.score >= th.min_coverage)
    ]  # fmt: skip
    has_figures = bool(comps[0].unaligned) or any(c.figures for c in comps)
    agree = [(i, s, c) for i, s, c in near if c.matched and not c.differences and (c.figures or not has_figures)]
    lead_in = statement.rstrip().endswith(":")
    for i, s, c in [] if lead_in else near:
        if not ev.things[i]:
            continue
        values = [d for d in c.differences if d.kind != "direction"]
        direction = [d for d in c.differences if d.kind == "direction"]
        if "body" in c.differed and s.score < th.min_coverage + 0.15:
            values = [d for d in values if d.kind != "body"]  # a body swap only in a sentence about the same task
        # a sentence that states the same values of those kinds outweighs one that states them otherwise; for a
        # body, only one about the same task (as well covered): a body that holds another task does not
        if values and not any(c.differed <= a.agreed and _as_good(c, s, a, sa) for _, sa, a in agree):
            return "contradicts", i, Comparison(c.statement, c.matched, values + direction)
        # a clause turned on nearly all of its own terms needs less of the whole statement covered: a reversal
        # often adds what it puts in place ("chủ yếu cấp trực tiếp cho đề tài, hạn chế … thông qua các quỹ")
        enough = (
            s.score >= th.direction
            or ((c.principal or c.cue) and s.score >= th.min_coverage + 0.15)
            or (c.strong and s.score >= th.min_coverage + 0.1)
        )
        if direction and enough and not agree:
            return "contradicts", i, Comparison(c.statement, c.matched, direction)
    for i, s, c in near:
        if c.differences or c.unaligned or c.loose or adds_negation(statement, s.sentence.text) or not ev.named[i]:
            continue
        if has_figures and not c.figures:
            continue
        bonus = AGREE_BONUS * min(len(c.agreed), 4) if s.score >= th.min_coverage + 0.15 else 0.0
        if (c.agreed and s.score + bonus >= th.consistent) or (s.score >= th.wording_only and not short):
            return "consistent", i, c
        if c.figures >= 2 and s.score >= th.min_coverage:
            return "consistent", i, c
    if comps[0].unaligned and not any(c.figures for c in comps):
        return "not_covered", 0, None  # no sentence of the directive states such a figure
    return None, 0, None
