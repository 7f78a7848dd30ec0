"""Each deterministic comparison between a draft statement and a directive sentence."""

from __future__ import annotations

from assistant.check.compare import compare, polarity, rewrite
from assistant.check.mentions import mentions, number_value, same_body

RD = (
    "- Kinh phí chi cho nghiên cứu phát triển (R&D) đạt 2% GDP, trong đó kinh phí từ xã hội chiếm hơn 60%; "
    "bố trí ít nhất 3% tổng chi ngân sách hằng năm cho phát triển khoa học, công nghệ, đổi mới sáng tạo."
)
GOALS_2030 = "II- MỤC TIÊU › 1. Đến năm 2030"


def kinds(statement: str, sentence: str, crumb: str = "") -> list[tuple[str, str, str]]:
    return [(d.kind, d.stated, d.directive) for d in compare(statement, sentence, crumb).differences]


def test_number_values() -> None:
    assert [number_value(x) for x in ("1.000", "1,5", "03", "100.000", "2,0", "22/22")] == [
        "1000",
        "1.5",
        "3",
        "100000",
        "2",
        "22/22",
    ]


def test_percentage_aligned_by_its_own_terms_not_by_its_value() -> None:
    # 3% of R&D spending differs from the directive's 2%, though "3%" occurs in the sentence (budget share)
    stmt = "Nghị quyết đặt mục tiêu kinh phí chi cho nghiên cứu và phát triển (R&D) đạt 3% GDP vào năm 2030."
    assert kinds(stmt, RD, GOALS_2030) == [("percentage", "3%", "2%")]
    stmt = "Nghị quyết yêu cầu bố trí ít nhất 2% tổng chi ngân sách hằng năm cho phát triển khoa học."
    assert kinds(stmt, RD, GOALS_2030) == [("percentage", "ít nhất 2%", "ít nhất 3%")]


def test_matching_percentages_and_year_from_the_breadcrumb() -> None:
    stmt = "Kinh phí cho nghiên cứu và phát triển phấn đấu đạt 2% GDP vào năm 2030, trong đó nguồn từ xã hội chiếm trên 60%."
    comp = compare(stmt, RD, GOALS_2030)
    assert comp.differences == [] and comp.matched == 3 and comp.figures == 2
    assert kinds(stmt.replace("2030", "2035"), RD, GOALS_2030) == [("year", "2035", "2030")]


def test_deadline_year() -> None:
    sentence = (
        "phối hợp với Đảng đoàn Quốc hội thể chế hoá đầy đủ các chủ trương và bố trí đủ nguồn lực để thực hiện, "
        "cơ bản hoàn thành trong năm 2025."
    )
    stmt = "Ban cán sự đảng Chính phủ được giao thể chế hóa đầy đủ các chủ trương, cơ bản hoàn thành trong năm 2026."
    assert kinds(stmt, sentence) == [("deadline", "2026", "2025")]
    assert rewrite(compare(stmt, sentence)) == stmt.replace("2026", "2025")


def test_reporting_period() -> None:
    sentence = "định kỳ 6 tháng báo cáo kết quả với Ban Chỉ đạo Trung ương và Bộ Chính trị để chỉ đạo."
    stmt = "Văn phòng Trung ương Đảng định kỳ hằng quý báo cáo kết quả với Ban Chỉ đạo Trung ương và Bộ Chính trị."
    assert kinds(stmt, sentence) == [("deadline", "hằng quý", "6 tháng")]
    assert "định kỳ 6 tháng báo cáo" in (rewrite(compare(stmt, sentence)) or "")


def test_number_with_unit() -> None:
    sentence = "Sau 10 năm thực hiện Nghị quyết số 20-NQ/TW, khoa học và công nghệ đã có chuyển biến tích cực."
    stmt = "Sau 15 năm thực hiện Nghị quyết 20-NQ/TW, khoa học và công nghệ đã có chuyển biến tích cực."
    assert kinds(stmt, sentence) == [("number", "15", "10")]
    # document numbers are identifiers, not values
    assert kinds("Sau 10 năm thực hiện Nghị quyết số 21-NQ/TW, khoa học có chuyển biến.", sentence) == []


