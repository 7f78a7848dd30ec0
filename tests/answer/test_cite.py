"""Citation stage: claims parsed from the model's JSON, every quote verified mechanically."""

from __future__ import annotations

import json
import unicodedata
from datetime import date

import pytest

from assistant.answer.cite import ANSWER_MAX, QUOTE_MAX, Claim, Verdict, clean_answer, parse_claims, trim_quote, verify
from assistant.text.normalize import match_key
from assistant.types import Chunk, DocMeta, Hit

# A document's source text (Markdown, as the catalog keeps it) and two passages cut from it.
DOC = (
    "# NGHỊ QUYẾT\n\n"
    "## II- MỤC TIÊU\n\n"
    "a) Đến năm 2030:\n\n"
    "- Kinh tế số chiếm **25%** GRDP của tỉnh\\.\n"
    "- Tổng chi cho nghiên cứu khoa học và phát triển công nghệ đạt   2% GRDP,\n"
    "  trong đó chi từ khu vực doanh nghiệp chiếm trên 40%.\n\n"
    "## III- NHIỆM VỤ\n\n"
    "Ủy ban nhân dân tỉnh chủ trì xây dựng Trung tâm dữ liệu dùng chung, hoàn thành trong năm 2026.\n"
)
META = DocMeta(doc_id="15-NQ/TU", doc_type="NQ", number="15", issued=date(2024, 3, 12), key="15-NQ/TU")


def _hit(start_marker: str, end_marker: str, ordinal: int, crumb: tuple[str, ...]) -> Hit:
    start = DOC.index(start_marker)
    end = DOC.index(end_marker) + len(end_marker)
    return Hit(chunk=Chunk("15-NQ/TU", ordinal, DOC[start:end], crumb, start, end), meta=META, score=1.0)


HITS = [
    _hit("a) Đến năm 2030", "trên 40%.", 1, ("II- MỤC TIÊU",)),
    _hit("Ủy ban nhân dân tỉnh", "năm 2026.", 2, ("III- NHIỆM VỤ",)),
]
TEXTS = {"15-NQ/TU": DOC}


def _one(claim: Claim, question: str = "") -> Verdict:
    [verdict] = verify([claim], HITS, TEXTS, question)
    return verdict


def _assert_offsets(verdict: Verdict, quote: str) -> None:
    c = verdict.citation
    assert c is not None and c.verified
    assert c.start is not None and c.end is not None
    assert match_key(DOC[c.start : c.end]) == match_key(quote)
    assert c.quote == DOC[c.start : c.end]  # the citation shows the source's own characters
    chunk = HITS[c.n - 1].chunk
    assert chunk.start <= c.start < c.end <= chunk.end


def test_plain_quote_verifies_with_offsets() -> None:
    quote = "trong đó chi từ khu vực doanh nghiệp chiếm trên 40%."
    v = _one(Claim(1, quote, "Khu vực doanh nghiệp chi trên 40%."))
    assert v.reason == "ok"
    _assert_offsets(v, quote)
    assert v.citation is not None
    assert v.citation.doc_id == "15-NQ/TU" and v.citation.chunk_id == "15-NQ/TU#1" and v.citation.n == 1
    assert v.citation.breadcrumb == "II- MỤC TIÊU"


def test_nfd_quote_matches_nfc_passage() -> None:
    quote = unicodedata.normalize("NFD", "Ủy ban nhân dân tỉnh chủ trì xây dựng Trung tâm dữ liệu dùng chung")
    assert quote != unicodedata.normalize("NFC", quote)
    v = _one(Claim(2, quote, "Ủy ban nhân dân tỉnh chủ trì."))
    assert v.citation is not None, v.reason
    _assert_offsets(v, quote)


def test_new_style_tone_marks_match() -> None:
    v = _one(Claim(2, "Uỷ ban nhân dân tỉnh chủ trì xây dựng", ""))
    assert v.citation is not None, v.reason


