"""The int8 ONNX embedder: built locally from a real model folder (export, quantisation, manifest), loaded
offline, agreeing with the fp32 model; a changed or half-built graph is refused or rebuilt, never used."""

from __future__ import annotations

import json
import os
import shutil
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from assistant import models
from assistant.ingest import embed_onnx
from assistant.ingest.embed import SentenceTransformerEmbedder, export_onnx
from assistant.ingest.embed_onnx import OnnxEmbedder, OnnxModelError, build_int8, int8_dir
from assistant.pipeline import onnx_int8
from assistant.settings import Settings
from tests import netguard
from tests.ingest.test_embed import DOCS, QUERIES, _cos

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def minilm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(source folder, int8 folder) of the small MiniLM model, exported into a fresh store."""
    source = models.resolve(Settings().model_dir, "all-minilm-l6-v2")
    store = tmp_path_factory.mktemp("store")
    netguard.ATTEMPTS.clear()
    netguard.install()
    try:
        folder = build_int8(source, int8_dir(store, source), export_onnx)
    finally:
        netguard.uninstall()
    assert netguard.ATTEMPTS == [], "the export must not touch the network"
    yield source, folder


def test_build_writes_a_manifest_of_every_file_and_no_fp32_leftovers(minilm: tuple[Path, Path]) -> None:
    source, folder = minilm
    assert folder.name == "all-minilm-l6-v2+onnx-int8"
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert manifest["source_sha256"] == models.sha256_file(source / "model.safetensors")
    assert {"model_int8.onnx", "model_int8.onnx.data"} <= set(manifest["files"])
    assert manifest["recipe"] == embed_onnx.RECIPE == 2
    assert not (folder / "fp32").exists() and not folder.with_name(folder.name + ".partial").exists()
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert build_int8(source, folder, export_onnx) == folder  # a complete folder is kept, not rebuilt
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before


def test_the_mlp_down_projections_stay_fp32_and_the_rest_is_int8(minilm: tuple[Path, Path]) -> None:
    import onnx

    _, folder = minilm
    graph = onnx.load(str(folder / "model_int8.onnx"), load_external_data=False)
    weights = {i.name: (tuple(i.dims), i.data_type) for i in graph.graph.initializer}
    fp32 = [
        weights[n.input[1]][0]
        for n in graph.graph.node
        if n.op_type == "MatMul" and n.input[1] in weights and weights[n.input[1]][1] == onnx.TensorProto.FLOAT
    ]
    int8 = [n for n in graph.graph.node if n.op_type in ("MatMulInteger", "DynamicQuantizeMatMul")]
    assert fp32 == [(1536, 384)] * 6, "MiniLM's six FFN down projections (1536 → 384) are left in fp32"
    assert len(int8) == 6 * 5, "q, k, v, attention output and FFN up of each of the six layers are int8"
    assert json.loads((folder / "manifest.json").read_text("utf-8"))["fp32_nodes"] == 6


def test_a_graph_of_the_older_recipe_is_refused_then_rebuilt(minilm: tuple[Path, Path], tmp_path: Path) -> None:
    source, folder = minilm
    copy = tmp_path / folder.name
    shutil.copytree(folder, copy)
    manifest = json.loads((copy / "manifest.json").read_text("utf-8"))
    del manifest["recipe"]  # as recipe 1 wrote it
    (copy / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    (copy / "stale").write_text("from the old build", "utf-8")
    with pytest.raises(OnnxModelError, match="recipe 1, not 2"):
        embed_onnx.verify(source, copy)
    assert build_int8(source, copy, export_onnx) == copy
    assert embed_onnx.verify(source, copy)["recipe"] == 2
    assert not (copy / "stale").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder.name, folder.name + ".build.log", folder.name + ".lock"]


def test_int8_agrees_with_fp32_and_keeps_input_order(minilm: tuple[Path, Path]) -> None:
    source, folder = minilm
    q8 = OnnxEmbedder(source, folder, "all-minilm-l6-v2+onnx-int8", batch_size=2, threads=2)
    fp32 = SentenceTransformerEmbedder(source, "all-minilm-l6-v2", threads=2)
    docs = q8.embed_documents(DOCS)
    assert q8.dim == fp32.dim == 384 and q8.name == "all-minilm-l6-v2+onnx-int8"
    assert np.allclose(np.linalg.norm(np.asarray(docs), axis=1), 1.0, atol=1e-4)
    assert _cos(docs, fp32.embed_documents(DOCS)).min() > 0.9
    assert _cos([q8.embed_query(q) for q in QUERIES], [fp32.embed_query(q) for q in QUERIES]).min() > 0.9
    # length-sorted batches of 2 come back in input order; dynamic quantisation scales activations over the
    # whole batch (padding included), so a passage's vector depends a little on its batch (cosine ~0.99 here)
    alone = [q8.embed_documents([d])[0] for d in DOCS]
    cos = _cos(docs, alone)
    assert cos.min() > 0.97 and int(np.argmax(np.asarray(alone) @ np.asarray(docs[2]))) == 2
    assert q8.embed_documents([]) == []


def test_a_changed_file_or_another_source_is_refused(minilm: tuple[Path, Path], tmp_path: Path) -> None:
    source, folder = minilm
    copy = tmp_path / folder.name
    shutil.copytree(folder, copy)
    data = copy / "model_int8.onnx.data"
    raw = bytearray(data.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    data.write_bytes(bytes(raw))
    with pytest.raises(OnnxModelError, match=r"model_int8\.onnx\.data is missing or changed"):
        OnnxEmbedder(source, copy, "x")
    other = models.resolve(Settings().model_dir, "embeddinggemma-300m")
    with pytest.raises(OnnxModelError, match="another version"):
        embed_onnx.verify(other, folder)


def test_an_interrupted_build_leaves_nothing_that_looks_finished(minilm: tuple[Path, Path], tmp_path: Path) -> None:
    source, _ = minilm
    dest = int8_dir(tmp_path, source)

    def dies(src: Path, out: Path) -> None:
        out.write_bytes(b"half an export")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_int8(source, dest, dies)
    assert not dest.exists() and dest.with_name(dest.name + ".partial").exists()
    assert build_int8(source, dest, export_onnx) == dest  # the next build starts over and completes
    assert not dest.with_name(dest.name + ".partial").exists()
    assert embed_onnx.verify(source, dest)["source"] == "all-minilm-l6-v2"


def test_a_build_prints_one_line_per_step_and_keeps_the_library_output_in_its_log(
    minilm: tuple[Path, Path], tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    source, _ = minilm
    dest = int8_dir(tmp_path, source)
    steps: list[str] = []

    def noisy(src: Path, out: Path) -> None:  # what the exporter does: Python prints, native writes, warnings
        print("[torch.onnx] Obtain model graph ... ✅")
        os.write(2, b"native progress line\n")
        warnings.warn("a FutureWarning from a library", FutureWarning, stacklevel=1)
        export_onnx(src, out)

    capfd.readouterr()
    assert build_int8(source, dest, noisy, step=steps.append) == dest
    seen = capfd.readouterr()
    assert seen.out == "" and seen.err == ""
    assert [s.split(": ")[1].split(" ")[0] for s in steps] == ["export", "quantise"]
    log = embed_onnx.build_log(dest)
    assert str(log) in steps[0]
    text = log.read_text("utf-8")
    assert "Obtain model graph" in text and "native progress line" in text and "FutureWarning" in text


def test_two_processes_needing_the_graph_at_once_build_it_once(minilm: tuple[Path, Path], tmp_path: Path) -> None:
    source, _ = minilm
    dest = int8_dir(tmp_path, source)
    exports: list[Path] = []

    def counted(src: Path, out: Path) -> None:
        exports.append(out)
        export_onnx(src, out)

    with ThreadPoolExecutor(2) as pool:  # each call opens the lock file itself, as another process would
        built = list(pool.map(lambda _: build_int8(source, dest, counted), range(2)))
    assert built == [dest, dest] and len(exports) == 1
    assert embed_onnx.verify(source, dest)["recipe"] == embed_onnx.RECIPE


def test_embeddinggemma_int8_keeps_prompts_and_ranks_like_fp32() -> None:
    # the default model's graph as the installer builds it into the store (built here if missing)
    settings = Settings()
    source = models.resolve(settings.model_dir, "embeddinggemma-300m")
    netguard.ATTEMPTS.clear()
    netguard.install()
    try:
        q8 = OnnxEmbedder(source, onnx_int8(settings), "embeddinggemma-300m+onnx-int8", threads=2)
        docs = q8.embed_documents(DOCS)
        queries = [q8.embed_query(q) for q in QUERIES]
    finally:
        netguard.uninstall()
    assert netguard.ATTEMPTS == []
    assert q8.dim == 768
    assert _cos(docs, [q8.embed_query(d) for d in DOCS]).max() < 0.99, "queries and documents keep their prompts"
    for q, want in zip(queries, (0, 1), strict=True):
        assert int(np.argmax(np.asarray(docs) @ np.asarray(q))) == want
