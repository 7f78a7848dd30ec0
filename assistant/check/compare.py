"""Deterministic comparison of a draft statement with one directive sentence.

Each value the statement commits to (percentage, number, year, date, reporting period, responsible
body) is aligned with the directive's value of the same kind whose surrounding key terms match best,
so "30% GDP kinh tế số" is compared with the digital-economy figure, not with the R&D one. Values that
align and differ are differences; values with no counterpart are unaligned (the directive does not
state them). Bodies are compared by their role in the task (`bodies`); a reporting cycle with a reporting
cycle. A statement whose position points the other way from the sentence's (`direction`) is a difference
of direction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from assistant.check.bodies import lead_role, role_class, same_role
from assistant.check.direction import adds_negation as adds_negation
from assistant.check.direction import cue_span, direction_difference
from assistant.check.direction import cue_terms as cue_terms
from assistant.check.direction import polarity as polarity
from assistant.check.mentions import Mention, mentions, same_body
from assistant.check.when import near_date, same_time
from assistant.text.normalize import fold

ALIGN = 0.5  # weighted share of a value's context terms the directive's value must share
_VALUE_KINDS = ("percent", "number", "year", "date", "period")
_KIND_NAMES = {"percent": "percentage", "number": "number", "year": "year", "date": "date", "period": "deadline", "body": "body"}
_DEADLINE = re.compile(r"hoàn thành|trước năm|chậm nhất|thời hạn|xong|hạn chót")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_TARGET_YEAR = re.compile(r"(?:đến|vào|tới|trước|chậm nhất)(?: hết)? năm$")
# a year a statement sets as a target or deadline ("đến năm 2030", "hoàn thành trong năm 2025", "trước 2027"), not
# one that dates a fact ("mục tiêu 80% năm 2025 (Quyết định …)": the year of another document's target)
_SET_YEAR = re.compile(r"(?:đến|vào|tới|trước|trong|hết|nhất|thành|xong|sau|từ|đoạn)(?: hết)? năm$|(?:đến|vào|tới|trước|hạn)$")
_AS_DEADLINE = "thời hạn"  # the unit of a date read as its year, to compare with a deadline year


@dataclass(frozen=True)
class Difference:
    """What differs: `stated` (at start:end of the prepared statement) against the directive's `directive`."""

    kind: str  # "number" | "percentage" | "year" | "deadline" | "date" | "body" | "direction"
    stated: str
    directive: str
    start: int = -1
    end: int = -1


@dataclass
class Comparison:
    statement: str  # the prepared statement text that offsets point into
    matched: int = 0
    differences: list[Difference] = field(default_factory=list)
    unaligned: list[Mention] = field(default_factory=list)  # statement figures the sentence does not state
    loose: list[Mention] = field(default_factory=list)  # its years, cycles, deadlines the sentence has, not aligned

    figures: int = 0  # percentages and numbers of the statement that the sentence states too, same or not
    agreed: set[str] = field(default_factory=set)  # kinds of value the sentence states the same ("percent", "body" …)
    differed: set[str] = field(default_factory=set)  # kinds of value it states otherwise
    principal: bool = False  # the direction differs in what is principal ("A là chủ yếu" / "B là chủ yếu")
    cue: bool = False  # the direction differs by opposite cue words in matching clauses
    strong: bool = False  # … in a statement clause that shares most of its key terms with the sentence

    @property
    def engaged(self) -> bool:
        """Whether the sentence speaks to any of the statement's values."""
        return bool(self.matched or self.differences)


def similarity(a: frozenset[str], b: frozenset[str], weights: dict[str, float] | None = None) -> float:
    """Weighted overlap of two contexts, relative to the smaller one; 0 unless they share two terms
    (or all of a one-term context)."""
    shared = a & b
    if not shared or (len(shared) < 2 and min(len(a), len(b)) > 1):
        return 0.0
    w = weights or {}

    def mass(terms: frozenset[str]) -> float:
        return sum(w.get(t, 1.0) for t in terms)

    return mass(shared) / min(mass(a), mass(b))