def test_date_that_differs_in_one_part() -> None:
    assert kinds("Nghị quyết được ban hành ngày 22/12/2023.", "Hà Nội, ngày 22 tháng 12 năm 2024") == [
        ("date", "ngày 22/12/2023", "ngày 22 tháng 12 năm 2024")
    ]
    assert kinds("Nghị quyết được ban hành ngày 22/12/2024.", "Hà Nội, ngày 22 tháng 12 năm 2024") == []


def test_responsible_body_in_the_same_role() -> None:
    sentence = (
        "Thành lập Ban Chỉ đạo Trung ương về phát triển khoa học, "
        "do đồng chí Tổng Bí thư Ban Chấp hành Trung ương Đảng làm Trưởng Ban."
    )
    stmt = "Ban Chỉ đạo Trung ương về phát triển khoa học do Thủ tướng Chính phủ làm Trưởng Ban."
    assert kinds(stmt, sentence) == [("body", "Thủ tướng Chính phủ", "Tổng Bí thư Ban Chấp hành Trung ương Đảng")]
    assert kinds("Ban Chỉ đạo Trung ương do Tổng Bí thư làm Trưởng Ban.", sentence) == []
    # a body the sentence does not name, in no shared role, is not a contradiction
    assert kinds("Chính phủ đã thành lập Ban Chỉ đạo về phát triển khoa học.", sentence) == []


def test_body_names() -> None:
    _, found = mentions(
        "Bộ Khoa học và Công nghệ chủ trì, phối hợp với Ban Tuyên giáo Trung ương và Bộ Chính trị; các Bộ, ngành."
    )
    bodies = [(m.text, m.role) for m in found if m.kind == "body"]
    # "phối hợp với A và B": both are partners of the body that leads
    assert bodies == [
        ("Bộ Khoa học và Công nghệ", "chủ trì"),
        ("Ban Tuyên giáo Trung ương", "partner"),
        ("Bộ Chính trị", "partner"),
    ]
    assert same_body("thủ tướng", "thủ tướng chính phủ") and same_body("chính phủ", "ban cán sự đảng chính phủ")
    assert not same_body("ban kinh tế trung ương", "ban tuyên giáo trung ương")
    assert not same_body("chính phủ", "văn phòng chính phủ") and not same_body("chính phủ", "thủ tướng chính phủ")


REPORTING = (
    "Văn phòng Trung ương Đảng phối hợp với Ban Kinh tế Trung ương theo dõi, kiểm tra, đánh giá kết quả thực hiện "
    "Nghị quyết; định kỳ 6 tháng báo cáo kết quả với Ban Chỉ đạo Trung ương và Bộ Chính trị để chỉ đạo."
)


def test_reporting_cycle_and_recipient_by_role_not_by_window() -> None:
    # the cycle far from the verb, after the recipient: still the reporting cycle
    stmt = "Văn phòng Trung ương Đảng báo cáo Ban Chỉ đạo Trung ương và Bộ Chính trị về kết quả thực hiện Nghị quyết hằng quý."
    assert kinds(stmt, REPORTING) == [("deadline", "hằng quý", "định kỳ 6 tháng")]
    stmt = "Văn phòng Trung ương Đảng sáu tháng một lần báo cáo Ban Chỉ đạo Trung ương và Bộ Chính trị kết quả thực hiện."
    assert kinds(stmt, REPORTING) == []
    # the report goes to another body
    stmt = "Văn phòng Trung ương Đảng định kỳ 6 tháng báo cáo kết quả thực hiện Nghị quyết với Thủ tướng Chính phủ."
    assert kinds(stmt, REPORTING) == [("body", "Thủ tướng Chính phủ", "Ban Chỉ đạo Trung ương")]
    # a budget that is spent every year is no reporting cycle
    assert kinds("Bố trí ngân sách hằng quý cho theo dõi, đánh giá kết quả thực hiện Nghị quyết.", REPORTING) == []


