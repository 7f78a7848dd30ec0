"""The streaming multipart reader and file-name cleaning."""

from __future__ import annotations

from pathlib import Path

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
