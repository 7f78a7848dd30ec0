"""The web UI in headless Chromium against the real service (uvicorn on a free loopback port): log in, ask and
see the cited quote highlighted in its passage, upload a document, and, as a lower-clearance user, fail to see
a "mật" document; check a draft and see each statement's verdict with the directive's quote highlighted.
The screenshots are checked: a PNG of the viewport's size, with the highlight colour."""

from __future__ import annotations

import io
import re
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import ANSWERABLE, GOOD_OUTPUT, NOTICE, QUOTE, Office, RepeatingGenerator, make_office, make_pipeline
from tests.api.test_check import DRAFT

CHROMIUM = "/usr/bin/chromium"
VIEWPORT: Any = {"width": 1280, "height": 900}  # playwright's ViewportSize
MARK_RGB = (0xFF, 0xD4, 0x00)  # --mark in style.css
SECRET = """BAN THƯỜNG VỤ TỈNH ỦY HÒA LÂM

Số 77-BC/TU

# BÁO CÁO

về phương án bảo đảm an toàn hệ thống cơ yếu của tỉnh

## 1. Tình hình

Hệ thống cơ yếu của tỉnh gồm 14 điểm kết nối, trong đó 3 điểm cần thay thiết bị mã hóa trước quý IV.
"""


@dataclass
class Server:
    url: str
    office: Office


