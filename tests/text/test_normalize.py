import unicodedata

import pytest

from assistant.text.normalize import find_span, fold, match_key, normalize_text, plain_text, strip_diacritics


def test_tone_convention_is_unified() -> None:
    assert normalize_text("hoà bình") == normalize_text("hòa bình") == "hòa bình"
    assert normalize_text("uỷ ban") == "ủy ban"
    assert normalize_text("thuý") == "thúy"
    assert normalize_text("HOÁ") == "HÓA"
    # not a diphthong at syllable end: unchanged
    assert normalize_text("toàn quốc") == "toàn quốc"
    assert normalize_text("quý") == "quý"
    assert normalize_text("khuya") == "khuya"


def test_nfd_becomes_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "Nghị quyết số 57")
    assert nfd != "Nghị quyết số 57"
    assert normalize_text(nfd) == "Nghị quyết số 57"


def test_match_key_removes_markdown_noise_and_whitespace() -> None:
    assert match_key("**Mục tiêu**  đến\n năm 2030") == "Mục tiêu đến năm 2030"
    assert match_key("57\\-NQ/TW") == "57-NQ/TW"
    assert match_key("| a | b |") == "a b"


def test_find_span_maps_back_to_original_offsets() -> None:
    original = unicodedata.normalize("NFD", "Trước hết, **uỷ ban** phải  hoàn thành.")
    span = find_span(original, "ủy ban phải hoàn thành")
    assert span is not None
    found = original[span[0] : span[1]]
    assert match_key(found) == "ủy ban phải hoàn thành"
    assert find_span(original, "không có") is None


def test_fold_and_strip() -> None:
    assert fold("Hoà BÌNH") == "hòa bình"
    assert strip_diacritics("Đổi mới") == "Doi moi"


def test_escaped_and_plain_table_pipes_match_alike() -> None:
    assert match_key("Tỷ lệ \\| A") == match_key("Tỷ lệ | A") == "Tỷ lệ A"


@pytest.mark.parametrize(
    "text",
    [
        "Thúc đẩy hoạt động khoa học, công nghệ**, **đổi mới** sáng tạo",
        "| 20  | Số lượng công bố quốc tế      | %/năm  |   10 |",
        "\\- Kinh phí chi cho nghiên cứu (R&D) đạt 2% GDP\\.",
        "#### II\\. MỤC TIÊU",
        "*   Khẩn trương, quyết liệt `rà soát` thể chế",
        "> trích dẫn _nghiêng_ của văn bản",
    ],
)
def test_plain_text_keeps_the_match_key_and_drops_noise(text: str) -> None:
    plain = plain_text(text)
    assert match_key(plain) == match_key(text)
    assert "**" not in plain and "\\" not in plain and "  " not in plain and not plain.startswith(("#", "*", ">"))


def test_plain_text_drops_table_rules_and_keeps_lines() -> None:
    assert plain_text("| a | b |\n|---|:---:|\n| 1 |  2 |") == "| a | b |\n| 1 | 2 |"
