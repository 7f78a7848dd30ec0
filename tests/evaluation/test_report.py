from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from assistant.evaluation.metrics import summarize
from assistant.evaluation.report import format_table, write_report
from tests.evaluation.records import answer, citation, draft, passage, question

CHROMIUM = "/usr/bin/chromium"


def fake_run() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for i in range(20):
        good = passage(1 if i % 3 else 3, "57-NQ/TW", 12, "Đến năm 2030, tiềm lực khoa học đạt mức tiên tiến.")
        other = passage(2, "03/NQ-CP", 4, "Chương trình hành động.")
        cites = [citation(1, good, "tiềm lực khoa học", verified=bool(i % 2))]
        records.append(
            question(
                f"q{i}",
                [good, other],
                ["57-NQ/TW"],
                expected_quotes=["tiềm lực khoa học"],
                answer=answer(f"Đạt mức tiên tiến [1] <b>{i}</b>", citations=cites),
                reference_answer="Tiềm lực khoa học đạt mức tiên tiến.",
                kind="by_number" if i % 2 else "paraphrase",
                timings={"retrieve": 0.1 + i / 100, "generate": 2 + i / 10, "total": 2.2 + i / 10},
            )
        )
    records[0]["question"] = "<script>alert('x')</script> Mục tiêu?"
    records.append(question("u1", [], [], answerable=False, answer=answer("Không có.", "refused")))
    records.append(draft("d1", "contradicts", None))
    return records


def test_format_table() -> None:
    summary = summarize(fake_run())
    text = format_table(summary)
    assert re.search(r"^mrr@10\s+\d\.\d{4}$", text, re.M)
    assert re.search(r"^latency\.generate\.p95\s+\d+\.\d{3}s$", text, re.M)
    assert re.search(r"^drafts\s+not run$", text, re.M)
    assert "paraphrase" in text and "by_number" in text


def test_write_report_is_self_contained_and_escaped(tmp_path: Path) -> None:
    records = fake_run()
    path = write_report(tmp_path, summarize(records), records, title="Đánh giá <thử>", config={"k": "<v>"})
    assert path == tmp_path / "report.html"
    html = path.read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "Đánh giá &lt;thử&gt;" in html and "&lt;b&gt;0&lt;/b&gt;" in html
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", html)  # nothing fetched from outside
    assert html.count('class="plot"') == 2 and "data:image/png;base64," in html
    assert 'id="metrics"' in html
    assert html.count('<div class="item">') == 15


def test_report_headings_and_labels_are_vietnamese(tmp_path: Path) -> None:
    records = fake_run()
    html = write_report(tmp_path, summarize(records), records, title="Đánh giá", config={}).read_text(encoding="utf-8")
    heads = re.findall(r"<th>(.*?)</th>", html)
    assert {"chỉ số", "ý nghĩa", "giá trị", "đếm", "số lượng", "loại câu hỏi", "số câu"} <= set(heads), heads
    assert {"trúng văn bản @5", "MRR @10", "độ chính xác trích dẫn"} <= set(heads), heads
    assert not {"metric", "value", "count", "n", "kind", "right", "wrong", "split"} & set(heads), heads
    assert "<td>câu hỏi</td>" in html and "<td>câu loại paraphrase</td>" in html  # counts named in Vietnamese
    for english in ("Question:", "Expected docs:", "Citations:", "Retrieved (top 3):", "unverified", "Latency per stage"):
        assert english not in html, english
    assert "<b>Câu hỏi:</b>" in html and "✗ chưa kiểm chứng" in html
    assert re.search(r"Câu trả lời \((mô hình viết|trích nguyên văn|từ chối)\)", html)


@pytest.mark.browser
def test_report_renders_in_chromium(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    records = fake_run()
    path = write_report(tmp_path, summarize(records), records, title="Đánh giá", config={})
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        try:
            page = browser.new_page()
            page.goto(path.as_uri())
            assert page.locator("#metrics tbody tr").count() >= 10
            widths = page.eval_on_selector_all("img.plot", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
            assert widths and max(widths) > 0
            assert page.title() == "Đánh giá"
        finally:
            browser.close()