def _compatible(m: Mention, e: Mention) -> bool:
    if m.kind != e.kind:
        return False
    return m.kind != "number" or not (m.unit and e.unit) or m.unit == e.unit


def _kind_name(m: Mention) -> str:
    if m.kind == "year" and _DEADLINE.search(" ".join(sorted(m.context))):
        return "deadline"
    return _KIND_NAMES[m.kind]


def _values(
    comp: Comparison, stated: list[Mention], directive: list[Mention], weights: dict[str, float] | None,
    fallback: Sequence[Mention] = (),
    deadlines: bool = False,
    close: bool = False,
) -> None:  # fmt: skip
    """Align each stated value with the directive's of its kind; with none of its kind, a percentage is set against a
    target of all ("toàn quốc", `fallback`), a date against the years (`fallback`)."""
    for m in stated:
        cands = [e for e in directive if _compatible(m, e)]
        if not cands and m.kind == "percent":
            # "phủ sóng 99% dân số" against "Phủ sóng 5G toàn quốc": only a target of all about the same thing
            cands = [e for e in fallback if similarity(m.context, e.context, weights) >= ALIGN]
        elif not cands and m.kind == "date" and fallback and (_is_deadline(m) or any(map(_is_deadline, fallback))):
            m = replace(m, kind="year", value=m.value[:4], unit=_AS_DEADLINE)  # "trước 31/12/2027" vs "trong năm 2025"
            cands = list(fallback)
        if m.kind == "period" and m.role:
            cands = [e for e in cands if e.role == m.role]  # a reporting cycle against a reporting cycle only
        if not cands:
            if m.kind in ("percent", "number"):
                comp.unaligned.append(m)
            continue
        scored = sorted(((similarity(m.context, e.context, weights), e) for e in cands), key=lambda t: -t[0])
        if scored[0][0] < ALIGN and m.wide:  # a year far from its words: the whole clause ("Quỹ … thành lập trong năm 2028")
            scored = sorted(((similarity(m.wide, e.wide or e.context, weights), e) for e in cands), key=lambda t: -t[0])
        best_sim, best = scored[0]
        same = [(s, e) for s, e in scored if e.value == m.value or (m.kind == "date" and same_time(m.value, e.value))]
        figure = m.kind in ("percent", "number")
        if same and (same[0][0] >= best_sim - 0.2 or len(cands) == 1):
            twin = same[0][1]
            if figure and _conflict(m.bound, twin.bound):  # "không quá 50%" against "tối thiểu 50%"
                comp.differences.append(Difference(_kind_name(m), m.text, twin.text, m.start, m.end))
                comp.figures += 1
                comp.differed.add(m.kind)
                continue
            comp.matched += 1
            comp.figures += figure
            comp.agreed.add(m.kind)
        elif m.kind == "date" and (near := [e for e in cands if near_date(m.value, e.value)]):
            comp.differences.append(Difference("date", m.text, near[0].text, m.start, m.end))
            comp.differed.add(m.kind)
        elif best.unit == "breadcrumb" and not _TARGET_YEAR.search(m.unit):
            continue  # "ngân sách năm 2025" is not the "Đến năm 2030" of the heading
        elif m.kind == "year" and not _SET_YEAR.search(m.unit):
            continue
        elif (
            best_sim >= ALIGN
            or (m.kind == "period" and m.role and best.role == m.role)
            or (best.unit == "breadcrumb" and _TARGET_YEAR.search(m.unit) and comp.figures and not comp.unaligned)
            or (_AS_DEADLINE in (m.unit, best.unit) and len(cands) == 1 and (_is_deadline(best) or _is_deadline(m)))
            or (deadlines and m.kind == "year" and len(stated) == 1 and len(cands) == 1 and best.unit != "breadcrumb")
            or (close and m.kind in ("year", "period") and len(stated) == len(cands) == 1 and best.unit != "breadcrumb")
        ) and best.value != m.value:
            comp.differences.append(Difference(_kind_name(m), m.text, _directive_text(m, best), m.start, m.end))
            comp.figures += figure
            comp.differed.add(m.kind)
        elif figure:
            comp.unaligned.append(m)
        elif m.kind in ("year", "period") or (m.kind == "date" and _is_deadline(m)):
            comp.loose.append(m)  # a target year, cycle or deadline the sentence states otherwise or not at all