def test_a_body_in_another_role_or_under_a_heading() -> None:
    sentence = (
        "Ban Tuyên giáo Trung ương chủ trì, phối hợp với Ban Kinh tế Trung ương hướng dẫn, theo dõi, "
        "định kỳ sơ kết, tổng kết, báo cáo Bộ Chính trị, Ban Bí thư kết quả thực hiện Kết luận này."
    )
    # named in the sentence, but as a partner: the lead is another body
    stmt = "Ban Kinh tế Trung ương chủ trì hướng dẫn, theo dõi, sơ kết, tổng kết việc thực hiện Kết luận."
    assert kinds(stmt, sentence) == [("body", "Ban Kinh tế Trung ương", "Ban Tuyên giáo Trung ương")]
    assert compare(stmt.replace("Ban Kinh tế", "Ban Tuyên giáo"), sentence).agreed == {"body"}
    # an item under "Bộ Khoa học và Công nghệ:" begins with its verb; the heading names who does it
    item = "- Chủ trì xây dựng cơ chế tài chính cho quỹ đổi mới sáng tạo."
    stmt = "Bộ Tài chính chủ trì xây dựng cơ chế tài chính cho quỹ đổi mới sáng tạo."
    assert kinds(stmt, item) == []
    heading = "Bộ Khoa học và Công nghệ:"
    assert compare(stmt, item, heading=heading).differences[0].directive == "Bộ Khoa học và Công nghệ"
    assert compare(stmt.replace("Bộ Tài chính", "Bộ Khoa học và Công nghệ"), item, heading=heading).agreed == {"body"}


def test_every_date_form() -> None:
    forms = ["22/12/2024", "22-12-2024", "22.12.2024", "ngày 22 tháng 12 năm 2024", "22 tháng 12 năm 2024"]
    for form in forms:
        assert [m.value for m in mentions(f"Ban hành {form} về khoa học.")[1] if m.kind == "date"] == ["2024-12-22"], form
    assert [m.value for m in mentions("Hoàn thành trong tháng 12/2025 và quý IV/2025.")[1]] == ["2025-12", "2025-q4"]


def test_direction_of_a_position() -> None:
    sentence = (
        "Có cơ chế cho phép và khuyến khích các tổ chức nghiên cứu, nhà khoa học thành lập và tham gia điều hành doanh nghiệp."
    )
    stmt = "Nghị quyết yêu cầu hạn chế việc các tổ chức nghiên cứu, nhà khoa học thành lập và tham gia điều hành doanh nghiệp."
    comp = compare(stmt, sentence)
    assert [(d.kind, d.stated, d.directive) for d in comp.differences] == [("direction", "hạn chế", "cho phép")]
    assert rewrite(comp, sentence) == stmt.replace("hạn chế", "cho phép và khuyến khích")
    assert polarity("Tuy nhiên hạ tầng số còn nhiều hạn chế.") == (0, "")  # shortcomings, not a restriction
    assert polarity("không khuyến khích đầu tư dàn trải")[0] == -1


def test_figures_the_sentence_does_not_state_are_unaligned() -> None:
    comp = compare("Nghị quyết đặt mục tiêu đào tạo 100.000 kỹ sư bán dẫn đến năm 2030.", RD, GOALS_2030)
    assert comp.differences == [] and comp.figures == 0
    assert [m.value for m in comp.unaligned] == ["100000"]


def test_a_percentage_against_a_target_of_all() -> None:
    target = "Phủ sóng 5G toàn quốc."
    assert kinds("Mục tiêu phủ sóng 5G cho 99% dân số vào năm 2030.", target) == [("percentage", "99%", "toàn quốc")]
    assert compare("Mục tiêu phủ sóng 5G cho 100% dân số.", target).agreed == {"percent"}
    # "toàn quốc" about something else is no target for the figure
    assert kinds("70% dân số sử dụng dịch vụ công trực tuyến.", "Triển khai toàn quốc hệ thống điện tử.") == []
