"""Query understanding: described sources (type, issuer, year, term) and policy abbreviations."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.search.query import describe, expand_abbreviations, matches, source_profile


@pytest.mark.parametrize(
    ("question", "types", "issuer", "years"),
    [
        ("Theo nghị quyết của Bộ Chính trị cuối năm 2024, kinh tế số chiếm bao nhiêu?", {"NQ"}, "bộ chính trị", [(2024, 2024)]),
        ("Kết luận năm 2024 của Bộ Chính trị yêu cầu gì?", {"KL"}, "bộ chính trị", [(2024, 2024)]),
        ("Kế hoạch của Đảng đoàn Quốc hội giao việc gì?", {"KH"}, "đảng đoàn quốc hội", []),
        ("Nghị quyết Trung ương khóa XI về khoa học", {"NQ"}, "ban chấp hành trung ương", [(2011, 2016)]),
        ("Văn bản do Chính phủ ban hành về chuyển đổi số", set(), "chính phủ", []),
        ("Chỉ thị của Tỉnh ủy về an toàn thông tin", {"CT"}, "tỉnh ủy", []),
    ],
)
def test_describe_reads_facets(question: str, types: set[str], issuer: str, years: list[tuple[int, int]]) -> None:
    d = describe(question)
    assert set(d.doc_types) == types
    assert any(issuer in body for body in d.issuers), d.issuers
    assert list(d.years) == years


@pytest.mark.parametrize(
    "question",
    [
        "Chính phủ phải hoàn thành việc thể chế hóa trong năm nào?",  # an actor, not the source
        "Đến năm 2030 kinh tế số chiếm bao nhiêu phần trăm?",  # a target year
        "Cuối năm 2025, Thường trực Ban Bí thư yêu cầu gì?",  # the date of an event
        "Các bộ phải xây dựng kế hoạch thực hiện trong bao lâu?",  # "kế hoạch" as an action
        "",
    ],
)
def test_describe_ignores_what_is_not_a_source(question: str) -> None:
    assert describe(question).empty


def test_year_needs_a_document_word_or_issuer() -> None:
    assert describe("Văn bản năm 2024 nói gì?").years == ((2024, 2024),)
    assert describe("Năm 2024 có gì mới?").empty


def test_matches_every_facet() -> None:
    d = describe("nghị quyết của Bộ Chính trị năm 2024")
    profile = source_profile("57-NQ/TW", "Ban Chấp hành Trung ương", "Nghị quyết", "NGHỊ QUYẾT\nCỦA BỘ CHÍNH TRỊ\nvề …")
    assert matches(d, "NQ", date(2024, 12, 22), profile)
    assert not matches(d, "KL", date(2024, 12, 22), profile)  # type differs
    assert not matches(d, "NQ", date(2012, 11, 1), profile)  # year differs
    assert not matches(d, "NQ", None, profile)  # undated
    assert not matches(d, "NQ", date(2024, 1, 1), "chính phủ nghị quyết")  # issuer differs
    assert not matches(describe("kinh tế số"), "NQ", date(2024, 1, 1), profile)  # nothing described


def test_profile_stops_at_the_first_reference_to_another_document() -> None:
    head = (
        "CHÍNH PHỦ\nSố: 03/NQ-CP\nNGHỊ QUYẾT\nBan hành Chương trình hành động của Chính phủ thực hiện "
        "Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị"
    )
    profile = source_profile("03/NQ-CP", "CHÍNH PHỦ", None, head)
    assert "chính phủ" in profile
    assert "bộ chính trị" not in profile
    head = (
        "Kết luận số 69-KL/TW ngày 11/01/2024 của Bộ Chính trị về thực hiện Nghị quyết số 20-NQ/TW của Ban Chấp hành Trung ương"
    )
    own = source_profile("69-KL/TW", None, None, head)
    assert "bộ chính trị" in own  # its own number does not cut the profile
    assert "ban chấp hành trung ương" not in own


@pytest.mark.parametrize(
    ("question", "added"),
    [
        ("Kinh tế số chiếm bao nhiêu % GDP?", "tổng sản phẩm quốc nội"),
        ("Chi cho R&D đạt bao nhiêu?", "nghiên cứu phát triển"),
        ("tổng sản phẩm quốc nội tăng bao nhiêu", "gdp"),
        ("UBND tỉnh giao nhiệm vụ gì", "ủy ban nhân dân"),
    ],
)
def test_expand_abbreviations(question: str, added: str) -> None:
    out = expand_abbreviations(question)
    assert out.startswith(question)
    assert added in out.lower()


def test_expand_leaves_plain_questions_alone() -> None:
    q = "Ai chịu trách nhiệm chủ trì?"  # "ai" is "who", not an abbreviation
    assert expand_abbreviations(q) == q


def test_standing_committee_of_an_issuer_describes_the_source() -> None:
    d = describe("Kết luận của Ban Thường vụ Tỉnh ủy về chuyển đổi số")
    assert d.doc_types == {"KL"}
    assert any("tỉnh ủy" in body for body in d.issuers)


@pytest.mark.parametrize(
    "question",
    [
        "Cơ quan nào của Chính phủ ban hành tiêu chí xác định?",
        "Việc quản lý thuộc trách nhiệm quản lý trực tiếp của Quốc hội, đúng hay sai?",
    ],
)
def test_a_body_named_in_the_question_is_not_a_source(question: str) -> None:
    assert describe(question).issuers == ()
