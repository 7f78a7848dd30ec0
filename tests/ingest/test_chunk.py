"""Structure-aware chunking on the real corpus: breadcrumbs, offsets, sizes, tables, law structure."""

from __future__ import annotations

import itertools
import json
import re
import time
import unicodedata
from pathlib import Path

import pytest

from assistant.ingest.chunk import chunk_document
from assistant.ingest.sections import PREAMBLE, WHOLE
from assistant.text.normalize import normalize_text
from assistant.types import Chunk

NQ57 = "NQ-57-NQ-TW_2024-12-22_full.md"
PARTY_FILES = sorted(
    [
        NQ57,
        "NQ-57-NQ-TW_2024-12-22_press-version.md",
        "KL-69-KL-TW_2024-01-11.md",
        "NQ-20-NQ-TW_2012-11-01.md",
        "NQ-03-NQ-CP_2025-01-09.md",
        "NQ-03-NQ-CP_2025-01-09_with-program-tables.md",
        "NQ-03-NQ-CP_PhuLuc1_chitieu.md",
        "NQ-03-NQ-CP_PhuLuc2_nhiemvu.md",
        "KH-3260-KH-DDQH15_2025-01-10.md",
        "CV-402-CV-VPDU_2025-05-25_du-thao-bao-cao-NQ57.md",
    ]
)


def _read(party_dir: Path, name: str) -> str:
    return (party_dir / name).read_text(encoding="utf-8")


def _is_table(chunk: Chunk, source: str) -> bool:
    return source[chunk.start : chunk.end].lstrip().startswith("|")


def _containing(chunks: list[Chunk], phrase: str) -> Chunk:
    key = normalize_text(phrase)
    found = [c for c in chunks if key in normalize_text(c.text)]
    assert found, phrase
    return found[0]


def test_nq57_breadcrumbs(party_dir: Path) -> None:
    source = _read(party_dir, NQ57)
    chunks = chunk_document(source, "57-NQ/TW")
    assert chunks[0].breadcrumb == (PREAMBLE,)
    assert "Số 57" in chunks[0].text
    gdp = _containing(chunks, "2% GDP")
    assert gdp.breadcrumb == ("II- MỤC TIÊU", "1. Đến năm 2030")
    assert any("MỤC TIÊU" in part.upper() for part in gdp.breadcrumb)
    vision = _containing(chunks, "Tầm nhìn đến năm 2045")
    assert vision.breadcrumb == ("II- MỤC TIÊU", "2. Tầm nhìn đến năm 2045")
    digital = _containing(chunks, "Có kế hoạch và lộ trình đưa toàn bộ hoạt động")
    assert digital.breadcrumb[0] == "III- NHIỆM VỤ, GIẢI PHÁP"
    assert digital.breadcrumb[1].startswith("5. Đẩy mạnh chuyển đổi số")
    assert all(len(part) <= 81 for c in chunks for part in c.breadcrumb)
    # every chunk between the part III heading and the part IV heading carries part III first
    iii = source.index("**III- NHIỆM VỤ, GIẢI PHÁP**")
    iv = source.index("**IV- TỔ CHỨC THỰC HIỆN**")
    inside = [c for c in chunks if iii <= c.start < iv]
    assert len(inside) >= 7
    assert all(c.breadcrumb[0] == "III- NHIỆM VỤ, GIẢI PHÁP" for c in inside)
    items = {c.breadcrumb[1].split(".")[0] for c in inside if len(c.breadcrumb) > 1}
    assert items == {"1", "2", "3", "4", "5", "6", "7"}


def test_press_version_has_the_same_parts(party_dir: Path) -> None:
    full = chunk_document(_read(party_dir, NQ57), "a")
    press = chunk_document(_read(party_dir, "NQ-57-NQ-TW_2024-12-22_press-version.md"), "b")

    def parts(chunks: list[Chunk]) -> list[str]:
        return list(dict.fromkeys(c.breadcrumb[0] for c in chunks))

    assert (
        parts(full)
        == parts(press)
        == [
            PREAMBLE,
            "I- QUAN ĐIỂM CHỈ ĐẠO",
            "II- MỤC TIÊU",
            "III- NHIỆM VỤ, GIẢI PHÁP",
            "IV- TỔ CHỨC THỰC HIỆN",
        ]
    )


