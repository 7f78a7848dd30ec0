"""The ingester's messages in Vietnamese, for the people who read them in the pages and the API.

The ingester reports in English (the command line and its tests read it); `ingest_message` gives the
Vietnamese for a known message, with the English beside it, so an upload's result or an unreadable
draft is told in Vietnamese: "tệp rỗng (empty file)". A count of passages is Vietnamese alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable


def say(vi: str, en: str) -> str:
    """The Vietnamese message with the English beside it."""
    return f"{vi} ({en})"


def _passages(m: re.Match[str]) -> str:
    note = m.group(2)
    ocr = " (nhận dạng chữ OCR)" if "(OCR)" in note else ""
    reused = re.search(r"(\d+) unchanged", note)
    return f"{m.group(1)} đoạn{ocr}" + (f", {reused.group(1)} đoạn không đổi (dùng lại vector)" if reused else "")


# the ingester's messages (assistant/ingest), most specific first; each gives the Vietnamese for a match
_INGEST: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"^(\d+) passages(.*)$"), _passages),
    (
        re.compile(r"^same text as (.+) \((.+)\); not indexed again$"),
        lambda m: f"trùng nội dung với {m.group(1)} ({m.group(2)}); không nạp lại",
    ),
    (
        re.compile(r"^near-duplicate of (.+) \((.+)\), similarity ([\d.]+); not indexed again$"),
        lambda m: f"gần trùng với {m.group(1)} ({m.group(2)}), độ giống {m.group(3)}; không nạp lại",
    ),
    (
        re.compile(r"^the same text is already indexed; not indexed again$"),
        lambda m: "nội dung này đã có trong kho; không nạp lại",
    ),
    (
        re.compile(r"^no text found \(OCR found no text either\)$"),
        lambda m: "không tìm thấy chữ nào trong tệp, kể cả khi nhận dạng chữ (OCR)",
    ),
    (re.compile(r"^no text found$"), lambda m: "không tìm thấy chữ nào trong tệp"),
    (re.compile(r"^empty file$"), lambda m: "tệp rỗng"),
    (re.compile(r"^unreadable PDF"), lambda m: "không đọc được tệp PDF"),
    (re.compile(r"^unreadable DOCX"), lambda m: "không đọc được tệp DOCX (không phải tệp Word hợp lệ)"),
    (re.compile(r"^file is (.+), over the (.+) limit$"), lambda m: f"tệp {m.group(1)}, vượt giới hạn {m.group(2)}"),
    (re.compile(r"^unsupported file type"), lambda m: "loại tệp không được hỗ trợ"),
    (re.compile(r"^this is a binary file"), lambda m: "đây là tệp nhị phân, không phải văn bản"),
    (re.compile(r"^not valid UTF-8"), lambda m: "không phải văn bản UTF-8 hợp lệ; hãy lưu lại tệp dưới dạng UTF-8"),
    (re.compile(r"^not valid UTF-16"), lambda m: "không phải văn bản UTF-16 hợp lệ; hãy lưu lại tệp dưới dạng UTF-8"),
    (re.compile(r"^manifest error"), lambda m: "lỗi tệp khai báo văn bản (manifest)"),
    (re.compile(r"^cannot read the file"), lambda m: "không đọc được tệp"),
    (re.compile(r"^OCR failed"), lambda m: "nhận dạng chữ (OCR) thất bại"),
    (re.compile(r"^(install|needs?) tesseract|tesseract"), lambda m: "máy chủ thiếu phần mềm nhận dạng chữ (tesseract)"),
]
_ALREADY_VI = re.compile(r"[ăâđêôơưĂÂĐÊÔƠƯàáảãạèéẻẽẹìíỉĩịòóỏõọùúủũụỳýỷỹỵ]")


def ingest_message(message: str, failed: bool = False) -> str:
    """An ingest report's message in Vietnamese: success counts alone, failures with the English beside."""
    if not message or _ALREADY_VI.search(message):
        return message
    counted = _INGEST[0][0].search(message)
    if counted and not failed:
        return _passages(counted)
    for pattern, vi in _INGEST[1:]:
        m = pattern.search(message)
        if m:
            return say(vi(m), message)
    return say("không nạp được tệp" if failed else "ghi chú khi nạp", message)
