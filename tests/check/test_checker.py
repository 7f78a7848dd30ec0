"""Every verdict path of the draft checker over the sample corpus.

Chroma, BM25, the catalog and the loaders are real; the embedder and the model are fakes of our own
protocols (`HashEmbedder`, `ScriptedGenerator`).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.check.judge import REWRITE_SCHEMA, VERDICT_SCHEMA, focus, rewrite_ok
from assistant.check.results import EXIT_CONTRADICTIONS, EXIT_ERROR, EXIT_OK, StatementCheck
from assistant.check.statements import Statement
from assistant.pipeline import Pipeline
from assistant.settings import Settings
from assistant.text.normalize import match_key
from assistant.types import Filters
from tests.fakes import HashEmbedder, ScriptedGenerator

AMENDING = """ĐẢNG CỘNG SẢN VIỆT NAM
TỈNH ỦY HÒA LÂM
Số 21-CT/TU
Hòa Lâm, ngày 2 tháng 6 năm 2025

CHỈ THỊ
về an toàn thông tin mạng (tài liệu mẫu hư cấu)

Chỉ thị này sửa đổi, bổ sung Chỉ thị số 05-CT/TU về an toàn thông tin mạng trong chuyển đổi số.
Các cơ quan rà soát, xác định cấp độ an toàn của hệ thống thông tin trong quý III năm 2025.
"""
NOT_RESPONSIBLE = (  # reversed without a cue word or a negation: left to the model
    "Nghị quyết xác định người đứng đầu cấp ủy chỉ phối hợp, cấp phó chịu trách nhiệm về kết quả chuyển đổi số tại địa phương."
)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Path:
    root = tmp_path_factory.mktemp("check")
    corpus = root / "corpus"
    shutil.copytree(sample_dir, corpus)
    (corpus / "chi-thi-21-CT-TU.txt").write_text(AMENDING, "utf-8")
    with (corpus / "manifest.yaml").open("a", encoding="utf-8") as manifest:  # the amending directive is "mật"
        manifest.write('  "chi-thi-21-CT-TU.txt":\n    access_level: "mật"\n')
    p = Pipeline(Settings(index_dir=root / "idx", model_dir=root / "models", answer_mode="extractive"), embedder=HashEmbedder())
    reports = p.ingest([corpus])
    p.close()
    assert [r.status for r in reports] == ["added"] * 6, reports
    return root / "idx"


@pytest.fixture
def make(index_dir: Path, tmp_path: Path) -> Iterator[object]:
    made: list[Pipeline] = []

    def build(outputs: list[str] | None = None) -> tuple[Pipeline, ScriptedGenerator]:
        gen = ScriptedGenerator(outputs or [])
        p = Pipeline(Settings(index_dir=index_dir, model_dir=tmp_path / "m"), embedder=HashEmbedder(), generator=gen)
        p.checker.check_use_model = True  # rules-only is the default; these tests are about the model's part
        made.append(p)
        return p, gen

    yield build
    for p in made:
        p.close()


def check(p: Pipeline, text: str, against: tuple[str, ...] = ("15-NQ/TU",)) -> StatementCheck:
    ids, errors = p.checker.resolve(against)
    assert not errors
    return p.checker.check_statement(Statement(1, text, "", 1, 0, len(text)), ids)


def assert_verified(p: Pipeline, c: StatementCheck, *, contains: str) -> None:
    assert c.evidence, "no evidence"
    e = c.evidence[0]
    assert e.verified and contains in e.quote, e.quote
    doc_key = e.chunk_id.rsplit("#", 1)[0]
    text = p.catalog.document_text(doc_key)
    assert e.start is not None and e.end is not None
    assert match_key(text[e.start : e.end]) == match_key(e.quote)


def diffs(c: StatementCheck) -> list[tuple[str, str, str]]:
    return [(d.kind, d.stated, d.directive) for d in c.differences]


def test_consistent_by_rules_needs_no_model(make) -> None:  # type: ignore[no-untyped-def]
    p, gen = make()
    c = check(
        p,
        "Nghị quyết số 15-NQ/TU đặt mục tiêu đến năm 2030 tổng chi cho nghiên cứu khoa học "
        "và phát triển công nghệ đạt 1,5% GRDP.",
    )
    assert (c.verdict, c.method, c.differences, c.rewrite) == ("consistent", "rules", (), None)
    assert_verified(p, c, contains="1,5% GRDP")
    assert gen.prompts == []


@pytest.mark.parametrize(
    ("statement", "expected", "rewritten", "quoted"),
    [
        ("Nghị quyết số 15-NQ/TU đặt mục tiêu đến năm 2030 kinh tế số chiếm 30% GRDP của tỉnh.",
         ("percentage", "30%", "25%"), "kinh tế số chiếm 25% GRDP", "25% GRDP"),
        ("Theo Nghị quyết, Trung tâm dữ liệu dùng chung của tỉnh phải hoàn thành trong năm 2028.",
         ("deadline", "2028", "2026"), "hoàn thành trong năm 2026", "năm 2026"),
        ("Ban Tổ chức Tỉnh ủy chủ trì, phối hợp với các cơ quan liên quan tuyên truyền sâu rộng Nghị quyết "
         "trong cán bộ, đảng viên.",
         ("body", "Ban Tổ chức Tỉnh ủy", "Ban Tuyên giáo Tỉnh ủy"), "Ban Tuyên giáo Tỉnh ủy chủ trì", "Ban Tuyên giáo Tỉnh ủy"),
        ("Văn phòng Tỉnh ủy định kỳ hằng quý báo cáo Ban Thường vụ Tỉnh ủy về việc thực hiện Nghị quyết.",
         ("deadline", "hằng quý", "hằng năm"), "định kỳ hằng năm báo cáo", "hằng năm"),
        ("Nghị quyết 15-NQ/TU yêu cầu hạn chế đầu tư hạ tầng viễn thông băng rộng đến vùng sâu, vùng xa.",
         ("direction", "hạn chế", "ưu tiên"), "yêu cầu ưu tiên đầu tư", "Ưu tiên đầu tư"),
        ("Nghị quyết số 15-NQ/TU ngày 12/3/2023 của Tỉnh ủy về đẩy mạnh chuyển đổi số.",
         ("date", "ngày 12/3/2023", "ngày 12/03/2024"), "15-NQ/TU ngày 12/03/2024", "năm 2024"),
    ],
)  # fmt: skip
def test_contradictions_by_rules(make, statement: str, expected: tuple[str, str, str], rewritten: str, quoted: str) -> None:  # type: ignore[no-untyped-def]
    p, gen = make()
    c = check(p, statement)
    assert (c.verdict, c.method) == ("contradicts", "rules"), (c.verdict, c.method, diffs(c))
    assert diffs(c)[0] == expected
    assert c.rewrite is not None and rewritten in c.rewrite, c.rewrite
    assert_verified(p, c, contains=quoted)
    assert gen.prompts == []


def test_a_figure_the_directive_never_states_is_not_covered(make) -> None:  # type: ignore[no-untyped-def]
    p, gen = make()
    c = check(p, "Nghị quyết số 15-NQ/TU đặt mục tiêu đến năm 2030 có 30% số xe buýt trên địa bàn tỉnh sử dụng điện.")
    assert (c.verdict, c.method) == ("not_covered", "rules")
    assert gen.prompts == []


def test_unrelated_statement_is_not_covered(make) -> None:  # type: ignore[no-untyped-def]
    p, gen = make()
    c = check(p, "Tỉnh tổ chức giải bóng đá thiếu niên tại sân vận động mới.")
    assert c.verdict == "not_covered" and c.score < 0.35
    assert gen.prompts == []


def test_model_decides_what_rules_leave_open_and_its_rewrite_is_checked(make) -> None:  # type: ignore[no-untyped-def]
    good = "Người đứng đầu cấp ủy trực tiếp lãnh đạo, chỉ đạo và chịu trách nhiệm về kết quả chuyển đổi số tại địa phương mình."
    p, gen = make([json.dumps({"verdict": "contradicts", "evidence": 1}), json.dumps({"rewrite": good}, ensure_ascii=False)])
    c = check(p, NOT_RESPONSIBLE)
    assert (c.verdict, c.method) == ("contradicts", "model")
    assert [d.kind for d in c.differences] == ["direction"]
    assert c.rewrite == good
    assert_verified(p, c, contains="chịu trách nhiệm")
    assert gen.schemas == [VERDICT_SCHEMA, REWRITE_SCHEMA]
    assert NOT_RESPONSIBLE in gen.prompts[0][-1].content and gen.prompts[0][0].role == "system"
    assert gen.prompts[0][0].content == gen.prompts[1][0].content  # one cached prefix for both calls


def test_a_rewrite_with_an_invented_number_is_dropped(make) -> None:  # type: ignore[no-untyped-def]
    bad = "Người đứng đầu cấp ủy chịu trách nhiệm về 90% kết quả chuyển đổi số tại địa phương."
    p, _gen = make([json.dumps({"verdict": "contradicts", "evidence": 1}), json.dumps({"rewrite": bad}, ensure_ascii=False)])
    c = check(p, NOT_RESPONSIBLE)
    assert c.verdict == "contradicts" and c.rewrite is None and c.note


@pytest.mark.parametrize("verdict", ["consistent", "not_covered"])
def test_model_verdicts_are_kept(make, verdict: str) -> None:  # type: ignore[no-untyped-def]
    p, gen = make([json.dumps({"verdict": verdict, "evidence": 1})])
    c = check(p, NOT_RESPONSIBLE)
    assert (c.verdict, c.method, c.rewrite) == (verdict, "model", None)
    assert len(gen.prompts) == 1 and c.evidence


def test_a_model_consistent_on_a_weak_sentence_is_not_kept(make) -> None:  # type: ignore[no-untyped-def]
    p, _gen = make([json.dumps({"verdict": "consistent", "evidence": 2})])
    c = check(p, NOT_RESPONSIBLE)
    assert (c.verdict, c.method) == ("not_covered", "model")


def test_unreadable_model_output_falls_back_to_rules(make) -> None:  # type: ignore[no-untyped-def]
    p, _gen = make(["không phải JSON"])
    c = check(p, NOT_RESPONSIBLE)
    assert c.method == "rules" and c.verdict in ("consistent", "not_covered")


def test_statement_relying_on_an_amended_document_is_flagged(make) -> None:  # type: ignore[no-untyped-def]
    p, _gen = make()
    c = check(p, "Thực hiện Chỉ thị số 05-CT/TU, các cơ quan đã xác định cấp độ an toàn hệ thống thông tin.", ())
    assert any("05-CT/TU" in f and "21-CT/TU" in f and "sửa đổi" in f for f in c.flags), c.flags


def test_whole_draft_report_and_exit_codes(make) -> None:  # type: ignore[no-untyped-def]
    p, _gen = make()
    draft = (
        "# BÁO CÁO kết quả thực hiện Nghị quyết số 15-NQ/TU\n\n## I- KẾT QUẢ\n\n"
        "1. Tỉnh phấn đấu đến năm 2030 tổng chi cho nghiên cứu khoa học và phát triển công nghệ đạt 1,5% GRDP. "
        "Kinh tế số chiếm 30% GRDP của tỉnh vào năm 2030.\n"
    )
    report = p.check(("bao-cao.md", draft.encode()), ["15-NQ/TU"])
    assert [c.verdict for c in report.checks] == ["consistent", "contradicts"]
    assert report.counts == {"consistent": 1, "contradicts": 1, "not_covered": 0}
    assert report.exit_code == EXIT_CONTRADICTIONS and report.against == ["15-NQ/TU"]
    assert report.checks[1].statement.section.endswith("I- KẾT QUẢ")
    ok = p.check(("bao-cao.txt", draft.split("Kinh tế số")[0]), ["NQ 15"])
    assert ok.exit_code == EXIT_OK and ok.against == ["15-NQ/TU"]
    missing = p.check(("bao-cao.md", draft), ["99-NQ/TW"])
    assert missing.exit_code == EXIT_ERROR and "99-NQ/TW" in missing.errors[0]
    empty = p.check(Path("/nonexistent/du-thao.docx"), ["15-NQ/TU"])
    assert empty.exit_code == EXIT_ERROR and "du-thao.docx" in empty.errors[0]


def test_focus_keeps_the_best_clauses_verbatim() -> None:
    sentence = "; ".join(f"mệnh đề số {i} về nội dung khác nhau của văn bản" for i in range(12)) + "; kinh tế số chiếm 25% GRDP."
    got = focus(sentence, {"kinh", "tế", "số", "grdp"})
    assert got.endswith("kinh tế số chiếm 25% GRDP.") and got in sentence and len(got.split()) <= 45


def test_rewrite_checks() -> None:
    quote = "Có cơ chế cho phép và khuyến khích các tổ chức nghiên cứu thành lập doanh nghiệp."
    stmt = "Nghị quyết yêu cầu hạn chế các tổ chức nghiên cứu thành lập doanh nghiệp."
    assert rewrite_ok("Nghị quyết cho phép và khuyến khích các tổ chức nghiên cứu thành lập doanh nghiệp.", stmt, quote)
    assert not rewrite_ok("Nghị quyết hạn chế các tổ chức nghiên cứu thành lập doanh nghiệp.", stmt, quote)
    assert not rewrite_ok("Nghị quyết cho phép 5 tổ chức nghiên cứu thành lập doanh nghiệp.", stmt, quote)
    assert not rewrite_ok(stmt, stmt, quote)


PUBLIC = Filters(max_access_rank=0)  # a reader cleared for "công khai" only
DATED_HIDDEN = "Chỉ thị số 21-CT/TU ngày 5/6/2025 yêu cầu các cơ quan xác định cấp độ an toàn của hệ thống thông tin."


def test_a_directive_above_the_clearance_is_reported_like_one_that_does_not_exist(make) -> None:  # type: ignore[no-untyped-def]
    p, _gen = make()
    assert p.checker.resolve(["21-CT/TU"]) == (["21-CT/TU"], [])  # control: without a clearance it is there
    hidden = p.checker.resolve(["21-CT/TU"], PUBLIC)
    absent = p.checker.resolve(["22-CT/TU"], PUBLIC)
    assert hidden[0] == absent[0] == []
    assert [e.replace("21-CT/TU", "X") for e in hidden[1]] == [e.replace("22-CT/TU", "X") for e in absent[1]]
    report = p.check(("du-thao.md", DATED_HIDDEN), ["Chỉ thị 21"], filters=PUBLIC)
    assert report.errors == ["Văn bản Chỉ thị 21 không có trong kho tài liệu đã nạp."] and not report.checks


def test_nothing_above_the_clearance_reaches_a_check(make) -> None:  # type: ignore[no-untyped-def]
    p, gen = make()
    flagged = "Thực hiện Chỉ thị số 05-CT/TU, các cơ quan đã xác định cấp độ an toàn hệ thống thông tin."
    draft = f"Số 50-BC/TU\n\n# BÁO CÁO\n\n{flagged}\n\n{DATED_HIDDEN}\n"
    full = p.check(("du-thao.md", draft))
    gen.prompts.clear()
    public = p.check(("du-thao.md", draft), filters=PUBLIC)
    # control: with every document visible, the mật directive flags, dates and quotes
    assert any("21-CT/TU" in f for f in full.checks[0].flags), full.checks[0].flags
    assert full.checks[1].verdict == "contradicts" and full.checks[1].differences[0].kind == "date"
    assert full.checks[1].evidence[0].doc_id == "21-CT/TU"
    # at "công khai": no flag naming it, no date compared with it, no passage of it, no word of it
    assert full.checks[1].differences[0].directive == "ngày 02/06/2025"  # its issue date, from the catalog
    assert public.checks[0].flags == ()
    assert all("02/06/2025" not in d.directive for c in public.checks for d in c.differences)
    shown = [e for c in public.checks for e in c.evidence]
    assert shown and all(e.doc_id != "21-CT/TU" for e in shown)
    hidden_text = p.catalog.document_text(p.catalog.keys_for_doc_id("21-CT/TU")[0])
    secret_words = "cấp độ an toàn của hệ thống thông tin trong quý III"
    assert secret_words in hidden_text
    assert all(secret_words not in e.quote for e in shown)
    assert public.notes == [] and public.against == []
    prompts = "\n".join(m.content for prompt in gen.prompts for m in prompt)
    assert "quý III năm 2025" not in prompts


def test_a_pasted_draft_whose_first_line_names_a_directive_still_checks_against_it(make) -> None:  # type: ignore[no-untyped-def]
    p, _gen = make()
    # no header: the first line reads like the draft's own number, but the draft is not that document
    draft = (
        "Nghị quyết số 15-NQ/TU\n\n"
        "Tỉnh phấn đấu đến năm 2030 tổng chi cho nghiên cứu khoa học và phát triển công nghệ đạt 1,5% GRDP.\n"
    )
    report = p.check(("dan.txt", draft))
    assert [c.verdict for c in report.checks if "1,5%" in c.statement.text] == ["consistent"], report.checks
    assert any(e.doc_id == "15-NQ/TU" for c in report.checks for e in c.evidence)


def test_an_indexed_draft_is_never_its_own_evidence(make, sample_dir: Path) -> None:  # type: ignore[no-untyped-def]
    p, _gen = make()
    report = p.check(sample_dir / "du-thao-bao-cao-45-BC-TU.pdf")
    assert report.checks and not report.errors
    assert all(e.doc_id != "45-BC/TU" for c in report.checks for e in c.evidence)
    assert any(e.doc_id for c in report.checks for e in c.evidence), "other documents still give evidence"


def test_a_bare_document_name_is_not_judged_but_its_date_still_is(make) -> None:  # type: ignore[no-untyped-def]
    p, gen = make([json.dumps({"verdict": "contradicts", "evidence": 1})])  # what a model said of such names
    c = check(p, "Nghị quyết số 15-NQ/TU về đẩy mạnh chuyển đổi số")
    assert (c.verdict, c.method, c.evidence) == ("not_covered", "rules", ())
    assert "tên một văn bản" in c.note
    assert gen.prompts == []
    dated = check(p, "Nghị quyết số 15-NQ/TU ngày 12/3/2023 của Tỉnh ủy về đẩy mạnh chuyển đổi số")
    assert dated.verdict == "contradicts" and dated.differences[0].kind == "date"


def test_rules_only_when_the_model_is_off(index_dir: Path, tmp_path: Path) -> None:
    gen = ScriptedGenerator([json.dumps({"verdict": "contradicts", "evidence": 1})])
    p = Pipeline(Settings(index_dir=index_dir, model_dir=tmp_path / "m"), embedder=HashEmbedder(), generator=gen)
    p.checker.check_use_model = False
    try:
        c = check(p, NOT_RESPONSIBLE)
        assert c.method == "rules" and c.verdict != "contradicts"
        assert gen.prompts == []  # the model was never asked
    finally:
        p.close()


def test_a_half_year_deadline_is_read_and_agrees_with_its_last_day(make) -> None:  # type: ignore[no-untyped-def]
    # "6 tháng đầu năm 2025" is the half year "2025-h1": it dates no document, and "trước ngày 30 tháng 6 năm 2025" ends it
    p, _ = make()
    c = check(
        p,
        "Chỉ thị 05 yêu cầu các cơ quan, đơn vị hoàn thành phân loại, xác định cấp độ và phê duyệt phương án bảo đảm an "
        "toàn cho 100% hệ thống thông tin trong 6 tháng đầu năm 2025.",
        ("05-CT/TU",),
    )
    assert (c.verdict, c.method) == ("consistent", "rules"), (c.verdict, diffs(c))
