"""Splitting drafts into statements: Vietnamese abbreviations, decimals, item markers, locations."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.check.statements import clean, names_a_document, split_sentences, split_statements


def sentences(line: str) -> list[str]:
    return [line[s:e] for s, e in split_sentences(line)]


def test_abbreviations_do_not_end_sentences() -> None:
    line = (
        "Đồng chí Nguyễn Văn An, ThS. Kinh tế, công tác tại TP. Hồ Chí Minh. "
        "Đoàn đã làm việc tại Tp.HCM, Hà Nội v.v. và các tỉnh phía Bắc. PGS. Trần Văn Bình báo cáo kết quả."
    )
    assert sentences(line) == [
        "Đồng chí Nguyễn Văn An, ThS. Kinh tế, công tác tại TP. Hồ Chí Minh.",
        "Đoàn đã làm việc tại Tp.HCM, Hà Nội v.v. và các tỉnh phía Bắc.",
        "PGS. Trần Văn Bình báo cáo kết quả.",
    ]


def test_vv_at_the_end_of_a_sentence_ends_it() -> None:
    assert sentences("Các bộ, ngành, địa phương v.v. Các đơn vị đã triển khai đầy đủ nhiệm vụ.") == [
        "Các bộ, ngành, địa phương v.v.",
        "Các đơn vị đã triển khai đầy đủ nhiệm vụ.",
    ]


def test_decimals_thousands_and_initials_stay_inside() -> None:
    line = "Tăng 1,5% so với năm 2024, đạt 1.000 tỷ đồng. Ông Nguyễn V. An, Phó Giám đốc, ký ngày 3.5.2025 tại trụ sở."
    assert sentences(line) == [
        "Tăng 1,5% so với năm 2024, đạt 1.000 tỷ đồng.",
        "Ông Nguyễn V. An, Phó Giám đốc, ký ngày 3.5.2025 tại trụ sở.",
    ]


def test_item_numbers_are_not_sentence_ends_and_are_stripped(tmp_path: Path) -> None:
    text = (
        "## II- KẾT QUẢ THỰC HIỆN\n\n"
        "1. Ban hành Kế hoạch thực hiện Nghị quyết trong tháng 3 năm 2025.\n"
        "a) Các sở, ngành xây dựng kế hoạch chi tiết của đơn vị mình.\n"
        "- Tỷ lệ hồ sơ trực tuyến đạt 1,5% trong quý I. Kết quả còn thấp so với mục tiêu.\n"
        "(1) Chính phủ đã ban hành Nghị quyết số 71/NQ-CP ngày 01/4/2025.\n"
    )
    got = [(s.text, s.paragraph) for s in split_statements(text)]
    assert got == [
        ("Ban hành Kế hoạch thực hiện Nghị quyết trong tháng 3 năm 2025.", 1),
        ("Các sở, ngành xây dựng kế hoạch chi tiết của đơn vị mình.", 2),
        ("Tỷ lệ hồ sơ trực tuyến đạt 1,5% trong quý I.", 3),
        ("Kết quả còn thấp so với mục tiêu.", 3),
        ("Chính phủ đã ban hành Nghị quyết số 71/NQ-CP ngày 01/4/2025.", 4),
    ]


def test_locations_headings_and_offsets() -> None:
    text = (
        "ĐẢNG ỦY TỈNH\n\nKính gửi: Ban Thường vụ Tỉnh ủy\n\n"
        "## I- CÔNG TÁC LÃNH ĐẠO\n\n**1. Thành lập Ban Chỉ đạo**\n\n"
        "*   Ban Chỉ đạo do đồng chí **Bí thư Tỉnh ủy** làm Trưởng ban. Ban có 03 tổ công tác chuyên trách.\n\n"
        "## II- KẾT QUẢ\n\n| Chỉ tiêu | Kết quả |\n|---|---|\n| Kinh tế số chiếm tỷ trọng trong GRDP | 12,5% |\n\n"
        "**Nơi nhận:**\n- Như trên,\n- Văn phòng Trung ương Đảng để báo cáo kết quả thực hiện.\n- Lưu: VT, VPĐU (2).\n\n"
        "(Dấu của Văn phòng Đảng ủy tỉnh Hòa Lâm)\n"
    )
    got = split_statements(text)
    assert [s.text for s in got] == [
        "Ban Chỉ đạo do đồng chí Bí thư Tỉnh ủy làm Trưởng ban.",
        "Ban có 03 tổ công tác chuyên trách.",
        "Chỉ tiêu | Kết quả",
        "Kinh tế số chiếm tỷ trọng trong GRDP | 12,5%",
    ]
    first = got[0]
    assert first.section.endswith("I- CÔNG TÁC LÃNH ĐẠO › 1. Thành lập Ban Chỉ đạo"), first.section
    assert got[2].section.endswith("II- KẾT QUẢ")
    assert [s.n for s in got] == [1, 2, 3, 4]
    assert got[0].paragraph == got[1].paragraph != got[2].paragraph
    assert text[first.start : first.end].startswith("Ban Chỉ đạo do đồng chí **Bí thư")
    assert clean(text[got[1].start : got[1].end]) == got[1].text


def test_real_draft_report(party_dir: Path) -> None:
    text = (party_dir / "CV-402-CV-VPDU_2025-05-25_du-thao-bao-cao-NQ57.md").read_text("utf-8")
    got = split_statements(text)
    assert len(got) > 150
    texts = [s.text for s in got]
    assert (
        "Tính đến hết ngày 24/5/2025, có 22/22 bộ, ngành và 63/63 địa phương đã xây dựng, ban hành Kế hoạch hành động thực hiện."
        in texts
    )
    assert not any(t.startswith(("ĐẢNG", "Hà Nội, ngày", "Kính gửi", "*", "-", "(1)")) for t in texts)
    st = next(s for s in got if s.text.startswith("Ban Chỉ đạo của Chính phủ do Thủ tướng"))
    assert "I- CÔNG TÁC LÃNH ĐẠO, CHỈ ĐẠO, ĐIỀU HÀNH" in st.section and "a) Tại Trung ương:" in st.section
    assert all(text[s.start : s.end].strip() for s in got)


@pytest.mark.parametrize(
    "text",
    [
        "Luật Năng lượng nguyên tử (sửa đổi)",
        "Luật sửa đổi, bổ sung một số điều của Luật Tiêu chuẩn và Quy chuẩn kỹ thuật",
        "Nghị định số 13/2023/NĐ-CP về bảo vệ dữ liệu cá nhân",
        "Dự thảo Luật Trí tuệ nhân tạo",
        "Luật bảo vệ dữ liệu cá nhân",  # a law's name as drafts write it, in lower case
    ],
)
def test_a_list_item_that_only_names_a_document(text: str) -> None:
    assert names_a_document(text)


@pytest.mark.parametrize(
    "text",
    [
        "Luật Năng lượng nguyên tử (sửa đổi).",  # a sentence
        "Nghị quyết 57 đặt mục tiêu 3% GDP cho nghiên cứu và phát triển",  # a claim about it
        "Luật Đất đai giao cho tỉnh quyền thu hồi đất",
        "Kế hoạch hoàn thành trong năm 2025",  # no name after the type
        "Chính phủ đã ban hành Luật Dữ liệu",
        "Luật hóa các quy định về quỹ đầu tư mạo hiểm được tính toán kỹ",
        "Nghị quyết 57-NQ/TW xác định đến năm 2030 quy mô kinh tế số đạt tối thiểu 30% GDP",
    ],
)
def test_a_statement_about_a_document_is_not_a_name(text: str) -> None:
    assert not names_a_document(text)
