"""Shared pieces of the service tests: a real pipeline (embedded Chroma, the sample corpus, fake embedder and
scripted LLM), the app around it, and one user per role with a token."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.api import create_app
from assistant.api.service import Service
from assistant.pipeline import Pipeline
from assistant.settings import Settings
from assistant.types import ChatMessage
from tests.fakes import HashEmbedder, ScriptedGenerator

SAMPLE_IDS = {"15-NQ/TU", "08-KL/TU", "112/KH-UBND", "45-BC/TU", "05-CT/TU"}
ANSWERABLE = "Nghị quyết số 15-NQ/TU đặt mục tiêu kinh tế số chiếm bao nhiêu phần trăm GRDP của tỉnh Hòa Lâm đến năm 2030?"
UNANSWERABLE = "Sản lượng cà phê xuất khẩu của tỉnh đạt bao nhiêu tấn?"
QUOTE = "Kinh tế số chiếm 25% GRDP của tỉnh."
# Cites the quote from each of the first three passages: whichever holds it verifies, the rest are dropped,
# so the answer is "generated" however the ranking among those three changes.
GOOD_OUTPUT = json.dumps(
    {
        "found": True,
        "claims": [
            {"passage": n, "quote": QUOTE, "answer": "Đến năm 2030, kinh tế số chiếm 25% GRDP của tỉnh Hòa Lâm."}
            for n in (1, 2, 3)
        ],
    },
    ensure_ascii=False,
)
NOTICE = """TỈNH ỦY HÒA LÂM

Số 21-TB/TU

Hòa Lâm, ngày 5 tháng 5 năm 2025

# THÔNG BÁO

về lịch tiếp công dân định kỳ của Thường trực Tỉnh ủy

## 1. Lịch tiếp công dân

Thường trực Tỉnh ủy tiếp công dân định kỳ vào ngày 15 hằng tháng tại Trụ sở tiếp công dân của tỉnh.

## 2. Tổ chức thực hiện

Văn phòng Tỉnh ủy chủ trì, phối hợp với Ban Tiếp công dân tỉnh chuẩn bị địa điểm, tổng hợp kết quả tiếp công dân.
"""
# role -> clearance of the standard test users (one per role)
ROLES = {"admin": "tối mật", "drafter": "mật", "reviewer": "nội bộ", "analyst": "công khai"}


class RepeatingGenerator(ScriptedGenerator):
    """A scripted LLM that gives the same output every time; records prompts; notes overlapping answers."""

    def __init__(self, output: str) -> None:
        super().__init__([])
        self.output = output
        self.active = 0
        self.max_active = 0
        self._guard = threading.Lock()

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        json_schema: dict[str, object] | None = None,
        prefix: str = "",
        grammar: str | None = None,
    ) -> Iterator[str]:
        self.prompts.append(list(messages))
        with self._guard:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            for i in range(0, len(self.output), 7):
                time.sleep(0.001)
                yield self.output[i : i + 7]
        finally:
            with self._guard:
                self.active -= 1


def make_pipeline(root: Path, *, generator: ScriptedGenerator | None = None, **settings: Any) -> Pipeline:
    s = Settings(index_dir=root / "idx", model_dir=root / "m", answer_mode="copy", **settings)
    return Pipeline(s, embedder=HashEmbedder(), generator=generator or ScriptedGenerator([]))


@dataclass
class Office:
    """An app with one user per role: `client("analyst")` is a TestClient sending that user's token."""

    app: FastAPI
    pipeline: Pipeline
    tokens: dict[str, str]

    @property
    def service(self) -> Service:
        svc: Service = self.app.state.service
        return svc

    def client(self, username: str) -> TestClient:
        return TestClient(self.app, headers={"Authorization": f"Bearer {self.tokens[username]}"})

    def anonymous(self) -> TestClient:
        return TestClient(self.app)


def make_office(pipeline: Pipeline, users: dict[str, tuple[str, str]] | None = None) -> Office:
    """The app with `users` ({username: (role, clearance)}; default one per role, named after it) and their tokens."""
    app = create_app(pipeline.settings, pipeline)
    svc: Service = app.state.service
    tokens = {}
    for name, (role, clearance) in (users or {r: (r, c) for r, c in ROLES.items()}).items():
        svc.users.add_user(name, role, clearance, display_name=f"Người dùng {name}")
        tokens[name] = svc.users.issue_token(name, "test")[1]
    return Office(app, pipeline, tokens)


@pytest.fixture(scope="module")
def sample_pipeline(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Iterator[Pipeline]:
    pipe = make_pipeline(tmp_path_factory.mktemp("api"), generator=RepeatingGenerator(GOOD_OUTPUT))
    reports = pipe.ingest([sample_dir])
    assert {r.status for r in reports} == {"added"}, reports
    yield pipe
    pipe.close()


@pytest.fixture(scope="module")
def office(sample_pipeline: Pipeline) -> Office:
    return make_office(sample_pipeline)


@pytest.fixture(scope="module")
def client(office: Office) -> Iterator[TestClient]:
    """The admin (clearance tối mật): sees every sample document."""
    with office.client("admin") as c:
        yield c


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[tuple[TestClient, Pipeline]]:
    """An empty index and the admin's client, for tests that add and remove documents."""
    pipe = make_pipeline(tmp_path)
    office = make_office(pipe)
    with office.client("admin") as c:
        yield c, pipe
    pipe.close()


def sse_events(body: str) -> list[tuple[str, Any]]:
    events = []
    for block in body.split("\n\n"):
        if not block.strip():
            continue
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        assert set(fields) == {"event", "data"}, block
        events.append((fields["event"], json.loads(fields["data"])))
    return events


def upload(client: TestClient, name: str, data: bytes, ctype: str = "text/markdown", level: str | None = None) -> Any:
    return client.post("/documents", files={"file": (name, data, ctype)}, data={"access_level": level} if level else None)
