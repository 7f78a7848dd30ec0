"""A draft check taken one statement at a time while the index changes under it (as the service runs it, with
uploads and deletions landing between two statements): a document it may consult deleted or replaced stops it
with an error naming the document; a document added meanwhile is left out of the rest of the check and noted,
only where the reader may see it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.check.plan import CheckPlan
from assistant.pipeline import Pipeline
from assistant.settings import Settings
from assistant.types import Filters
from tests.fakes import HashEmbedder

M1 = "Nghị quyết xác định người đứng đầu cấp ủy chỉ phối hợp, không chịu trách nhiệm về kết quả chuyển đổi số tại địa phương."
R = "Kinh tế số chiếm 30% GRDP của tỉnh vào năm 2030."
S = "Tỉnh Hòa Lâm xây dựng 12 trạm sạc xe điện công cộng tại các huyện miền núi trong năm 2026."
DRAFT = f"# BÁO CÁO kết quả thực hiện Nghị quyết số 15-NQ/TU\n\n{M1}\n\n{R}\n\n{S}\n"
MAT = Filters(max_access_rank=2)  # a drafter cleared to "mật"


def plan_text(number: str, title: str) -> str:
    return (
        f"ỦY BAN NHÂN DÂN TỈNH HÒA LÂM\n\nSố {number}\n\nHòa Lâm, ngày 2 tháng 6 năm 2025\n\n# KẾ HOẠCH\n\n{title}\n\n"
        f"## 1. Nhiệm vụ\n\n{S}\n"
    )


@pytest.fixture
def pipe(tmp_path: Path, directives: Path) -> Iterator[Pipeline]:
    settings = Settings(index_dir=tmp_path / "idx", model_dir=tmp_path / "m", answer_mode="extractive")
    p = Pipeline(settings, embedder=HashEmbedder())
    assert [r.status for r in p.ingest([directives])] == ["added", "added"]
    yield p
    p.close()


def started(p: Pipeline, against: list[str], filters: Filters | None = None) -> CheckPlan:
    """A check of DRAFT with its first statement done."""
    plan = p.plan_check(("bao-cao.md", DRAFT), against, filters)
    assert plan.total == 3 and not plan.report.errors
    p.checker.check_next(plan)
    assert plan.done == 1
    return plan


@pytest.mark.parametrize("change", ["deleted", "replaced"])
def test_a_document_deleted_or_replaced_between_two_statements_stops_the_check_naming_it(
    pipe: Pipeline, directives: Path, change: str
) -> None:
    plan = started(pipe, ["15-NQ/TU"])
    if change == "deleted":
        assert pipe.delete(pipe.catalog.keys_for_doc_id("15-NQ/TU")[0])
    else:
        path = directives / "nghi-quyet-15-NQ-TU.md"
        path.write_text(path.read_text("utf-8").replace("25% GRDP", "20% GRDP"), "utf-8")
        assert [r.status for r in pipe.ingest([path])] == ["replaced"]
    report = pipe.checker.run(plan)
    assert report.errors == [
        "Văn bản 15-NQ/TU đã bị xoá hoặc thay đổi trong kho tài liệu khi dự thảo đang được kiểm tra "
        "(đã kiểm tra 1/3 câu); hãy kiểm tra lại dự thảo."
    ]
    assert len(report.checks) == 1 and report.exit_code == 2  # nothing checked against the changed index


def test_an_unchanged_index_gives_the_report_of_the_whole_check(pipe: Pipeline) -> None:
    alone = pipe.check(("bao-cao.md", DRAFT), ["15-NQ/TU"])
    report = pipe.checker.run(started(pipe, ["15-NQ/TU"]))
    assert (report.checks, report.notes, report.errors) == (alone.checks, alone.notes, []) and len(alone.checks) == 3


def test_a_document_added_meanwhile_is_left_out_and_noted_only_where_the_reader_may_see_it(
    pipe: Pipeline, tmp_path: Path
) -> None:
    alone = pipe.check(("bao-cao.md", DRAFT), [], filters=MAT)
    plan = started(pipe, [], MAT)
    later = tmp_path / "later"
    later.mkdir()
    (later / "ke-hoach-30.md").write_text(plan_text("30/KH-UBND", "về trạm sạc xe điện"), "utf-8")
    (later / "ke-hoach-31.md").write_text(plan_text("31/KH-UBND", "về trạm sạc (mật hơn)"), "utf-8")
    (later / "manifest.yaml").write_text(
        'documents:\n  "ke-hoach-30.md":\n    access_level: "nội bộ"\n  "ke-hoach-31.md":\n    access_level: "tối mật"\n', "utf-8"
    )
    assert [r.status for r in pipe.ingest([later])] == ["added", "added"]
    report = pipe.checker.run(plan)
    assert report.errors == [] and [c.statement for c in report.checks] == [c.statement for c in alone.checks]
    assert [(c.verdict, [e.doc_id for e in c.evidence]) for c in report.checks] == [
        (c.verdict, [e.doc_id for e in c.evidence]) for c in alone.checks
    ]
    assert report.notes == [
        *alone.notes,
        "Văn bản 30/KH-UBND được nạp vào kho trong khi kiểm tra nên không được dùng để đối chiếu; "
        "kiểm tra lại dự thảo để đối chiếu cả văn bản này.",
    ]  # the one above the reader's clearance is not named
    # control: a check started now rests the statement on the new plan, so leaving it out made a difference
    now = pipe.check(("bao-cao.md", DRAFT), [], filters=MAT)
    assert now.checks[2].verdict == "consistent" and now.checks[2].evidence[0].doc_id == "30/KH-UBND"
    assert alone.checks[2].verdict == "not_covered"


def test_turns_reports_progress_before_each_statement_and_at_the_end_only_when_all_went_through(pipe: Pipeline) -> None:
    seen: list[tuple[int, int]] = []
    plan = pipe.plan_check(("bao-cao.md", DRAFT), ["15-NQ/TU"])
    turns = []
    for i in plan.turns(lambda done, total: seen.append((done, total))):
        turns.append(i)
        pipe.checker.check_next(plan)
    assert turns == [0, 1, 2]
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]

    seen.clear()
    plan = started(pipe, ["15-NQ/TU"])
    assert pipe.delete(pipe.catalog.keys_for_doc_id("15-NQ/TU")[0])
    report = pipe.checker.run(plan, lambda done, total: seen.append((done, total)))
    assert report.errors and seen == [(1, 3)]  # stopped at its second statement: no "3 of 3"
