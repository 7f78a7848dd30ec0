"""The streaming multipart reader and file-name cleaning."""

from __future__ import annotations

from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import pytest
from fastapi import HTTPException

from assistant.api.upload import UploadReader, safe_filename
from assistant.ingest.load import SUPPORTED_SUFFIXES


def test_size_limit_is_enforced_while_the_body_arrives(tmp_path: Path) -> None:
    boundary = "b0undary"
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="lớn.md"\r\n\r\n'.encode()
    body = head + b"x" * 10_000 + f"\r\n--{boundary}--\r\n".encode()
    reader = UploadReader(boundary.encode(), tmp_path / "in", max_bytes=1000, limit_mb=0.001, suffixes=SUPPORTED_SUFFIXES)
    pieces = [body[i : i + 256] for i in range(0, len(body), 256)]
    fed = 0
    with pytest.raises(HTTPException) as err:
        for piece in pieces:
            reader.write(piece)
            fed += 1
    assert err.value.status_code == 413 and "lớn.md" in str(err.value.detail)
    assert fed < 6 < len(pieces)  # refused at the first piece past 1000 bytes, not after reading everything
    assert reader.temp is not None and reader.temp.stat().st_size <= 1000
    reader.discard()
    assert list((tmp_path / "in").iterdir()) == []


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("nghi-quyet.md", "nghi-quyet.md"),
        ("../../etc/passwd.md", "passwd.md"),
        ("C:\\Users\\cb\\Kết luận.docx", "Kết luận.docx"),
        ('a<b>:"c"|?*.txt', "a_b___c____.txt"),
        ("ten.md. ", "ten.md"),
        ("Nghi\u0323 quyết.md", "Nghị quyết.md"),  # decomposed Unicode comes out NFC
        (".env", None),
        ("~$draft.docx", None),
        ("x/", None),
        ("", None),
        ("...", None),
    ],
)
def test_safe_filename(raw: str, safe: str | None) -> None:
    assert safe_filename(raw) == safe


def test_safe_filename_caps_length_and_keeps_the_suffix() -> None:
    name = safe_filename("đ" * 300 + ".docx")
    assert name is not None and name.endswith(".docx") and len(name.encode()) <= 200


# --- limits up front and departed clients, through the app at the ASGI level ---------------------------------
def _asgi_upload(tmp_path: Path, messages: list[dict[str, object]], length: int) -> tuple[list[dict[str, object]], int, Path]:
    import asyncio

    from tests.api.conftest import make_office, make_pipeline

    pipe = make_pipeline(tmp_path)
    office = make_office(pipe)
    token = office.tokens["admin"]
    sent: list[dict[str, object]] = []
    reads = 0

    async def receive() -> dict[str, object]:
        nonlocal reads
        reads += 1
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)  # a client that sends nothing more
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/documents", "raw_path": b"/documents", "query_string": b"", "root_path": "",
        "client": ("127.0.0.1", 5000), "server": ("testserver", 80),
        "headers": [(b"host", b"testserver"), (b"authorization", f"Bearer {token}".encode()),
                    (b"content-type", b"multipart/form-data; boundary=b0undary"), (b"content-length", str(length).encode())],
    }  # fmt: skip
    asyncio.run(asyncio.wait_for(office.app(scope, receive, send), 30))
    incoming = pipe.settings.index_dir / "uploads" / ".incoming"
    pipe.close()
    return sent, reads, incoming


def test_a_declared_length_over_the_limit_is_413_before_the_body_is_read(tmp_path: Path) -> None:
    body = {"type": "http.request", "body": b"--b0undary\r\n", "more_body": True}
    sent, reads, incoming = _asgi_upload(tmp_path, [body], 10 * 1024**3)  # 10 GB declared
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 413
    assert b"upload limit" in b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")  # type: ignore[misc]
    assert reads == 0  # not one byte of the body was asked for
    assert not incoming.exists() or list(incoming.iterdir()) == []


def test_a_client_gone_mid_upload_ends_quietly_with_one_log_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    head = b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="dang-do.md"\r\n\r\n'
    messages: list[dict[str, object]] = [
        {"type": "http.request", "body": head + b"x" * 5000, "more_body": True},
        {"type": "http.disconnect"},
    ]
    with caplog.at_level("INFO"):
        sent, _, incoming = _asgi_upload(tmp_path, messages, 100_000)  # raises nothing
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [499]
    lines = [r for r in caplog.records if "went away" in r.getMessage()]
    assert len(lines) == 1 and lines[0].exc_info is None and "5000 bytes" in lines[0].getMessage()
    assert not any(r.exc_info for r in caplog.records)  # no traceback anywhere
    assert list(incoming.iterdir()) == []  # the partial file is gone
