"""The document walked into section units: preamble, breadcrumb stack, named chapters, tables, long paragraphs."""

from __future__ import annotations

import itertools
from pathlib import Path

from assistant.ingest.sections import PREAMBLE, WHOLE, section_units

TEXT = """ĐẢNG CỘNG SẢN VIỆT NAM
Số 57-NQ/TW

**I- TÌNH HÌNH**

Đoạn một của phần một.
Dòng tiếp theo của đoạn một.

1. Đến năm 2030

Nội dung mục một.

| TT | Nhiệm vụ |
|---|---|
| 1 | Hạ tầng |

Chương I

NHỮNG QUY ĐỊNH CHUNG

Điều 1. Phạm vi

Luật này quy định.
"""


def test_units_follow_the_heading_stack() -> None:
    units = section_units(TEXT, 1200)
    got = [(u.kind, TEXT[u.start : u.end].split("\n")[0], u.path) for u in units]
    assert got == [
        ("para", "ĐẢNG CỘNG SẢN VIỆT NAM", (PREAMBLE,)),
        ("title", "**I- TÌNH HÌNH**", ("I- TÌNH HÌNH",)),
        ("para", "Đoạn một của phần một.", ("I- TÌNH HÌNH",)),  # consecutive lines: one paragraph
        ("title", "1. Đến năm 2030", ("I- TÌNH HÌNH", "1. Đến năm 2030")),
        ("para", "Nội dung mục một.", ("I- TÌNH HÌNH", "1. Đến năm 2030")),
        ("para", "| TT | Nhiệm vụ |", ("I- TÌNH HÌNH", "1. Đến năm 2030")),  # a short table is a paragraph
        ("title", "Chương I", ("Chương I NHỮNG QUY ĐỊNH CHUNG",)),  # the chapter's name on the next line joins it
        ("title", "Điều 1. Phạm vi", ("Chương I NHỮNG QUY ĐỊNH CHUNG", "Điều 1. Phạm vi")),
        ("para", "Luật này quy định.", ("Chương I NHỮNG QUY ĐỊNH CHUNG", "Điều 1. Phạm vi")),
    ]
    assert all(u.hard_head == (u.kind == "title") for u in units)
    assert TEXT[units[6].start : units[6].end] == "Chương I\n\nNHỮNG QUY ĐỊNH CHUNG"
    assert [TEXT[a:b] for a, b in units[5].rows] == ["| TT | Nhiệm vụ |", "|---|---|", "| 1 | Hạ tầng |"]


def test_long_table_is_one_table_unit_and_long_paragraph_is_cut() -> None:
    rows = "\n".join(f"| {i} | Nhiệm vụ số {i} về chuyển đổi số |" for i in range(30))
    table = section_units(f"# Phụ lục\n\n{rows}", 300)
    assert [u.kind for u in table] == ["title", "table"]
    assert len(table[1].rows) == 30
    sentence = "Phát triển khoa học, công nghệ và đổi mới sáng tạo là đột phá quan trọng hàng đầu. "
    text = "**I- NHIỆM VỤ**\n\n" + sentence * 12
    units = section_units(text, 300)
    assert units[0].kind == "title" and len(units) > 4
    for u in units[1:]:
        assert u.kind == "para" and u.path == ("I- NHIỆM VỤ",)
        assert u.end - u.start <= 300
        assert text[u.start : u.end].endswith("hàng đầu.")
    assert all(a.end < b.start for a, b in itertools.pairwise(units))


def test_text_without_headings_is_one_section() -> None:
    units = section_units("Một đoạn văn ngắn.\n\nĐoạn thứ hai.", 1200)
    assert [(u.start, u.end, u.path, u.hard) for u in units] == [(0, 18, (WHOLE,), (WHOLE,)), (20, 33, (WHOLE,), (WHOLE,))]
    assert section_units("", 1200) == []


def test_recipients_block_in_the_preamble_is_not_a_heading() -> None:
    units = section_units("Nơi nhận:\n- Như trên.\n\nMột đoạn văn không có tiêu đề.", 1200)
    assert {u.path for u in units} == {(WHOLE,)}


def test_real_document_parts(party_dir: Path) -> None:
    text = (party_dir / "NQ-57-NQ-TW_2024-12-22_full.md").read_text(encoding="utf-8")
    units = section_units(text, 1200)
    assert units[0].path == (PREAMBLE,)
    tops = list(dict.fromkeys(u.path[0] for u in units))
    parts = ["I- QUAN ĐIỂM CHỈ ĐẠO", "II- MỤC TIÊU", "III- NHIỆM VỤ, GIẢI PHÁP", "IV- TỔ CHỨC THỰC HIỆN"]
    assert tops == [PREAMBLE, *parts, "Nơi nhận"]  # the recipients block closes every open level
    assert all(a.end <= b.start for a, b in itertools.pairwise(units))
    assert all(text[u.start : u.end] == text[u.start : u.end].strip() for u in units)
