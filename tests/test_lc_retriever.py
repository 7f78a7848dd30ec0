from pathlib import Path

from assistant.lc_retriever import AssistantRetriever
from assistant.pipeline import Pipeline
from assistant.retrieve import Filters
from assistant.settings import Settings
from tests.fakes import HashEmbedder

REPO = Path(__file__).resolve().parents[1]


def test_langchain_retriever_returns_our_passages_with_metadata(tmp_path: Path) -> None:
    pipe = Pipeline(Settings(index_dir=tmp_path / "idx"), embedder=HashEmbedder())
    pipe.ingest([REPO / "corpora" / "sample"])
    docs = AssistantRetriever(answerer=pipe.answerer, k=3).invoke("Kết luận 08 điều chỉnh chỉ tiêu nào?")
    assert len(docs) == 3
    assert [d.metadata["doc_id"] for d in docs] == ["08-KL/TU"] * 3  # the named document first
    for d in docs:
        text = pipe.catalog.document_text(d.metadata["chunk_id"].split("#")[0])
        assert d.page_content.strip() and text[d.metadata["start"] : d.metadata["end"]].strip()
    # access filters apply inside retrieval, as for every other caller
    public = AssistantRetriever(answerer=pipe.answerer, k=10, filters=Filters(max_access_rank=0))
    assert all(d.metadata["access_level"] == "công khai" for d in public.invoke("dự thảo báo cáo sơ kết"))
    pipe.close()
