"""Evaluation runs through the service: server-side sets and uploaded items, in the background, at the
requester's clearance; status, results and the HTML report; roles; errors; restarts."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.evaluation.jobs import EvalJobs
from tests.api.conftest import Office


def wait_done(client: TestClient, run_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = client.get(f"/eval/runs/{run_id}").json()
        if run["status"] in ("done", "failed"):
            return run
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} did not finish")


def items_file(items: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items).encode()


def test_server_side_sets_are_listed(office: Office) -> None:
    with office.client("reviewer") as reviewer:
        sets = reviewer.get("/eval/sets").json()
        assert "sample_smoke.jsonl" in sets and all(s.endswith(".jsonl") for s in sets)


def test_a_run_of_a_server_side_set(office: Office) -> None:
    with office.client("admin") as admin:
        r = admin.post("/eval/runs", json={"set": "sample_smoke.jsonl", "retrieval_only": True})
        assert r.status_code == 202, r.text
        started = r.json()
        assert started["status"] in ("queued", "running", "done") and started["owner"] == "admin" and started["rank"] == 3
        run = wait_done(admin, started["id"])
        assert run["status"] == "done", run
        assert run["total"] == run["done"] == 10 and run["withheld"] == 0
        assert run["summary"]["metrics"]["doc_hit@10"] > 0.5
        assert {i["id"] for i in run["items"]} == {f"smoke-{n:02d}" for n in range(1, 11)}
        assert all(i["answer"] is None and i["retrieved"] for i in run["items"] if i["expected_docs"])
        assert started["id"] in [x["id"] for x in admin.get("/eval/runs").json()]
        report = admin.get(f"/eval/runs/{started['id']}/report")
        assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
        assert "Đánh giá: sample_smoke.jsonl" in report.text and 'id="metrics"' in report.text
        assert "default-src 'none'" in report.headers["content-security-policy"]
    actions = [(e["actor"], e["action"]) for e in office.service.audit.entries() if e["action"].startswith("eval.")]
    assert ("admin", "eval.start") in actions and ("admin", "eval.view") in actions and ("admin", "eval.report") in actions


def test_a_run_of_an_uploaded_items_file_with_answers(office: Office) -> None:
    items = [
        {"id": "u1", "question": "Nghị quyết số 15-NQ/TU đặt mục tiêu kinh tế số chiếm bao nhiêu phần trăm GRDP của "
         "tỉnh Hòa Lâm đến năm 2030?", "expected_docs": ["15-NQ/TU"], "answerable": True,
         "expected_quotes": ["Kinh tế số chiếm 25% GRDP của tỉnh."]},
        {"id": "u2", "question": "Sản lượng cà phê xuất khẩu của tỉnh đạt bao nhiêu tấn?", "expected_docs": [],
         "answerable": False},
    ]  # fmt: skip
    with office.client("reviewer") as reviewer:
        r = reviewer.post("/eval/runs", files={"file": ("bo-cau-hoi.jsonl", items_file(items), "application/jsonl")})
        assert r.status_code == 202, r.text
        run = wait_done(reviewer, r.json()["id"])
        assert run["status"] == "done" and run["set_name"] == "bo-cau-hoi.jsonl"
        by_id = {i["id"]: i for i in run["items"]}
        assert by_id["u1"]["answer"]["mode"] == "generated" and by_id["u2"]["answer"]["refused"] is True
        assert run["summary"]["metrics"]["abstention_accuracy"] == 1.0


def test_limit_and_retrieval_only_from_a_form(office: Office) -> None:
    items = [{"id": f"q{i}", "question": "kinh tế số GRDP", "expected_docs": ["15-NQ/TU"], "answerable": True} for i in range(5)]
    with office.client("reviewer") as reviewer:
        r = reviewer.post(
            "/eval/runs", files={"file": ("b.jsonl", items_file(items), "application/jsonl")},
            data={"retrieval_only": "true", "limit": "2"},
        )  # fmt: skip
        run = wait_done(reviewer, r.json()["id"])
        assert [i["id"] for i in run["items"]] == ["q0", "q1"] and run["items"][0]["answer"] is None


@pytest.mark.parametrize(
    ("kwargs", "status", "needle"),
    [
        ({"json": {"set": "khong-co.jsonl"}}, 404, "no evaluation set"),
        ({"json": {"set": "../README.md"}}, 404, "no evaluation set"),
        ({"json": {"sett": "x"}}, 422, "sett"),
        ({"files": {"file": ("b.jsonl", b'{"id": "a", "question": "x"}\n', "application/jsonl")}}, 422, "b.jsonl:1"),
        ({"files": {"file": ("b.txt", b"x", "text/plain")}}, 415, ".jsonl"),
        ({"files": {"file": ("b.jsonl", b"", "application/jsonl")}}, 422, "empty file"),
        ({"files": {"file": ("b.jsonl", b"\n", "application/jsonl")}, "data": {"limit": "-1"}}, 422, "limit"),
    ],
)
def test_bad_run_requests_are_clear_4xx(office: Office, kwargs: dict[str, Any], status: int, needle: str) -> None:
    with office.client("reviewer") as reviewer:
        r = reviewer.post("/eval/runs", **kwargs)
        assert r.status_code == status, r.text
        assert needle in json.dumps(r.json(), ensure_ascii=False)
        assert "/tmp" not in r.json()["detail"] if isinstance(r.json()["detail"], str) else True


def test_analysts_and_drafters_may_not_run_evaluations(office: Office) -> None:
    for user in ("analyst", "drafter"):
        with office.client(user) as c:
            assert c.post("/eval/runs", json={"set": "sample_smoke.jsonl"}).status_code == 403
            assert c.get("/eval/runs").status_code == 403


def test_unknown_run_is_404(office: Office) -> None:
    with office.client("reviewer") as reviewer:
        assert reviewer.get("/eval/runs/20990101-000000-abcdef").status_code == 404
        assert reviewer.get("/eval/runs/20990101-000000-abcdef/report").status_code == 404


def test_a_run_interrupted_by_a_restart_is_reported_failed(tmp_path: Path) -> None:
    folder = tmp_path / "runs" / "r1"
    folder.mkdir(parents=True)
    meta = {"id": "r1", "owner": "an", "rank": 1, "set_name": "s.jsonl", "retrieval_only": True, "status": "running",
            "created": 1.0, "finished": None, "done": 3, "total": 10, "withheld": 0, "error": None}  # fmt: skip
    (folder / "meta.json").write_text(json.dumps(meta), "utf-8")
    jobs = EvalJobs(tmp_path / "runs", lambda: None, None, lambda: [])  # type: ignore[arg-type, return-value]
    info = jobs.get("r1", 3)
    assert info is not None and info.status == "failed" and "interrupted" in (info.error or "")
    assert json.loads((folder / "meta.json").read_text("utf-8"))["status"] == "failed"
    assert jobs.get("r1", 0) is None  # made at nội bộ: not shown to a công khai viewer
