"""Document numbers: formal numbers parsed from text, canonical ids, type names, spans, references in questions."""

from __future__ import annotations

import re
import unicodedata

import pytest

from assistant.answer.evidence import gives_quantity
from assistant.text.docnumbers import (
    DOC_NUMBER,
    DOC_NUMBER_PARTS,
    NUMBER_TOKEN,
    DocRef,
    canonical_id,
    find_refs,
    parse_reference,
    prepare,
    reference_spans,
    type_name,
)
from assistant.text.normalize import fold
from assistant.text.terms import tokenize


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


# --- references in questions (find_refs) ------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "doc_type", "number", "canonical"),
    [
        ("Nghị quyết 57 đặt mục tiêu gì?", "NQ", "57", None),
        ("NQ 57 nói gì về kinh tế số?", "NQ", "57", None),
        ("nq57 có gì mới", "NQ", "57", None),
        ("Theo 57-NQ/TW, đến năm 2030 cần đạt gì?", "NQ", "57", "57-NQ/TW"),
        ("theo 57-nq/tw thì sao", "NQ", "57", "57-NQ/TW"),
        ("Kết luận số 69 yêu cầu gì?", "KL", "69", None),
        ("Kết luận 69-KL/TW", "KL", "69", "69-KL/TW"),
        ("Nghị quyết 03/NQ-CP giao nhiệm vụ gì?", "NQ", "03", "03/NQ-CP"),
        ("Nghị định 124/2020/NĐ-CP quy định gì?", "NĐ", "124", "124/2020/NĐ-CP"),
        ("Kế hoạch số 112/KH-UBND", "KH", "112", "112/KH-UBND"),
        ("Chỉ thị 05 yêu cầu gì", "CT", "05", None),
    ],
)
def test_find_refs(question: str, doc_type: str, number: str, canonical: str | None) -> None:
    refs = find_refs(question)
    assert len(refs) == 1, refs
    ref = refs[0]
    assert (ref.doc_type, ref.number, ref.canonical) == (doc_type, number, canonical)


@pytest.mark.parametrize(
    "question",
    [
        "Điều 5 quy định gì?",
        "Mục tiêu đến năm 2030 là gì?",
        "Tầm nhìn đến năm 2045 thế nào?",
        "Khoản 2 Điều 12 của luật",
        "tỷ lệ 80% hồ sơ trực tuyến",
        "ngày 12/3/2024",
        "",
    ],
)
def test_not_refs(question: str) -> None:
    assert find_refs(question) == []


def test_several_refs_in_one_question() -> None:
    refs = find_refs("So sánh Nghị quyết 57-NQ/TW với Kết luận 69 và NQ 03")
    assert [(r.doc_type, r.number, r.canonical) for r in refs] == [
        ("NQ", "57", "57-NQ/TW"),
        ("KL", "69", None),
        ("NQ", "03", None),
    ]
    assert all(isinstance(r, DocRef) for r in refs)


# --- the shared patterns for folded text ------------------------------------------------------

NUMBERS = ["57-NQ/TW", "03/NQ-CP", "112/KH-UBND", "45/2024/NĐ-CP", "3260-KH/ĐĐQH15", "04/TTr-BKHCN-BTTTT", "402-CV/VPĐU"]


@pytest.mark.parametrize("number", NUMBERS)
def test_document_numbers_match_every_shape(number: str) -> None:
    folded = fold(number)
    assert re.fullmatch(NUMBER_TOKEN, folded)
    assert re.fullmatch(DOC_NUMBER, folded)
    assert re.fullmatch(DOC_NUMBER_PARTS, folded)
    found = re.findall(NUMBER_TOKEN, fold(f"Thực hiện văn bản số {number} của cấp trên"))
    assert found == [folded] == re.findall(DOC_NUMBER, fold(f"Thực hiện văn bản số {number} của cấp trên"))


def test_number_token_is_broader_than_doc_number() -> None:
    # a number joined to a word or to a type alone: one keyword token, but no document number
    assert re.findall(NUMBER_TOKEN, "kế hoạch 10-nam") == ["10-nam"]
    assert re.findall(NUMBER_TOKEN, "theo 57-nq") == ["57-nq"]
    assert re.findall(DOC_NUMBER, fold("trong 10-năm tới, theo 57-NQ")) == []
    # a code never ends inside a word: "10-năm" is a number and a word, not "10-n" and "ăm"
    assert re.findall(NUMBER_TOKEN, fold("trong 10-năm tới")) == []
    # a law number has no type before its issuer: the keyword token reads it whole, DOC_NUMBER not at all
    assert re.findall(NUMBER_TOKEN, "luật 193/2025/qh15 và 45/2024/nđ-cp,") == ["193/2025/qh15", "45/2024/nđ-cp"]
    assert re.findall(DOC_NUMBER, "luật 193/2025/qh15") == []
    # what the callers make of it
    assert tokenize("trong 10-năm tới", bigrams=False) == ["trong", "10", "năm", "tới"]
    assert tokenize("Luật 193/2025/QH15", bigrams=False) == ["193/2025/qh15", "luật"]
    assert gives_quantity("Kế hoạch kéo dài bao lâu?", ["trong 10-năm tới"])  # "10" is a figure
    assert not gives_quantity("Kế hoạch kéo dài bao lâu?", ["theo 57-NQ/TW và 45/2024/NĐ-CP"])  # numbers are not


def test_doc_number_parts() -> None:
    def parts(text: str) -> tuple[str | None, ...]:
        m = re.search(DOC_NUMBER_PARTS, fold(text))
        assert m is not None, text
        return m.groups()

    assert parts("57-NQ/TW") == ("57", None, "-", "nq", "/", "tw")
    assert parts("03/NQ-CP") == ("03", None, "/", "nq", "-", "cp")
    assert parts("112/KH-UBND") == ("112", None, "/", "kh", "-", "ubnd")
    assert parts("45/2024/NĐ-CP") == ("45", "2024", "/", "nđ", "-", "cp")
    assert parts("04/TTr-BKHCN-BTTTT") == ("04", None, "/", "ttr", "-", "bkhcn-btttt")
    # the issuer ends at a "/" after it; DOC_NUMBER takes the whole code
    m = re.search(DOC_NUMBER_PARTS, "57-nq/tw/2024")
    assert m is not None and m.group(0) == "57-nq/tw"
    assert re.fullmatch(DOC_NUMBER, "57-nq/tw/2024")
    assert re.search(DOC_NUMBER_PARTS, "10-năm") is None
