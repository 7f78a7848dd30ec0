"""Which embedder the settings build, and how an index built with another precision is handled."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.ingest.embed import auto_precision, cpu_flags, native_bf16
from assistant.ingest.indexer import IndexMismatch
from assistant.pipeline import Pipeline, embedder_choice
from assistant.settings import Settings
from tests.fakes import HashEmbedder


def _meta(name: str) -> str:
    return json.dumps({"name": name, "dim": 768})


def _s(**kw: object) -> Settings:
    return Settings(embed_model="embeddinggemma-300m", **kw)  # type: ignore[arg-type]


def test_explicit_precisions_are_named_in_the_index() -> None:
    assert embedder_choice(_s(embed_precision="fp32")) == ("embeddinggemma-300m", "fp32")
    assert embedder_choice(_s(embed_precision="bf16")) == ("embeddinggemma-300m+bf16", "bf16")
    assert embedder_choice(_s(embed_precision="int8")) == ("embeddinggemma-300m+int8", "int8")
    assert embedder_choice(_s(embed_precision="onnx-int8")) == ("embeddinggemma-300m+onnx-int8-r2", "onnx-int8")
    # an explicit precision is not overridden by what the index holds: the index check refuses it instead
    assert embedder_choice(_s(embed_precision="bf16"), _meta("embeddinggemma-300m"))[0] == "embeddinggemma-300m+bf16"


def test_auto_follows_an_existing_index_of_the_same_model() -> None:
    auto = _s()
    assert auto.embed_precision == "auto"
    assert embedder_choice(auto, _meta("embeddinggemma-300m")) == ("embeddinggemma-300m", "fp32"), "an fp32 index stays fp32"
    assert embedder_choice(auto, _meta("embeddinggemma-300m+bf16"))[1] == "bf16"
    assert embedder_choice(auto, _meta("embeddinggemma-300m+int8"))[1] == "int8"
    assert embedder_choice(auto, _meta("embeddinggemma-300m+onnx-int8-r2"))[1] == "onnx-int8"
    # recipe 1's int8 vectors are not followed: a new precision's name, which the index then refuses
    assert embedder_choice(auto, _meta("embeddinggemma-300m+onnx-int8"))[0] != "embeddinggemma-300m+onnx-int8"
    # a new index, another model's index or an unknown variant: the machine's best precision
    fresh = auto_precision()
    assert embedder_choice(auto)[1] == fresh
    assert embedder_choice(auto, _meta("all-minilm-l6-v2"))[1] == fresh
    assert embedder_choice(auto, _meta("embeddinggemma-300m+fp8"))[1] == fresh


def test_native_bf16_reads_the_cpu_flags() -> None:
    flags = next(ln for ln in Path("/proc/cpuinfo").read_text().splitlines() if ln.startswith("flags")).split()
    assert cpu_flags() == set(flags)
    assert native_bf16() == ("avx512_bf16" in flags or "amx_bf16" in flags)


def test_auto_picks_the_measured_fastest_precision_for_the_cpu() -> None:
    base = {"sse4_2", "avx2", "fma"}
    assert auto_precision(base | {"avx512_bf16", "avx512_vnni", "amx_bf16", "amx_int8"}) == "bf16"  # Xeon with AMX
    assert auto_precision(base | {"avx512_bf16", "avx512_vnni"}) == "onnx-int8"  # EPYC Zen 4: VNNI, no AMX
    assert auto_precision(base | {"avx_vnni"}) == "onnx-int8"
    assert auto_precision(base | {"avx512_bf16"}) == "bf16"
    assert auto_precision(base) == "fp32"
    assert auto_precision() == auto_precision(cpu_flags())


def test_index_of_another_precision_is_refused_with_the_settings_to_change(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text("# Kế hoạch\n\nTỷ lệ hồ sơ trực tuyến đạt 80% vào năm 2025.\n", "utf-8")
    settings = Settings(index_dir=tmp_path / "idx", model_dir=tmp_path / "models", answer_mode="extractive")
    first = Pipeline(settings, embedder=HashEmbedder(name="embeddinggemma-300m"))
    assert [r.status for r in first.ingest([corpus])] == ["added"]
    first.close()
    second = Pipeline(settings, embedder=HashEmbedder(name="embeddinggemma-300m+bf16"))
    with pytest.raises(IndexMismatch) as info:
        second.ingest([corpus])
    assert "never mixed" in str(info.value) and "embed_precision" in str(info.value)
    # with `auto` the settings would have built the index's own precision for it
    assert embedder_choice(settings, second.catalog.get_meta("embedder"))[0] == "embeddinggemma-300m"
    second.close()
