"""The document library over a real index: listing, document views with offsets and relations, uploads with
their limits and access levels, deletion; each within the caller's role and clearance."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.pipeline import Pipeline
from tests.api.conftest import NOTICE, SAMPLE_IDS, Office, make_office, make_pipeline, upload

SECRET_NOTICE = """TỈNH ỦY HÒA LÂM

Số 22-TB/TU

# THÔNG BÁO

về phương án bảo đảm an ninh mạng cho hệ thống thông tin của các cơ quan Đảng

## 1. Yêu cầu

Ban Cơ yếu tỉnh rà soát mật khẩu quản trị, khóa mã hóa và nhật ký truy cập của máy chủ thư điện tử trước ngày 30 tháng 6.
"""


def test_list_documents_is_utf8_json(client: TestClient) -> None:
    r = client.get("/documents")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json; charset=utf-8"
    assert "chuyển đổi số".encode() in r.content  # raw UTF-8, not \u escapes
    assert b"\\u" not in r.content
    docs = {d["doc_id"]: d for d in r.json()}
    assert set(docs) == SAMPLE_IDS
    nq = docs["15-NQ/TU"]
    assert nq["key"] == "15-NQ/TU"
    assert (nq["type"], nq["number"], nq["issuer"], nq["issued"]) == ("NQ", "15", "TU", "2024-03-12")
    assert "hòa lâm" in nq["issuer_name"].lower()
    assert nq["source_name"] == "nghi-quyet-15-NQ-TU.md"
    assert "chuyển đổi số" in nq["title"]
    assert docs["45-BC/TU"]["access_level"] == "nội bộ"
    assert all(d["passages"] > 0 for d in docs.values())
    assert set(nq) >= {"doc_id", "key", "type", "number", "issuer", "issuer_name", "issued", "title", "access_level"}


def test_get_document_with_chunks_and_relations(client: TestClient) -> None:
    r = client.get("/documents/15-NQ/TU")
    assert r.status_code == 200
    doc = r.json()
    assert doc["doc_id"] == "15-NQ/TU"
    text = doc["text"]
    assert "Kinh tế số chiếm 25% GRDP" in text
    assert len(doc["chunks"]) == doc["passages"] > 1
    assert [c["ordinal"] for c in doc["chunks"]] == list(range(len(doc["chunks"])))
    for c in doc["chunks"]:
        assert 0 <= c["start"] < c["end"] <= len(text)
        assert text[c["start"] : c["end"]].strip()
        assert c["chunk_id"] == f"15-NQ/TU#{c['ordinal']}"
    assert any("Mục tiêu" in c["breadcrumb"] for c in doc["chunks"])
    incoming = {(i["relation"], i["doc_id"]) for i in doc["relations"]["incoming"]}
    assert ("implements", "112/KH-UBND") in incoming
    assert ("continues", "08-KL/TU") in incoming


def test_get_document_whose_id_has_a_slash_in_the_middle(client: TestClient) -> None:
    doc = client.get("/documents/112/KH-UBND").json()
    assert doc["doc_id"] == "112/KH-UBND"
    assert {"relation": "implements", "doc_id": "15-NQ/TU", "indexed": True} in doc["relations"]["outgoing"]


def test_unknown_document_is_404(client: TestClient) -> None:
    r = client.get("/documents/99-NQ/TW")
    assert r.status_code == 404
    assert "99-NQ/TW" in r.json()["detail"]
    assert client.delete("/documents/99-NQ/TW").status_code == 404


# --- uploads ---------------------------------------------------------------------------------------


def test_upload_lists_asks_and_deletes(fresh: tuple[TestClient, Pipeline]) -> None:
    client, pipe = fresh
    uploads = pipe.settings.index_dir / "uploads" / "admin"
    r = upload(client, "thong-bao-21.md", NOTICE.encode())
    assert r.status_code == 201, r.text
    added = r.json()
    assert added["status"] == "added" and added["doc_id"] == "21-TB/TU"
    assert added["key"].startswith("21-TB/TU@thong-bao-21-")  # every upload: number@file-hash, taken number or not
    assert added["file"] == "thong-bao-21.md" and added["chunks"] > 0
    assert (uploads / "thong-bao-21.md").read_text("utf-8") == NOTICE
    assert [d["doc_id"] for d in client.get("/documents").json()] == ["21-TB/TU"]
    assert client.get("/health").json()["documents"] == 1

    answer = client.post("/ask", json={"question": "Thường trực Tỉnh ủy tiếp công dân định kỳ vào ngày nào?"}).json()
    assert answer["passages"][0]["doc_id"] == "21-TB/TU"

    assert upload(client, "thong-bao-21.md", NOTICE.encode()).json()["status"] == "unchanged"
    dup = upload(client, "ban-sao.md", NOTICE.encode())
    assert dup.status_code == 200 and dup.json()["status"] == "duplicate" and dup.json()["doc_id"] == "21-TB/TU"
    assert not (uploads / "ban-sao.md").exists()
    changed = NOTICE.replace("ngày 15 hằng tháng", "ngày 20 hằng tháng")
    replaced = upload(client, "thong-bao-21.md", changed.encode())
    assert replaced.status_code == 201 and replaced.json()["status"] == "replaced"
    assert "ngày 20 hằng tháng" in client.get("/documents/21-TB/TU").json()["text"]

    gone = client.delete("/documents/21-TB/TU")
    assert gone.status_code == 204 and gone.content == b""
    assert client.get("/documents/21-TB/TU").status_code == 404
    assert client.delete("/documents/21-TB/TU").status_code == 404
    assert client.get("/documents").json() == []
    assert not (uploads / "thong-bao-21.md").exists()


def test_upload_strips_client_directories(fresh: tuple[TestClient, Pipeline], tmp_path: Path) -> None:
    client, pipe = fresh
    r = upload(client, "../../outside/Thông báo 21.md", NOTICE.encode())
    assert r.status_code == 201, r.text
    assert r.json()["file"] == "Thông báo 21.md"
    assert (pipe.settings.index_dir / "uploads" / "admin" / "Thông báo 21.md").is_file()
    assert not (tmp_path / "outside").exists()


@pytest.mark.parametrize("name", [".hidden.md", "~$draft.docx", "../", "dir/..", "  "])
def test_upload_with_unusable_name_is_422(fresh: tuple[TestClient, Pipeline], name: str) -> None:
    client, _ = fresh
    r = upload(client, name, NOTICE.encode())
    assert r.status_code == 422
    assert "file name" in r.json()["detail"]
    assert client.get("/documents").json() == []


def test_upload_of_unsupported_type_is_415(fresh: tuple[TestClient, Pipeline]) -> None:
    client, pipe = fresh
    r = upload(client, "setup.exe", b"MZ\x90\x00" * 100, "application/octet-stream")
    assert r.status_code == 415
    assert "setup.exe" in r.json()["detail"] and ".exe" in r.json()["detail"]
    assert not (pipe.settings.index_dir / "uploads" / "setup.exe").exists()
    plain = client.post("/documents", content=NOTICE.encode(), headers={"content-type": "text/markdown"})
    assert plain.status_code == 415 and "multipart/form-data" in plain.json()["detail"]


def test_upload_over_the_size_limit_is_413(tmp_path: Path) -> None:
    pipe = make_pipeline(tmp_path, max_file_mb=0.0001)  # 100 bytes
    try:
        with make_office(pipe).client("admin") as client:
            r = upload(client, "quá-lớn.md", NOTICE.encode())
            assert r.status_code == 413
            assert "quá-lớn.md" in r.json()["detail"] and "0.0001 MB" in r.json()["detail"]
            assert r.headers["content-type"] == "application/json; charset=utf-8"
            uploads = pipe.settings.index_dir / "uploads" / "admin"
            assert [p for p in uploads.rglob("*") if p.is_file()] == []
            small = "Số 3-TB/TU\n\nThông báo ngắn về lịch họp.\n".encode()
            assert len(small) <= 100
            assert upload(client, "nho.md", small).status_code != 413
    finally:
        pipe.close()


def test_upload_of_empty_file_is_422(fresh: tuple[TestClient, Pipeline]) -> None:
    client, pipe = fresh
    r = upload(client, "rong.md", b"")
    assert r.status_code == 422
    assert "rong.md" in r.json()["detail"] and "empty" in r.json()["detail"]
    assert not (pipe.settings.index_dir / "uploads" / "rong.md").exists()


def test_failed_ingest_is_422_and_leaves_nothing(fresh: tuple[TestClient, Pipeline]) -> None:
    client, pipe = fresh
    r = upload(client, "hong.docx", b"this is not a Word file", "application/octet-stream")
    assert r.status_code == 422
    assert "hong.docx" in r.json()["detail"] and "DOCX" in r.json()["detail"]
    assert [p for p in (pipe.settings.index_dir / "uploads").rglob("*") if p.is_file()] == []
    assert client.get("/documents").json() == []


def test_upload_without_the_file_field_is_422(fresh: tuple[TestClient, Pipeline]) -> None:
    client, _ = fresh
    r = client.post("/documents", files={"tep": ("a.md", NOTICE.encode(), "text/markdown")})
    assert r.status_code == 422 and "'file'" in r.json()["detail"]


# --- access levels and roles ------------------------------------------------------------------------


def test_upload_takes_its_access_level_from_the_form_or_the_settings(fresh: tuple[TestClient, Pipeline]) -> None:
    client, pipe = fresh
    assert pipe.settings.upload_access_level == "nội bộ"
    default = upload(client, "thong-bao-21.md", NOTICE.encode())
    assert default.status_code == 201 and default.json()["access_level"] == "nội bộ"
    assert client.get("/documents/21-TB/TU").json()["access_level"] == "nội bộ"
    secret = SECRET_NOTICE
    r = upload(client, "thong-bao-22.md", secret.encode(), level="mat")  # typed without accents
    assert r.status_code == 201 and r.json()["access_level"] == "mật"
    # the level is kept beside the file, so re-ingesting the folder from the command line keeps it
    manifest = (pipe.settings.index_dir / "uploads" / "admin" / "manifest.yaml").read_text("utf-8")
    assert "thong-bao-22.md" in manifest and "mật" in manifest
    [report] = pipe.ingest([pipe.settings.index_dir / "uploads" / "admin" / "thong-bao-22.md"])
    assert report.status == "unchanged"
    assert client.get("/documents/22-TB/TU").json()["access_level"] == "mật"


def test_upload_level_above_clearance_or_unknown_is_refused(tmp_path: Path) -> None:
    pipe = make_pipeline(tmp_path)
    try:
        office = make_office(pipe)
        with office.client("drafter") as drafter:  # clearance mật
            r = upload(drafter, "thong-bao-21.md", NOTICE.encode(), level="tối mật")
            assert r.status_code == 403 and "tối mật" in r.json()["detail"] and "mật" in r.json()["detail"]
            bad = upload(drafter, "thong-bao-21.md", NOTICE.encode(), level="bí mật nhà nước")
            assert bad.status_code == 422 and "unknown access level" in bad.json()["detail"]
            assert drafter.get("/documents").json() == []
            assert [p for p in (pipe.settings.index_dir / "uploads").rglob("*") if p.is_file()] == []
            ok = upload(drafter, "thong-bao-21.md", NOTICE.encode(), level="mật")
            assert ok.status_code == 201
            assert drafter.get("/auth/me").json()["upload_levels"] == ["công khai", "nội bộ", "mật"]
    finally:
        pipe.close()


@pytest.mark.parametrize(
    ("user", "method", "path", "status"),
    [
        ("analyst", "post", "/documents", 403),
        ("reviewer", "post", "/documents", 403),
        ("drafter", "delete", "/documents/15-NQ/TU", 403),
        ("reviewer", "delete", "/documents/15-NQ/TU", 403),
        ("analyst", "delete", "/documents/15-NQ/TU", 403),
    ],
)
def test_roles_that_may_not_upload_or_delete(office: Office, user: str, method: str, path: str, status: int) -> None:
    with office.client(user) as c:
        r = upload(c, "thong-bao-21.md", NOTICE.encode()) if method == "post" else c.delete(path)
        assert r.status_code == status
        assert f"'{user}' may not" in r.json()["detail"]
    with office.client("admin") as admin:
        assert "15-NQ/TU" in {d["doc_id"] for d in admin.get("/documents").json()}
        assert "21-TB/TU" not in {d["doc_id"] for d in admin.get("/documents").json()}


def test_documents_above_clearance_are_absent_and_404(office: Office) -> None:
    with office.client("analyst") as analyst:  # công khai
        listed = {d["doc_id"] for d in analyst.get("/documents").json()}
        assert listed == SAMPLE_IDS - {"45-BC/TU"}
        hidden = analyst.get("/documents/45-BC/TU")
        unknown = analyst.get("/documents/99-BC/TU")
        assert hidden.status_code == unknown.status_code == 404
        assert hidden.json()["detail"] == "không có văn bản 45-BC/TU trong kho (no indexed document 45-BC/TU)"
    with office.client("reviewer") as reviewer:  # nội bộ
        assert reviewer.get("/documents/45-BC/TU").status_code == 200


def test_uploads_views_and_deletions_are_audited(fresh: tuple[TestClient, Pipeline]) -> None:
    from assistant.access.audit import AuditLog

    client, pipe = fresh
    upload(client, "thong-bao-21.md", NOTICE.encode(), level="công khai")
    client.get("/documents/21-TB/TU")
    client.delete("/documents/21-TB/TU")
    audit = AuditLog(pipe.settings.index_dir / "audit.jsonl")
    actions = [(e["actor"], e["action"]) for e in audit.entries()]
    assert actions == [("admin", "document.upload"), ("admin", "document.view"), ("admin", "document.delete")]
    entries = list(audit.entries())
    assert entries[0]["details"]["access_level"] == "công khai" and entries[0]["details"]["status"] == "added"
    assert entries[2]["details"]["doc_id"] == "21-TB/TU"
    assert audit.verify().ok
