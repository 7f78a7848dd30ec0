"""The app factory: nothing built at import, OpenAPI docs, health, JSON charset, index and model errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from fastapi.testclient import TestClient

from assistant.api import TITLE, create_app
from assistant.pipeline import Pipeline
from tests.api.conftest import ANSWERABLE, Office
from tests.conftest import REPO
from tests.fakes import HashEmbedder, ScriptedGenerator


def test_import_builds_nothing_heavy() -> None:
    heavy = ["torch", "llama_cpp", "chromadb", "sentence_transformers", "unstructured", "transformers"]
    code = (
        "import json, sys\n"
        "from fastapi import FastAPI\n"
        "import assistant.api as api, assistant.api.app as app_module\n"
        f"heavy = [m for m in {heavy!r} if m in sys.modules]\n"
        "apps = [k for m in (api, app_module) for k, v in vars(m).items() if isinstance(v, FastAPI)]\n"
        "print(json.dumps({'heavy': heavy, 'apps': apps, 'fastapi': 'fastapi' in sys.modules}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"heavy": [], "apps": [], "fastapi": True}


def test_openapi_title_paths_and_docs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["info"]["title"] == TITLE == "Trợ lý nghiên cứu văn bản"
    assert "multipart/form-data" in spec["paths"]["/documents"]["post"]["requestBody"]["content"]
    expected = {
        "/health", "/ask", "/documents", "/documents/{key}", "/eval/runs", "/eval/runs/{run_id}", "/eval/sets",
        "/v1/models", "/v1/chat/completions", "/auth/login", "/auth/logout", "/auth/me",
    }  # fmt: skip
    assert expected <= set(spec["paths"])
    level = spec["paths"]["/documents"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]
    assert level["access_level"]["enum"] == ["công khai", "nội bộ", "mật", "tối mật"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_health_for_a_user_counts_what_they_may_see(office: Office) -> None:
    with office.client("admin") as admin, office.client("analyst") as analyst:
        health = admin.get("/health").json()
        answers = health.pop("answers")
        assert health == {"status": "ok", "documents": 5, "embedder": "hash-64", "answer_mode": "copy"}
        assert (answers["running"], answers["queued"], answers["max_running"], answers["max_queued"]) == (0, 0, 1, 4)
        assert analyst.get("/health").json()["documents"] == 4  # 45-BC/TU is nội bộ
    with office.anonymous() as anon:
        assert anon.get("/health").json() == {"status": "ok"}


def test_health_of_an_empty_index(fresh: tuple[TestClient, Pipeline]) -> None:
    client, _ = fresh
    assert client.get("/health").json()["documents"] == 0
    assert client.get("/health").json()["embedder"] is None


def test_json_is_utf8_and_unescaped(client: TestClient) -> None:
    r = client.get("/documents")
    assert r.headers["content-type"] == "application/json; charset=utf-8"
    assert "chuyển đổi số".encode() in r.content and b"\\u" not in r.content


def test_index_built_with_another_embedder_is_409(office: Office, sample_pipeline: Pipeline) -> None:
    other = Pipeline(sample_pipeline.settings, embedder=HashEmbedder(name="other-64"), generator=ScriptedGenerator([]))
    try:
        # the same index dir, so the same users
        auth = {"Authorization": f"Bearer {office.tokens['admin']}"}
        with TestClient(create_app(other.settings, other), headers=auth) as c:
            for stream in (False, True):
                r = c.post("/ask", json={"question": ANSWERABLE, "stream": stream})
                assert r.status_code == 409
                assert "hash-64" in r.json()["detail"]
    finally:
        other.close()


def test_the_app_factory_takes_settings_and_pipeline(sample_pipeline: Pipeline) -> None:
    app = create_app(sample_pipeline.settings, sample_pipeline)
    assert app.state.service.pipeline is sample_pipeline and app.state.service.settings is sample_pipeline.settings


def test_api_docs_are_offline_and_for_signed_in_users_only(office: Office) -> None:
    with office.anonymous() as anon:
        assert anon.get("/docs", follow_redirects=False).headers["location"] == "/login"
        assert anon.get("/openapi.json").status_code == 401
        assert anon.get("/redoc").status_code == 404
        login = anon.post("/auth/login", json={"username": "analyst", "secret": office.tokens["analyst"]})
        assert login.status_code == 200
        page = anon.get("/docs")
        assert page.status_code == 200
        assert page.headers["content-security-policy"] == anon.get("/").headers["content-security-policy"]
        assert "http" not in page.text and "<script>" not in page.text  # nothing from elsewhere, no inline script
        for src in ("/docs-assets/swagger-ui-bundle.js", "/docs-assets/swagger-ui.css", "/static/apidocs.js"):
            assert src in page.text and anon.get(src).status_code == 200
        schema = anon.get("/openapi.json").json()
        assert "/ask" in schema["paths"] and "/docs" not in schema["paths"]
