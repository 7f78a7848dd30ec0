"""Answer design `choose`: the model chooses evidence units by id, then writes a short answer from them.

A 1.5B model copies quotes badly (cut, merged, a neighbouring sentence); choosing among numbered units is an
easier question, and a citation's quote is the chosen unit itself, verbatim by construction. Where the backend
gives probabilities (llama.cpp in-process) the reply is built in three steps:

1. the prompt ends with the start of the reply, `{"units": ["S`, and one evaluation gives the model's
   probability of each id's digit, `S0` meaning "no unit answers"; a high "none" or no clear choice refuses;
2. those probabilities are combined with each unit's own score (`assistant.answer.units`): the combined best unit
   is the answer's evidence; only for a question that asks for several things (`asks_several`) is it forced as
   the first id and the model may add up to two shown ids (grammar), kept when it had weighed them or they
   cover at least half as much of the question (`extras`);
3. the chosen units' words are written into the reply as "evidence" and the model writes a short answer
   after them, under a grammar.

A backend without probabilities (an OpenAI-compatible server) writes the whole reply under a JSON schema whose
ids are an enum of those shown. The answer text is checked mechanically (`ungrounded`): every number in it
must occur in a chosen unit (or its lead-in, breadcrumb or the question), most of its words must come from
them, it must not restate the question, and a how-much question needs a figure; otherwise the chosen units
are given verbatim instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Generator as Steps
from dataclasses import dataclass
from pathlib import Path

from assistant.answer.cite import numbers
from assistant.answer.evidence import asks_for_quantity, gives_quantity
from assistant.answer.prompt import read_template
from assistant.answer.units import Unit, render_units
from assistant.text.normalize import plain_text
from assistant.text.terms import key_terms
from assistant.types import ChatMessage, Generator, Hit

PREFIX = '{"units": ["S'
ANSWER_CHARS = 200  # bound of the answer text: it bounds generation time


@dataclass(frozen=True)
class ChooseTemplates:
    system: str
    examples: tuple[tuple[str, str], ...]  # (user turn, assistant reply): one where no unit answers, then one that does
    user: str

    @classmethod
    def load(cls, folder: Path, version: str = "v1") -> ChooseTemplates:
        def read(name: str) -> str:
            return read_template(folder, f"choose.{version}.{name}")

        examples = tuple((read(f"{n}_user.txt"), read(f"{n}_assistant.json")) for n in ("example2", "example"))
        return cls(read("system.txt"), examples, read("user.txt"))


def build_messages(tpl: ChooseTemplates, question: str, units: list[Unit], hits: list[Hit]) -> list[ChatMessage]:
    """System prompt and examples (an identical prefix for every question, cached by llama.cpp), then the units."""
    shots = [m for user, reply in tpl.examples for m in (ChatMessage("user", user), ChatMessage("assistant", reply))]
    return [
        ChatMessage("system", tpl.system),
        *shots,
        ChatMessage("user", tpl.user.format(units=render_units(units, hits), question=question.strip())),
    ]


def reply_schema(n: int) -> dict[str, object]:
    """JSON schema of the whole reply, for a backend that writes it in one go: ids drawn from those shown."""
    return {
        "type": "object",
        "properties": {
            "units": {"type": "array", "items": {"enum": [f"S{i}" for i in range(n + 1)]}, "minItems": 1, "maxItems": 3},
            "answer": {"type": "string", "maxLength": ANSWER_CHARS},
        },
        "required": ["units", "answer"],
    }


def ids_grammar(n: int) -> str:
    """GBNF for the reply after `PREFIX` and the forced first digit: up to two more shown ids, then "]"."""
    ids = " | ".join(f'"{i}"' for i in range(1, n + 1))
    return "\n".join([r'root ::= "\"" extra? extra? "]"', r'extra ::= ", \"S" id "\""', f"id ::= {ids}"])


# The answer's characters: no quote, backslash or control character (the JSON string ends at '"'), and no CJK or
# Hangul, which a small model trained on Chinese slips into Vietnamese text ("và발").
ANSWER_GRAMMAR = "\n".join(
    [rf'root ::= ch{{1,{ANSWER_CHARS}}} "\"}}"', r'ch ::= [^"\\\x00-\x1f\u1100-\u11ff\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff]']
)


def evidence_prefix(ids: list[int], units: list[Unit]) -> str:
    """The reply so far once the ids are chosen, with the chosen units' words written into it as "evidence":
    read as part of the prompt (no token is generated for them), they are what the answer is written from."""
    chosen = ", ".join(f'"S{i}"' for i in ids)
    evidence = json.dumps(" … ".join(plain_text(units[i - 1].text) for i in ids), ensure_ascii=False)
    return f'{{"units": [{chosen}], "evidence": {evidence}, "answer": "'


@dataclass(frozen=True)
class Decision:
    first: int  # 1-based id of the unit to answer from; 0: none answers
    none: float  # the model's probability of "S0" (0.0 without probabilities)
    top: float  # the model's highest probability of any unit (1.0 without probabilities)


def score_shares(units: list[Unit]) -> list[float]:
    """Each unit's score over the best unit's (0 for a negative score, or when no score is positive)."""
    best = max((u.score for u in units), default=0.0)
    return [max(u.score, 0.0) / best if best > 0 else 0.0 for u in units]


def decide(units: list[Unit], probs: dict[str, float] | None, *, weight: float) -> Decision:
    """Combine the model's probability of each id with the units' own scores.

    Score shares are the units' scores over the best one's; the model's distribution over the ids is
    renormalised. The first unit is the best of `weight` × model + (1 − `weight`) × score share.
    """
    if not units:
        return Decision(0, 1.0, 0.0)
    share = score_shares(units)
    if not probs:
        return Decision(1 + max(range(len(units)), key=lambda i: share[i]), 0.0, 1.0)
    total = sum(probs.values()) or 1.0
    p = {int(k): v / total for k, v in probs.items()}
    combined = [weight * p.get(i + 1, 0.0) + (1 - weight) * share[i] for i in range(len(units))]
    first = 1 + max(range(len(units)), key=lambda i: combined[i])
    return Decision(first, p.get(0, 0.0), max(p.get(i + 1, 0.0) for i in range(len(units))))


# A question that asks for several things: a list ("những", "các … nào", "gồm"), a comparison, or two asks.
_SEVERAL = re.compile(r"(?<!\w)(những|bao gồm|gồm|so sánh|khác nhau|lần lượt|từng|các [^?]{0,40}(nào|gì))(?!\w)")
_ASKS = re.compile(r"(?<!\w)(bao nhiêu|nào|gì|khi nào|ai|ra sao|thế nào)(?!\w)")
EXTRA_MIN_PROB = 0.1  # an extra id the model did not weigh this much as the first is a habit, not a choice


def asks_several(question: str) -> bool:
    q = question.lower()
    return bool(_SEVERAL.search(q)) or len(_ASKS.findall(q)) >= 2


def extras(found: list[int], units: list[Unit], first: int, probs: dict[str, float] | None) -> list[int]:
    """The further ids the model wrote for a question that asks for several things that are kept (at most two):
    those it had weighed as a first choice, and those covering at least half of what the first unit covers."""
    total = sum((probs or {}).values()) or 1.0
    kept: list[int] = []
    for i in dict.fromkeys(found):
        if i == first:
            continue
        weighed = probs is not None and probs.get(str(i), 0.0) / total >= EXTRA_MIN_PROB
        if weighed or units[i - 1].coverage >= 0.5 * units[first - 1].coverage:
            kept.append(i)
    return kept[:2]


@dataclass
class Outcome:
    """What the model chose and wrote. `ids` are 1-based into the shown units; empty: refuse (`note` says why)."""

    ids: list[int]
    prose: str = ""
    note: str = ""


def converse(
    gen: Generator, messages: list[ChatMessage], units: list[Unit], question: str, *, weight: float,
    none_threshold: float, min_confidence: float, sure: bool, timings: dict[str, float],
) -> Steps[tuple[str, object], None, Outcome]:  # fmt: skip
    """The conversation of the `choose` design. Yields ("units", ids) once the units are known and ("token",
    piece) for each piece of the reply; returns the outcome. Raises RuntimeError from the backend."""
    n = len(units)
    probs = gen.choose(messages, prefix=PREFIX, options=[str(i) for i in range(n + 1)])
    decision = decide(units, probs, weight=weight)
    timings["choice_none"], timings["choice_top"] = decision.none, decision.top
    if probs is None:
        return (yield from _in_one_go(gen, messages, units, question, sure))
    if decision.none >= none_threshold and not sure:
        return Outcome([], note=f"mô hình cho rằng không câu nào trả lời câu hỏi (xác suất {decision.none:.2f})")
    if decision.top < min_confidence and not sure:
        return Outcome([], note=f"mô hình không chắc câu nào trả lời câu hỏi (xác suất cao nhất {decision.top:.2f})")
    ids = [decision.first]
    if asks_several(question):  # only then may the model add units: one more decoding step
        tail = "".join(gen.stream(messages, prefix=f"{PREFIX}{decision.first}", grammar=ids_grammar(n)))
        found = [int(i) for i in re.findall(r"\d+", tail) if 1 <= int(i) <= n]
        ids += extras(found, units, decision.first, probs)
    yield ("units", ids)
    prose = yield from write_answer(gen, messages, ids, units)
    return Outcome(ids, prose)


def write_answer(
    gen: Generator, messages: list[ChatMessage], ids: list[int], units: list[Unit]
) -> Steps[tuple[str, object], None, str]:
    """The answer written after the chosen units' words (`evidence_prefix`), under `ANSWER_GRAMMAR`: yields
    ("token", piece) for the prefix and each generated piece; returns the prose ("" when unreadable)."""
    prefix = evidence_prefix(ids, units)
    yield ("token", prefix)
    pieces: list[str] = []
    for piece in gen.stream(messages, prefix=prefix, grammar=ANSWER_GRAMMAR):
        pieces.append(piece)
        yield ("token", piece)
    try:
        _, prose = parse_reply(prefix + "".join(pieces))
    except ValueError:
        prose = ""
    return prose


def _in_one_go(
    gen: Generator, messages: list[ChatMessage], units: list[Unit], question: str, sure: bool
) -> Steps[tuple[str, object], None, Outcome]:
    """Without probabilities: the whole reply under a JSON schema whose ids are those shown."""
    pieces: list[str] = []
    for piece in gen.stream(messages, json_schema=reply_schema(len(units))):
        pieces.append(piece)
        yield ("token", piece)
    ids, prose = parse_reply("".join(pieces))  # ValueError: the caller falls back
    valid = list(dict.fromkeys(i for i in ids if 1 <= i <= len(units)))
    if not valid:
        if not sure:
            return Outcome([], note="mô hình cho rằng không câu nào trả lời câu hỏi")
        valid = [1]
    valid = [valid[0], *(extras(valid[1:], units, valid[0], None) if asks_several(question) else [])]
    yield ("units", valid)
    return Outcome(valid, prose)


_ID = re.compile(r"S(\d+)")
_ASKS_AGAIN = re.compile(r"(?<!\w)(bao nhiêu|là gì|khi nào|cơ quan nào)(?!\w)")


def parse_reply(raw: str) -> tuple[list[int], str]:
    """The ids (in order, 0 for "none") and the answer text of a reply. Raises ValueError on another shape."""
    try:
        data = json.loads(raw, strict=False)
    except json.JSONDecodeError as exc:
        raise ValueError(f"model output is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("units"), list):
        raise ValueError("model output lacks a 'units' list")
    ids = []
    for u in data["units"]:
        m = _ID.fullmatch(str(u).strip())
        if not m:
            raise ValueError(f"not a unit id: {u!r}")
        ids.append(int(m.group(1)))
    return ids, str(data.get("answer") or "").strip()


def ungrounded(answer: str, units: list[Unit], hits: list[Hit], question: str) -> str | None:
    """Why an answer text is not grounded in the chosen units, or None.

    Every number must occur in a unit, its lead-in, its breadcrumb, its document number or the question;
    and most key terms must come from them (so text inside a document cannot make the model say something else).
    """
    if not answer:
        return "câu trả lời trống"
    if "?" in answer or _ASKS_AGAIN.search(answer.lower()) or not key_terms(answer) - key_terms(question):
        return "câu trả lời chỉ nhắc lại câu hỏi"
    if asks_for_quantity(question) and not gives_quantity(question, [answer]):
        return "câu trả lời không có con số hay mốc thời gian mà câu hỏi cần"
    context = " ".join(
        f"{hits[u.hit_index].meta.doc_id} {hits[u.hit_index].chunk.breadcrumb_text} {u.lead} {u.text}" for u in units
    )
    invented = numbers(answer) - numbers(context) - numbers(question)
    if invented:
        return "con số " + ", ".join(sorted(invented)) + " không có trong câu được chọn"
    said = key_terms(answer)
    new = said - key_terms(context) - key_terms(question)
    if said and len(new) * 2 > len(said):
        return "câu trả lời có ý không có trong câu được chọn"
    return None