@pytest.fixture
def server(tmp_path: Path, sample_dir: Path) -> Iterator[Server]:
    import uvicorn

    pipe = make_pipeline(tmp_path, generator=RepeatingGenerator(GOOD_OUTPUT))
    secret = tmp_path / "mat"
    secret.mkdir()
    (secret / "bao-cao-77.md").write_text(SECRET, "utf-8")
    (secret / "manifest.yaml").write_text('documents:\n  "bao-cao-77.md":\n    access_level: "mật"\n', "utf-8")
    assert {r.status for r in pipe.ingest([sample_dir, secret])} == {"added"}
    office = make_office(
        pipe,
        {
            "drafter": ("drafter", "mật"), "analyst": ("analyst", "công khai"), "reviewer": ("reviewer", "nội bộ"),
            "admin": ("admin", "tối mật"),
        },
    )  # fmt: skip
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(office.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield Server(f"http://127.0.0.1:{port}", office)
    srv.should_exit = True
    thread.join(timeout=30)
    pipe.close()


@contextmanager
def chromium() -> Iterator[Any]:
    """The system's headless Chromium (no test tool downloads its own), closed afterwards."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        try:
            yield browser
        finally:
            browser.close()


def log_in(page: Any, server: Server, username: str) -> None:
    """Log in on the login page the browser is at, with the user's token; lands on the ask page."""
    from playwright.sync_api import expect

    page.fill("#username", username)
    page.fill("#secret", server.office.tokens[username])
    page.click("#login-button")
    expect(page).to_have_url(server.url + "/")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def highlight_pixels(data: bytes) -> int:
    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("RGB")
    colours: list[tuple[int, Any]] = image.getcolors(maxcolors=1 << 22) or []
    return sum(count for count, rgb in colours if all(abs(a - b) <= 3 for a, b in zip(rgb, MARK_RGB, strict=True)))


@pytest.mark.browser
def test_log_in_ask_upload_and_clearance_in_the_browser(server: Server, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    with chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        outside: list[str] = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((server.url, "data:")) else None)

        # log in: the ask page redirects to the login page first
        page.goto(server.url + "/")
        expect(page).to_have_url(server.url + "/login")
        log_in(page, server, "drafter")
        expect(page.locator("#who")).to_contain_text("người soạn thảo · độ mật: mật")

        # ask: the answer streams in, and the sources panel shows the quote highlighted inside its passage
        page.fill("#question", ANSWERABLE)
        page.click("#ask-button")
        mark = page.locator("#sources .source mark").first
        expect(mark).to_have_text(QUOTE, timeout=30_000)
        card = page.locator("#sources .source").first
        expect(card.locator(".doc")).to_have_text("15-NQ/TU")
        expect(card.locator(".crumb")).to_contain_text("Mục tiêu")
        context = card.locator(".context").inner_text()
        assert QUOTE in context and len(context) > len(QUOTE) + 20  # the quote sits inside its passage
        expect(page.locator("#answer")).to_contain_text("25% GRDP")
        expect(page.locator("#answer a.ref").first).to_have_text("[1]")
        shot = tmp_path / "ask.png"
        page.screenshot(path=str(shot))
        data = shot.read_bytes()
        assert png_size(data) == (VIEWPORT["width"], VIEWPORT["height"])
        assert highlight_pixels(data) > 500, "the highlight colour is not on the screenshot"

        # the library: the mật document is there for this user; upload a file at nội bộ
        page.click("header nav a[href='/library']")
        expect(page.locator("#documents tbody tr[data-key='77-BC/TU']")).to_have_count(1)
        notice = tmp_path / "thong-bao-21.md"
        notice.write_text(NOTICE, "utf-8")
        page.set_input_files("#upload-file", str(notice))
        page.select_option("#upload-level", "nội bộ")
        page.click("#upload-button")
        expect(page.locator("#upload-result")).to_contain_text("đã nạp", timeout=30_000)
        expect(page.locator("#documents tbody tr[data-key^='21-TB/TU@']")).to_have_count(1)
        expect(page.locator("#detail-title")).to_contain_text("lịch tiếp công dân")

        # log out; the công khai analyst sees neither the mật report nor the nội bộ upload, even by address
        page.click("#logout")
        expect(page).to_have_url(server.url + "/login")
        log_in(page, server, "analyst")
        page.goto(server.url + "/library")
        expect(page.locator("#documents tbody tr[data-key='15-NQ/TU']")).to_have_count(1)
        expect(page.locator("#documents tbody tr[data-key='77-BC/TU']")).to_have_count(0)
        expect(page.locator("#documents tbody tr[data-key^='21-TB/TU@']")).to_have_count(0)
        assert page.locator("#upload-panel").is_hidden()  # analysts do not upload
        page.goto(server.url + "/library#doc=77-BC%2FTU")
        expect(page.locator("#detail-error")).to_contain_text("không có văn bản 77-BC/TU trong kho")
        assert "14 điểm kết nối" not in page.content()
        assert outside == []  # nothing fetched from anywhere else


@pytest.mark.browser
def test_an_evaluation_run_and_its_report_in_the_browser(server: Server) -> None:
    from playwright.sync_api import expect

    with chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(server.url + "/login")
        log_in(page, server, "reviewer")
        page.click("header nav a[href='/evals']")
        page.select_option("#eval-set", "sample_smoke.jsonl")
        page.check("#eval-retrieval")
        page.click("#eval-button")
        expect(page.locator("#run-status")).to_contain_text("xong: 10/10", timeout=60_000)
        report = page.frame_locator("#run-report")
        expect(report.locator("#metrics tbody tr").first).to_be_visible(timeout=30_000)
        expect(report.locator("h1")).to_have_text("Đánh giá: sample_smoke.jsonl")
        expect(page.locator("#runs tbody tr")).to_have_count(1)
        expect(page.locator("#runs tbody tr td").nth(1)).to_have_text(re.compile(r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}$"))
        expect(report.locator("#metrics th").first).to_have_text("chỉ số")


@pytest.mark.browser
def test_a_draft_check_in_the_browser(server: Server, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    with chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        outside: list[str] = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((server.url, "data:")) else None)
        page.goto(server.url + "/login")
        log_in(page, server, "drafter")

        # paste a draft, check it against 15-NQ/TU: one statement agrees, one contradicts
        page.click("header nav a[href='/check']")
        expect(page).to_have_url(server.url + "/check")
        page.fill("#draft-text", DRAFT)
        page.fill("#against", "15-NQ/TU")
        page.click("#check-button")
        bad = page.locator("#statements .statement.v-contradicts")
        expect(bad).to_have_count(1, timeout=30_000)
        expect(page.locator("#status")).to_contain_text("Xong")
        expect(bad.locator(".verdict")).to_have_text("mâu thuẫn")
        expect(bad.locator(".text")).to_contain_text("Kinh tế số chiếm 30% GRDP")
        expect(bad.locator(".diff")).to_have_text("Khác nhau (tỷ lệ phần trăm): dự thảo “30%”, văn bản “25%”")
        expect(bad.locator(".fix")).to_contain_text("25% GRDP")
        expect(bad.locator(".source .doc")).to_have_text("15-NQ/TU")
        expect(bad.locator(".source .crumb")).to_contain_text("Mục tiêu")
        expect(bad.locator(".source mark")).to_contain_text("25% GRDP")
        context = bad.locator(".source .context").inner_text()
        assert len(context) > len(bad.locator(".source mark").inner_text()) + 20  # the quote sits inside its passage
        good = page.locator("#statements .statement.v-consistent")
        expect(good.locator(".source mark")).to_contain_text("1,5% GRDP")
        expect(page.locator("#summary .count.v-contradicts")).to_have_text("mâu thuẫn: 1")
        expect(page.locator("#summary .count.v-consistent")).to_have_text("nhất quán: 1")
        expect(page.locator("#summary .count.v-not_covered")).to_have_text("không có căn cứ: 0")
        colour = bad.evaluate("el => getComputedStyle(el).borderLeftColor")
        assert colour == "rgb(224, 90, 90)", colour  # red for a contradiction
        shot = tmp_path / "check.png"
        page.screenshot(path=str(shot))
        data = shot.read_bytes()
        assert png_size(data) == (VIEWPORT["width"], VIEWPORT["height"])
        assert highlight_pixels(data) > 300, "the highlight colour is not on the screenshot"

        # the counts filter the list
        page.click("#summary .count.v-consistent")
        expect(bad).to_be_hidden()
        expect(good).to_be_visible()
        page.click("#summary .count.v-consistent")
        expect(bad).to_be_visible()

        # a file instead of pasted text; a directive above the reviewer's clearance is "not indexed"
        draft = tmp_path / "bao-cao.md"
        draft.write_text(DRAFT, "utf-8")
        page.set_input_files("#draft-file", str(draft))
        page.click("#check-button")
        expect(page.locator("#report-title")).to_have_text("Kết quả: bao-cao.md", timeout=30_000)
        expect(bad).to_have_count(1)
        page.click("#logout")
        log_in(page, server, "reviewer")
        page.goto(server.url + "/check")
        page.fill("#draft-text", DRAFT)
        page.fill("#against", "77-BC/TU")
        page.click("#check-button")
        expect(page.locator("#check-error")).to_have_text("Lỗi: Văn bản 77-BC/TU không có trong kho tài liệu đã nạp.")

        # analysts do not check drafts: no link, and the page says so
        page.click("#logout")
        log_in(page, server, "analyst")
        assert page.locator("header nav a[href='/check']").is_hidden()
        page.goto(server.url + "/check")
        expect(page.locator("#status")).to_contain_text("không được kiểm tra dự thảo")
        assert page.locator("#check-button").is_disabled()
        assert outside == []


@pytest.mark.browser
def test_api_docs_offline_in_the_browser(server: Server) -> None:
    """/docs with every request outside the service refused: Swagger UI still renders the endpoint list, under
    the pages' CSP, with no console error; without a session the page sends the browser to the login page."""
    from playwright.sync_api import Route, expect

    with chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        blocked: list[str] = []
        errors: list[str] = []

        def only_the_service(route: Route) -> None:
            if route.request.url.startswith((server.url, "data:")):
                route.continue_()
            else:
                blocked.append(route.request.url)
                route.abort()

        page.route("**/*", only_the_service)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server.url + "/docs")
        expect(page).to_have_url(server.url + "/login")
        log_in(page, server, "analyst")
        page.goto(server.url + "/docs")
        expect(page.locator(".opblock-summary-path[data-path='/ask']")).to_have_count(1, timeout=30_000)
        expect(page.locator(".opblock-summary-path[data-path='/documents']").first).to_be_visible()
        assert page.locator(".opblock").count() >= 12
        assert blocked == [] and errors == [], (blocked, errors)


PAGES = ("/", "/library", "/check", "/evals")
# English a person must not meet on a page (whole words, outside the user's own display name): leftovers of
# untranslated messages, role names, status phrases, and what a script shows when it renders nothing.
ENGLISH_UI = (
    "error", "not found", "forbidden", "unauthorized", "may not", "no indexed document", "invalid", "revoked",
    "analyst", "drafter", "reviewer", "admin", "metric", "value", "kind", "loading", "submit", "upload", "delete",
    "undefined", "null", "NaN", "object Object", "unverified", "passages",
)  # fmt: skip
ROLE_NAMES = {
    "analyst": "chuyên viên phân tích", "drafter": "người soạn thảo", "reviewer": "người thẩm định", "admin": "quản trị",
}  # fmt: skip


def english_in(text: str) -> list[str]:
    return [w for w in ENGLISH_UI if re.search(rf"(?<![\w/.-]){re.escape(w)}(?![\w/.-])", text, re.I)]


def walk_pages(browser: Any, server: Server, role: str) -> list[str]:
    """Log in as `role` in a fresh context and visit every page; returns the console errors, uncaught errors and
    error responses seen on the way. Asserts what each page shows."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport=VIEWPORT)  # a cookie jar of its own
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    try:
        page.goto(server.url + "/login")
        assert english_in(page.inner_text("main")) == [], (role, "/login")
        log_in(page, server, role)
        for path in PAGES:
            page.goto(server.url + path)
            expect(page.locator("#who")).to_contain_text(ROLE_NAMES[role])
            if path == "/library":
                expect(page.locator("#doc-count")).to_contain_text("văn bản")
                page.locator("#documents tbody tr[data-key='15-NQ/TU']").click()
                expect(page.locator("#detail .chunk").first).to_be_visible()
            page.wait_for_load_state("networkidle")
            text = page.inner_text("main") + "\n" + page.inner_text("header nav")
            assert english_in(text) == [], (role, path, english_in(text))
            assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text), (role, path)  # no ISO dates
            if path == "/library":
                assert re.search(r"\b\d{2}/\d{2}/\d{4}\b", page.inner_text("#documents")), role
                assert page.locator("#delete-button").count() == (1 if role == "admin" else 0)
            if path == "/evals" and role in ("analyst", "drafter"):
                expect(page.locator("#eval-message")).to_have_text("Vai trò của bạn không được chạy đánh giá.")
                assert page.locator("#eval-button").is_disabled()
                assert page.locator("header nav a[href='/evals']").is_hidden()
            if path == "/evals" and role in ("reviewer", "admin"):
                expect(page.locator("#eval-set option[value='sample_smoke.jsonl']")).to_have_count(1)
                assert page.locator("#eval-button").is_enabled()
            if path == "/check" and role == "analyst":
                expect(page.locator("#status")).to_have_text("Vai trò của bạn không được kiểm tra dự thảo.")
    finally:
        context.close()
    return problems


@pytest.mark.browser
def test_every_page_as_every_role_in_vietnamese_without_console_errors(server: Server) -> None:
    """Each role walks every page (and opens a document in the library): no uncaught error or error response in
    the console, no English from ENGLISH_UI on the page, dates as dd/mm/yyyy, the role named in Vietnamese; a
    page the role cannot use says so in Vietnamese instead of failing."""

    with chromium() as browser:
        for role in ("analyst", "drafter", "reviewer", "admin"):
            assert walk_pages(browser, server, role) == [], role


@pytest.mark.browser
def test_passages_without_markdown_and_the_quote_scrolled_into_its_box(server: Server) -> None:
    """The cited passage of 15-NQ/TU (a Markdown file: "### 2. Mục tiêu", "- Kinh tế số …") shows no Markdown
    markers, its list items as "• ", and, in a box made too short to show it unscrolled, the highlighted quote
    scrolled into view. The library's passages are shown the same way."""
    from playwright.sync_api import expect

    with chromium() as browser:
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(server.url + "/login")
        log_in(page, server, "analyst")
        expect(page.locator("#who")).not_to_be_empty()
        # a passage box two lines high: the quote, lines below the passage's start, is out of sight unless scrolled
        page.evaluate("document.styleSheets[0].insertRule('.source .context { max-height: 2.6em !important; }')")
        page.fill("#question", ANSWERABLE)
        page.click("#ask-button")
        expect(page.locator("#status")).to_contain_text("Xong", timeout=30_000)
        card = page.locator("#sources .source").filter(has=page.locator("mark")).first
        expect(card.locator("mark")).to_have_text(QUOTE)
        box = card.locator(".context")
        text = box.inner_text()
        assert "#" not in text and "**" not in text, text
        assert not re.search(r"^\s*- ", text, re.M) and "• " + QUOTE in text, text
        where = box.evaluate(
            """box => { const m = box.querySelector("mark").getBoundingClientRect(), b = box.getBoundingClientRect();
               return {scrolled: box.scrollTop, top: m.top - b.top, bottom: b.bottom - m.bottom}; }"""
        )
        assert where["scrolled"] > 0, where  # the quote did need scrolling to
        assert where["top"] >= -1 and where["bottom"] >= -1, where  # and it is inside the box

        page.goto(server.url + "/library#doc=15-NQ%2FTU")
        expect(page.locator("#detail .chunk").first).to_be_visible()
        chunks = page.locator("#detail .chunk .text").all_inner_texts()
        assert chunks and not any(re.search(r"^\s*#|\*\*|^\s*- ", c, re.M) for c in chunks), chunks
        assert any("• Kinh tế số chiếm 25% GRDP" in c for c in chunks)
        assert any(c.startswith("QUAN ĐIỂM") or "\nQUAN ĐIỂM" in c or "II- QUAN ĐIỂM" in c for c in chunks)