@pytest.mark.parametrize("name", PARTY_FILES)
@pytest.mark.parametrize("target", [600, 1200])
def test_offsets_sizes_and_coverage(party_dir: Path, name: str, target: int) -> None:
    source = _read(party_dir, name)
    chunks = chunk_document(source, "doc", target_chars=target)
    assert chunks
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    assert all(c.doc_id == "doc" for c in chunks)
    assert all(a.end <= b.start for a, b in itertools.pairwise(chunks))
    covered = bytearray(len(source))
    for c in chunks:
        piece = source[c.start : c.end]
        assert piece == piece.strip()
        assert any(ch.isalpha() for ch in c.text)
        if c.text != piece:  # later chunks of a long table: header rows + the rows
            assert _is_table(c, source) and c.text.startswith("|") and c.text.endswith(piece)
        elif not _is_table(c, source):
            assert len(c.text) <= 2 * target, (c.ordinal, c.breadcrumb)
        covered[c.start : c.end] = b"\x01" * (c.end - c.start)
    missing = [i for i, ch in enumerate(source) if ch.isalpha() and not covered[i]]
    assert not missing, source[missing[0] - 40 : missing[0] + 40]


@pytest.mark.parametrize("name", [NQ57, "NQ-20-NQ-TW_2012-11-01.md", "KH-3260-KH-DDQH15_2025-01-10.md"])
@pytest.mark.parametrize("target", [1200, 4000])
def test_no_chunk_spans_two_roman_parts(party_dir: Path, name: str, target: int) -> None:
    source = _read(party_dir, name)
    part = re.compile(r"(?m)^\**([IVX]+)\s*[-.]\s*\**\s*[A-ZĐ]")
    assert len(part.findall(source)) >= 3
    for c in chunk_document(source, "x", target_chars=target):
        numerals = part.findall(c.text)
        assert len(numerals) <= 1, c.breadcrumb
        if numerals:  # the chunk starts that part (after any higher headings): its breadcrumb names it
            assert any(re.match(rf"{numerals[0]}\s*[-.]", b) for b in c.breadcrumb), (numerals, c.breadcrumb)
            assert not part.findall(source[c.start : source.index(c.text.split("\n")[0], c.start)])


def test_chunks_never_split_words(party_dir: Path) -> None:
    source = _read(party_dir, "NQ-03-NQ-CP_2025-01-09.md")
    for c in chunk_document(source, "x", target_chars=300):
        before = source[c.start - 1] if c.start else " "
        after = source[c.end] if c.end < len(source) else " "
        assert not (before.isalnum() and source[c.start].isalnum()), c.text[:40]
        assert not (after.isalnum() and source[c.end - 1].isalnum()), c.text[-40:]


def test_long_paragraph_is_split_at_sentences() -> None:
    sentence = "Phát triển khoa học, công nghệ và đổi mới sáng tạo là đột phá quan trọng hàng đầu. "
    text = "**I- NHIỆM VỤ**\n\n" + sentence * 40
    chunks = chunk_document(text, "x", target_chars=500)
    assert len(chunks) >= 6
    assert all(c.breadcrumb == ("I- NHIỆM VỤ",) for c in chunks)
    for c in chunks:
        assert c.text == text[c.start : c.end]
        assert len(c.text) <= 500
        assert c.text.endswith("hàng đầu.")


def test_tiny_trailing_fragment_merges_with_previous() -> None:
    para = "Tăng cường đầu tư cho hạ tầng số, dữ liệu và công nghệ chiến lược của quốc gia. " * 6
    text = f"**I- GIẢI PHÁP**\n\n{para}\n\n{para}\n\nNghị quyết này phổ biến đến chi bộ.\n\n**II- TỔ CHỨC**\n\nNội dung."
    chunks = chunk_document(text, "x", target_chars=1000)
    assert [c.breadcrumb for c in chunks] == [("I- GIẢI PHÁP",), ("II- TỔ CHỨC",)]
    # the two paragraphs fill the target; the short closing sentence joins them rather than stand alone
    assert len(chunks[0].text) > 1000
    assert chunks[0].text.endswith("phổ biến đến chi bộ.")
    # a closing sentence that is not tiny gets its own chunk
    longer = text.replace("Nghị quyết này phổ biến đến chi bộ.", "Nghị quyết này phổ biến đến chi bộ. " * 10)
    assert [c.breadcrumb for c in chunk_document(longer, "x", target_chars=1000)] == [
        ("I- GIẢI PHÁP",),
        ("I- GIẢI PHÁP",),
        ("II- TỔ CHỨC",),
    ]


