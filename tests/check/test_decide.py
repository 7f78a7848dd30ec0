"""The rules' verdict from comparisons: what outweighs what, and what a verdict needs."""

from __future__ import annotations

from assistant.check.compare import compare
from assistant.check.decide import Evidence, Thresholds, decide, named_objects, names_present
from assistant.check.pool import Scored, Sentence
from assistant.check.wording import Wording

TH = Thresholds(min_coverage=0.3, consistent=0.6, direction=0.6, wording_only=0.6)


def scored(text: str, score: float) -> Scored:
    return Scored(Sentence(0, text, "", text, frozenset(), False), score)


def verdict(statement: str, sentences: list[tuple[str, float]]) -> str | None:
    ranked = [scored(t, s) for t, s in sentences]
    comps = [compare(statement, t) for t, _ in sentences]
    names = named_objects(statement)
    things = [n for n in names if not n.startswith(("văn phòng", "ban ", "bộ "))]
    named = [names_present(names, s, "", Wording()) for s in ranked]
    found = [names_present(things, s, "", Wording()) for s in ranked]
    return decide(statement, ranked, comps, Evidence(named, found), TH, extra=len(ranked))[0]


def test_a_figure_stated_otherwise_contradicts_and_the_same_figure_agrees() -> None:
    target = "Quy mô kinh tế số đạt tối thiểu 30% GDP."
    assert verdict("Quy mô kinh tế số đạt tối thiểu 25% GDP.", [(target, 0.9)]) == "contradicts"
    assert verdict("Quy mô kinh tế số đạt không dưới 30% GDP.", [(target, 0.9)]) == "consistent"
    assert verdict("Quy mô kinh tế số đạt khoảng 30% GDP.", [(target, 0.9)]) == "contradicts"  # another qualifier


def test_a_lead_in_contradicts_nothing() -> None:
    sentence = "Văn phòng Trung ương Đảng phối hợp với Ban Kinh tế Trung ương theo dõi, kiểm tra, đánh giá kết quả."
    stated = "Văn phòng Trung ương Đảng chủ trì, phối hợp với Bộ Khoa học và Công nghệ theo dõi, kiểm tra, đánh giá kết quả"
    assert verdict(stated + ".", [(sentence, 0.8)]) == "contradicts"
    assert verdict(stated + ":", [(sentence, 0.8)]) != "contradicts"


def test_a_figure_about_another_thing_or_another_year_is_no_contradiction() -> None:
    # "4G" is named in the statement and not in the sentence about 5G
    assert verdict("Có 99,8% dân số được phủ sóng di động 4G.", [("Phủ sóng 5G toàn quốc.", 0.7)]) != "contradicts"
    # a target for 2025 against a figure reached in 2024
    status = "Năm 2024 có 93% thôn, bản có sóng di động 4G."
    assert verdict("Đến năm 2025 có 100% thôn, bản được phủ sóng di động 4G.", [(status, 0.7)]) != "contradicts"


def test_consistent_needs_the_statements_years_and_named_objects() -> None:
    sentence = "Thành lập Quỹ phát triển khoa học và công nghệ của tỉnh trong năm 2025."
    assert verdict("Quỹ phát triển khoa học và công nghệ của tỉnh được thành lập trong năm 2025.", [(sentence, 0.9)]) == (
        "consistent"
    )
    assert verdict("Quỹ phát triển khoa học và công nghệ của tỉnh được thành lập trong năm 2028.", [(sentence, 0.9)]) == (
        "contradicts"
    )
    assert verdict("Quỹ GII phát triển khoa học và công nghệ của tỉnh được thành lập.", [(sentence, 0.9)]) != "consistent"
