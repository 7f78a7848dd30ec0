"""Heading recognition: kinds and ranks of Vietnamese document headings, labels, table section rows."""

from __future__ import annotations

import pytest

from assistant.ingest.headings import LABEL_CHARS, clean_line, parse_heading, table_section_label, title_label, trim_label


@pytest.mark.parametrize(
    ("line", "kind", "rank", "label"),
    [
        ("**I- MỤC TIÊU**", "roman", 4, "I- MỤC TIÊU"),
        ("A. NHIỆM VỤ TRỌNG TÂM", "alpha", 3, "A. NHIỆM VỤ TRỌNG TÂM"),
        ("1. Đến năm 2030", "num", 6, "1. Đến năm 2030"),
        ("2.1- Xây dựng hạ tầng số", "num2", 7, "2.1- Xây dựng hạ tầng số"),
        ("a) Đến năm 2030: tổng chi", "letter", 8, "a) Đến năm 2030: tổng chi"),
        ("(1) Kinh tế số", "paren", 9, "(1) Kinh tế số"),
        ("Chương I", "chuong", 1, "Chương I"),
        ("Mục 1", "muc", 2, "Mục 1"),
        ("Điều 5. Phạm vi điều chỉnh", "dieu", 5, "Điều 5. Phạm vi điều chỉnh"),
        ("Phần thứ nhất", "phan", 0, "Phần thứ nhất"),
        ("## Phụ lục 1", "phuluc", -10, "Phụ lục 1"),
        ("### Bối cảnh", "md", -7, "Bối cảnh"),
        ("Nơi nhận:", "noinhan", 100, "Nơi nhận"),
    ],
)
def test_heading_kinds_and_ranks(line: str, kind: str, rank: int, label: str) -> None:
    head = parse_heading(line)
    assert head is not None
    assert (head.kind, head.rank, head.label, head.title, head.hard) == (kind, rank, label, True, True)


@pytest.mark.parametrize(
    "line",
    [
        "",
        "Một đoạn văn bình thường kết thúc bằng dấu chấm.",
        "1. nội dung viết thường không phải tiêu đề",  # a number followed by lower case: a sentence
        "2020 là năm bản lề",
        "A. Một câu dài kết thúc bằng dấu chấm, không phải một tiêu đề của phần.",  # "A." needs a title line
    ],
)
def test_not_headings(line: str) -> None:
    assert parse_heading(line) is None


def test_item_with_content_is_soft_and_not_a_title() -> None:
    item = "1. Phát triển hạ tầng số, bảo đảm an ninh mạng và tăng cường ứng dụng công nghệ chiến lược trong mọi lĩnh vực."
    head = parse_heading(item)
    assert head is not None and head.kind == "num"
    assert (head.title, head.hard) == (False, False)  # it may share a chunk with its neighbours
    assert len(head.label) <= LABEL_CHARS + 1 and head.label.endswith("…")
    assert title_label(item) is None
    assert title_label("**II- MỤC TIÊU**") == "II- MỤC TIÊU"
    assert title_label("Nội dung của một đoạn văn.") is None


def test_clean_line_removes_markdown_and_measures_bold() -> None:
    assert clean_line("## **I\\- QUAN ĐIỂM**") == ("I- QUAN ĐIỂM", 2, 1.0)
    text, level, bold = clean_line("- **Mục tiêu** chung của kế hoạch")
    assert (text, level) == ("Mục tiêu chung của kế hoạch", 0)
    assert 0 < bold < 0.6
    assert clean_line("1\u2013 Đến năm\u00a02030")[0] == "1- Đến năm 2030"


def test_table_section_rows() -> None:
    assert table_section_label("| **I** | **Đến năm 2030** | | |") == "I. Đến năm 2030"
    assert table_section_label("| II. | Nâng cao nhận thức |  |") == "II. Nâng cao nhận thức"
    assert table_section_label("| 1 | Nhiệm vụ | Bộ KH&CN |") is None  # a numbered row, not a section
    assert table_section_label("| III | Hạ tầng | Bộ TT&TT |") is None  # other cells filled: a data row
    assert table_section_label("| I |") is None


def test_trim_label() -> None:
    assert trim_label("ngắn") == "ngắn"
    long_label = trim_label("Phát triển " * 20)
    assert len(long_label) <= 81 and long_label.endswith("…") and not long_label.endswith(" …")
