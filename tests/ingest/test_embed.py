"""The real EmbeddingGemma in its faster precisions: loads offline, keeps the model's prompts and normalised
vectors, and agrees with fp32 on Vietnamese text."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from assistant import models
from assistant.ingest.embed import SentenceTransformerEmbedder
from assistant.settings import Settings
from tests import netguard

pytestmark = pytest.mark.slow

DOCS = [
    "57-NQ/TW\nII- MỤC TIÊU › 1. Đến năm 2030\n"
    "Kinh phí chi cho nghiên cứu phát triển (R&D) đạt 2% GDP, trong đó kinh phí từ xã hội chiếm hơn 60%.",
    "03/NQ-CP\nIII. NHIỆM VỤ\n"
    "Bộ Khoa học và Công nghệ chủ trì xây dựng cơ sở dữ liệu quốc gia về khoa học, công nghệ và đổi mới sáng tạo.",
    "69-KL/TW\nKết luận\n"
    "Tiếp tục thực hiện Nghị quyết số 20-NQ/TW về phát triển khoa học và công nghệ phục vụ sự nghiệp công nghiệp hóa.",
    "Bộ luật Dân sự › Điều 3\nCác cá nhân, pháp nhân đều bình đẳng, không được lấy bất kỳ lý do nào để phân biệt đối xử.",
]
QUERIES = ["Chi cho nghiên cứu phát triển đến năm 2030 là bao nhiêu phần trăm GDP?",
           "Cơ quan nào chủ trì xây dựng cơ sở dữ liệu quốc gia về khoa học công nghệ?"]  # fmt: skip


@pytest.fixture(scope="module")
def fp32() -> Iterator[SentenceTransformerEmbedder]:
    path = models.resolve(Settings().model_dir, "embeddinggemma-300m")
    netguard.install()
    try:
        yield SentenceTransformerEmbedder(path, "embeddinggemma-300m", precision="fp32", threads=2)
    finally:
        netguard.uninstall()


def _cos(a: list[list[float]], b: list[list[float]]) -> np.ndarray:
    x, y = np.asarray(a), np.asarray(b)
    return np.asarray((x * y).sum(1) / (np.linalg.norm(x, axis=1) * np.linalg.norm(y, axis=1)))


def test_fp32_keeps_prompts_and_normalised_vectors(fp32: SentenceTransformerEmbedder) -> None:
    docs = fp32.embed_documents(DOCS)
    assert np.allclose(np.linalg.norm(np.asarray(docs), axis=1), 1.0, atol=1e-4)
    as_query = [fp32.embed_query(d) for d in DOCS]
    assert _cos(docs, as_query).max() < 0.99, "queries and documents get the model's different prompts"
    for q, want in zip(QUERIES, (0, 1), strict=True):
        assert int(np.argmax(np.asarray(docs) @ np.asarray(fp32.embed_query(q)))) == want


def test_bf16_loads_offline_and_agrees_with_fp32(fp32: SentenceTransformerEmbedder) -> None:
    path = models.resolve(Settings().model_dir, "embeddinggemma-300m")
    netguard.ATTEMPTS.clear()
    netguard.install()
    try:
        bf16 = SentenceTransformerEmbedder(path, "embeddinggemma-300m+bf16", precision="bf16", threads=2)
        docs, ref = bf16.embed_documents(DOCS), fp32.embed_documents(DOCS)
        queries = [bf16.embed_query(q) for q in QUERIES]
    finally:
        netguard.uninstall()
    assert netguard.ATTEMPTS == []
    assert bf16.dim == fp32.dim == 768
    assert np.allclose(np.linalg.norm(np.asarray(docs), axis=1), 1.0, atol=1e-3)
    assert _cos(docs, ref).min() > 0.999
    assert _cos(queries, [fp32.embed_query(q) for q in QUERIES]).min() > 0.999
    assert _cos(docs, [bf16.embed_query(d) for d in DOCS]).max() < 0.99, "prompts kept in bf16"
    for q, want in zip(queries, (0, 1), strict=True):
        assert int(np.argmax(np.asarray(docs) @ np.asarray(q))) == want
