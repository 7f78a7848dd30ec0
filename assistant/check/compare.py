"""Deterministic comparison of a draft statement with one directive sentence.

Each value the statement commits to (percentage, number, year, date, reporting period, responsible
body) is aligned with the directive's value of the same kind whose surrounding key terms match best,
so "30% GDP kinh tế số" is compared with the digital-economy figure, not with the R&D one. Values that
align and differ are differences; values with no counterpart are unaligned (the directive does not
state them). A statement whose cue words (hạn chế / khuyến khích …) point the other way from the
sentence's is a difference of direction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.check.mentions import Mention, mentions, same_body
from assistant.normalize import fold

ALIGN = 0.5  # weighted share of a value's context terms the directive's value must share
_VALUE_KINDS = ("percent", "number", "year", "date", "period")
_KIND_NAMES = {"percent": "percentage", "number": "number", "year": "year", "date": "date", "period": "deadline", "body": "body"}
_DEADLINE = re.compile(r"hoàn thành|trước năm|chậm nhất|thời hạn|xong")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_TARGET_YEAR = re.compile(r"(?:đến|vào|tới|trước|chậm nhất)(?: hết)? năm$")
_NEG = ("hạn chế", "siết chặt", "nghiêm cấm", "cấm", "không cho phép", "không khuyến khích", "cắt giảm", "thu hẹp",
        "tạm dừng", "dừng", "ngừng", "loại bỏ", "xóa bỏ", "bãi bỏ", "không chấp nhận", "giảm dần")  # fmt: skip
_POS = ("khuyến khích", "cho phép", "ưu đãi", "ưu tiên", "hỗ trợ", "đẩy mạnh", "tăng cường", "thúc đẩy", "mở rộng",
        "chấp nhận", "tạo điều kiện", "tạo thuận lợi")  # fmt: skip
_CUE = re.compile(r"(?<![\wà-ỹ])(" + "|".join(sorted(map(re.escape, _NEG + _POS), key=len, reverse=True)) + r")(?![\wà-ỹ])")
_NOUN_USE = re.compile(r"(còn|những|các|nhiều|một số|khắc phục|mặt|điểm|yếu kém,?)\s*$")


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

    figures: int = 0  # percentages and numbers of the statement that the sentence states too, same or not
    agreed: set[str] = field(default_factory=set)  # kinds of value the sentence states the same ("percent", "body" …)
    differed: set[str] = field(default_factory=set)  # kinds of value it states otherwise

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


def _near_date(a: str, b: str) -> bool:
    """Two full dates that agree in two of day, month and year (a changed digit, not another event)."""
    x, y = a.split("-"), b.split("-")
    return len(x) == len(y) == 3 and sum(p == q for p, q in zip(x, y, strict=True)) == 2


def _kind_name(m: Mention) -> str:
    if m.kind == "year" and _DEADLINE.search(" ".join(sorted(m.context))):
        return "deadline"
    return _KIND_NAMES[m.kind]


def _values(comp: Comparison, stated: list[Mention], directive: list[Mention], weights: dict[str, float] | None) -> None:
    for m in stated:
        cands = [e for e in directive if _compatible(m, e)]
        if not cands:
            if m.kind in ("percent", "number"):
                comp.unaligned.append(m)
            continue
        scored = sorted(((similarity(m.context, e.context, weights), e) for e in cands), key=lambda t: -t[0])
        best_sim, best = scored[0]
        same = [s for s, e in scored if e.value == m.value or (m.kind == "date" and e.value.startswith(m.value))]
        figure = m.kind in ("percent", "number")
        if same and (max(same) >= best_sim - 0.2 or len(cands) == 1):
            comp.matched += 1
            comp.figures += figure
            comp.agreed.add(m.kind)
        elif m.kind == "date" and (near := [e for e in cands if _near_date(m.value, e.value)]):
            comp.differences.append(Difference("date", m.text, near[0].text, m.start, m.end))
            comp.differed.add(m.kind)
        elif best.unit == "breadcrumb" and not _TARGET_YEAR.search(m.unit):
            continue  # "ngân sách năm 2025" is not the "Đến năm 2030" of the heading
        elif best_sim >= ALIGN and best.value != m.value:
            comp.differences.append(Difference(_kind_name(m), m.text, _directive_text(m, best), m.start, m.end))
            comp.figures += figure
            comp.differed.add(m.kind)
        elif figure:
            comp.unaligned.append(m)


def _directive_text(m: Mention, e: Mention) -> str:
    if m.kind == "period" and e.unit and not m.unit:
        return f"{e.unit} {e.text}"  # "hằng quý" -> "định kỳ 6 tháng"
    return e.text


def _bodies(comp: Comparison, stated: list[Mention], directive: list[Mention]) -> None:
    for m in stated:
        if any(same_body(m.value, e.value) for e in directive):
            comp.matched += 1
            if m.role:
                comp.agreed.add("body")
            continue
        others = [s for s in stated if s is not m]
        if not m.role or not all(any(same_body(s.value, e.value) for e in directive) for s in others):
            continue  # another body of the statement is not in the sentence: it may speak of something else
        rivals = [
            e for e in directive if e.role == m.role and not any(same_body(e.value, s.value) for s in stated)
        ]  # fmt: skip
        if rivals:
            comp.differences.append(Difference("body", m.text, rivals[0].text, m.start, m.end))
            comp.differed.add("body")


def _noun_use(folded: str, m: re.Match[str]) -> bool:
    """Whether a "hạn chế" is a noun ("còn nhiều hạn chế": shortcomings), not a restriction."""
    return m.group(1) == "hạn chế" and bool(_NOUN_USE.search(folded[max(0, m.start() - 20) : m.start()]))


def polarity(text: str) -> tuple[int, str]:
    """(+1 promoting, -1 restricting, 0 neither or both, the cue) from cue words, with "không" flipping a cue."""
    t = fold(text)
    signs: list[tuple[int, str]] = []
    for m in _CUE.finditer(t):
        cue = m.group(1)
        before = t[max(0, m.start() - 20) : m.start()]
        if _noun_use(t, m):
            continue  # "còn nhiều hạn chế": shortcomings, not a restriction
        sign = -1 if cue in _NEG else 1
        if re.search(r"(?<![\wà-ỹ])không\s*$", before) and not cue.startswith("không"):
            sign = -sign
        signs.append((sign, cue))
    kinds = {s for s, _ in signs}
    return (signs[0][0], signs[0][1]) if len(kinds) == 1 else (0, "")


_NEGATION = re.compile(r"(?<![\wà-ỹ])(không|chưa|chẳng|chớ)(?![\wà-ỹ])")


def adds_negation(statement: str, sentence: str) -> bool:
    """Whether the statement negates ("không", "chưa") more than the sentence does: then shared words prove nothing."""
    return len(_NEGATION.findall(fold(statement))) > len(_NEGATION.findall(fold(sentence)))


def cue_terms(text: str) -> set[str]:
    """Syllables of the direction cue words in `text` (compared by `polarity`, not by coverage)."""
    return {w for m in _CUE.finditer(fold(text)) for w in m.group(1).split()}


def compare(statement: str, sentence: str, breadcrumb: str = "", weights: dict[str, float] | None = None) -> Comparison:
    """Compare a statement's values, bodies and direction with one directive sentence (and its breadcrumb's years)."""
    s_text, stated = mentions(statement)
    e_text, directive = mentions(sentence)
    comp = Comparison(s_text)
    sentence_terms = frozenset().union(*(e.context for e in directive)) if directive else frozenset()
    for y in _YEAR.findall(breadcrumb):  # "II- MỤC TIÊU › 1. Đến năm 2030" governs the whole sentence
        if not any(e.kind == "year" for e in directive):
            directive.append(Mention("year", y, y, -1, -1, sentence_terms | frozenset(_words(sentence)), unit="breadcrumb"))
    for kind in _VALUE_KINDS:
        _values(comp, [m for m in stated if m.kind == kind], [e for e in directive if e.kind == kind], weights)
    _bodies(comp, [m for m in stated if m.kind == "body"], [e for e in directive if e.kind == "body"])
    s_sign, s_cue = polarity(s_text)
    e_sign, e_cue = polarity(e_text)
    if s_sign and e_sign and s_sign != e_sign:
        at = fold(s_text).find(s_cue)
        comp.differences.append(Difference("direction", s_cue, e_cue, at, at + len(s_cue)))
    return comp


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[\wà-ỹ]+", fold(text)) if len(w) > 1 and not w.isdigit()]


def cue_span(text: str) -> tuple[int, int, str] | None:
    """Span of the run of direction cues in `text` ("siết chặt, hạn chế", "cho phép và khuyến khích")."""
    t = fold(text)
    found = [m for m in _CUE.finditer(t) if not _noun_use(t, m)]
    if not found:
        return None
    end = found[0].end()
    for m in found[1:]:
        if not re.fullmatch(r"\s*(?:,|và|hoặc)?\s*", t[end : m.start()]):
            break
        end = m.end()
    return found[0].start(), end, text[found[0].start() : end]


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