def test_law_structure_from_alqac(shared: Path) -> None:
    laws = json.loads((shared / "corpora" / "alqac" / "legal_passages_v2_102023.json").read_text(encoding="utf-8"))
    law = next(x for x in laws if x["id"].startswith("Luật Viên chức"))
    arts = {a["id"]: a["text"] for a in law["articles"]}
    text = (
        "LUẬT VIÊN CHỨC\n\nChương I\n\nNHỮNG QUY ĐỊNH CHUNG\n\n"
        + "\n\n".join(f"Điều {k}. {arts[k]}" for k in ("1", "3"))
        + "\n\nChương IV\nQUẢN LÝ VIÊN CHỨC\n\nMục 1\nTUYỂN DỤNG\n\n"
        + "\n\n".join(f"Điều {k}. {arts[k]}" for k in ("58", "59"))
    )
    chunks = chunk_document(text, "law", target_chars=600)
    assert chunks[0].breadcrumb == (PREAMBLE,)
    scope = _containing(chunks, "Luật này quy định về viên chức")
    assert scope.breadcrumb == ("Chương I NHỮNG QUY ĐỊNH CHUNG", "Điều 1. Phạm vi điều chỉnh")
    point = _containing(chunks, "b) Viên chức được tiếp nhận")
    assert point.breadcrumb[:4] == (
        "Chương IV QUẢN LÝ VIÊN CHỨC",
        "Mục 1 TUYỂN DỤNG",
        "Điều 58. Chuyển đổi giữa viên chức và cán bộ, công chức",
        "1. Việc chuyển đổi giữa viên chức và cán bộ, công chức được thực hiện như sau:",
    )
    clause = _containing(chunks, "2. Viên chức được tuyển dụng từ ngày 01 tháng 07 năm 2003")
    assert clause.breadcrumb[:3] == ("Chương IV QUẢN LÝ VIÊN CHỨC", "Mục 1 TUYỂN DỤNG", "Điều 59. Quy định chuyển tiếp")
    # an article never shares a chunk with another article
    for c in chunks:
        assert len(re.findall(r"(?m)^Điều \d+\.", c.text)) <= 1


def test_long_table_repeats_header_and_keeps_rows_whole(party_dir: Path) -> None:
    source = _read(party_dir, "NQ-03-NQ-CP_PhuLuc2_nhiemvu.md")
    lines = set(source.split("\n"))
    chunks = [c for c in chunk_document(source, "pl2", target_chars=1200) if _is_table(c, source)]
    assert len(chunks) > 10
    header = "| TT | Tên nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp | Kết quả | Thời gian hoàn thành |"
    for c in chunks:
        text_lines = c.text.split("\n")
        assert text_lines[0] == header
        assert re.fullmatch(r"\|(?:-+\|)+", text_lines[1])
        assert all(line in lines for line in text_lines[2:]), "rows are whole source lines"
    assert chunks[0].text == source[chunks[0].start : chunks[0].end]
    assert all(c.text != source[c.start : c.end] for c in chunks[1:])
    # section rows of the table ("| **I.** | Nâng cao nhận thức ... |") become breadcrumbs
    assert chunks[0].breadcrumb[-1].startswith("I. Nâng cao nhận thức")
    assert {c.breadcrumb[-1].split(".")[0] for c in chunks} >= {"I", "II", "III", "V", "VI", "VII"}


