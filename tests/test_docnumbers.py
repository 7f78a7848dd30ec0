"""Document numbers: formal numbers parsed from text, canonical ids, type names, spans."""

from __future__ import annotations

import unicodedata

import pytest

from assistant.docnumbers import canonical_id, parse_reference, prepare, reference_spans, type_name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Số 57-NQ/TW", ("57-NQ/TW", "NQ", "57", "TW")),
        ("Số: 03/NQ-CP", ("03/NQ-CP", "NQ", "03", "CP")),
        ("Số 3260-KH/ĐĐQH15", ("3260-KH/ĐĐQH15", "KH", "3260", "ĐĐQH15")),
        ("Kết luận số 69-KL/TW", ("69-KL/TW", "KL", "69", "TW")),
        ("Số 402-CV/VPĐU", ("402-CV/VPĐU", "CV", "402", "VPĐU")),
        ("124/2020/NĐ-CP", ("124/2020/NĐ-CP", "NĐ", "124", "CP")),
        ("Số: 112/KH-UBND", ("112/KH-UBND", "KH", "112", "UBND")),
        ("Số 15-NQ/TU", ("15-NQ/TU", "NQ", "15", "TU")),
        ("05-CT/TU", ("05-CT/TU", "CT", "05", "TU")),
        ("Quy định 105-QĐ/TW", ("105-QĐ/TW", "QĐ", "105", "TW")),
        ("Quyết định 749/QD-TTg", ("749/QĐ-TTg", "QĐ", "749", "TTg")),
        ("Tờ trình số 04/TTr-BKHCN-BTTTT", ("04/TTr-BKHCN-BTTTT", "TTr", "04", "BKHCN-BTTTT")),
        ("Luật số 50/2005/QH11", ("50/2005/QH11", "L", "50", "QH11")),
        # Markdown noise, escapes, en dash, lower case, spaces, decomposed Đ
        ("**Số 57-NQ/TW**", ("57-NQ/TW", "NQ", "57", "TW")),
        ("Số 57\\-NQ/TW", ("57-NQ/TW", "NQ", "57", "TW")),
        ("nghị quyết 57–nq/tw", ("57-NQ/TW", "NQ", "57", "TW")),
        ("Số: 03 / NQ - CP", ("03/NQ-CP", "NQ", "03", "CP")),
        ("Số 3260-KH/D\u0335D\u0335QH15", ("3260-KH/ĐĐQH15", "KH", "3260", "ĐĐQH15")),
        ("Số 3260-KH/\u00d0\u00d0QH15", ("3260-KH/ĐĐQH15", "KH", "3260", "ĐĐQH15")),
    ],
)
def test_parse_reference_forms(text: str, expected: tuple[str, str, str, str]) -> None:
    assert parse_reference(text) == expected
    assert parse_reference(unicodedata.normalize("NFD", text)) == expected


@pytest.mark.parametrize("text", ["Nghị quyết 57 của Bộ Chính trị", "giai đoạn 2021-2025/2030", "Số: - CV/ĐU", "số /NQ-CP", ""])
def test_parse_reference_none(text: str) -> None:
    assert parse_reference(text) is None


def test_canonical_id_and_type_name() -> None:
    assert canonical_id("theo 57-nq/tw") == "57-NQ/TW"
    assert canonical_id("không có số") is None
    assert type_name("KL") == "Kết luận"
    assert type_name("NĐ") == "Nghị định"
    assert type_name(None) is None


def test_reference_spans_point_into_the_prepared_text() -> None:
    text = "Thực hiện **Nghị quyết số 57\\-NQ/TW** và Nghị định 124/2020/NĐ–CP, Luật số 59/2020/QH14."
    prepped = prepare(text)
    spans = reference_spans(text)
    assert [ref for _s, _e, ref in spans] == ["57-NQ/TW", "124/2020/NĐ-CP", "59/2020/QH14"]
    assert [prepped[s:e] for s, e, _ref in spans] == ["57-NQ/TW", "124/2020/NĐ-CP", "59/2020/QH14"]
    assert reference_spans("Kế hoạch năm 2025, giai đoạn 2021-2025.") == []
