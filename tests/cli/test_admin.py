"""Admin commands: users, tokens and the audit log, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.access.audit import AuditLog
from assistant.access.users import UserStore
from assistant.cli.main import app


@pytest.fixture
def index_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(tmp_path / "idx"))
    monkeypatch.delenv("ASSISTANT_CONFIG", raising=False)
    return tmp_path / "idx"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_add_list_issue_revoke_and_audit(index_dir: Path) -> None:
    code, out = run("users", "add", "lan", "--role", "analyst", "--clearance", "noi bo", "--name", "Nguyễn Thị Lan")
    assert code == 0, out
    assert "added lan: analyst, clearance nội bộ" in out
    first_token = out.strip().splitlines()[-1]
    users = UserStore(index_dir / "users.sqlite")
    assert users.authenticate_token(first_token) == users.get("lan")

    code, out = run("tokens", "issue", "lan", "--label", "open-webui")
    assert code == 0
    second = out.strip().splitlines()[-1]
    token_id = second.split(".")[0]
    assert users.authenticate_token(second) is not None

    code, out = run("users", "list")
    assert code == 0 and "lan" in out and "nội bộ" in out and "analyst" in out
    code, out = run("tokens", "list", "lan")
    assert code == 0 and token_id in out and "open-webui" in out and second not in out

    assert run("tokens", "revoke", token_id)[0] == 0
    assert users.authenticate_token(second) is None and users.authenticate_token(first_token) is not None
    code, out = run("tokens", "revoke", token_id)
    assert code == 1 and "already revoked" in out

    assert run("users", "set", "lan", "--clearance", "mật", "--role", "reviewer")[0] == 0
    assert users.get("lan") is not None and users.get("lan").clearance == "mật"  # type: ignore[union-attr]

    actions = [e["action"] for e in AuditLog(index_dir / "audit.jsonl").entries()]
    assert actions == ["user.add", "token.issue", "token.issue", "token.revoke", "user.update"]
    assert all(e["actor"].startswith("cli:") for e in AuditLog(index_dir / "audit.jsonl").entries())
    assert not any(first_token in json.dumps(e) or second in json.dumps(e) for e in AuditLog(index_dir / "audit.jsonl").entries())


def test_bad_input_is_one_clear_error(index_dir: Path) -> None:
    code, out = run("users", "add", "lan", "--role", "boss", "--clearance", "mật")
    assert code == 1 and "unknown role 'boss'" in out
    code, out = run("users", "add", "lan", "--role", "analyst", "--clearance", "tuyệt mật")
    assert code == 1 and "unknown access level" in out
    code, out = run("tokens", "issue", "nobody")
    assert code == 1 and "no user 'nobody'" in out


def test_password_is_asked_and_stored_hashed(index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "một mật khẩu dài")
    code, out = run("users", "add", "an", "--role", "admin", "--clearance", "tối mật", "--password", "--no-token")
    assert code == 0, out
    users = UserStore(index_dir / "users.sqlite")
    assert users.check_password("an", "một mật khẩu dài") is not None and users.tokens("an") == []
    assert run("users", "passwd", "an")[0] == 0


def test_audit_verify_and_show(index_dir: Path) -> None:
    run("users", "add", "lan", "--role", "analyst", "--clearance", "công khai")
    run("tokens", "issue", "lan")
    code, out = run("audit", "verify")
    assert code == 0 and "3 entries, chain and head intact" in out  # user.add, token.issue (first token), token.issue
    code, out = run("audit", "show")
    assert code == 0 and "user.add" in out and "token.issue" in out
    code, out = run("audit", "show", "--action", "token", "--json")
    assert code == 0 and [json.loads(line)["action"] for line in out.splitlines()] == ["token.issue", "token.issue"]
    log = index_dir / "audit.jsonl"
    lines = log.read_text("utf-8").splitlines()
    log.write_text(lines[0] + "\n", "utf-8")  # the tail cut off
    code, out = run("audit", "verify")
    assert code == 1 and "cut off the end" in out


def test_sessions_list_and_end_revoked_session(index_dir: Path) -> None:
    assert run("users", "add", "lan", "--role", "analyst", "--clearance", "nội bộ", "--no-token")[0] == 0
    users = UserStore(index_dir / "users.sqlite")
    token_id, _ = users.issue_token("lan", "browser")
    by_token = users.create_session("lan", 3600, token_id)
    by_password = users.create_session("lan", 3600)
    code, out = run("sessions", "list", "lan")
    assert code == 0 and token_id in out and "password" in out
    assert by_token not in out and by_password not in out  # the session secrets are never shown
    one = users.sessions("lan")[1].session_id
    code, out = run("sessions", "end", "lan", "--id", one)
    assert code == 0 and "ended 1 session(s) of lan" in out
    assert users.session_user(by_password) is None and users.session_user(by_token) is not None
    code, out = run("sessions", "end", "lan")
    assert code == 0 and "ended 1 session(s)" in out and users.session_user(by_token) is None
    assert run("sessions", "end", "nobody")[0] == 1
    ends = [e for e in AuditLog(index_dir / "audit.jsonl").entries() if e["action"] == "session.end"]
    assert [e["details"]["ended"] for e in ends] == [1, 1] and ends[0]["details"]["session"] == one