def _other_time(comp: Comparison, stated: list[Mention], directive: list[Mention]) -> None:
    """Figures of a sentence about another year ("93% … năm 2024" against a target "100% … đến năm 2025") are
    not the statement's figures stated otherwise: they become unaligned."""
    mine = {m.value for m in stated if m.kind == "year" and _SET_YEAR.search(m.unit)}
    theirs = {e.value for e in directive if e.kind == "year" and e.unit != "breadcrumb"}
    if not mine or not theirs or mine & theirs:
        return
    moved = [d for d in comp.differences if d.kind in ("percentage", "number")]
    if not moved:
        return
    comp.differences = [d for d in comp.differences if d not in moved and d.kind not in ("year", "deadline")]
    comp.differed.discard("year")
    comp.unaligned += [m for m in stated if m.kind in ("percent", "number") and any(d.start == m.start for d in moved)]
    comp.differed -= {"percent", "number"}


def _conflict(a: str, b: str) -> bool:
    """Two qualifiers of one figure that disagree: at least / at most / about; none is no conflict."""
    return bool(a and b and a != b)


def _is_deadline(m: Mention) -> bool:
    return bool(m.context & {"trước", "hạn", "chậm", "xong"}) or {"hoàn", "thành"} <= m.context or "hạn" in m.unit


def _directive_text(m: Mention, e: Mention) -> str:
    if m.kind == "period" and e.unit and not m.unit:
        return f"{e.unit} {e.text}"  # "hằng quý" -> "định kỳ 6 tháng"
    return e.text


def _bodies(comp: Comparison, stated: list[Mention], directive: list[Mention]) -> None:
    """Bodies compared by role: a body agrees when the sentence names it in the same class of role (or either
    names it without one); one in a role that the sentence gives to another body, not named in the statement,
    differs ("Ban Kinh tế Trung ương chủ trì" against "Ban Tuyên giáo Trung ương chủ trì"), and so does the
    recipient of a report."""
    for m in stated:
        cls = role_class(m.role)
        same = [e for e in directive if same_body(m.value, e.value)]
        if any(not cls or not e.role or same_role(role_class(e.role), cls) for e in same):
            comp.matched += 1
            if cls and any(same_role(role_class(e.role), cls) for e in same):
                comp.agreed.add("body")  # the same body in the same role; named without one is no agreement on it
            continue
        swapped = [
            e for e in directive if same_role(role_class(e.role), cls) and not same_body(e.value, m.value)
            and any(same_body(e.value, s.value) and s is not m and not same_role(role_class(s.role), cls) for s in stated)
        ]  # fmt: skip
        if same and swapped:  # "A chủ trì, phối hợp với B" against "B chủ trì, phối hợp với A"
            comp.differences.append(Difference("body", m.text, swapped[0].text))
            comp.differed.add("body")
            continue
        others = [s for s in stated if s is not m and role_class(s.role) not in ("recipient", "partner")]
        if not cls or not all(any(same_body(s.value, e.value) for e in directive) for s in others):
            continue  # another body of the statement is not in the sentence: it may speak of something else
        rivals = [
            e for e in directive if same_role(role_class(e.role), cls) and not any(same_body(e.value, s.value) for s in stated)
        ]  # fmt: skip
        if rivals:
            comp.differences.append(Difference("body", m.text, rivals[0].text, m.start, m.end))
            comp.differed.add("body")


