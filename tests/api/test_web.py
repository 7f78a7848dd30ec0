"""The web pages' files: shipped as package data, self-contained (nothing fetched elsewhere), no inline script
or style (the pages' Content-Security-Policy forbids them), Vietnamese labels."""

from __future__ import annotations

import fnmatch
import re
import tomllib

from assistant.api.web import PAGES, STATIC
from tests.conftest import REPO


def test_every_static_file_is_package_data() -> None:
    globs = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["package-data"]["assistant"]
    files = [p.relative_to(REPO / "assistant").as_posix() for p in STATIC.iterdir() if p.is_file()]
    assert {"web/static/ask.html", "web/static/style.css", "web/static/common.js"} <= set(files)
    assert [f for f in files if not any(fnmatch.fnmatch(f, g) for g in globs)] == []


def test_pages_exist_and_fetch_nothing_from_elsewhere() -> None:
    for name in [*PAGES.values(), "login.html"]:
        assert (STATIC / name).is_file(), name
    for path in STATIC.iterdir():
        text = path.read_text("utf-8")
        assert not re.search(r"""(src|href|url)\s*[=(]\s*["']?(https?:)?//""", text), f"{path.name} refers outside"
        assert "@import" not in text and "fonts.googleapis" not in text


def test_html_has_no_inline_script_or_style_and_is_vietnamese() -> None:
    for path in STATIC.glob("*.html"):
        html = path.read_text("utf-8")
        assert '<html lang="vi">' in html
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), f"inline script in {path.name}"
        assert "<style" not in html and " style=" not in html and not re.search(r"\son[a-z]+=", html), path.name
        assert "Trợ lý nghiên cứu văn bản" in html
