"""Draft check reports: JSON, Markdown, and the HTML page in headless Chromium."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant.check.compare import Difference
from assistant.check.html import to_html
from assistant.check.report import report_json, to_json, to_markdown
from assistant.check.results import CheckReport, StatementCheck
from assistant.check.statements import Statement
from assistant.types import Citation

CHROMIUM = "/usr/bin/chromium"


def fake_report() -> CheckReport:
    def st(n: int, text: str, para: int) -> Statement:
        return Statement(n, text, "A. BÁO CÁO › I- KẾT QUẢ", para, n * 100, n * 100 + len(text))

    def cite(quote: str) -> Citation:
        return Citation(1, "57-NQ/TW", "II- MỤC TIÊU › 1. Đến năm 2030", quote, True, "57-NQ/TW#7", 10, 10 + len(quote))

    checks = [
        StatementCheck(
            st(1, "Kinh tế số đạt 30% GDP vào năm 2030.", 1), "consistent", (cite("Quy mô kinh tế số đạt tối thiểu 30% GDP."),)
        ),
        StatementCheck(
            st(2, "Chi cho R&D đạt 3% GDP <script>alert(1)</script>.", 1),
            "contradicts",
            (cite("Kinh phí chi cho nghiên cứu phát triển (R&D) đạt 2% GDP"),),
            (Difference("percentage", "3%", "2%", 14, 16),),
            "Chi cho R&D đạt 2% GDP.",
            flags=("57-NQ/TW bị 99-NQ/TW sửa đổi, bổ sung (theo quan hệ trong kho tài liệu); cần đối chiếu văn bản mới.",),
        ),
        StatementCheck(st(3, "Đào tạo 100.000 kỹ sư bán dẫn.", 2), "not_covered", method="rules"),
    ]
    return CheckReport("du-thao.md", ["57-NQ/TW"], checks, timings={"total": 1.5})


def test_json_report() -> None:
    data = json.loads(to_json(fake_report()))
    assert data["summary"] == {"statements": 3, "consistent": 1, "contradicts": 1, "not_covered": 1, "flagged": 1}
    assert data["exit_code"] == 1
    second = data["statements"][1]
    assert second["verdict"] == "contradicts" and second["verdict_label"] == "mâu thuẫn"
    assert second["differences"] == [{"kind": "percentage", "kind_label": "tỷ lệ phần trăm", "stated": "3%", "directive": "2%"}]
    assert second["evidence"][0]["verified"] is True and second["rewrite"] == "Chi cho R&D đạt 2% GDP."
    assert report_json(CheckReport("x.md", [], errors=["x.md: empty file"]))["exit_code"] == 2


def test_markdown_report_lists_contradictions_first() -> None:
    md = to_markdown(fake_report())
    assert md.startswith("# Kiểm tra dự thảo: du-thao.md")
    assert "3 câu: 1 mâu thuẫn, 1 nhất quán, 1 không có căn cứ" in md
    i = md.index("## Các câu mâu thuẫn")
    assert md.index("dự thảo “3%”, văn bản “2%”") > i
    assert "**Đề xuất sửa:** Chi cho R&D đạt 2% GDP." in md
    assert md.count("\n| ") == 4  # the header and three rows


def test_html_is_self_contained_and_escaped() -> None:
    page = to_html(fake_report())
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "http://" not in page and "https://" not in page and "<link" not in page
    assert page.count('class="st v-') == 3


@pytest.mark.browser
def test_html_renders_in_chromium(tmp_path: Path) -> None:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    page_file = tmp_path / "report.html"
    page_file.write_text(to_html(fake_report()), "utf-8")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(page_file.as_uri())
            assert errors == []
            assert "1 mâu thuẫn" in page.inner_text("#summary")
            assert page.inner_text("[data-verdict=contradicts]").strip() == "mâu thuẫn: 1"
            red = page.eval_on_selector("#s2", "e => getComputedStyle(e).backgroundColor")
            green = page.eval_on_selector("#s1", "e => getComputedStyle(e).backgroundColor")
            grey = page.eval_on_selector("#s3", "e => getComputedStyle(e).backgroundColor")
            assert len({red, green, grey}) == 3 and red == "rgb(255, 214, 214)"
            card = page.locator(".card[data-n='2']")
            assert card.is_visible() and "Kinh phí chi cho nghiên cứu phát triển (R&D) đạt 2% GDP" in card.inner_text()
            # the evidence stands beside its statement, not below it
            s_box = page.locator("#s2").bounding_box()
            c_box = card.bounding_box()
            assert s_box and c_box and c_box["x"] > s_box["x"] + s_box["width"] - 1
            page.set_viewport_size({"width": 1200, "height": 900})
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            browser.close()
