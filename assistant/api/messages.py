"""Messages a person reads, in Vietnamese, with the English beside them for API clients.

Every error the API returns says what went wrong in Vietnamese first, the English in parentheses after
it: `"không có văn bản 45-BC/TU trong kho (no indexed document 45-BC/TU)"`. Pages show `detail` as it
is; scripts that matched the English keep working. Validation errors (422 from FastAPI) keep their
standard list in `detail` and add `message`, one Vietnamese line. The ingester's messages (upload
reports, unreadable drafts) are put into Vietnamese by `assistant.ingest.messages.ingest_message`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from assistant.ingest.messages import ingest_message, say

__all__ = ["http_phrase", "ingest_message", "say", "validation_message"]


# Starlette's own messages (unknown route, wrong method, ...), which no route of ours raises.
_HTTP_PHRASES = {
    "Not Found": "không tìm thấy",
    "Method Not Allowed": "phương thức không được hỗ trợ",
    "Unauthorized": "chưa đăng nhập",
    "Forbidden": "không được phép",
    "Bad Request": "yêu cầu không hợp lệ",
    "Internal Server Error": "lỗi máy chủ",
}


def http_phrase(detail: Any) -> Any:
    """A bare English status phrase from Starlette, put into Vietnamese; anything else unchanged."""
    if isinstance(detail, str) and detail in _HTTP_PHRASES:
        return say(_HTTP_PHRASES[detail], detail)
    return detail


# pydantic error types -> what is wrong, in Vietnamese
_VALIDATION = {
    "missing": "thiếu trường bắt buộc",
    "extra_forbidden": "trường không được phép",
    "string_too_long": "quá dài",
    "string_too_short": "quá ngắn",
    "too_long": "quá nhiều phần tử",
    "too_short": "quá ít phần tử",
    "json_invalid": "JSON không hợp lệ",
    "model_attributes_type": "phải là một đối tượng JSON",
    "dict_type": "phải là một đối tượng JSON",
    "list_type": "phải là một danh sách",
    "string_type": "phải là chuỗi ký tự",
    "bool_type": "phải là true hoặc false",
    "bool_parsing": "phải là true hoặc false",
    "int_type": "phải là số nguyên",
    "int_parsing": "phải là số nguyên",
    "literal_error": "không phải giá trị được chấp nhận",
    "enum": "không phải giá trị được chấp nhận",
    "date_from_datetime_parsing": "ngày không hợp lệ (dùng YYYY-MM-DD)",
    "date_parsing": "ngày không hợp lệ (dùng YYYY-MM-DD)",
    "date_type": "ngày không hợp lệ (dùng YYYY-MM-DD)",
    "greater_than_equal": "quá nhỏ",
    "less_than_equal": "quá lớn",
}


def validation_message(errors: Iterable[Mapping[str, Any]]) -> str:
    """One Vietnamese line for pydantic's errors: "Yêu cầu không hợp lệ: question: thiếu trường bắt buộc"."""
    parts = []
    for e in errors:
        where = ".".join(str(p) for p in e.get("loc", ()) if p != "body")
        if e.get("type") == "value_error":  # our own validators: their message is already bilingual
            ctx = e.get("ctx") or {}
            what = str(ctx.get("error", e.get("msg", "")))
        else:
            what = say(_VALIDATION.get(str(e.get("type")), "không hợp lệ"), str(e.get("msg", "")))
        parts.append(f"{where}: {what}" if where else what)
    return "Yêu cầu không hợp lệ: " + "; ".join(parts)