def test_markdown_noise_and_whitespace_are_ignored() -> None:
    # The passage has **25%** and an escaped "\." ; the quote is plain.
    quote = "Kinh tế số chiếm 25% GRDP của tỉnh."
    v = _one(Claim(1, quote, "Kinh tế số chiếm 25% GRDP."))
    assert v.citation is not None, v.reason
    _assert_offsets(v, quote)
    # The passage breaks this sentence over two lines with extra spaces; the quote has single spaces.
    quote2 = "phát triển công nghệ đạt 2% GRDP, trong đó chi từ khu vực doanh nghiệp"
    v2 = _one(Claim(1, quote2, "Đạt 2% GRDP."))
    assert v2.citation is not None, v2.reason
    _assert_offsets(v2, quote2)
    # ... and the other way round: noise in the quote, none in the passage.
    v3 = _one(Claim(2, "**Ủy ban nhân dân** tỉnh   chủ trì\nxây dựng", ""))
    assert v3.citation is not None, v3.reason


def test_quote_from_another_passage_is_never_cited_under_the_wrong_passage() -> None:
    quote = "Ủy ban nhân dân tỉnh chủ trì xây dựng Trung tâm dữ liệu dùng chung"
    right = _one(Claim(2, quote, ""))
    assert right.citation is not None and right.reason == "ok"
    v = _one(Claim(1, quote, "UBND tỉnh chủ trì."))
    # verbatim in exactly one other passage: cited under its true source, and the move is reported
    assert v.citation is not None and v.citation.n == 2 and v.citation.chunk_id == "15-NQ/TU#2"
    assert v.citation.start == right.citation.start and "moved" in v.reason and "[2]" in v.reason


def test_quote_in_no_passage_or_in_several_other_passages_is_rejected() -> None:
    v = _one(Claim(1, "Ủy ban nhân dân tỉnh chủ trì xây dựng Trung tâm dữ liệu riêng", ""))
    assert v.citation is None and "[1]" in v.reason and "not found" in v.reason
    twice = [HITS[0], HITS[1], HITS[1]]  # the quote's passage shown twice: no single true source
    [v] = verify([Claim(1, "Ủy ban nhân dân tỉnh chủ trì xây dựng Trung tâm dữ liệu", "")], twice, TEXTS)
    assert v.citation is None


def test_a_quote_cut_at_the_length_limit_loses_its_broken_last_word() -> None:
    base = "Tổng chi cho nghiên cứu khoa học và phát triển công nghệ đạt 2% GRDP, trong đó chi từ khu vực"
    cut = (base + " doanh" * 40)[: QUOTE_MAX - 3] + " 化的"  # the grammar's last short token
    passage = Hit(Chunk("15-NQ/TU", 9, base + " doanh" * 40, (), 0, 0), META, 1.0)
    [v] = verify([Claim(1, cut, "2% GRDP")], [passage], {})
    assert v.citation is not None and "化" not in v.citation.quote
    short = "Tổng chi cho nghiên cứu khoa học đạt 2% GRDP 化的"  # not at the limit: no repair
    [v] = verify([Claim(1, short, "2% GRDP")], [passage], {})
    assert v.citation is None


def test_an_answer_cut_at_the_length_limit_ends_at_a_whole_word() -> None:
    assert clean_answer("  Đạt 2% GDP.  ") == "Đạt 2% GDP."
    cut = ("Kinh phí chi cho nghiên cứu phát triển " * 10)[: ANSWER_MAX - 2] + "化的"
    cleaned = clean_answer(cut)
    assert cleaned.endswith(" …") and "化" not in cleaned and len(cleaned) < len(cut)


def test_passage_number_out_of_range_is_rejected() -> None:
    for n in (0, 3, -1):
        v = _one(Claim(n, "Kinh tế số chiếm 25% GRDP của tỉnh.", ""))
        assert v.citation is None and "does not exist" in v.reason


def test_invented_number_in_answer_is_rejected() -> None:
    quote = "Tổng chi cho nghiên cứu khoa học và phát triển công nghệ đạt 2% GRDP"
    v = _one(Claim(1, quote, "Tổng chi cho nghiên cứu khoa học đạt 30% GRDP."))
    assert v.citation is None
    assert "30" in v.reason
    # a number that is in the quote is fine, so is one taken from the question
    assert _one(Claim(1, quote, "Đạt 2% GRDP.")).citation is not None
    assert _one(Claim(1, quote, "Đến năm 2030, đạt 2% GRDP."), question="Mục tiêu đến năm 2030?").citation is not None
    assert _one(Claim(1, quote, "Đến năm 2030, đạt 2% GRDP.")).citation is None


