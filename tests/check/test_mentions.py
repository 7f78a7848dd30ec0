"""Values read from a statement: date forms, reporting cycles, qualifiers; and the direction cue words."""

from __future__ import annotations

import pytest

from assistant.check.compare import compare, polarity
from assistant.check.mentions import mentions


def values(text: str) -> list[tuple[str, str]]:
    return [(m.kind, m.value) for m in mentions(text)[1]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hoàn thành trong Q4/2026", [("date", "2026-q4")]),  # not April 2026
        ("hoàn thành trong quý 4 năm 2026", [("date", "2026-q4")]),
        ("trong nửa đầu năm 2025", [("date", "2025-h1")]),
        ("trong 6 tháng cuối năm 2025", [("date", "2025-h2")]),
        ("hoàn thành trước cuối năm 2025", [("date", "2025-12")]),
        ("trong tháng 12/2024", [("date", "2024-12")]),
    ],
)
def test_date_forms(text: str, expected: list[tuple[str, str]]) -> None:
    assert values(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mỗi năm một lần báo cáo", [("period", "12")]),  # "một lần" is part of the cycle, not a count
        ("báo cáo theo quý", [("period", "3")]),
        ("định kỳ nửa năm báo cáo", [("period", "6")]),
        ("nửa năm một lần báo cáo", [("period", "6")]),
        ("diễn tập hai lần mỗi năm", [("number", "2"), ("period", "12")]),  # a count in a cycle stays a count
    ],
)
def test_reporting_cycles(text: str, expected: list[tuple[str, str]]) -> None:
    assert values(text) == expected


def test_theo_nam_with_a_year_is_no_cycle() -> None:
    assert values("theo năm 2025") == [("year", "2025")]


def test_cuoi_nam_agrees_with_the_year_and_its_last_quarter() -> None:
    deadline = "Thể chế hoá đầy đủ các chủ trương và bố trí đủ nguồn lực để thực hiện, cơ bản hoàn thành trong năm 2025."
    same = compare("Thể chế hóa đầy đủ các chủ trương, cơ bản hoàn thành trước cuối năm 2025.", deadline)
    assert same.differences == [] and same.agreed == {"year"}
    later = compare("Thể chế hóa đầy đủ các chủ trương, cơ bản hoàn thành trước cuối năm 2026.", deadline)
    assert [(d.kind, d.directive) for d in later.differences] == [("deadline", "2025")]
    quarter = "Ban hành quy chế chia sẻ dữ liệu trong quý IV năm 2025."
    assert compare("Ban hành quy chế chia sẻ dữ liệu trước cuối năm 2025.", quarter).agreed == {"date"}
    assert compare("Ban hành quy chế chia sẻ dữ liệu trong nửa đầu năm 2025.", quarter).differed == {"date"}


def test_a_qualifier_before_the_verb_of_its_figure() -> None:
    (m,) = mentions("tỉ lệ này tối thiểu phải đạt 30%")[1]
    assert (m.value, m.bound) == ("30", "min")
    (m,) = mentions("chiếm tối đa là 10%")[1]
    assert m.bound == "max"
    target = "Tỉ trọng xuất khẩu sản phẩm công nghệ cao đạt tối thiểu 50%."
    assert compare("Tỉ trọng xuất khẩu sản phẩm công nghệ cao tối đa chỉ đạt 50%.", target).differed == {"percent"}
    assert compare("Tỉ trọng xuất khẩu sản phẩm công nghệ cao không dưới mức 50%.", target).differences == []


@pytest.mark.parametrize(
    ("text", "sign"),
    [("thắt chặt hoạt động tư vấn", -1), ("khống chế tỉ trọng", -1), ("từ chối tiếp nhận", -1), ("nới lỏng điều kiện", 1)],
)
def test_more_direction_cues(text: str, sign: int) -> None:
    assert polarity(text)[0] == sign
