"""Every refusal on record: 401, 403 (role and cross-site), 404 (a hidden document marked as such, for the
security officer only), 413, 415, 422, 429 and failed logins each leave an audit entry with the actor when
known, the route and the reason; a flood of them is bounded; `assistant audit show --refused` lists them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.access.audit import AuditLog
from assistant.api.auth import COOKIE
from assistant.api.refusals import RefusalLog
from tests.api.conftest import NOTICE, Office, make_office, make_pipeline, upload


@pytest.fixture
def office_fresh(tmp_path: Path) -> Iterator[Office]:
    pipe = make_pipeline(tmp_path, max_file_mb=0.001)
    office = make_office(pipe)
    with office.client("admin") as admin:
        assert upload(admin, "mat.md", NOTICE.encode(), level="mật").status_code == 201
    yield office
    pipe.close()


def refusals(office: Office) -> list[dict[str, Any]]:
    return [e for e in office.service.audit.entries() if e["action"] in ("refused", "login.failed", "login.refused")]


def test_audit_of_refused_requests_names_actor_route_status_and_reason(office_fresh: Office) -> None:
    o = office_fresh
    with o.anonymous() as anon:
        assert anon.get("/documents").status_code == 401
    with o.client("analyst") as analyst:
        assert analyst.post("/documents", files={"file": ("a.md", b"# a\n\nb\n", "text/markdown")}).status_code == 403
        hidden = analyst.get("/documents/21-TB/TU")
        absent = analyst.get("/documents/99-TB/TU")
        assert hidden.status_code == absent.status_code == 404
        assert analyst.post("/ask", json={"question": ""}).status_code == 422
    with o.client("drafter") as drafter:
        assert upload(drafter, "x.exe", b"MZ", "application/octet-stream").status_code == 415
        assert upload(drafter, "lon.md", b"a" * 5000).status_code == 413
    with o.anonymous() as bad:
        assert bad.get("/documents", headers={"Authorization": "Bearer deadbeef.nope"}).status_code == 401
    got = [(e["actor"], e["details"]["status"], e["details"]["route"]) for e in refusals(o)]
    assert got == [
        ("?", 401, "/documents"),
        ("analyst", 403, "/documents"),
        ("analyst", 404, "/documents/{key:path}"),
        ("analyst", 404, "/documents/{key:path}"),
        ("analyst", 422, "/ask"),
        ("drafter", 415, "/documents"),
        ("drafter", 413, "/documents"),
        ("?", 401, "/documents"),
    ]
    entries = refusals(o)
    assert "upload" in entries[1]["details"]["reason"] and entries[1]["details"]["method"] == "POST"
    # the officer can tell a probe of a hidden document from a miss; the reader could not (same 404, same text)
    assert entries[2]["details"].get("hidden_document") is True and "hidden_document" not in entries[3]["details"]
    assert hidden.text.replace("21-TB/TU", "99-TB/TU") == absent.text
    assert ".exe" in entries[5]["details"]["reason"] and "MB" in entries[6]["details"]["reason"]
    assert entries[7]["details"]["token_id"] == "deadbeef" and "nope" not in str(entries[7])
    assert all(e["details"]["client"] for e in entries)
    assert o.service.audit.verify().ok


def test_audit_of_refused_cross_site_requests_and_logins(office_fresh: Office) -> None:
    o = office_fresh
    with o.anonymous() as browser:
        for _ in range(5):
            assert browser.post("/auth/login", json={"username": "analyst", "secret": "sai"}).status_code == 401
        assert browser.post("/auth/login", json={"username": "analyst", "secret": "sai"}).status_code == 429
        assert browser.post("/auth/login", json={"username": "admin", "secret": o.tokens["admin"]}).status_code == 200
        assert COOKIE in browser.cookies
        r = browser.post("/ask", json={"question": "Hỏi?"}, headers={"Origin": "http://evil.example"})
        assert r.status_code == 403
    got = [(e["actor"], e["action"], e["details"].get("status")) for e in refusals(o)]
    assert got == [("analyst", "login.failed", None)] * 5 + [("analyst", "login.refused", None), ("admin", "refused", 403)]
    assert "cross-site" in refusals(o)[-1]["details"]["reason"]


def test_audit_of_refused_floods_is_bounded_per_actor_route_and_minute(tmp_path: Path) -> None:
    now = [0.0]
    audit = AuditLog(tmp_path / "audit.jsonl")
    log = RefusalLog(audit, per_key=5, per_minute=20, clock=lambda: now[0])
    key = ("mallory", "/documents/{key:path}", 404)
    written = [log.record("mallory", "refused", key, status=404) for _ in range(1000)]
    assert written.count(True) == 5
    other = [log.record("eve", "refused", (f"eve{i}", "/ask", 403), status=403) for i in range(100)]
    assert other.count(True) == 15  # the overall bound: 20 a minute in all
    assert sum(1 for _ in audit.entries()) == 20
    now[0] = 61.0
    assert log.record("mallory", "refused", key, status=404)  # a new minute: written again ...
    summaries = [e for e in audit.entries() if e["action"] == "refused.suppressed"]
    # ... after one line per key whose refusals were only counted
    assert {(e["actor"], e["details"]["count"]) for e in summaries} >= {("mallory", 995), ("eve15", 1)}
    assert sum(e["details"]["count"] for e in summaries) == 995 + 85
    log.record("x", "refused", ("x", "/", 401))
    log.record("x", "refused", ("x", "/", 401))
    before = sum(1 for _ in audit.entries())
    log.flush()  # nothing counted and unwritten: no line
    assert sum(1 for _ in audit.entries()) == before
    assert audit.verify().ok


def test_audit_show_lists_refused_entries(office_fresh: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.cli.main import app

    o = office_fresh
    with o.client("analyst") as analyst:
        analyst.get("/documents/21-TB/TU")
        analyst.delete("/documents/21-TB/TU")
        analyst.get("/documents")
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(o.service.settings.index_dir))
    monkeypatch.delenv("ASSISTANT_CONFIG", raising=False)
    out = CliRunner().invoke(app, ["audit", "show", "--refused", "--json"]).output
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 2 and all('"refused"' in line for line in lines) and "documents.list" not in out
    out = CliRunner().invoke(app, ["audit", "show", "--refused", "--status", "403", "--json"]).output
    assert len([line for line in out.splitlines() if line.strip()]) == 1 and '"DELETE"' in out