def test_too_short_or_empty_quote_is_rejected() -> None:
    for quote in ("GRDP", "25% GRDP", "", "  **  "):
        assert _one(Claim(1, quote, "")).citation is None, quote


def test_fabricated_quote_is_rejected() -> None:
    v = _one(Claim(1, "Kinh tế số chiếm 35% GRDP của tỉnh.", "Kinh tế số chiếm 35% GRDP."))
    assert v.citation is None


def test_each_claim_judged_separately_in_order() -> None:
    claims = [
        Claim(1, "Kinh tế số chiếm 25% GRDP của tỉnh.", "25% GRDP."),
        Claim(1, "Kinh tế số chiếm 50% GRDP của tỉnh.", "50% GRDP."),
        Claim(2, "hoàn thành trong năm 2026", "Năm 2026."),
    ]
    verdicts = verify(claims, HITS, TEXTS)
    assert [v.claim for v in verdicts] == claims
    assert [v.citation is not None for v in verdicts] == [True, False, True]


def test_without_document_text_quote_still_verifies_without_offsets() -> None:
    [v] = verify([Claim(1, "Kinh tế số chiếm 25% GRDP của tỉnh.", "")], HITS, {})
    assert v.citation is not None and v.citation.start is None and v.citation.end is None


def test_parse_claims_valid() -> None:
    raw = json.dumps(
        {"found": True, "claims": [{"passage": 2, "quote": "hoàn thành trong năm 2026", "answer": "Năm 2026."}]},
        ensure_ascii=False,
    )
    found, claims = parse_claims(raw)
    assert found is True
    assert claims == [Claim(2, "hoàn thành trong năm 2026", "Năm 2026.")]
    assert parse_claims('{"found": false, "claims": []}') == (False, [])


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        "",
        '{"found": true, "claims": [',  # truncated output
        "[1, 2]",
        '{"found": true}',
        '{"found": true, "claims": "none"}',
        '{"found": true, "claims": ["a quote"]}',
        '{"found": true, "claims": [{"quote": "Kinh tế số chiếm 25% GRDP"}]}',
        '{"found": true, "claims": [{"passage": "một", "quote": "Kinh tế số chiếm", "answer": ""}]}',
    ],
)
def test_parse_claims_rejects_malformed_output(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_claims(raw)


def test_answer_text_stream_yields_only_answer_prose_across_piece_boundaries() -> None:
    from assistant.answer.cite import AnswerTextStream

    raw = (
        '{"found": true, "claims": [{"passage": 1, "quote": "đạt 2% GDP", "answer": "Chi R&D đạt \\"2%\\" GDP"},'
        ' {"passage": 2, "quote": "x y z", "answer": "Tầm nhìn \\u0032045"}]}'
    )
    for size in (1, 2, 3, 7, len(raw)):
        stream = AnswerTextStream()
        text = "".join(stream.feed(raw[i : i + size]) for i in range(0, len(raw), size))
        assert text == 'Chi R&D đạt "2%" GDP\nTầm nhìn 2045'


def test_quote_joining_non_adjacent_lines_is_cut_to_its_verbatim_fragment() -> None:
    from assistant.answer.cite import Claim, verify
    from assistant.types import Chunk, DocMeta, Hit

    text = "a) Đến năm 2030:\n- Tỷ lệ hồ sơ trực tuyến đạt 80%.\n- Tổng chi cho nghiên cứu đạt 1,5% GRDP."
    hit = Hit(Chunk("9-NQ/TU", 0, text, ("II",), 0, len(text)), DocMeta("9-NQ/TU", key="9-NQ/TU"), 1.0)
    joined = "a) Đến năm 2030:\n- Tổng chi cho nghiên cứu đạt 1,5% GRDP."  # not contiguous in the source
    [v] = verify([Claim(1, joined, "1,5% GRDP")], [hit], {"9-NQ/TU": text})
    assert v.citation is not None and v.citation.quote == "- Tổng chi cho nghiên cứu đạt 1,5% GRDP."
    assert text[v.citation.start : v.citation.end] == v.citation.quote
    # a fragment that does not hold the answer's number cannot carry it
    [bad] = verify([Claim(1, "a) Đến năm 2030:\n- Tổng chi cho đầu tư đạt 9%.", "9%")], [hit], {"9-NQ/TU": text})
    assert bad.citation is None


def test_prompt_marks_gaps_between_non_adjacent_sentences() -> None:
    from assistant.search.rerank import best_sentences

    text = "Mục tiêu chung rõ ràng. Câu không liên quan một. Câu không liên quan hai. Chi cho nghiên cứu đạt 2% GDP."
    got = best_sentences("mục tiêu chi cho nghiên cứu", text, 2, mark_gaps=True)
    assert got == ["Mục tiêu chung rõ ràng.", "…", "Chi cho nghiên cứu đạt 2% GDP."]


def test_parse_claims_tolerates_raw_newlines_in_strings() -> None:
    raw = '{"found": true, "claims": [{"passage": 1, "quote": "dòng một\ndòng hai", "answer": "x"}]}'
    assert parse_claims(raw)[1] == [Claim(1, "dòng một\ndòng hai", "x")]


def test_parse_claims_keeps_the_claims_written_before_output_broke_off() -> None:
    raw = (
        '{"found": true, "claims": [{"passage": 2, "quote": "hoàn thành trong năm 2026", "answer": "Năm 2026."}, '
        '{"passage": 1, "quote": "Kinh tế số chi'
    )
    found, claims = parse_claims(raw)
    assert found is True
    assert claims == [Claim(2, "hoàn thành trong năm 2026", "Năm 2026.")]


@pytest.mark.parametrize(
    "quote",
    [
        "Tổng chi cho nghiên cứu khoa học và phát triển công nghệ đạt 2% GRDP.",  # "." where the source goes on
        "…trong đó chi từ khu vực doanh nghiệp chiếm trên 40%...",  # elided edges
        "“Ủy ban nhân dân tỉnh chủ trì xây dựng Trung tâm dữ liệu dùng chung”",  # quotation marks
    ],
)
def test_punctuation_at_the_quote_edges_is_tolerated_and_the_source_shown(quote: str) -> None:
    n = 2 if "Ủy ban" in quote else 1
    v = _one(Claim(n, quote, trim_quote(quote)))
    assert v.reason == "ok", v.reason
    assert v.citation is not None
    assert v.citation.quote == DOC[v.citation.start : v.citation.end]  # the source's characters, trimmed
    assert not v.citation.quote.endswith((".", "…", "”")) and not v.citation.quote.startswith(("…", "“"))


def test_punctuation_inside_a_quote_is_not_tolerated() -> None:
    v = _one(Claim(1, "Tổng chi cho nghiên cứu khoa học. Và phát triển công nghệ đạt 2% GRDP", "2% GRDP."))
    assert v.citation is None


def test_a_heading_joined_to_a_lowercased_list_item_verifies_as_the_item() -> None:
    text = "a) Đến năm 2030:\n\n- Kinh tế số chiếm 25% GRDP.\n- Tổng chi cho nghiên cứu khoa học đạt 1,5% GRDP."
    hit = Hit(Chunk("9-NQ/TU", 0, text, ("II",), 0, len(text)), DocMeta("9-NQ/TU", key="9-NQ/TU"), 1.0)
    joined = "a) Đến năm 2030: tổng chi cho nghiên cứu khoa học đạt 1,5% GRDP."
    [v] = verify([Claim(1, joined, "1,5% GRDP")], [hit], {"9-NQ/TU": text})
    assert v.citation is not None, v.reason
    assert v.citation.quote == "Tổng chi cho nghiên cứu khoa học đạt 1,5% GRDP"  # the source's own case
    assert text[v.citation.start : v.citation.end] == v.citation.quote
    # the item's words must still be verbatim: a changed word is not a case difference
    [bad] = verify([Claim(1, "a) Đến năm 2030: tổng chi cho đầu tư đạt 1,5% GRDP.", "1,5% GRDP")], [hit], {"9-NQ/TU": text})
    assert bad.citation is None


def test_only_the_first_letter_of_a_quote_may_differ_in_case() -> None:
    ok = _one(Claim(1, "tổng chi cho nghiên cứu khoa học và phát triển công nghệ", "Có, cho phát triển công nghệ."))
    assert ok.citation is not None and ok.citation.quote.startswith("Tổng chi"), ok.reason
    bad = _one(Claim(1, "Tổng Chi cho nghiên cứu khoa học và phát triển công nghệ", "Có, cho phát triển công nghệ."))
    assert bad.citation is None
