"""Document metadata: reference numbers, dates and titles, on the real corpus."""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

import pytest

from assistant.ingest.docmeta import extract
from assistant.ingest.manifest import read_manifest
from assistant.types import DocMeta

# file -> (doc_id, doc_type, issued)
REAL: dict[str, tuple[str, str | None, date | None]] = {
    "NQ-57-NQ-TW_2024-12-22_full.md": ("57-NQ/TW", "NQ", date(2024, 12, 22)),
    "NQ-57-NQ-TW_2024-12-22_press-version.md": ("57-NQ/TW", "NQ", date(2024, 12, 22)),
    "KL-69-KL-TW_2024-01-11.md": ("69-KL/TW", "KL", date(2024, 1, 11)),
    "NQ-20-NQ-TW_2012-11-01.md": ("20-NQ/TW", "NQ", date(2012, 11, 1)),
    "NQ-03-NQ-CP_2025-01-09.md": ("03/NQ-CP", "NQ", date(2025, 1, 9)),
    "NQ-03-NQ-CP_2025-01-09_with-program-tables.md": ("03/NQ-CP", "NQ", date(2025, 1, 9)),
    # The appendices say "Nghị quyết số /NQ-CP" (number left blank) and carry no number of their own;
    # Phụ lục II names 57-NQ/TW in its title, which must not be taken for its own number.
    "NQ-03-NQ-CP_PhuLuc1_chitieu.md": ("file:NQ-03-NQ-CP_PhuLuc1_chitieu", "PL", None),
    "NQ-03-NQ-CP_PhuLuc2_nhiemvu.md": ("file:NQ-03-NQ-CP_PhuLuc2_nhiemvu", "PL", None),
    "KH-3260-KH-DDQH15_2025-01-10.md": ("3260-KH/ĐĐQH15", "KH", date(2025, 1, 10)),
    # The covering letter's own number wins over the enclosed draft report ("Số: - CV/ĐU").
    "CV-402-CV-VPDU_2025-05-25_du-thao-bao-cao-NQ57.md": ("402-CV/VPĐU", "CV", date(2025, 5, 25)),
}


def _meta(party_dir: Path, name: str, nfd: bool = False) -> DocMeta:
    text = (party_dir / name).read_text(encoding="utf-8")
    return extract(unicodedata.normalize("NFD", text) if nfd else text, name)


def test_every_party_file_is_covered(party_dir: Path) -> None:
    assert {p.name for p in party_dir.glob("*.md")} == set(REAL)


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_headers(party_dir: Path, name: str) -> None:
    doc_id, doc_type, issued = REAL[name]
    meta = _meta(party_dir, name)
    assert meta.doc_id == doc_id
    assert meta.key == doc_id
    assert meta.doc_type == doc_type
    assert meta.issued == issued
    assert meta.source_name == name
    assert meta.access_level == "công khai"
    # NFD storage gives the same metadata
    assert _meta(party_dir, name, nfd=True).doc_id == doc_id


def test_number_and_issuer_parts(party_dir: Path) -> None:
    kh = _meta(party_dir, "KH-3260-KH-DDQH15_2025-01-10.md")
    assert (kh.number, kh.issuer, kh.issuer_name) == ("3260", "ĐĐQH15", "ĐẢNG ĐOÀN QUỐC HỘI")
    nq03 = _meta(party_dir, "NQ-03-NQ-CP_2025-01-09.md")
    assert (nq03.number, nq03.issuer, nq03.issuer_name) == ("03", "CP", "CHÍNH PHỦ")
    nq57 = _meta(party_dir, "NQ-57-NQ-TW_2024-12-22_full.md")
    assert nq57.issuer_name == "BAN CHẤP HÀNH TRUNG ƯƠNG"
    cv = _meta(party_dir, "CV-402-CV-VPDU_2025-05-25_du-thao-bao-cao-NQ57.md")
    assert cv.issuer_name == "VĂN PHÒNG ĐẢNG ỦY CHÍNH PHỦ"
    assert _meta(party_dir, "NQ-20-NQ-TW_2012-11-01.md").issuer_name == "BAN CHẤP HÀNH TRUNG ƯƠNG"
    assert _meta(party_dir, "KL-69-KL-TW_2024-01-11.md").issuer_name == "Bộ Chính trị"


def test_titles(party_dir: Path) -> None:
    nq57 = _meta(party_dir, "NQ-57-NQ-TW_2024-12-22_full.md")
    assert nq57.title == ("NGHỊ QUYẾT về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia")
    nq03 = _meta(party_dir, "NQ-03-NQ-CP_2025-01-09.md")
    assert nq03.title is not None
    assert nq03.title.startswith("NGHỊ QUYẾT Ban hành Chương trình hành động của Chính phủ thực hiện")
    assert nq03.title.endswith("chuyển đổi số quốc gia")
    kh = _meta(party_dir, "KH-3260-KH-DDQH15_2025-01-10.md")
    assert kh.title is not None and kh.title.startswith("KẾ HOẠCH") and "57-NQ/TW" in kh.title
    nq20 = _meta(party_dir, "NQ-20-NQ-TW_2012-11-01.md")
    assert nq20.title is not None and "VỀ PHÁT TRIỂN KHOA HỌC VÀ CÔNG NGHỆ" in nq20.title
    cv = _meta(party_dir, "CV-402-CV-VPDU_2025-05-25_du-thao-bao-cao-NQ57.md")
    assert cv.title is not None and cv.title.startswith("Công văn V/v xin ý kiến dự thảo báo cáo")
    pl1 = _meta(party_dir, "NQ-03-NQ-CP_PhuLuc1_chitieu.md")
    assert pl1.title == "PHỤ LỤC I DANH MỤC CÁC CHỈ TIÊU CỤ THỂ"


