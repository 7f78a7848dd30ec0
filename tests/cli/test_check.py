"""`assistant check`: output formats and exit codes (0 none, 1 contradictions, 2 errors).

Runs the real CLI over the sample corpus with a small real embedding model, without an LLM (--extractive).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

CONSISTENT = "Tỉnh phấn đấu đến năm 2030 tổng chi cho nghiên cứu khoa học và phát triển công nghệ đạt 1,5% GRDP.\n"
CONTRADICTS = "Theo Nghị quyết, Trung tâm dữ liệu dùng chung của tỉnh phải hoàn thành trong năm 2028.\n"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path, cli_env: Callable[..., dict[str, str]]) -> dict[str, str]:
    from assistant.cli.main import app

    env = cli_env(tmp_path_factory.mktemp("cli-check") / "idx")
    result = CliRunner().invoke(app, ["ingest", str(sample_dir)], env=env)
    assert result.exit_code == 0, result.output
    return env


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    from assistant.cli.main import app

    result = CliRunner().invoke(app, ["check", *args, "--rules-only"], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_no_contradiction_exits_0(env: dict[str, str], tmp_path: Path) -> None:
    draft = tmp_path / "du-thao.md"
    draft.write_text(CONSISTENT, "utf-8")
    code, out, err = run(env, str(draft), "--against", "15-NQ/TU", "--format", "json")
    assert code == 0, (out, err)
    data = json.loads(out)
    assert data["exit_code"] == 0 and data["against"] == ["15-NQ/TU"]
    assert [s["verdict"] for s in data["statements"]] == ["consistent"]
    assert "1 câu: 0 mâu thuẫn, 1 nhất quán" in err


def test_a_contradiction_exits_1_and_writes_the_report(env: dict[str, str], tmp_path: Path) -> None:
    draft = tmp_path / "du-thao.txt"
    draft.write_text(CONSISTENT + CONTRADICTS, "utf-8")
    out_file = tmp_path / "out" / "report.html"
    code, out, err = run(env, str(draft), "--against", "Nghị quyết 15", "--format", "html", "--out", str(out_file))
    assert code == 1, (out, err)
    page = out_file.read_text("utf-8")
    assert page.startswith("<!doctype html>") and 'class="st v-contradicts"' in page
    code, out, _ = run(env, str(draft), "--against", "15-NQ/TU")
    assert code == 1 and "dự thảo “2028”, văn bản “2026”" in out


def test_errors_exit_2(env: dict[str, str], tmp_path: Path) -> None:
    draft = tmp_path / "du-thao.md"
    draft.write_text(CONSISTENT, "utf-8")
    code, _out, err = run(env, str(draft), "--against", "99-NQ/TW")
    assert code == 2 and "99-NQ/TW" in err
    code, _out, err = run(env, str(tmp_path / "khong-co.docx"), "--against", "15-NQ/TU")
    assert code == 2 and "khong-co.docx" in err
    (tmp_path / "rong.md").write_bytes(b"")
    code, _out, err = run(env, str(tmp_path / "rong.md"))
    assert code == 2 and "rong.md" in err and "empty" in err


def test_docs_show_and_list_speak_vietnamese(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.cli.common import console
    from assistant.cli.main import app

    monkeypatch.setattr(console, "width", 200)  # the table unwrapped

    missing = CliRunner().invoke(app, ["docs", "show", "99-NQ/TW"], env=env)
    assert missing.exit_code == 1
    assert "không có văn bản 99-NQ/TW trong kho (no indexed document 99-NQ/TW)" in missing.stderr
    shown = CliRunner().invoke(app, ["docs", "show", "15-NQ/TU"], env=env)
    assert shown.exit_code == 0 and "số đoạn: " in shown.stdout and "passages:" not in shown.stdout
    listed = CliRunner().invoke(app, ["docs", "list"], env=env)
    assert listed.exit_code == 0 and "số hiệu" in listed.stdout and "ngày ban hành" in listed.stdout
    assert re.search(r"\b\d{2}/\d{2}/\d{4}\b", listed.stdout) and not re.search(r"\b\d{4}-\d{2}-\d{2}\b", listed.stdout)
