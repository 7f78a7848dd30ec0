"""Keyword stage: Vietnamese tokens and the persisted BM25 index."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from assistant.search.keyword import KeywordIndex
from assistant.text.terms import TOKENS_VERSION, tokenize


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("Thực hiện Nghị quyết số 57-NQ/TW của Bộ Chính trị", "57-nq/tw"),
        ("theo Nghị định 124/2020/NĐ-CP của Chính phủ", "124/2020/nđ-cp"),
        ("Nghị quyết 03/NQ-CP năm 2025", "03/nq-cp"),
        ("Kế hoạch 3260/KH-ĐĐQH15", "3260/kh-đđqh15"),
        ("quy định tại Điều 5 của Luật", "điều_5"),
        ("Khoản 2 Điều 12", "khoản_2"),
    ],
)
def test_document_numbers_and_articles_are_single_tokens(text: str, token: str) -> None:
    tokens = tokenize(text)
    assert token in tokens
    # ... and the number is not also split into pieces that would match any "57" or "nq".
    if "/" in token:
        assert "tw" not in tokens and "cp" not in tokens


def test_syllables_and_bigrams() -> None:
    tokens = tokenize("Chuyển đổi số quốc gia")
    assert {"chuyển", "đổi", "số", "chuyển_đổi", "đổi_số", "quốc_gia"} <= set(tokens)
    assert "chuyển_đổi" not in tokenize("Chuyển đổi số quốc gia", bigrams=False)
    # numbers with decimal comma and percent stay whole
    assert "1,5%" in tokenize("đạt 1,5% GRDP")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("hoà bình", "hòa bình"),  # tone mark on the second vowel (new style) vs first (traditional)
        ("Thuỷ lợi", "Thủy lợi"),
        ("khoẻ mạnh", "khỏe mạnh"),
        (unicodedata.normalize("NFD", "Nghị quyết về khoa học"), "Nghị quyết về khoa học"),
        (unicodedata.normalize("NFD", "Uỷ ban nhân dân"), "Ủy ban nhân dân"),
        ("ĐỔI MỚI SÁNG TẠO", "đổi mới sáng tạo"),
    ],
)
def test_unicode_form_and_tone_convention_do_not_change_tokens(a: str, b: str) -> None:
    assert tokenize(a) == tokenize(b)
    assert tokenize(a)  # not vacuously equal


ITEMS = [
    ("a#0", "Nghị quyết 57-NQ/TW về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia."),
    ("a#1", "Đến năm 2030, kinh tế số đạt tối thiểu 30% GDP."),
    ("b#0", "Nghị định 124/2020/NĐ-CP quy định chi tiết một số điều của Luật Khiếu nại."),
    ("b#1", "Điều 5 quy định trách nhiệm của cơ quan hành chính nhà nước."),
    ("c#0", "Ủy ban nhân dân tỉnh Hòa Lâm ban hành kế hoạch phát triển du lịch."),
]


def test_build_search_rank_by_terms(tmp_path: Path) -> None:
    index = KeywordIndex(tmp_path / "kw")
    index.build(ITEMS, generation=7)
    assert index.generation == 7
    assert index.search("kinh tế số năm 2030", k=3)[0][0] == "a#1"
    assert index.search("57-NQ/TW", k=3)[0][0] == "a#0"
    assert index.search("Nghị định 124/2020/NĐ-CP", k=3)[0][0] == "b#0"
    assert index.search("điều 5", k=3)[0][0] == "b#1"
    # NFD query and new-style tone marks find the traditional-style NFC text
    assert index.search(unicodedata.normalize("NFD", "Uỷ ban nhân dân tỉnh Hoà Lâm"), k=3)[0][0] == "c#0"
    # scores are positive and sorted; nothing matching gives nothing
    hits = index.search("phát triển", k=5)
    assert hits and all(s > 0 for _, s in hits)
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    assert index.search("zzzz qqqq", k=5) == []
    assert index.search("", k=5) == []


def test_allowed_set_filters_results(tmp_path: Path) -> None:
    index = KeywordIndex(tmp_path / "kw")
    index.build(ITEMS, generation=1)
    everything = {cid for cid, _ in index.search("quy định phát triển khoa học", k=10)}
    assert {"a#0", "b#0"} <= everything
    only_b = index.search("quy định phát triển khoa học", k=10, allowed={"b#0", "b#1"})
    assert only_b and {cid for cid, _ in only_b} <= {"b#0", "b#1"}
    assert index.search("quy định phát triển khoa học", k=10, allowed=set()) == []
    assert index.search("quy định phát triển khoa học", k=10, allowed={"not-there#0"}) == []


def test_save_and_load_roundtrip(tmp_path: Path) -> None:
    folder = tmp_path / "kw"
    index = KeywordIndex(folder)
    index.build(ITEMS, generation=3)
    expected = index.search("kinh tế số 2030 khoa học", k=5)

    fresh = KeywordIndex(folder)
    assert fresh.generation == -1 and fresh.search("kinh tế số", k=5) == []
    assert fresh.load() is True
    assert fresh.generation == 3
    assert fresh.search("kinh tế số 2030 khoa học", k=5) == expected

    # Rebuilding replaces the saved index (no leftover temporary folders).
    index.build(ITEMS[:2], generation=4)
    again = KeywordIndex(folder)
    assert again.load() and again.generation == 4
    assert {cid for cid, _ in again.search("Nghị định Luật Khiếu nại Ủy ban", k=5)} <= {"a#0", "a#1"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kw"]


def test_load_missing_or_unreadable(tmp_path: Path) -> None:
    assert KeywordIndex(tmp_path / "nothing").load() is False
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "ids.json").write_text("{not json", "utf-8")
    assert KeywordIndex(broken).load() is False


def test_an_index_of_other_tokens_is_not_loaded_and_is_rebuilt(tmp_path: Path) -> None:
    import json

    folder = tmp_path / "kw"
    KeywordIndex(folder).build(ITEMS, generation=3)
    meta = json.loads((folder / "ids.json").read_text("utf-8"))
    assert meta["tokens"].endswith(f"tokenize:{TOKENS_VERSION}")
    meta["tokens"] = meta["tokens"].replace(f":{TOKENS_VERSION}", ":1")  # as an earlier version of ours wrote it
    (folder / "ids.json").write_text(json.dumps(meta), "utf-8")
    old = KeywordIndex(folder)
    assert old.load() is False and old.outdated and old.search("kinh tế số", k=5) == []

    def other(text: str) -> list[str]:
        return text.lower().split()

    KeywordIndex(folder).build(ITEMS, generation=3)
    assert KeywordIndex(folder, tokenizer=other).load() is False  # another tokenizer's index is not ours either
    assert KeywordIndex(folder).load() is True


def test_empty_index(tmp_path: Path) -> None:
    index = KeywordIndex(tmp_path / "kw")
    index.build([], generation=0)
    assert index.search("kinh tế số", k=5) == []
    fresh = KeywordIndex(tmp_path / "kw")
    assert fresh.load() and fresh.generation == 0
    assert fresh.search("kinh tế số", k=5) == []
