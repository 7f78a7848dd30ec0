"""Wording normalised before overlap, direction clause by clause, and the sentences of a passage."""

from __future__ import annotations

from assistant.check.compare import compare
from assistant.check.decide import named_objects
from assistant.check.direction import direction_difference
from assistant.check.pool import split
from assistant.check.wording import Wording, abbreviations

DIRECTIVE = (
    "Phát triển khoa học, công nghệ, đổi mới sáng tạo (KH,CN,ĐMST) là đột phá quan trọng hàng đầu. "
    "Hội đồng thẩm định quốc gia (sau đây gọi tắt là HĐTĐQG) làm việc hằng năm. "
    "Mỗi địa phương lập Quỹ phát triển doanh nghiệp nhỏ; nhiệm vụ QPTDNN được giao cho tỉnh."
)


def test_abbreviations_defined_or_used() -> None:
    found = abbreviations(DIRECTIVE)
    assert found["KH,CN,ĐMST"] == "khoa học, công nghệ, đổi mới sáng tạo"
    assert found["HĐTĐQG"] == "hội đồng thẩm định quốc gia"
    assert found["QPTDNN"] == "quỹ phát triển doanh nghiệp nhỏ"  # used, never defined: spelled out by initials


def test_synonyms_and_abbreviations_fold_to_one_form() -> None:
    w = Wording(abbreviations(DIRECTIVE))
    a = w.canon("Bố trí không dưới 3% ngân sách mỗi năm cho KH,CN,ĐMST")
    b = w.canon("bố trí ít nhất 3% ngân sách hàng năm cho khoa học, công nghệ, đổi mới sáng tạo")
    assert a.split() == b.split()
    assert "tối thiểu" in a and "hằng năm" in a
    assert w.canon("R&D") == "nghiên cứu phát triển" and w.canon("không quá 5%") == "tối đa 5%"


def test_direction_clause_by_clause() -> None:
    sentence = "Có cơ chế cho phép và khuyến khích các tổ chức nghiên cứu thành lập doanh nghiệp; hạn chế đầu tư dàn trải."
    # the cue of the matching clause decides; the other clause's opposite cue does not cancel it
    turned = direction_difference("Chỉ cho phép các tổ chức nghiên cứu thành lập doanh nghiệp khi được phê duyệt.", sentence)
    assert turned is not None and turned.stated == "chỉ cho phép"
    assert direction_difference("Khuyến khích các tổ chức nghiên cứu thành lập doanh nghiệp.", sentence) is None
    turned = direction_difference(
        "Không chấp nhận rủi ro trong nghiên cứu khoa học.", "Chấp nhận rủi ro trong nghiên cứu khoa học."
    )
    assert turned is not None and turned.stated == "không chấp nhận"
    # a negated clause with no cue word against the same clause asserted
    assert direction_difference(
        "Người đứng đầu không trực tiếp phụ trách công tác này.", "Người đứng đầu trực tiếp phụ trách công tác này."
    )
    # "B là chủ yếu" against "A là chủ yếu"
    turned = direction_difference(
        "Phát triển hạ tầng số chủ yếu dựa vào nguồn lực tư nhân.",
        "Phát triển hạ tầng số, trong đó nguồn lực nhà nước là chủ yếu.",
    )
    assert turned is not None and "tư nhân" in turned.stated and "nhà nước" in turned.directive
    assert direction_difference("Nguồn lực nhà nước là chủ yếu.", "trong đó nguồn lực nhà nước là chủ yếu.") is None


def test_sentences_keep_their_clause_and_heading() -> None:
    passage = (
        "Ban cán sự đảng Chính phủ:\n- Chủ trì thể chế hóa Nghị quyết; 6 tháng một lần báo cáo Bộ Chính trị.\n"
        "- Phối hợp với các bộ. Bố trí nguồn lực."
    )
    got = split(passage)
    item = "- Chủ trì thể chế hóa Nghị quyết; 6 tháng một lần báo cáo Bộ Chính trị."
    assert got[1] == (item, "Ban cán sự đảng Chính phủ:", item)
    assert [s for s, _, _ in got[2:]] == ["- Phối hợp với các bộ.", "Bố trí nguồn lực."]
    # "; định kỳ …": a lower-case letter after ";" goes on with the sentence
    assert [s for s, _, _ in split("Theo dõi kết quả; định kỳ 6 tháng báo cáo. Điều khoản thi hành.")] == [
        "Theo dõi kết quả; định kỳ 6 tháng báo cáo.",
        "Điều khoản thi hành.",
    ]


def test_a_task_table_row_is_read_by_its_headers() -> None:
    table = (
        "| TT | Nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp | Thời hạn hoàn thành |\n| --- | --- | --- | --- | --- |\n"
        "| 1 | Xây dựng Trung tâm dữ liệu | Sở Thông tin và Truyền thông | Sở Tài chính; Sở Tư pháp | Quý IV/2026 |"
    )
    [(text, _, reading)] = split(table)
    assert text.startswith("| 1 | Xây dựng") and reading == (
        "Sở Thông tin và Truyền thông chủ trì | phối hợp với Sở Tài chính, Sở Tư pháp — Xây dựng Trung tâm dữ liệu"
        " — thời hạn hoàn thành Quý IV/2026"
    )
    diffs = compare("Sở Tài chính chủ trì xây dựng Trung tâm dữ liệu, hoàn thành trong năm 2025.", reading).differences
    assert [(d.kind, d.stated, d.directive) for d in diffs] == [
        ("deadline", "2025", "Quý IV/2026"),
        ("body", "Sở Tài chính", "Sở Thông tin và Truyền thông"),
    ]


def test_named_objects() -> None:
    names = named_objects("Kết luận 69 yêu cầu Bộ Khoa học và Công nghệ ban hành Luật Trí tuệ nhân tạo, nâng chỉ số GII.")
    assert names == ["bộ khoa học và công nghệ", "gii", "luật trí tuệ nhân tạo"]