def test_synthetic_table_split() -> None:
    rows = "\n".join(f"| {i} | Nhiệm vụ số {i} về chuyển đổi số quốc gia | Bộ Khoa học và Công nghệ |" for i in range(40))
    text = f"## Phụ lục 1\n\n| TT | Nhiệm vụ | Cơ quan |\n|----|----|----|\n{rows}\n\nGhi chú cuối."
    chunks = chunk_document(text, "t", target_chars=400)
    table = [c for c in chunks if "| TT |" in c.text]
    assert len(table) >= 5
    assert table[0].text.startswith("## Phụ lục 1")  # the heading travels with the table's first rows
    assert all(c.breadcrumb == ("Phụ lục 1",) for c in table)
    seen = []
    for c in table:
        body = [line for line in c.text.split("\n") if re.match(r"\| \d+ \|", line)]
        seen += [int(line.split("|")[1]) for line in body]
        if c is not table[0]:
            assert c.text.startswith("| TT | Nhiệm vụ | Cơ quan |\n|---|---|---|\n")
            assert c.text.endswith(text[c.start : c.end])
    assert seen == list(range(40))
    assert chunks[-1].text == "Ghi chú cuối."


def test_nfd_input(party_dir: Path) -> None:
    nfc = _read(party_dir, NQ57)
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    a = chunk_document(nfc, "x")
    b = chunk_document(nfd, "x")
    for c in b:
        assert c.text == nfd[c.start : c.end]
    assert _containing(b, "2% GDP").breadcrumb == ("II- MỤC TIÊU", "1. Đến năm 2030")
    assert list(dict.fromkeys(c.breadcrumb[0] for c in a)) == list(dict.fromkeys(c.breadcrumb[0] for c in b))


def test_nfd_files_in_corpus(party_dir: Path) -> None:
    source = _read(party_dir, "KL-69-KL-TW_2024-01-11.md")
    assert not unicodedata.is_normalized("NFC", source)
    chunks = chunk_document(source, "69-KL/TW")
    tops = list(dict.fromkeys(c.breadcrumb[0] for c in chunks))
    assert tops[0] == PREAMBLE
    assert [t.split(".")[0] for t in tops[1:]] == ["1", "2", "3", "4", "5", "6", "7"]


def test_text_without_headings(shared: Path) -> None:
    source = (shared / "corpora" / "news" / "news_BCD_phien2.md").read_text(encoding="utf-8")
    chunks = chunk_document(source, "news")
    assert len(chunks) > 3
    assert {c.breadcrumb for c in chunks} == {(WHOLE,)}
    assert any(c.text != source[c.start : c.end] for c in chunks)  # its long table repeats the header


def test_sample_corpus_breadcrumbs(sample_dir: Path) -> None:
    """Numbered items at the top level never share a chunk, so no breadcrumb is empty."""
    source = (sample_dir / "chi-thi-05-CT-TU.txt").read_text(encoding="utf-8")
    chunks = chunk_document(source, "05-CT/TU")
    assert all(c.breadcrumb for c in chunks)
    assert [c.breadcrumb[0].split(".")[0] for c in chunks[1:8]] == ["1", "2", "3", "4", "5", "6", "7"]
    nq = chunk_document((sample_dir / "nghi-quyet-15-NQ-TU.md").read_text(encoding="utf-8"), "15-NQ/TU")
    assert [t for t in dict.fromkeys(c.breadcrumb[0] for c in nq)][:3] == [
        PREAMBLE,
        "I- TÌNH HÌNH VÀ NGUYÊN NHÂN",
        "II- QUAN ĐIỂM, MỤC TIÊU",
    ]


def test_edge_cases() -> None:
    assert chunk_document("", "x") == []
    assert chunk_document("---\n\n***\n\n| --- |\n", "x") == []
    only = chunk_document("Một đoạn văn ngắn.", "x")
    assert [(c.text, c.breadcrumb, c.start, c.end) for c in only] == [("Một đoạn văn ngắn.", (WHOLE,), 0, 18)]


def test_speed(party_dir: Path) -> None:
    source = _read(party_dir, "NQ-03-NQ-CP_2025-01-09_with-program-tables.md") + "\n\n" + _read(party_dir, NQ57)
    assert len(source) > 120_000
    started = time.perf_counter()
    chunks = chunk_document(source, "x")
    assert time.perf_counter() - started < 1.0
    assert len(chunks) > 100
