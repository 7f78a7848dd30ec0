"""Per-folder manifests: what a site states for its files, checked strictly."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant.ingest.manifest import read_manifest


def test_read_manifest(tmp_path: Path) -> None:
    assert read_manifest(tmp_path) == {}
    (tmp_path / "manifest.yaml").write_text(
        "documents:\n"
        "  NQ-03-NQ-CP_PhuLuc1_chitieu.md:\n"
        "    parent: 03/NQ-CP\n"
        "    issued: 2025-01-09\n"
        "    access_level: mật\n"
        "  b.md:\n"
        "    number: 57\n",
        encoding="utf-8",
    )
    manifest = read_manifest(tmp_path)
    assert manifest["NQ-03-NQ-CP_PhuLuc1_chitieu.md"] == {
        "parent": "03/NQ-CP",
        "issued": date(2025, 1, 9),
        "access_level": "mật",
    }
    assert manifest["b.md"] == {"number": "57"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("documents: [unclosed\n", "malformed YAML"),
        ("documents:\n  a.md:\n    colour: red\n", "colour"),
        ("files:\n  a.md: {}\n", "documents"),
        ("documents:\n  a.md:\n    access_level: secret\n", "access_level"),
        ("documents:\n  a.md: just text\n", "mapping"),
    ],
)
def test_read_manifest_errors(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "manifest.yml").write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as info:
        read_manifest(tmp_path)
    assert "manifest.yml" in str(info.value)
