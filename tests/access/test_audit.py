"""The audit log: a hash chain over canonical JSON, with its head kept apart; every kind of tampering is found."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.access.audit import GENESIS, AuditLog, canonical, entry_hash
from tests.conftest import REPO


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    audit = AuditLog(tmp_path / "audit.jsonl", tmp_path / "elsewhere" / "audit.head")
    audit.append("lan", "login", client="10.0.0.7")
    passages = [{"doc_id": "57-NQ/TW", "chunk_id": "57-NQ/TW#3"}]
    audit.append("lan", "ask", question="Nghị quyết 57 đặt mục tiêu gì?", passages=passages)
    audit.append("an", "document.upload", file="ke-hoach.docx", access_level="mật")
    audit.append("cli:root", "token.revoke", username="lan", token_id="abc123")
    audit.append("lan", "document.view", doc_id="57-NQ/TW")
    return audit


def _lines(audit: AuditLog) -> list[str]:
    return audit.path.read_text("utf-8").splitlines()


def _write(audit: AuditLog, lines: list[str]) -> None:
    audit.path.write_text("".join(line + "\n" for line in lines), "utf-8")


def test_entries_chain_and_head(log: AuditLog) -> None:
    entries = list(log.entries())
    assert [e["seq"] for e in entries] == [0, 1, 2, 3, 4]
    assert entries[0]["prev"] == GENESIS
    for before, after in itertools.pairwise(entries):
        assert after["prev"] == before["hash"]
    for e in entries:
        assert e["hash"] == entry_hash(e)
        assert set(e) == {"seq", "time", "actor", "action", "details", "prev", "hash"}
    assert entries[1]["details"]["question"] == "Nghị quyết 57 đặt mục tiêu gì?"
    assert "Nghị quyết" in log.path.read_text("utf-8")  # UTF-8, not \u escapes
    assert log.head() == {"count": 5, "hash": entries[-1]["hash"]}
    assert log.head_path.parent.name == "elsewhere"
    result = log.verify()
    assert result.ok and result.entries == 5 and result.last_hash == entries[-1]["hash"]


def test_canonical_form_is_key_order_independent() -> None:
    a = {"seq": 1, "actor": "x", "details": {"b": 1, "a": "ố"}, "hash": "ignored"}
    b = {"details": {"a": "ố", "b": 1}, "actor": "x", "seq": 1}
    assert canonical(a) == canonical(b) == '{"actor":"x","details":{"a":"ố","b":1},"seq":1}'.encode()


def test_an_edited_entry_is_detected(log: AuditLog) -> None:
    lines = _lines(log)
    lines[1] = lines[1].replace("Nghị quyết 57", "Nghị quyết 58")
    _write(log, lines)
    result = log.verify()
    assert not result.ok
    assert any("line 2" in p and "edited" in p for p in result.problems), result.problems


def test_an_edit_with_its_hash_recomputed_is_detected(log: AuditLog) -> None:
    lines = _lines(log)
    entry = json.loads(lines[2])
    entry["details"]["access_level"] = "công khai"
    entry["hash"] = entry_hash(entry)
    lines[2] = json.dumps(entry, ensure_ascii=False)
    _write(log, lines)
    problems = log.verify().problems
    assert any("line 4" in p and "does not follow" in p for p in problems), problems


def test_a_rewritten_last_entry_is_detected_by_the_head(log: AuditLog) -> None:
    lines = _lines(log)
    entry = json.loads(lines[-1])
    entry["details"]["doc_id"] = "03/NQ-CP"
    entry["hash"] = entry_hash(entry)
    lines[-1] = json.dumps(entry, ensure_ascii=False)
    _write(log, lines)
    problems = log.verify().problems
    assert problems == ["the last entry's hash differs from the head (the end of the log was rewritten)"]


def test_a_deleted_entry_is_detected(log: AuditLog) -> None:
    lines = _lines(log)
    del lines[2]
    _write(log, lines)
    problems = log.verify().problems
    assert any("line 3" in p and "does not follow" in p for p in problems), problems
    assert any("sequence number 3, expected 2" in p for p in problems)
    assert any("head records 5 entries but the log has 4" in p for p in problems)


def test_reordered_entries_are_detected(log: AuditLog) -> None:
    lines = _lines(log)
    lines[1], lines[2] = lines[2], lines[1]
    _write(log, lines)
    problems = log.verify().problems
    assert any("line 2" in p and "does not follow" in p for p in problems), problems


def test_an_inserted_entry_is_detected(log: AuditLog) -> None:
    lines = _lines(log)
    forged = json.loads(lines[1])
    forged["details"] = {"question": "câu hỏi bịa"}
    forged["hash"] = entry_hash(forged)
    lines.insert(2, json.dumps(forged, ensure_ascii=False))
    _write(log, lines)
    assert not log.verify().ok
    lines.insert(1, "not json")
    _write(log, lines)
    assert any("not an audit entry" in p for p in log.verify().problems)


def test_truncation_of_the_tail_is_detected(log: AuditLog) -> None:
    _write(log, _lines(log)[:3])
    problems = log.verify().problems
    assert problems == ["the head records 5 entries but the log has 3 (entries were cut off the end)"]
    log.path.write_text("", "utf-8")
    assert not log.verify().ok


def test_a_missing_head_is_reported(log: AuditLog) -> None:
    log.head_path.unlink()
    assert any("head file" in p for p in log.verify().problems)


def test_appending_continues_the_chain_across_instances(log: AuditLog) -> None:
    again = AuditLog(log.path, log.head_path)
    entry = again.append("lan", "logout")
    assert entry["seq"] == 5 and entry["prev"] == list(log.entries())[4]["hash"]
    assert log.verify().ok and log.verify().entries == 6


def test_concurrent_writers_from_two_processes_keep_one_chain(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom pathlib import Path\nfrom assistant.access.audit import AuditLog\n"
        "log = AuditLog(Path(sys.argv[1]))\n"
        "for i in range(40):\n    log.append(sys.argv[2], 'ask', i=i)\n"
    )
    path = tmp_path / "audit.jsonl"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(path), name], cwd=REPO) for name in ("a", "b", "c")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    result = AuditLog(path).verify()
    assert result.ok, result.problems
    assert result.entries == 120
