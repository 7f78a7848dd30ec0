"""Matching expected documents and quotes against retrieved passages; the fast match key."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.evaluation.matching import doc_matches, fast_match_key, quotes_found
from assistant.evaluation.metrics import summarize
from assistant.evaluation.retrieval_metrics import retrieval_scores
from assistant.text.normalize import match_key
from tests.evaluation.records import QUOTE, passage, question

# --- documents -----------------------------------------------------------------------------


def test_label_file_id_and_canonical_ids() -> None:
    p = passage(1, "file:000_x", 0, "văn bản", source_name="000_x.txt")
    assert doc_matches("label:000_x.txt", p)
    assert not doc_matches("label:001_y.txt", p)
    assert not doc_matches("000_x.txt", p)
    q = passage(1, "3260-KH/ĐĐQH15", 0, "x")
    assert doc_matches(unicodedata.normalize("NFD", "3260-kh/đđqh15"), q)
    assert doc_matches(" 3260 - KH/ĐĐQH15 ", q)
    record = question("l", [passage(1, "20-NQ/TW", 0, "a"), p], ["label:000_x.txt"])
    assert retrieval_scores(record)["doc_hit@1"] == 0.0
    assert retrieval_scores(record)["doc_hit@3"] == 1.0


# --- quotes --------------------------------------------------------------------------------


def test_quote_split_across_consecutive_chunks_counts() -> None:
    a = passage(1, "57-NQ/TW", 4, "Mục tiêu. Đến năm 2030, tiềm lực khoa học")
    other = passage(2, "03/NQ-CP", 1, "không liên quan")
    b = passage(3, "57-NQ/TW", 5, "công nghệ đạt mức tiên tiến trong khu vực.")
    record = question("q", [a, other, b], ["57-NQ/TW"], expected_quotes=[QUOTE])
    scores = retrieval_scores(record)
    assert scores["quote_recall@1"] == 0.0
    assert scores["quote_recall@3"] == 1.0
    assert quotes_found([QUOTE], [b, a]) == [True]  # rank order does not matter, ordinals do


def test_quote_split_across_overlapping_chunks_counts() -> None:
    a = passage(1, "57-NQ/TW", 4, "Mục tiêu. Đến năm 2030, tiềm lực khoa học công nghệ")
    b = passage(2, "57-NQ/TW", 5, "tiềm lực khoa học công nghệ đạt mức tiên tiến.")
    assert quotes_found([QUOTE], [a, b]) == [True]


def test_quote_split_across_non_consecutive_chunks_does_not_count() -> None:
    a = passage(1, "57-NQ/TW", 4, "Mục tiêu. Đến năm 2030, tiềm lực khoa học")
    b = passage(2, "57-NQ/TW", 6, "công nghệ đạt mức tiên tiến trong khu vực.")
    c = passage(3, "03/NQ-CP", 5, "công nghệ đạt mức tiên tiến trong khu vực.")  # n+1 but another doc
    record = question("q", [a, b, c], ["57-NQ/TW"], expected_quotes=[QUOTE])
    assert retrieval_scores(record)["quote_recall@10"] == 0.0


def test_nfd_quote_matches_nfc_passage_with_markdown_noise() -> None:
    text = "**Đến năm 2030**, tiềm lực khoa học   công nghệ\nđạt mức tiên tiến. Hoà nhập."
    p = passage(1, "57-NQ/TW", 1, unicodedata.normalize("NFC", text))
    nfd = unicodedata.normalize("NFD", QUOTE)
    assert nfd != QUOTE
    assert quotes_found([nfd, "Hòa nhập", "không có"], [p]) == [True, True, False]
    record = question("n", [p], ["57-NQ/TW"], expected_quotes=[nfd, "không có"])
    assert retrieval_scores(record)["quote_recall@1"] == 0.5
    assert summarize([record])["metrics"]["quote_recall@1"] == 0.5


# --- the fast match key agrees with normalize.match_key ---------------------------------------

_ALPHABET = "aoeuyAOUYqQđĐ \t\n\u00a0.,*_`#|>~\\-[]()!0123àáảãạòóỏõọùúủũụỳýỷỹỵÒÓỎÕỌ\u0300\u0301\u0309\u0303\u0323"


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=40))
def test_fast_key_matches_match_key(text: str) -> None:
    assert fast_match_key(text) == match_key(text)


def test_fast_key_matches_match_key_on_real_documents(party_dir: Path) -> None:
    checked = 0
    for path in sorted(party_dir.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        for start in range(0, len(text), 700):
            piece = text[start : start + 900]
            assert fast_match_key(piece) == match_key(piece), (path.name, start)
            checked += 1
    assert checked > 100
