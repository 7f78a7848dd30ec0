"""Pointwise scoring, a variant of the `choose` design (`choice_scoring: pointwise`): each evidence unit is judged
on its own by the model's probability of "Có" after "does this sentence answer the question?".

The system prompt and the question form a prefix shared by every unit's prompt, so llama.cpp reads it once and
each unit costs only its own tokens. The probabilities are combined with the units' own scores as in
`choose.decide`; the answer is then written, as in `choose`, from a prompt that shows only the chosen units.
Needs probabilities (llama.cpp in-process); a backend without them uses the list choice of `choose`.
"""

from __future__ import annotations

from collections.abc import Generator as Steps
from dataclasses import dataclass
from pathlib import Path

from assistant.answer import choose
from assistant.answer.prompt import read_template
from assistant.answer.units import Unit
from assistant.text.normalize import plain_text
from assistant.types import ChatMessage, Generator, Hit

YES, NO = "Có", "Không"


@dataclass(frozen=True)
class PointwiseTemplates:
    system: str
    user: str  # {question}, then {source} and {unit}: the question comes first, so it is part of the shared prefix

    @classmethod
    def load(cls, folder: Path, version: str = "v1") -> PointwiseTemplates:
        def read(name: str) -> str:
            return read_template(folder, f"pointwise.{version}.{name}")

        return cls(read("system.txt"), read("user.txt"))


def unit_messages(tpl: PointwiseTemplates, question: str, unit: Unit, hits: list[Hit]) -> list[ChatMessage]:
    hit = hits[unit.hit_index]
    source = hit.meta.doc_id + (f" › {plain_text(hit.chunk.breadcrumb_text)}" if hit.chunk.breadcrumb_text else "")
    text = (plain_text(unit.lead) + " " if unit.lead else "") + plain_text(unit.text)
    user = tpl.user.format(question=question.strip(), source=source, unit=text)
    return [ChatMessage("system", tpl.system), ChatMessage("user", user)]


def judge(gen: Generator, tpl: PointwiseTemplates, question: str, units: list[Unit], hits: list[Hit]) -> list[float] | None:
    """P("Có" | "Có" or "Không") for each unit; None when the backend gives no probabilities."""
    out: list[float] = []
    for unit in units:
        probs = gen.choose(unit_messages(tpl, question, unit, hits), prefix="", options=[YES, NO])
        if probs is None:
            return None
        yes, no = probs.get(YES, 0.0), probs.get(NO, 0.0)
        out.append(yes / (yes + no) if yes + no > 0 else 0.0)
    return out


@dataclass(frozen=True)
class Choice:
    ids: list[int]  # 1-based into the units, best first; empty: none answers
    top: float  # the highest P(yes)


def decide(units: list[Unit], yes: list[float], question: str, *, weight: float, threshold: float, sure: bool) -> Choice:
    """The first unit is the best of `weight` × P(yes) + (1 − `weight`) × score share; none when no unit reaches
    `threshold` (unless `sure`). Further units (at most two) only for a question that asks for several things,
    each judged to answer (P(yes) ≥ `threshold`) and covering at least half of what the first covers."""
    top = max(yes, default=0.0)
    if not units or (top < threshold and not sure):
        return Choice([], top)
    share = choose.score_shares(units)
    combined = [weight * y + (1 - weight) * s for y, s in zip(yes, share, strict=True)]
    order = sorted(range(len(units)), key=lambda i: -combined[i])
    first = order[0]
    ids = [first + 1]
    if choose.asks_several(question):
        ids += [i + 1 for i in order[1:] if yes[i] >= threshold and units[i].coverage >= 0.5 * units[first].coverage][:2]
    return Choice(ids, top)


def converse(
    gen: Generator, tpl: PointwiseTemplates, answer_tpl: choose.ChooseTemplates, question: str, units: list[Unit],
    hits: list[Hit], *, weight: float, threshold: float, sure: bool, timings: dict[str, float],
) -> Steps[tuple[str, object], None, choose.Outcome | None]:  # fmt: skip
    """Like `choose.converse`: yields ("units", ids) then ("token", piece)s; returns the outcome, or None when
    the backend gives no probabilities (the caller then uses `choose.converse`)."""
    yes = judge(gen, tpl, question, units, hits)
    if yes is None:
        return None
    choice = decide(units, yes, question, weight=weight, threshold=threshold, sure=sure)
    timings["choice_top"] = choice.top
    if not choice.ids:
        return choose.Outcome([], note=f"mô hình cho rằng không câu nào trả lời câu hỏi (xác suất cao nhất {choice.top:.2f})")
    yield ("units", choice.ids)
    chosen = [units[i - 1] for i in choice.ids]
    messages = choose.build_messages(answer_tpl, question, chosen, hits)
    prose = yield from choose.write_answer(gen, messages, list(range(1, len(chosen) + 1)), chosen)
    return choose.Outcome(choice.ids, prose)