def heading_bodies(heading: str, sentence: str) -> list[Mention]:
    """The bodies of a heading line above a list of duties ("Ban cán sự đảng Chính phủ:"), for an item of that
    list that begins with its task verb ("- Chủ trì …"): the first takes the item's role."""
    role = lead_role(sentence)
    found = [m for m in mentions(heading)[1] if m.kind == "body"] if heading else []
    if not found or not role:
        return []
    first = found[0]
    return [Mention("body", first.value, first.text, -1, -1, first.context, role=role)]


def compare(
    statement: str, sentence: str, breadcrumb: str = "", weights: dict[str, float] | None = None, heading: str = "",
    *, close: bool = False,
) -> Comparison:  # fmt: skip
    """Compare a statement's values, bodies and direction with one directive sentence (and its breadcrumb's years;
    `heading`: the line above a list item that names the body whose duties the list gives; `close`: the sentence
    covers the statement well, so its one year or cycle is the statement's)."""
    s_text, stated = mentions(statement)
    e_text, directive = mentions(sentence)
    if not any(e.kind == "body" and e.role for e in directive):
        directive += heading_bodies(heading, e_text)
    comp = Comparison(s_text)
    sentence_terms = frozenset().union(*(e.context for e in directive)) if directive else frozenset()
    for y in _YEAR.findall(breadcrumb):  # "II- MỤC TIÊU › 1. Đến năm 2030" governs the whole sentence
        if not any(e.kind == "year" for e in directive):
            directive.append(Mention("year", y, y, -1, -1, sentence_terms | frozenset(_words(sentence)), unit="breadcrumb"))
    if not any(e.kind == "year" for e in directive):  # a task's deadline given as a date ("Quý IV/2026")
        directive += [replace(e, kind="year", value=e.value[:4], unit=_AS_DEADLINE) for e in directive if e.kind == "date"]
    # both give one deadline ("hoàn thành … trước năm 2027" / "cơ bản hoàn thành trong năm 2025"): the years compare
    deadlines = bool(_DEADLINE.search(fold(s_text)) and _DEADLINE.search(fold(e_text)))
    for kind in _VALUE_KINDS:
        fallback = [e for e in directive if e.kind == {"percent": "all", "date": "year"}.get(kind, "")]
        mine, theirs = [m for m in stated if m.kind == kind], [e for e in directive if e.kind == kind]
        _values(comp, mine, theirs, weights, fallback, deadlines, close)
    _bodies(comp, [m for m in stated if m.kind == "body"], [e for e in directive if e.kind == "body"])
    _other_time(comp, stated, directive)
    turned = direction_difference(s_text, e_text)
    if turned is not None:
        at = fold(s_text).find(turned.stated) if turned.stated else -1
        end = at + len(turned.stated) if at >= 0 else -1
        comp.differences.append(Difference("direction", turned.stated, turned.directive, at, end))
        comp.principal, comp.cue, comp.strong = turned.principal, turned.cue, turned.strong
    return comp


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[\wà-ỹ]+", fold(text)) if len(w) > 1 and not w.isdigit()]


def rewrite(comp: Comparison, sentence: str = "") -> str | None:
    """The statement with each differing value replaced by the directive's, or its direction cues replaced by
    the sentence's ("hạn chế" -> "cho phép và khuyến khích"); None when there is nothing to replace."""
    diffs = [d for d in comp.differences if d.start >= 0]
    if any(d.kind == "direction" for d in diffs):
        mine, theirs = cue_span(comp.statement), cue_span(sentence)
        if mine is None or theirs is None:
            return None
        cue = theirs[2] if mine[0] == 0 else theirs[2][:1].lower() + theirs[2][1:]
        return comp.statement[: mine[0]] + cue + comp.statement[mine[1] :]
    if not diffs:
        return None
    text = comp.statement
    for d in sorted(diffs, key=lambda d: -d.start):
        text = text[: d.start] + d.directive + text[d.end :]
    return text
