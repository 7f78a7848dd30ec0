"""The LangChain RetrievalQA baseline's building blocks, with fakes for the models and a real Chroma."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from assistant.evaluation.baseline import load_docs
from assistant.evaluation.langchain_baseline import (
    CHUNK_OVERLAP,
    CHUNK_SIZE,
    BaselineDoc,
    EmbedderEmbeddings,
    LangChainBaseline,
    split,
)
from assistant.settings import Settings
from tests.fakes import HashEmbedder, ScriptedGenerator

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "corpora" / "sample"


def _docs(tmp_path: Path) -> list[BaselineDoc]:
    docs, failed = load_docs([SAMPLE], Settings(index_dir=tmp_path / "idx"))
    assert failed == []
    return docs


def test_embeddings_wrapper_is_our_embedder() -> None:
    emb = HashEmbedder()
    wrapped = EmbedderEmbeddings(emb)
    assert wrapped.embed_query("kinh tế số") == emb.embed_query("kinh tế số")
    assert wrapped.embed_documents(["a b", "c d"]) == emb.embed_documents(["a b", "c d"])


def test_split_uses_the_tutorial_chunking_and_keeps_positions(tmp_path: Path) -> None:
    docs = _docs(tmp_path)
    assert {d.doc_id for d in docs} >= {"15-NQ/TU", "08-KL/TU", "112/KH-UBND"}
    chunks = split(docs)
    assert len(chunks) > len(docs)
    assert all(len(c.page_content) <= CHUNK_SIZE for c in chunks)
    by_doc = {d.source_name: d for d in docs}
    for c in chunks:
        text = by_doc[c.metadata["source"]].text
        start = c.metadata["start_index"]
        assert text[start : start + len(c.page_content)] == c.page_content
    long = max(docs, key=lambda d: len(d.text))
    own = [c for c in chunks if c.metadata["source"] == long.source_name]
    assert [c.metadata["ordinal"] for c in own] == list(range(len(own)))
    # a paragraph longer than a chunk is cut into overlapping chunks (the splitter's chunk_overlap)
    para = BaselineDoc("x", "x.txt", " ".join(f"Câu số {i} của một đoạn văn rất dài." for i in range(200)))
    cut = split([para])
    assert len(cut) > 2
    for a, b in pairwise(cut):
        overlap = a.metadata["start_index"] + len(a.page_content) - b.metadata["start_index"]
        assert 0 < overlap <= CHUNK_OVERLAP


def test_chain_stuffs_four_chunks_into_the_standard_prompt_and_streams(tmp_path: Path) -> None:
    gen = ScriptedGenerator(["Kinh tế số chiếm 25% GRDP của tỉnh."])
    emb = HashEmbedder()
    baseline = LangChainBaseline(emb, gen, tmp_path / "lc")
    n = baseline.add(_docs(tmp_path))
    assert baseline.count() == n
    tokens: list[str] = []
    question = "Kinh tế số chiếm bao nhiêu phần trăm GRDP của tỉnh đến năm 2030?"
    ans = baseline.ask(question, on_token=tokens.append)

    assert ans.text == "Kinh tế số chiếm 25% GRDP của tỉnh."
    assert "".join(tokens) == ans.text and len(tokens) > 1  # streamed through the callbacks, piece by piece
    assert len(ans.sources) == 4
    [messages] = gen.prompts
    assert len(messages) == 1 and messages[0].role == "user"
    prompt = messages[0].content
    assert prompt.startswith("Use the following pieces of context to answer the question at the end.")
    assert prompt.rstrip().endswith(f"Question: {question}\nHelpful Answer:")
    for s in ans.sources:
        assert s.text in prompt  # "stuff": every retrieved chunk, whole
    assert gen.schemas == [None]  # free text, no JSON schema
    t = ans.timings
    assert 0 <= t["passages_shown"] <= t["first_token"] <= t["total"]

    # the chain's retriever alone gives the same chunks in the same order
    sources, timings = baseline.retrieve(question)
    assert sources == ans.sources and timings["total"] >= 0


def test_collection_persists_across_instances(tmp_path: Path) -> None:
    emb = HashEmbedder()
    first = LangChainBaseline(emb, ScriptedGenerator([]), tmp_path / "lc")
    n = first.add(_docs(tmp_path))
    calls = emb.calls
    again = LangChainBaseline(emb, ScriptedGenerator([]), tmp_path / "lc")
    assert again.count() == n and emb.calls == calls
    [top, *_] = again.retrieve("Kết luận 08-KL/TU điều chỉnh chỉ tiêu hồ sơ giải quyết trực tuyến")[0]
    assert top.doc_id and top.source_name.endswith((".md", ".docx", ".html", ".pdf", ".txt"))
