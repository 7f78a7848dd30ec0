"""Pointwise scoring (`choice_scoring: pointwise`) over the ingested sample corpus: each unit judged on its own.

The generator is scripted (its P("Có") per unit too); Chroma, BM25, the catalog and the loaders are real.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from assistant.answer import choose, pointwise
from assistant.answer.units import Unit
from tests.answer.conftest import MakePipe
from tests.answer.test_choose import GRDP_Q, REPLY, _assert_quotes_are_passages_own_words, _grdp_id, _shown


@pytest.fixture
def answer_settings() -> dict[str, Any]:
    return {"answer_mode": "choose", "choice_scoring": "pointwise"}


def _yes(p: float) -> dict[str, float]:
    return {pointwise.YES: p, pointwise.NO: 1 - p}


def _unit(score: float, coverage: float = 0.5) -> Unit:
    return Unit(hit_index=0, text="…", lead="", score=score, coverage=coverage)


def test_each_unit_is_judged_alone_and_the_answer_sees_only_the_chosen_one(make_pipe: MakePipe) -> None:
    probe, _ = make_pipe([])
    units = _shown(probe, GRDP_Q)
    best = _grdp_id(units)
    judged = [_yes(0.95 if i == best else 0.05) for i in range(1, len(units) + 1)]
    p, gen = make_pipe([f'{REPLY}"}}'], choices=judged)
    events = list(p.answerer.stream(GRDP_Q))
    answer = events[-1].answer
    assert answer is not None and answer.mode == "generated", answer and answer.notes
    assert answer.text.startswith(REPLY)
    assert len(answer.citations) == 1 and "1,5% GRDP" in answer.citations[0].quote
    _assert_quotes_are_passages_own_words(p, answer)
    # one prompt per unit, all sharing the system prompt and the question (the cached prefix); each holds its unit
    unit_prompts = gen.prompts[: len(units)]
    assert all(m[0] == unit_prompts[0][0] for m in unit_prompts)
    heads = {m[1].content.split("\n\n")[0] for m in unit_prompts}
    assert heads == {f"Câu hỏi: {GRDP_Q}"}
    assert all(u.text.split()[0] in m[1].content for u, m in zip(units, unit_prompts, strict=True))
    # the answer prompt shows the chosen unit only, as S1, and the answer is written after its words
    answer_prompt = gen.prompts[-1][-1].content
    assert "S1:" in answer_prompt and "S2:" not in answer_prompt and "1,5% GRDP" in answer_prompt
    assert gen.prefixes[-1] == choose.evidence_prefix([1], [units[best - 1]])
    assert gen.grammars == [choose.ANSWER_GRAMMAR]
    kinds = [e.kind for e in events]
    assert kinds.index("units") < kinds.index("text")


def test_no_unit_judged_to_answer_refuses_without_writing(make_pipe: MakePipe) -> None:
    q = "Tỷ lệ dân số trưởng thành có điện thoại thông minh của tỉnh đến năm 2030 là bao nhiêu?"
    probe, _ = make_pipe([])
    units = _shown(probe, q)
    p, gen = make_pipe([], choices=[_yes(0.2)] * len(units))
    answer = p.answerer.ask(q)
    assert answer.refused and any("không câu nào trả lời" in n for n in answer.notes), answer.notes
    assert gen.grammars == [], "no prose is generated once no unit is judged to answer"


def test_without_probabilities_the_list_choice_is_used(make_pipe: MakePipe) -> None:
    probe, _ = make_pipe([])
    units = _shown(probe, GRDP_Q)
    best = _grdp_id(units)
    reply = json.dumps({"units": [f"S{best}"], "answer": REPLY}, ensure_ascii=False)
    p, gen = make_pipe([reply])  # the scripted backend gives no probabilities
    answer = p.answerer.ask(GRDP_Q)
    assert answer.mode == "generated" and "1,5% GRDP" in answer.citations[0].quote
    assert gen.schemas[-1] == choose.reply_schema(len(units))


def test_decide_combines_judgements_with_scores() -> None:
    units = [_unit(1.0), _unit(0.3), _unit(0.9)]
    # a clear judgement wins over a higher score; a weak preference does not
    assert pointwise.decide(units, [0.1, 0.95, 0.2], "bao nhiêu?", weight=0.5, threshold=0.5, sure=False).ids == [2]
    assert pointwise.decide(units, [0.55, 0.6, 0.1], "bao nhiêu?", weight=0.5, threshold=0.5, sure=False).ids == [1]
    # nothing judged to answer: none, unless the evidence is sure
    assert pointwise.decide(units, [0.2, 0.1, 0.3], "bao nhiêu?", weight=0.5, threshold=0.5, sure=False).ids == []
    assert pointwise.decide(units, [0.2, 0.1, 0.3], "bao nhiêu?", weight=0.5, threshold=0.5, sure=True).ids == [1]


def test_further_units_only_when_the_question_asks_for_several_things() -> None:
    units = [_unit(1.0, 0.6), _unit(0.8, 0.5), _unit(0.7, 0.1)]
    yes = [0.9, 0.8, 0.9]
    one = pointwise.decide(units, yes, "Mục tiêu đến năm 2030 là bao nhiêu?", weight=0.5, threshold=0.5, sure=False)
    assert one.ids == [1]
    several = pointwise.decide(units, yes, "Những nhiệm vụ nào được giao?", weight=0.5, threshold=0.5, sure=False)
    assert several.ids == [1, 2]  # the third is judged to answer but covers too little of the question
