"""End to end with real components: a .docx file → real unstructured → EmbeddingGemma → Chroma → Qwen GGUF → cited answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import models
from assistant.ingest.load import load_file
from assistant.pipeline import Pipeline
from assistant.settings import Settings
from assistant.text.normalize import match_key

pytestmark = pytest.mark.slow


def _write_docx(path: Path) -> None:
    from docx import Document

    doc = Document()
    doc.add_paragraph("TÀI LIỆU MẪU HƯ CẤU – dùng cho kiểm thử")
    doc.add_paragraph("TỈNH ỦY NAM SƠN")
    doc.add_paragraph("Số 21-NQ/TU")
    doc.add_paragraph("Nam Sơn, ngày 5 tháng 6 năm 2025")
    doc.add_heading("NGHỊ QUYẾT về phát triển hạ tầng số tỉnh Nam Sơn", level=1)
    doc.add_heading("I- MỤC TIÊU", level=2)
    doc.add_paragraph("Đến năm 2030, tỷ lệ xã có mạng cáp quang đạt 95% và tỷ lệ dân số dùng điện thoại thông minh đạt 90%.")
    doc.add_paragraph("Đến năm 2030, tỉnh hoàn thành Trung tâm điều hành thông minh cấp tỉnh.")
    doc.add_heading("II- NHIỆM VỤ, GIẢI PHÁP", level=2)
    doc.add_paragraph("Sở Khoa học và Công nghệ chủ trì xây dựng kho dữ liệu dùng chung, hoàn thành trước năm 2027.")
    doc.add_paragraph("Các huyện bố trí ngân sách hằng năm cho đào tạo kỹ năng số cho cán bộ cơ sở.")
    doc.save(str(path))


@pytest.fixture(scope="module")
def store() -> Path:
    s = Settings()
    for name in models.DEFAULT_MODELS:
        if not models.model_path(s.model_dir, name).exists():
            pytest.fail(f"model {name} missing from {s.model_dir}: run `assistant models pull` (scripts/install.sh does)")
    return s.model_dir


def test_docx_question_gets_a_verified_verbatim_citation(tmp_path: Path, store: Path) -> None:
    docx = tmp_path / "nghi-quyet-21.docx"
    _write_docx(docx)
    pipe = Pipeline(Settings(index_dir=tmp_path / "idx", model_dir=store))
    reports = pipe.ingest([docx])
    assert [r.status for r in reports] == ["added"], reports
    assert reports[0].doc_id == "21-NQ/TU"

    answer = pipe.ask("Theo Nghị quyết 21, đến năm 2030 tỷ lệ xã có mạng cáp quang đạt bao nhiêu phần trăm?")
    assert answer.mode in ("generated", "extractive"), answer
    assert pipe.generator is not None and getattr(pipe.generator, "stats", {}).get("gen_tokens", 0) > 0  # the GGUF ran
    assert answer.citations, answer
    source = load_file(docx, max_bytes=10_000_000).text
    for c in answer.citations:
        assert c.verified and c.doc_id == "21-NQ/TU"
        assert match_key(c.quote) in match_key(source)  # verbatim in the source, up to whitespace/Markdown noise
        assert c.start is not None and c.end is not None
        assert match_key(pipe.catalog.document_text("21-NQ/TU")[c.start : c.end]) == match_key(c.quote)
    assert any("95%" in c.quote for c in answer.citations)
    assert "95" in answer.text
    pipe.close()
