"""Evidence checks: answer type (quantity/time), the question's specifics, relevance of quotes."""

from __future__ import annotations

import pytest

from assistant.answer.evidence import asks_for_quantity, gives_quantity, missing_specifics, relevant, shortfall, specifics


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Kinh tế số chiếm bao nhiêu phần trăm GDP?", True),
        ("Có mấy nhiệm vụ trọng tâm?", True),
        ("Việc thể chế hóa phải hoàn thành trong năm nào?", True),
        ("Khi nào báo cáo sơ kết?", True),
        ("Các bộ xây dựng kế hoạch trong thời hạn nào?", True),
        ("Ai làm Trưởng Ban Chỉ đạo?", False),
        ("Nghị quyết 57 đề ra những nhiệm vụ gì?", False),
    ],
)
def test_asks_for_quantity(question: str, asks: bool) -> None:
    assert asks_for_quantity(question) is asks


def test_gives_quantity_needs_a_number_the_question_did_not_give() -> None:
    q = "Nghị quyết 57-NQ/TW đặt mục tiêu thu nhập bình quân năm 2045 là bao nhiêu USD?"
    assert not gives_quantity(q, ["Đến năm 2045, Việt Nam trở thành nước phát triển, thu nhập cao."])
    assert not gives_quantity(q, ["Thực hiện Nghị quyết số 57-NQ/TW của Bộ Chính trị."])  # only a document number
    assert gives_quantity(q, ["Đến năm 2045, thu nhập bình quân đạt 12.000 USD."])
    assert gives_quantity("Báo cáo bao lâu một lần?", ["Định kỳ hằng năm báo cáo Bộ Chính trị."])
    assert gives_quantity("Có bao nhiêu lĩnh vực?", ["Tập trung vào ba lĩnh vực then chốt."])


def test_specifics_are_figures_and_codes_not_document_numbers() -> None:
    assert specifics("Nghị quyết 03/NQ-CP đặt chỉ tiêu phủ sóng 6G năm 2030 đạt 99,5%?") == {"6g", "2030", "99.5"}
    assert specifics("Nghị quyết 57 nói gì về chuyển đổi số?") == set()


def test_missing_specifics() -> None:
    q = "Chỉ tiêu phủ sóng mạng 6G đến năm 2030 là bao nhiêu?"
    assert missing_specifics(q, ["Phủ sóng 5G cho 99% dân số đến năm 2030."]) == {"6g"}
    assert missing_specifics(q, ["Phủ sóng 6G thử nghiệm đến năm 2030."]) == set()
    assert missing_specifics("Mục tiêu đến năm 2035?", ["Đến năm 2030 …", "tầm nhìn 2045"]) == {"2035"}


def test_relevant_drops_quotes_far_below_the_best() -> None:
    terms = {"kinh", "tế", "số", "gdp"}
    quotes = ["Kinh tế số đạt 30% GDP.", "Phát triển nguồn nhân lực chất lượng cao."]
    assert relevant(quotes, terms, {}) == [True, False]
    assert relevant(["a", "b"], terms, {}) == [True, True]  # nothing covers: keep, other checks decide


def test_shortfall_reasons() -> None:
    assert shortfall("Chi R&D bao nhiêu phần trăm GDP?", ["Kinh phí chi cho R&D đạt 2% GDP."], []) is None
    assert "con số" in (shortfall("Chi R&D bao nhiêu phần trăm GDP?", ["Tăng chi cho R&D."], []) or "")
    assert "6g" in (shortfall("Nghị quyết nói gì về mạng 6G?", ["Phủ sóng 5G toàn quốc."], ["Phủ sóng 5G"]) or "")


def test_a_document_named_in_short_form_is_not_a_missing_figure() -> None:
    question = "NQ57 muốn Việt Nam xếp ở nhóm nào về trí tuệ nhân tạo?"
    quote = ["Thuộc nhóm 3 nước dẫn đầu khu vực về nghiên cứu và phát triển trí tuệ nhân tạo."]
    assert "nq57" in (shortfall(question, quote, quote) or "")  # without knowing it names a document
    assert shortfall(question, quote, quote, named="NQ57") is None
    # a figure beside the named document is still required
    assert "6g" in (shortfall("NQ57 nói gì về mạng 6G?", ["Phủ sóng 5G."], ["Phủ sóng 5G."], named="NQ57") or "")
