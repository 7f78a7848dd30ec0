"""Answering over the ingested sample corpus: verified generation, fallbacks, refusal, streaming, follow-ups.

The generator is scripted; everything else (Chroma, BM25, catalog, loaders) is real.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from assistant.answer.answerer import REFUSAL, Answerer, Turn, resolve_follow_up
from assistant.answer.prompt import ANSWER_SCHEMA
from assistant.pipeline import Pipeline
from assistant.text.normalize import match_key
from assistant.types import Answer, Hit
from tests.answer.conftest import MakePipe

GRDP_Q = "Nghị quyết 15 đặt mục tiêu chi cho nghiên cứu và phát triển đến năm 2030 là bao nhiêu phần trăm GRDP?"
UNANSWERABLE_Q = "Sản lượng cà phê xuất khẩu của tỉnh đạt bao nhiêu tấn?"


@pytest.fixture
def answer_settings() -> dict[str, Any]:
    return {"answer_mode": "copy"}


def _grdp_sentence(hit: Hit) -> str:
    lines = [ln.strip().lstrip("-").strip() for ln in hit.chunk.text.splitlines()]
    found = [ln for ln in lines if "GRDP" in ln and "1,5%" in ln]
    assert found, f"passage [1] ({hit.chunk.chunk_id}) holds no sentence with 'GRDP' and '1,5%':\n{hit.chunk.text}"
    return found[0]


def _claims(*claims: tuple[int, str, str]) -> str:
    return json.dumps(
        {"found": True, "claims": [{"passage": n, "quote": q, "answer": a} for n, q, a in claims]}, ensure_ascii=False
    )


def _assert_citations_verified(p: Pipeline, answer: Answer) -> None:
    assert answer.citations
    for c in answer.citations:
        assert c.verified
        hit = answer.passages[c.n - 1]
        assert c.chunk_id == hit.chunk.chunk_id and c.doc_id == hit.meta.doc_id
        assert match_key(c.quote) in match_key(hit.chunk.text)
        assert c.start is not None and c.end is not None
        doc_text = p.catalog.document_text(hit.chunk.doc_id)
        assert match_key(doc_text[c.start : c.end]) == match_key(c.quote)


def test_verified_generated_answer(make_pipe: MakePipe) -> None:
    probe, _ = make_pipe([])
    hits, ret = probe.answerer.retrieve(GRDP_Q)
    assert ret.named == ["15-NQ/TU"]
    first = hits[0]
    assert first.meta.doc_id == "15-NQ/TU"
    quote = _grdp_sentence(first)
    reply = "Đến năm 2030, tổng chi cho nghiên cứu khoa học và phát triển công nghệ đạt 1,5% GRDP."

    p, gen = make_pipe([_claims((1, quote, reply))])
    answer = p.answerer.ask(GRDP_Q)

    assert answer.mode == "generated", (answer.text, answer.notes)
    assert answer.text == f"{reply} [1]"
    assert len(answer.citations) == 1
    c = answer.citations[0]
    assert c.verified and c.n == 1 and c.doc_id == "15-NQ/TU" and c.chunk_id == first.chunk.chunk_id
    doc_text = p.catalog.document_text(first.chunk.doc_id)
    assert c.start is not None and c.end is not None
    assert first.chunk.start <= c.start < c.end <= first.chunk.end
    assert doc_text[c.start : c.end] == c.quote
    assert match_key(c.quote) == match_key(quote)
    assert "1,5% GRDP" in c.quote
    # the generator was asked once, constrained by the answer schema, with passage [1] in the prompt
    assert gen.schemas == [ANSWER_SCHEMA]
    assert len(gen.prompts) == 1
    prompt = gen.prompts[0][-1].content
    assert f"[1] {first.meta.doc_id}" in prompt and GRDP_Q in prompt and "1,5% GRDP" in prompt
    assert answer.passages[0].chunk.chunk_id == first.chunk.chunk_id
    assert {"retrieve", "generate", "total"} <= set(answer.timings)


def test_malformed_model_output_falls_back_to_extractive(make_pipe: MakePipe) -> None:
    p, gen = make_pipe(["not json"])
    answer = p.answerer.ask(GRDP_Q)
    assert len(gen.prompts) == 1
    assert answer.mode == "extractive"
    assert answer.notes, "the fallback must say why"
    assert any("không đọc được" in n for n in answer.notes), answer.notes
    _assert_citations_verified(p, answer)
    assert "not json" not in answer.text
    assert any("1,5%" in c.quote for c in answer.citations), [c.quote for c in answer.citations]


def test_unverifiable_quote_is_never_shown(make_pipe: MakePipe) -> None:
    fake_quote = "Tổng chi cho nghiên cứu khoa học và phát triển công nghệ đạt 3,5% GRDP vào năm 2030."
    fake_answer = "Chi cho nghiên cứu và phát triển đạt 3,5% GRDP."
    p, _ = make_pipe([_claims((1, fake_quote, fake_answer))])
    answer = p.answerer.ask(GRDP_Q)
    assert answer.mode in ("extractive", "refused")
    assert "3,5" not in answer.text and fake_answer not in answer.text
    assert all("3,5" not in c.quote for c in answer.citations)
    assert all(c.verified for c in answer.citations)
    if answer.mode == "extractive":
        _assert_citations_verified(p, answer)
        assert answer.notes


def test_invented_number_claim_dropped_other_claim_kept(make_pipe: MakePipe) -> None:
    probe, _ = make_pipe([])
    hits, _ = probe.answerer.retrieve(GRDP_Q)
    quote = _grdp_sentence(hits[0])
    p, _ = make_pipe([_claims((1, quote, "Đạt 1,5% GRDP."), (1, quote, "Đạt 4% GRDP, trong đó doanh nghiệp chi 90%."))])
    answer = p.answerer.ask(GRDP_Q)
    assert answer.mode == "generated"
    assert answer.text == "Đạt 1,5% GRDP. [1]"
    assert "90%" not in answer.text and "4%" not in answer.text
    assert any("loại" in n for n in answer.notes), answer.notes
    _assert_citations_verified(p, answer)


def test_unanswerable_question_is_refused_without_calling_the_model(make_pipe: MakePipe) -> None:
    p, gen = make_pipe([_claims((1, "Kinh tế số chiếm 25% GRDP của tỉnh.", "Tỉnh đón 1 triệu khách."))])
    answer = p.answerer.ask(UNANSWERABLE_Q)
    assert answer.mode == "refused" and answer.refused
    assert answer.text == REFUSAL == "Không tìm thấy căn cứ trong các tài liệu đã nạp."
    assert answer.citations == []
    assert answer.passages, "the closest passages are still returned for the user to check"
    assert gen.prompts == []


def test_missing_named_document_is_refused_with_note(make_pipe: MakePipe) -> None:
    p, gen = make_pipe([_claims((1, "Kinh tế số chiếm 25% GRDP của tỉnh.", "25%."))])
    answer = p.answerer.ask("Nghị quyết 99-NQ/TW đặt mục tiêu kinh tế số bao nhiêu phần trăm GRDP?")
    assert answer.mode == "refused"
    assert any("99-NQ/TW" in n for n in answer.notes), answer.notes
    assert gen.prompts == []


def test_extractive_mode_needs_no_generator(make_pipe: MakePipe) -> None:
    p, gen = make_pipe([], answer_mode="extractive")
    answer = p.answerer.ask(GRDP_Q)
    assert answer.mode == "extractive"
    _assert_citations_verified(p, answer)
    assert gen.prompts == []
    assert "15-NQ/TU" in answer.text


def test_stream_event_order(make_pipe: MakePipe) -> None:
    probe, _ = make_pipe([])
    hits, _ = probe.answerer.retrieve(GRDP_Q)
    quote = _grdp_sentence(hits[0])
    raw = _claims((1, quote, "Đạt 1,5% GRDP."))
    p, _ = make_pipe([raw])
    events = list(p.answerer.stream(GRDP_Q))
    kinds = [e.kind for e in events]
    assert kinds[0] == "passages"
    assert kinds[-1] == "answer" and kinds.count("answer") == 1
    assert kinds.count("passages") == 1
    tokens = [e for e in events if e.kind == "token"]
    assert len(tokens) >= 1
    assert set(kinds[1:-1]) == {"token", "text"}
    assert "".join(e.text for e in tokens) == raw
    # the answer prose streams as it is written, without the JSON around it
    assert "".join(e.text for e in events if e.kind == "text") == "Đạt 1,5% GRDP."
    assert [h.chunk.chunk_id for h in events[0].hits] == [h.chunk.chunk_id for h in hits]
    final = events[-1].answer
    assert final is not None and final.mode == "generated"


def test_refusal_stream_has_no_tokens(make_pipe: MakePipe) -> None:
    p, _ = make_pipe(["x"])
    kinds = [e.kind for e in p.answerer.stream(UNANSWERABLE_Q)]
    assert kinds == ["passages", "answer"]


def test_follow_up_resolution() -> None:
    first = "Nghị quyết 15 đặt mục tiêu gì đến năm 2030?"
    prev = Turn(first, Answer(first, "…", "extractive"))
    follow = "còn tầm nhìn đến năm 2045 thì sao?"
    resolved = resolve_follow_up(follow, [prev])
    assert first in resolved and follow in resolved
    assert resolve_follow_up(follow, []) == follow
    standalone = "Kế hoạch 112 giao Sở Thông tin và Truyền thông những nhiệm vụ cụ thể nào trong năm 2024?"
    assert resolve_follow_up(standalone, [prev]) == standalone
    # only the latest turn is used
    older = Turn("Chỉ thị 05 yêu cầu gì?", Answer("Chỉ thị 05 yêu cầu gì?", "…", "extractive"))
    assert resolve_follow_up(follow, [older, prev]).startswith(first)


def test_follow_up_is_searched_with_previous_question(make_pipe: MakePipe) -> None:
    p, _ = make_pipe([], answer_mode="extractive")
    answerer: Answerer = p.answerer
    first = "Nghị quyết 15 đặt mục tiêu kinh tế số đến năm 2030 là bao nhiêu?"
    prev = Turn(first, answerer.ask(first))
    answer = answerer.ask("còn tầm nhìn đến năm 2045 thì sao?", history=[prev])
    assert answer.passages and answer.passages[0].meta.doc_id == "15-NQ/TU"
    assert answer.question == "còn tầm nhìn đến năm 2045 thì sao?"


def test_verified_quote_without_the_asked_figure_is_refused(make_pipe: MakePipe) -> None:
    probe, _ = make_pipe([])
    hits, _ = probe.answerer.retrieve(GRDP_Q)
    # verbatim words of the right sentence, on topic, but without the figure that was asked for
    sentence = _grdp_sentence(hits[0])
    quote = sentence[: sentence.index("đạt")].strip()
    assert len(quote.split()) >= 5 and not any(ch.isdigit() for ch in quote), quote
    p, _ = make_pipe([_claims((1, quote, "Tỉnh đẩy mạnh nghiên cứu và phát triển."))])
    answer = p.answerer.ask(GRDP_Q)
    # the model's figure-less claim is not shown; the best verified sentence, which holds the figure, is
    assert answer.mode == "extractive", (answer.text, answer.notes)
    assert "1,5%" in answer.text and "Tỉnh đẩy mạnh" not in answer.text
    assert any("con số" in n and "mô hình" in n for n in answer.notes), answer.notes
    _assert_citations_verified(p, answer)


def test_refused_when_neither_the_model_nor_the_best_sentences_answer(make_pipe: MakePipe) -> None:
    question = GRDP_Q.replace("2030", "2035")  # the sources set 2030 targets only
    probe, _ = make_pipe([])
    hits, _ = probe.answerer.retrieve(question)
    sentence = _grdp_sentence(hits[0])
    p, _ = make_pipe([_claims((1, sentence, sentence))])
    answer = p.answerer.ask(question)
    assert answer.mode == "refused", (answer.text, answer.notes)
    assert answer.text == REFUSAL and not answer.citations
    assert any("2035" in n for n in answer.notes), answer.notes
    assert answer.passages, "the nearest passages are still shown"


def test_off_topic_citation_is_dropped_beside_a_relevant_one(make_pipe: MakePipe) -> None:
    probe, _ = make_pipe([])
    hits, _ = probe.answerer.retrieve(GRDP_Q)
    good = _grdp_sentence(hits[0])
    other = next(
        (n, s.strip().lstrip("-").strip())
        for n, h in enumerate(hits[:3], 1)
        for s in h.chunk.text.splitlines()
        if len(s.split()) >= 6 and "GRDP" not in s and "nghiên cứu" not in s.lower() and "2030" not in s
    )
    p, _ = make_pipe([_claims((1, good, "Đạt 1,5% GRDP."), (other[0], other[1], other[1]))])
    answer = p.answerer.ask(GRDP_Q)
    assert answer.mode == "generated", (answer.text, answer.notes)
    assert [c.quote for c in answer.citations] == [
        p.catalog.document_text(hits[0].chunk.doc_id)[answer.citations[0].start : answer.citations[0].end]
    ]
    assert other[1] not in answer.text
    assert any("ít liên quan" in n for n in answer.notes)
