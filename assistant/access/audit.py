"""Tamper-evident audit log: an append-only JSON Lines file whose entries form a hash chain.

Each entry is `{"seq", "time", "actor", "action", "details", "prev", "hash"}`: `prev` is the hash
of the entry before it (64 zeros for the first), and `hash` is the sha256 of the canonical JSON
of the entry without `hash` (sorted keys, no spaces, UTF-8). Editing an entry breaks its hash;
inserting, deleting or reordering entries breaks a `prev` link or the sequence. The count and
hash of the last entry (the head) are also written to a separate file (`audit_head_path`, on
another disk or share if the office wants), so cutting entries off the end is detected too.

What a hash chain cannot stop is someone who rewrites the whole log *and* its head. Against that,
copy the head (`assistant audit verify` prints it) somewhere out of reach now and then: a later
log that does not extend that head has been rewritten.

Writers (the server and CLI commands) serialise on an exclusive lock of `<log>.lock`.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

GENESIS = "0" * 64
_FIELDS = ("seq", "time", "actor", "action", "details", "prev")


def canonical(entry: dict[str, Any]) -> bytes:
    """The bytes an entry's hash covers: every field but `hash`, as canonical JSON."""
    body = {k: v for k, v in entry.items() if k != "hash"}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def entry_hash(entry: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


@dataclass
class Verification:
    entries: int
    head: dict[str, Any] | None
    last_hash: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class AuditLog:
    def __init__(self, path: Path, head_path: Path | None = None) -> None:
        self.path = path
        self.head_path = head_path or path.with_name(path.name + ".head")
        self._lock_path = path.with_name(path.name + ".lock")
        self._thread_lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.head_path.parent.mkdir(parents=True, exist_ok=True)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with self._thread_lock, open(self._lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def append(self, actor: str, action: str, **details: Any) -> dict[str, Any]:
        """Record one event; returns the entry as written."""
        with self._locked():
            last = _last_entry(self.path)
            entry: dict[str, Any] = {
                "seq": (last["seq"] + 1) if last else 0,
                "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "actor": actor,
                "action": action,
                "details": json.loads(json.dumps(details, ensure_ascii=False, default=str)),
                "prev": last["hash"] if last else GENESIS,
            }
            entry["hash"] = entry_hash(entry)
            line = json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(line)
                f.flush()
                os.fsync(f.fileno())
            _write_atomic(self.head_path, json.dumps({"count": entry["seq"] + 1, "hash": entry["hash"]}) + "\n")
        return entry

    def entries(self) -> Iterator[dict[str, Any]]:
        """Entries in order (unparseable lines are skipped here; `verify` reports them)."""
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                try:
                    yield json.loads(line)
                except ValueError:
                    continue

    def head(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.head_path.read_text("utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def verify(self) -> Verification:
        problems: list[str] = []
        prev = GENESIS
        n = 0
        lines = self.path.read_text("utf-8").splitlines() if self.path.exists() else []
        for lineno, line in enumerate(lines, 1):
            try:
                entry = json.loads(line)
                if not isinstance(entry, dict) or set(entry) != {*_FIELDS, "hash"}:
                    raise ValueError("fields")
            except ValueError:
                problems.append(f"line {lineno}: not an audit entry (edited or inserted)")
                prev = ""
                n += 1
                continue
            if entry_hash(entry) != entry["hash"]:
                problems.append(f"line {lineno} (seq {entry['seq']}): content does not match its hash (entry edited)")
            if entry["prev"] != prev:
                problems.append(
                    f"line {lineno} (seq {entry['seq']}): does not follow the entry before it "
                    "(an entry was inserted, deleted or moved)"
                )
            if entry["seq"] != n:
                problems.append(f"line {lineno}: sequence number {entry['seq']}, expected {n} (entries deleted, inserted, moved)")
            prev = entry["hash"]
            n += 1
        head = self.head()
        if head is None:
            if n:
                problems.append(f"head file {self.head_path} is missing or unreadable; the log has {n} entries")
        else:
            count, hash_ = head.get("count"), head.get("hash")
            if count != n:
                cut = isinstance(count, int) and count > n
                what = "entries were cut off the end" if cut else "entries were added outside the log"
                problems.append(f"the head records {count} entries but the log has {n} ({what})")
            elif n and hash_ != prev:
                problems.append("the last entry's hash differs from the head (the end of the log was rewritten)")
        return Verification(entries=n, head=head, last_hash=prev if n else GENESIS, problems=problems)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _last_entry(path: Path) -> dict[str, Any] | None:
    """The last line of the log, read backwards from the end (the log can be large)."""
    if not path.exists():
        return None
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        end = f.tell()
        if end == 0:
            return None
        block = b""
        pos = end
        while pos > 0:
            step = min(65536, pos)
            pos -= step
            f.seek(pos)
            block = f.read(step) + block
            if block.rstrip(b"\n").rfind(b"\n") >= 0:
                break
        last = block.rstrip(b"\n").rsplit(b"\n", 1)[-1]
    entry = json.loads(last.decode("utf-8"))
    if not isinstance(entry, dict) or "seq" not in entry or "hash" not in entry:
        raise ValueError(f"{path}: the last line is not an audit entry; run `assistant audit verify`")
    return entry
