"""Messages a person reads are Vietnamese, the English beside them for API clients (`assistant.api.messages`)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from fastapi.testclient import TestClient

from assistant.api.messages import http_phrase, validation_message
from assistant.ingest.messages import ingest_message
from tests.api.conftest import Office

API = Path(__file__).resolve().parents[2] / "assistant" / "api"
VIETNAMESE = re.compile(r"[\u00c0-\u1ef9]")  # Latin letters with diacritics, Vietnamese's included


def _text(node: ast.expr) -> str | None:
    """The literal text of a str constant or f-string (its constant parts), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    return None


def test_every_error_the_api_raises_is_written_in_vietnamese() -> None:
    """Each HTTPException / ServiceError in assistant/api/ whose message is written there is Vietnamese: a
    literal with Vietnamese in it, or say("<Vietnamese>", "<English>"). Messages passed in from elsewhere (the
    draft checker's, already Vietnamese; the ingester's, through ingest_message) are checked where they are made."""
    english: list[str] = []
    for path in sorted(API.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("HTTPException", "ServiceError")):
                continue
            if len(node.args) < 2:
                continue
            detail = node.args[1]
            if isinstance(detail, ast.Call) and getattr(detail.func, "id", None) == "say":
                detail = detail.args[0]
            text = _text(detail)
            if text is not None and re.search(r"[A-Za-z]{2}", text) and not VIETNAMESE.search(text):
                english.append(f"{path.name}:{node.lineno}: {text!r}")
    assert english == []


def test_a_refused_role_unknown_route_and_bad_request_read_in_vietnamese(office: Office) -> None:
    with office.client("analyst") as c:
        r = c.post("/documents", files={"file": ("a.md", b"x")})
        assert r.status_code == 403
        assert r.json()["detail"] == "vai trò chuyên viên phân tích không được nạp văn bản (the role 'analyst' may not upload)"
        r = c.get("/khong-co-trang-nay.json")
        assert r.status_code == 404 and r.json()["detail"] == "không tìm thấy (Not Found)"
        r = c.post("/ask", json={"question": "   "})
        assert r.status_code == 422
        body = r.json()
        assert isinstance(body["detail"], list) and body["detail"][0]["type"] == "value_error"  # FastAPI's shape kept
        assert body["message"].startswith("Yêu cầu không hợp lệ: question: chưa có câu hỏi")
        r = c.post("/ask", json={})
        assert r.json()["message"] == "Yêu cầu không hợp lệ: question: thiếu trường bắt buộc (Field required)"
    r = TestClient(office.app).get("/documents", headers={"Authorization": "Bearer sai.ma"})
    assert r.status_code == 401 and r.json()["detail"].startswith("mã truy cập không hợp lệ hoặc đã bị thu hồi")


def test_helpers() -> None:
    assert http_phrase("Method Not Allowed") == "phương thức không được hỗ trợ (Method Not Allowed)"
    assert http_phrase("no evaluation run x") == "no evaluation run x"  # only Starlette's bare phrases
    errors = [{"type": "string_too_long", "loc": ("body", "username"), "msg": "String should have at most 64 characters"}]
    assert validation_message(errors) == "Yêu cầu không hợp lệ: username: quá dài (String should have at most 64 characters)"
    assert ingest_message("12 passages (OCR)") == "12 đoạn (nhận dạng chữ OCR)"
    assert ingest_message("empty file", failed=True) == "tệp rỗng (empty file)"
    assert ingest_message("same text as a.md (15-NQ/TU); not indexed again") == (
        "trùng nội dung với a.md (15-NQ/TU); không nạp lại (same text as a.md (15-NQ/TU); not indexed again)"
    )
    assert ingest_message("Văn bản đã có") == "Văn bản đã có"  # already Vietnamese: unchanged
    assert ingest_message("something new", failed=True) == "không nạp được tệp (something new)"
