"""Evidence units: lead-ins, table rows, scoring by coverage and answer type, budget, grouped rendering."""

from __future__ import annotations

from assistant.answer.units import build_units, render_units, shown_units
from assistant.text.terms import key_terms
from assistant.types import Chunk, DocMeta, Hit

TARGETS = """a) Đến năm 2030:
- Tổng chi cho nghiên cứu khoa học và phát triển công nghệ đạt 1,5% GRDP.
- Kinh tế số chiếm khoảng 25% GRDP của tỉnh.
b) Tầm nhìn đến năm 2045:
- Kinh tế số chiếm trên 40% GRDP."""

TASKS = """Các sở, ngành thực hiện các nhiệm vụ sau.
Sở Khoa học và Công nghệ chủ trì xây dựng cơ chế tài chính cho nghiên cứu khoa học.
| Nhiệm vụ | Cơ quan chủ trì | Thời hạn |
|---|---|---|
| Xây dựng kho dữ liệu dùng chung | Sở Thông tin và Truyền thông | Quý II/2026 |
| Đào tạo nhân lực số cho cán bộ | Sở Nội vụ | 2027 |"""


def _hit(text: str, doc: str = "15-NQ/TU", crumb: tuple[str, ...] = ("II. Mục tiêu",), ordinal: int = 0) -> Hit:
    return Hit(Chunk(doc, ordinal, text, crumb, 0, len(text)), DocMeta(doc_id=doc, key=doc), 1.0)


def test_lead_in_is_context_not_a_unit() -> None:
    q = "Đến năm 2030 chi cho nghiên cứu khoa học đạt bao nhiêu phần trăm GRDP?"
    units = build_units(q, key_terms(q), [_hit(TARGETS)])
    texts = [u.text for u in units]
    assert "a) Đến năm 2030:" not in texts and "b) Tầm nhìn đến năm 2045:" not in texts
    best = units[0]
    assert "1,5% GRDP" in best.text and best.lead == "a) Đến năm 2030:"
    assert next(u for u in units if "40%" in u.text).lead == "b) Tầm nhìn đến năm 2045:"
    # every unit is the passage's own words
    assert all(u.text in TARGETS for u in units)


def test_quantity_question_prefers_a_unit_with_a_figure() -> None:
    text = "Tăng cường nghiên cứu khoa học và phát triển công nghệ của tỉnh.\nChi cho nghiên cứu khoa học đạt 2% GRDP."
    q = "Chi cho nghiên cứu khoa học và phát triển công nghệ của tỉnh là bao nhiêu?"
    units = build_units(q, key_terms(q), [_hit(text)])
    assert "2% GRDP" in units[0].text
    # the same sentences for a question that does not ask for a figure: the wider coverage wins
    q2 = "Tỉnh chủ trương gì về nghiên cứu khoa học và phát triển công nghệ?"
    assert build_units(q2, key_terms(q2), [_hit(text)])[0].text.startswith("Tăng cường")


def test_table_rows_read_under_their_header() -> None:
    q = "Cơ quan nào chủ trì xây dựng kho dữ liệu dùng chung?"
    units = build_units(q, key_terms(q), [_hit(TASKS, crumb=("III. Nhiệm vụ",))])
    row = next(u for u in units if "kho dữ liệu" in u.text)
    assert row.text.startswith("| Xây dựng kho dữ liệu") and row.lead.startswith("| Nhiệm vụ | Cơ quan chủ trì")
    assert not any(u.text.startswith("| Nhiệm vụ") or u.text.startswith("|---") for u in units)
    assert units[0] is row


def test_shown_units_respect_limit_and_budget() -> None:
    q = "Kinh tế số chiếm bao nhiêu phần trăm GRDP?"
    units = build_units(q, key_terms(q), [_hit(TARGETS), _hit(TASKS, doc="20-KH/UBND", ordinal=1)])
    assert len(shown_units(units, limit=2, budget=10_000, count_tokens=len)) == 2
    tight = shown_units(units, limit=9, budget=1, count_tokens=len)
    assert len(tight) == 2, "at least two units are shown when there are two"
    assert len(shown_units(units, limit=9, budget=10_000, count_tokens=len)) == min(9, len(units))


def test_render_groups_units_under_document_and_lead() -> None:
    q = "Kinh tế số chiếm bao nhiêu phần trăm GRDP đến năm 2030 và 2045?"
    hits = [_hit(TARGETS), _hit(TASKS, doc="20-KH/UBND", crumb=("III. Nhiệm vụ",), ordinal=1)]
    units = build_units(q, key_terms(q), hits)[:4]
    text = render_units(units, hits)
    assert text.count("## 15-NQ/TU › II. Mục tiêu") == 1
    for i in range(1, len(units) + 1):
        assert f"S{i}: " in text
    # a unit's lead-in line stands above it, once
    if any(u.lead == "a) Đến năm 2030:" for u in units):
        assert text.count("a) Đến năm 2030:") == 1
    # ids run in score order: S1 is the best unit
    assert units[0].score == max(u.score for u in units)
