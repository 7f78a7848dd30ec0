"""Relations between documents (implements, continues, amends, replaces, repeals, cites), on the real corpus."""

from __future__ import annotations

from pathlib import Path

from assistant.ingest.docmeta import extract
from assistant.ingest.relations import extract_relations


def _relations(party_dir: Path, name: str) -> dict[str, str]:
    text = (party_dir / name).read_text(encoding="utf-8")
    meta = extract(text, name)
    rels = extract_relations(text, meta.doc_id)
    targets = [t for _, t in rels]
    assert len(targets) == len(set(targets)), "targets are de-duplicated"
    assert meta.doc_id not in targets
    return {t: r for r, t in rels}


def test_real_relations(party_dir: Path) -> None:
    assert _relations(party_dir, "KL-69-KL-TW_2024-01-11.md")["20-NQ/TW"] == "continues"
    assert _relations(party_dir, "NQ-03-NQ-CP_2025-01-09.md")["57-NQ/TW"] == "implements"
    kh = _relations(party_dir, "KH-3260-KH-DDQH15_2025-01-10.md")
    assert kh == {"57-NQ/TW": "implements"}
    cv = _relations(party_dir, "CV-402-CV-VPDU_2025-05-25_du-thao-bao-cao-NQ57.md")
    assert cv["57-NQ/TW"] == "implements"
    # "Quyết định số 929/QĐ-TTg ... thay thế Quyết định số 598/QĐ-TTg": the letter replaces nothing
    assert cv["598/QĐ-TTg"] == "cites"
    assert "402-CV/VPĐU" not in cv


def test_relation_verbs() -> None:
    text = (
        "Nghị quyết số 10-NQ/TW ngày 1/1/2020.\n"
        "Nghị quyết này thay thế Nghị quyết số 11-NQ/TW.\n"
        "Sửa đổi, bổ sung một số điều của Nghị định số 12/2019/NĐ-CP.\n"
        "Bãi bỏ Quyết định số 13/QĐ-TTg.\n"
        "Tiếp tục thực hiện Chỉ thị số 14-CT/TW.\n"
        "Triển khai Kết luận số 15-KL/TW; căn cứ Nghị quyết số 16-NQ/TW.\n"
        "Căn cứ Nghị quyết số 10-NQ/TW; nay thực hiện Nghị quyết số 10-NQ/TW.\n"
    )
    rels = extract_relations(text, "10-NQ/TW")
    assert rels == [
        ("replaces", "11-NQ/TW"),
        ("amends", "12/2019/NĐ-CP"),
        ("repeals", "13/QĐ-TTg"),
        ("continues", "14-CT/TW"),
        ("implements", "15-KL/TW"),
        ("cites", "16-NQ/TW"),
    ]
    # the first non-citation mention decides; own id given in another spelling is still excluded
    assert extract_relations("Căn cứ Nghị quyết 57-NQ/TW. Thực hiện Nghị quyết 57-NQ/TW.", "x") == [("implements", "57-NQ/TW")]
    assert extract_relations("thực hiện Nghị quyết 57-NQ/TW", "57-nq/tw") == []
