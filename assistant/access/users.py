"""Users, API tokens and browser sessions: SQLite (`users.sqlite` beside the catalog in the index dir).

Secrets are never stored. An API token is `<id>.<secret>`: the id (public, shown in listings,
used to revoke) finds the row, and the sha256 of the whole token is compared in constant time.
Passwords are hashed with scrypt (stdlib `hashlib.scrypt`, random salt). Browser sessions are
random ids stored as sha256 with an expiry and the token they were opened with, if any.

Sessions follow the credentials they came from, at the next request: revoking a token ends the
sessions opened with it, a new password or disabling the user ends all of theirs, and a changed
role or clearance applies at once (each request reads the user afresh).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from assistant.access.clearance import level_rank, parse_level, parse_role

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    clearance TEXT NOT NULL,
    password_hash TEXT,
    created REAL NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS tokens (
    token_id TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users(username),
    token_sha256 TEXT NOT NULL,
    label TEXT NOT NULL,
    created REAL NOT NULL,
    revoked REAL,
    last_used REAL
);
CREATE TABLE IF NOT EXISTS sessions (
    sid_sha256 TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users(username),
    created REAL NOT NULL,
    expires REAL NOT NULL,
    token_id TEXT
);
"""
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
_USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str
    clearance: str
    disabled: bool = False
    has_password: bool = False

    @property
    def rank(self) -> int:
        return level_rank(self.clearance)


@dataclass(frozen=True)
class TokenInfo:
    token_id: str
    username: str
    label: str
    created: float
    revoked: float | None
    last_used: float | None


@dataclass(frozen=True)
class SessionInfo:
    session_id: str
    username: str
    created: float
    expires: float
    token_id: str | None  # the token it was opened with; None for a password


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=len(digest) // 2)
    except ValueError:
        return False
    return hmac.compare_digest(got.hex(), digest)


_DUMMY_HASH = hash_password("not a password", salt=b"\0" * 16)


def _long_enough(password: str) -> str:
    if len(password) < 8:
        raise ValueError("password too short: use at least 8 characters")
    return password


def check_username(name: str) -> str:
    name = name.strip().lower()
    if not name or len(name) > 64 or not set(name) <= _USERNAME_CHARS:
        raise ValueError(f"username {name!r}: use 1-64 characters from a-z 0-9 . _ -")
    return name


class UserStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)
        if "token_id" not in {r[1] for r in self._db.execute("PRAGMA table_info(sessions)")}:
            self._db.execute("ALTER TABLE sessions ADD COLUMN token_id TEXT")  # stores made before sessions kept it
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    # --- users ----------------------------------------------------------------------------------
    def add_user(self, username: str, role: str, clearance: str, *, display_name: str = "", password: str | None = None) -> User:
        username = check_username(username)
        role, clearance = parse_role(role), parse_level(clearance)
        pw = hash_password(_long_enough(password)) if password else None
        with self._lock:
            try:
                self._db.execute(
                    "INSERT INTO users(username, display_name, role, clearance, password_hash, created)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (username, display_name or username, role, clearance, pw, time.time()),
                )
            except sqlite3.IntegrityError:
                raise ValueError(f"user {username!r} already exists") from None
        user = self.get(username)
        assert user is not None
        return user

    def update_user(
        self, username: str, *, role: str | None = None, clearance: str | None = None, disabled: bool | None = None
    ) -> User:
        user = self._require(username)
        with self._lock:
            if role is not None:
                self._db.execute("UPDATE users SET role=? WHERE username=?", (parse_role(role), user.username))
            if clearance is not None:
                self._db.execute("UPDATE users SET clearance=? WHERE username=?", (parse_level(clearance), user.username))
            if disabled is not None:
                self._db.execute("UPDATE users SET disabled=? WHERE username=?", (int(disabled), user.username))
                if disabled:
                    self._db.execute("DELETE FROM sessions WHERE username=?", (user.username,))
        return self._require(username)

    def set_password(self, username: str, password: str) -> None:
        user = self._require(username)
        with self._lock:
            self._db.execute(
                "UPDATE users SET password_hash=? WHERE username=?", (hash_password(_long_enough(password)), user.username)
            )
            self._db.execute("DELETE FROM sessions WHERE username=?", (user.username,))

    def get(self, username: str) -> User | None:
        row = self._db.execute(
            "SELECT username, display_name, role, clearance, disabled, password_hash IS NOT NULL FROM users WHERE username=?",
            (username.strip().lower(),),
        ).fetchone()
        return None if row is None else User(row[0], row[1], row[2], row[3], bool(row[4]), bool(row[5]))

    def users(self) -> list[User]:
        rows = self._db.execute(
            "SELECT username, display_name, role, clearance, disabled, password_hash IS NOT NULL FROM users ORDER BY username"
        )
        return [User(r[0], r[1], r[2], r[3], bool(r[4]), bool(r[5])) for r in rows]

    def _require(self, username: str) -> User:
        user = self.get(username)
        if user is None:
            raise ValueError(f"no user {username!r}")
        return user

    def check_password(self, username: str, password: str) -> User | None:
        """The user when the password is theirs; the same work is done for unknown users."""
        row = self._db.execute("SELECT password_hash FROM users WHERE username=?", (username.strip().lower(),)).fetchone()
        stored = row[0] if row and row[0] else _DUMMY_HASH
        ok = check_password(password, stored) and bool(row and row[0])
        user = self.get(username) if ok else None
        return user if user and not user.disabled else None

    # --- tokens ----------------------------------------------------------------------------------
    def issue_token(self, username: str, label: str = "") -> tuple[str, str]:
        """(token id, the token). The token is shown once; only its sha256 is kept."""
        user = self._require(username)
        token_id = secrets.token_hex(6)
        token = f"{token_id}.{secrets.token_urlsafe(32)}"
        with self._lock:
            self._db.execute(
                "INSERT INTO tokens(token_id, username, token_sha256, label, created) VALUES (?, ?, ?, ?, ?)",
                (token_id, user.username, sha256_hex(token), label, time.time()),
            )
        return token_id, token

    def revoke_token(self, token_id: str) -> TokenInfo:
        with self._lock:
            cur = self._db.execute("UPDATE tokens SET revoked=? WHERE token_id=? AND revoked IS NULL", (time.time(), token_id))
            self._db.execute("DELETE FROM sessions WHERE token_id=?", (token_id,))
        info = next((t for t in self.tokens() if t.token_id == token_id), None)
        if info is None:
            raise ValueError(f"no token {token_id!r}")
        if cur.rowcount == 0:
            raise ValueError(f"token {token_id!r} was already revoked")
        return info

    def tokens(self, username: str | None = None) -> list[TokenInfo]:
        sql = "SELECT token_id, username, label, created, revoked, last_used FROM tokens"
        rows = (
            self._db.execute(sql + " WHERE username=? ORDER BY created", (username,))
            if username
            else self._db.execute(sql + " ORDER BY created")
        )
        return [TokenInfo(*r) for r in rows]

    def authenticate_token(self, token: str) -> User | None:
        token_id, dot, _ = token.strip().partition(".")
        if not dot:
            return None
        row = self._db.execute(
            "SELECT username, token_sha256 FROM tokens WHERE token_id=? AND revoked IS NULL", (token_id,)
        ).fetchone()
        expected = row[1] if row else sha256_hex("no such token")
        if not hmac.compare_digest(expected, sha256_hex(token.strip())) or row is None:
            return None
        user = self.get(row[0])
        if user is None or user.disabled:
            return None
        self._db.execute("UPDATE tokens SET last_used=? WHERE token_id=?", (time.time(), token_id))
        return user

    # --- sessions --------------------------------------------------------------------------------
    def create_session(self, username: str, ttl_s: float, token_id: str | None = None) -> str:
        """A new session id; `token_id` is the token it was opened with (None for a password)."""
        sid = secrets.token_urlsafe(32)
        now = time.time()
        with self._lock:
            self._db.execute("DELETE FROM sessions WHERE expires < ?", (now,))
            self._db.execute(
                "INSERT INTO sessions(sid_sha256, username, created, expires, token_id) VALUES (?, ?, ?, ?, ?)",
                (sha256_hex(sid), username, now, now + ttl_s, token_id),
            )
        return sid

    def sessions(self, username: str | None = None) -> list[SessionInfo]:
        """Open sessions (id: the first 12 hex digits of the stored hash), oldest first."""
        sql = "SELECT substr(sid_sha256, 1, 12), username, created, expires, token_id FROM sessions WHERE expires > ?"
        args: tuple[object, ...] = (time.time(),)
        if username:
            sql, args = sql + " AND username=?", (*args, username.strip().lower())
        return [SessionInfo(*r) for r in self._db.execute(sql + " ORDER BY created", args)]

    def end_sessions(self, username: str, session_id: str | None = None) -> int:
        """End a user's sessions (or the one whose id is `session_id`); how many were ended."""
        user = self._require(username)
        sql, args = "DELETE FROM sessions WHERE username=?", [user.username]
        if session_id:
            sql, args = sql + " AND substr(sid_sha256, 1, 12)=?", [*args, session_id]
        with self._lock:
            return self._db.execute(sql, args).rowcount

    def session_user(self, sid: str) -> User | None:
        row = self._db.execute(
            "SELECT s.username FROM sessions s LEFT JOIN tokens t ON t.token_id = s.token_id"
            " WHERE s.sid_sha256=? AND s.expires > ? AND (s.token_id IS NULL OR t.revoked IS NULL)",
            (sha256_hex(sid), time.time()),
        ).fetchone()
        user = self.get(row[0]) if row else None
        return user if user and not user.disabled else None

    def end_session(self, sid: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM sessions WHERE sid_sha256=?", (sha256_hex(sid),))