def test_file_without_number_gets_stable_file_id() -> None:
    text = "# Ghi chú buổi làm việc\n\nNội dung trao đổi về Nghị quyết số 57-NQ/TW của Bộ Chính trị.\n"
    meta = extract(text, "ghi-chu.md")
    assert meta.doc_id == "file:ghi-chu"
    assert extract(text, "ghi-chu.md").doc_id == meta.doc_id
    assert meta.number is None and meta.issued is None


def test_appendix_parent_and_date_forms() -> None:
    text = "PHỤ LỤC\n\n(Kèm theo Nghị quyết số 03/NQ-CP ngày 09 tháng 01 năm 2025 của Chính phủ)\n\n| a | b |\n"
    meta = extract(text, "pl.md")
    assert meta.parent == "03/NQ-CP"
    assert meta.doc_type == "PL"
    text2 = "TỈNH ỦY HÒA LÂM\n\nSố 15-NQ/TU\n\nHòa Lâm, ngày 5/3/2024\n\nNGHỊ QUYẾT\nvề chuyển đổi số\n\nNội dung."
    meta2 = extract(text2, "nq15.md")
    assert (meta2.doc_id, meta2.issued, meta2.issuer_name) == ("15-NQ/TU", date(2024, 3, 5), "TỈNH ỦY HÒA LÂM")
    assert meta2.title == "NGHỊ QUYẾT về chuyển đổi số"


def test_overrides(party_dir: Path) -> None:
    text = (party_dir / "NQ-03-NQ-CP_PhuLuc1_chitieu.md").read_text(encoding="utf-8")
    meta = extract(
        text,
        "NQ-03-NQ-CP_PhuLuc1_chitieu.md",
        {"parent": "03/NQ-CP", "issued": "2025-01-09", "access_level": "nội bộ", "title": "Phụ lục I"},
    )
    assert meta.parent == "03/NQ-CP"
    assert meta.issued == date(2025, 1, 9)
    assert meta.access_level == "nội bộ"
    assert meta.title == "Phụ lục I"
    assert meta.doc_id == "file:NQ-03-NQ-CP_PhuLuc1_chitieu"
    renamed = extract(text, "NQ-03-NQ-CP_PhuLuc1_chitieu.md", {"doc_id": "03/NQ-CP-PL1", "issued": date(2025, 1, 9)})
    assert renamed.doc_id == renamed.key == "03/NQ-CP-PL1"


def test_bad_overrides() -> None:
    with pytest.raises(ValueError, match="access_level"):
        extract("Số 57-NQ/TW", "x.md", {"access_level": "bí mật quốc gia"})
    with pytest.raises(ValueError, match="colour"):
        extract("Số 57-NQ/TW", "x.md", {"colour": "red"})
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        extract("Số 57-NQ/TW", "x.md", {"issued": "22/12/2024"})


@pytest.mark.parametrize("name", ["nghi-quyet-15-NQ-TU.md", "chi-thi-05-CT-TU.txt"])
def test_sample_corpus_headers_parse_without_the_manifest(sample_dir: Path, name: str) -> None:
    manifest = read_manifest(sample_dir)
    assert set(manifest) >= {"nghi-quyet-15-NQ-TU.md", "chi-thi-05-CT-TU.txt", "du-thao-bao-cao-45-BC-TU.pdf"}
    assert "access_level" in manifest[name]  # the manifest adds only what a header cannot say
    expected = {
        "nghi-quyet-15-NQ-TU.md": ("15-NQ/TU", "NQ", date(2024, 3, 12)),
        "chi-thi-05-CT-TU.txt": ("05-CT/TU", "CT", date(2024, 9, 9)),
    }[name]
    meta = extract((sample_dir / name).read_text(encoding="utf-8"), name)  # header only, no overrides
    assert (meta.doc_id, meta.doc_type, meta.issued) == expected
    assert meta.issuer_name == "TỈNH ỦY HÒA LÂM"


def test_listing_is_not_a_header() -> None:
    text = "# Danh mục\n\n| Tệp | Số |\n|---|---|\n| a | Số 15-NQ/TU |\n| b | Số 05-CT/TU |\n| c | Số: 112/KH-UBND |\n"
    assert extract(text, "list.md").doc_id == "file:list"
    assert extract(text.replace("| b | Số 05-CT/TU |\n| c | Số: 112/KH-UBND |\n", ""), "one.md").doc_id == "15-NQ/TU"


def test_sentence_is_not_a_title(shared: Path) -> None:
    text = (shared / "corpora" / "news" / "000_799d68eb9f0620a1.txt").read_text(encoding="utf-8")
    meta = extract(text, "000.txt")
    assert meta.doc_id == "file:000"
    assert meta.title is None and meta.doc_type is None
