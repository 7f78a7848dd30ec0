"""The user store: users, hashed tokens (constant-time check), scrypt passwords, sessions."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from assistant.access.users import UserStore, check_password, hash_password, sha256_hex


@pytest.fixture
def store(tmp_path: Path) -> UserStore:
    return UserStore(tmp_path / "users.sqlite")


def test_add_and_list_users(store: UserStore) -> None:
    u = store.add_user("Lan.Nguyen", "analyst", "noi bo", display_name="Nguyễn Thị Lan")
    assert (u.username, u.role, u.clearance, u.rank, u.display_name) == ("lan.nguyen", "analyst", "nội bộ", 1, "Nguyễn Thị Lan")
    store.add_user("an", "admin", "tối mật")
    assert [x.username for x in store.users()] == ["an", "lan.nguyen"]
    with pytest.raises(ValueError, match="already exists"):
        store.add_user("lan.nguyen", "analyst", "mật")
    with pytest.raises(ValueError, match="unknown role"):
        store.add_user("x", "boss", "mật")
    with pytest.raises(ValueError, match="unknown access level"):
        store.add_user("x", "analyst", "top secret")
    with pytest.raises(ValueError, match="username"):
        store.add_user("bad name!", "analyst", "mật")


def test_tokens_are_stored_hashed_and_checked(store: UserStore, tmp_path: Path) -> None:
    store.add_user("lan", "analyst", "mật")
    token_id, token = store.issue_token("lan", "laptop")
    assert token.startswith(token_id + ".") and len(token) > 40
    assert store.authenticate_token(token) == store.get("lan")
    assert store.authenticate_token(token + "x") is None
    assert store.authenticate_token(token_id + ".wrong") is None
    assert store.authenticate_token("nonsense") is None
    # nothing in the database file holds the token itself
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("users.sqlite*"))
    assert token.encode() not in raw and token.split(".")[1].encode() not in raw
    with sqlite3.connect(tmp_path / "users.sqlite") as db:
        assert db.execute("SELECT token_sha256 FROM tokens").fetchone()[0] == sha256_hex(token)
    [info] = store.tokens("lan")
    assert info.label == "laptop" and info.last_used is not None and info.revoked is None


def test_revoked_tokens_stop_working(store: UserStore) -> None:
    store.add_user("lan", "analyst", "mật")
    tid, token = store.issue_token("lan")
    other_tid, other = store.issue_token("lan")
    store.revoke_token(tid)
    assert store.authenticate_token(token) is None
    assert store.authenticate_token(other) is not None
    with pytest.raises(ValueError, match="already revoked"):
        store.revoke_token(tid)
    with pytest.raises(ValueError, match="no token"):
        store.revoke_token("ffffff")
    assert {t.token_id: t.revoked is not None for t in store.tokens()} == {tid: True, other_tid: False}


def test_passwords_use_scrypt(store: UserStore) -> None:
    stored = hash_password("mật khẩu dài")
    assert stored.startswith("scrypt$16384$8$1$") and "mật khẩu dài" not in stored
    assert check_password("mật khẩu dài", stored) and not check_password("mật khẩu ngắn", stored)
    assert hash_password("mật khẩu dài") != stored  # random salt
    store.add_user("lan", "analyst", "mật", password="mật khẩu dài")
    assert store.check_password("lan", "mật khẩu dài") == store.get("lan")
    assert store.check_password("lan", "sai") is None
    assert store.check_password("nobody", "mật khẩu dài") is None
    with pytest.raises(ValueError, match="too short"):
        store.set_password("lan", "ngắn")


def test_disabled_users_are_refused_everywhere(store: UserStore) -> None:
    store.add_user("lan", "analyst", "mật", password="mật khẩu dài")
    _, token = store.issue_token("lan")
    sid = store.create_session("lan", 60)
    store.update_user("lan", disabled=True)
    assert store.authenticate_token(token) is None
    assert store.session_user(sid) is None
    assert store.check_password("lan", "mật khẩu dài") is None
    store.update_user("lan", disabled=False, clearance="tối mật", role="reviewer")
    assert store.authenticate_token(token) is not None
    assert store.get("lan") is not None and store.get("lan").clearance == "tối mật"  # type: ignore[union-attr]


def test_sessions_expire_and_end(store: UserStore) -> None:
    store.add_user("lan", "analyst", "mật")
    sid = store.create_session("lan", 60)
    assert store.session_user(sid) == store.get("lan")
    assert store.session_user(sid + "x") is None
    store.end_session(sid)
    assert store.session_user(sid) is None
    short = store.create_session("lan", 0.05)
    time.sleep(0.1)
    assert store.session_user(short) is None
