"""Retrieval: named documents first, missing ones reported, filters, modes, clearance inside both searches."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

import pytest

from assistant.pipeline import Pipeline
from assistant.search.keyword import KeywordIndex
from assistant.search.retrieve import Retriever
from assistant.search.store import ChromaStore, VectorHit
from assistant.settings import Settings
from assistant.types import Filters
from tests.fakes import HashEmbedder

# --- search over the ingested sample corpus ------------------------------------------------------------


@pytest.fixture(scope="module")
def pipe(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Iterator[Pipeline]:
    root = tmp_path_factory.mktemp("retrieve")
    p = Pipeline(Settings(index_dir=root / "idx", model_dir=root / "models", answer_mode="extractive"), embedder=HashEmbedder())
    reports = p.ingest([sample_dir])
    assert [r.status for r in reports] == ["added"] * 5, reports
    yield p
    p.close()


def _doc_ids(p: Pipeline, question: str, filters: Filters | None = None, k: int = 50) -> list[str]:
    return [h.meta.doc_id for h in p.retriever.search(question, k=k, filters=filters).hits]


def test_named_document_comes_first(pipe: Pipeline) -> None:
    question = "Kết luận 08 điều chỉnh những chỉ tiêu nào của Nghị quyết?"
    ret = pipe.retriever.search(question, k=10)
    assert ret.named == ["08-KL/TU"] and ret.missing == []
    assert [h.meta.doc_id for h in ret.hits[:3]] == ["08-KL/TU"] * 3
    # other documents are still there behind it
    assert len({h.meta.doc_id for h in ret.hits}) > 1
    # ... and after reranking, which is what an answer is built on
    hits, _ = pipe.answerer.retrieve(question)
    assert [h.meta.doc_id for h in hits[:3]] == ["08-KL/TU"] * 3


@pytest.mark.parametrize(
    ("question", "doc_id"),
    [
        ("NQ 15 nói gì về kinh tế số?", "15-NQ/TU"),
        ("Nghị quyết số 15-NQ/TU đặt mục tiêu gì?", "15-NQ/TU"),
        ("Kế hoạch 112 giao nhiệm vụ gì cho Sở Thông tin và Truyền thông?", "112/KH-UBND"),
        ("Chỉ thị 05 yêu cầu diễn tập bao nhiêu lần?", "05-CT/TU"),
    ],
)
def test_named_document_variants(pipe: Pipeline, question: str, doc_id: str) -> None:
    ret = pipe.retriever.search(question, k=10)
    assert ret.named == [doc_id]
    assert ret.hits[0].meta.doc_id == doc_id


def test_missing_document_is_reported(pipe: Pipeline) -> None:
    ret = pipe.retriever.search("Nghị quyết 99-NQ/TW đặt mục tiêu gì về chuyển đổi số?", k=10)
    assert ret.missing == ["99-NQ/TW"]
    assert ret.named == []
    both = pipe.retriever.search("Nghị quyết 15 và Kết luận 77 khác nhau thế nào?", k=10)
    assert both.named == ["15-NQ/TU"]
    assert len(both.missing) == 1 and "77" in both.missing[0]


def test_hits_carry_scores_and_are_unique(pipe: Pipeline) -> None:
    ret = pipe.retriever.search("kinh tế số chiếm bao nhiêu phần trăm GRDP", k=10)
    assert len(ret.hits) == 10
    ids = [h.chunk.chunk_id for h in ret.hits]
    assert len(set(ids)) == len(ids)
    assert all(h.score > 0 for h in ret.hits)
    assert any(h.keyword_score for h in ret.hits) and any(h.dense_score is not None for h in ret.hits)
    assert {"embed_query", "search", "retrieve"} <= set(ret.timings)


def test_filter_by_doc_type(pipe: Pipeline) -> None:
    assert set(_doc_ids(pipe, "chỉ tiêu chuyển đổi số đến năm 2030", Filters(doc_types=("KL",)))) == {"08-KL/TU"}
    assert set(_doc_ids(pipe, "chỉ tiêu chuyển đổi số đến năm 2030", Filters(doc_types=("kh", "CT")))) == {
        "112/KH-UBND",
        "05-CT/TU",
    }


def test_filter_by_doc_id(pipe: Pipeline) -> None:
    got = _doc_ids(pipe, "Nghị quyết 15 đặt mục tiêu gì về kinh tế số?", Filters(doc_ids=("112/KH-UBND",)))
    assert got and set(got) == {"112/KH-UBND"}


def test_filter_by_date_range(pipe: Pipeline) -> None:
    question = "kết quả thực hiện chuyển đổi số"
    assert set(_doc_ids(pipe, question, Filters(date_from=date(2025, 1, 1)))) == {"45-BC/TU", "08-KL/TU"}
    assert set(_doc_ids(pipe, question, Filters(date_to=date(2024, 6, 30)))) == {"15-NQ/TU", "112/KH-UBND"}
    assert set(_doc_ids(pipe, question, Filters(date_from=date(2024, 4, 25), date_to=date(2024, 9, 9)))) == {
        "112/KH-UBND",
        "05-CT/TU",
    }
    assert _doc_ids(pipe, question, Filters(date_from=date(2030, 1, 1))) == []


def test_max_access_rank_hides_internal_documents(pipe: Pipeline) -> None:
    # Questions that the internal draft report 45-BC/TU answers best, or that name it.
    questions = [
        "Dự thảo báo cáo sơ kết một năm thực hiện Nghị quyết nói kinh tế số đạt bao nhiêu phần trăm GRDP?",
        "Báo cáo 45-BC/TU nói gì về trung tâm dữ liệu dùng chung?",
        "sơ kết một năm kết quả đạt được hạn chế",
    ]
    for q in questions:
        assert "45-BC/TU" in _doc_ids(pipe, q), q  # the filter is what hides it
        public = _doc_ids(pipe, q, Filters(max_access_rank=0))
        assert public, q
        assert "45-BC/TU" not in public, q
        hits, _ = pipe.answerer.retrieve(q, Filters(max_access_rank=0))
        assert all(h.meta.access_level == "công khai" for h in hits), q
    # rank 1 (nội bộ) admits it again
    assert "45-BC/TU" in _doc_ids(pipe, questions[1], Filters(max_access_rank=1))


def test_new_documents_are_searchable_without_restart(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text(
        "# Kế hoạch phát triển du lịch\n\nĐến năm 2030, tỉnh đón 2 triệu lượt khách du lịch quốc tế.\n", "utf-8"
    )
    p = Pipeline(
        Settings(index_dir=tmp_path / "idx", model_dir=tmp_path / "m", answer_mode="extractive"), embedder=HashEmbedder()
    )
    try:
        p.ingest([corpus])
        first = p.retriever.search("cảng hàng không quốc tế", k=5)
        assert all("cảng hàng không" not in h.chunk.text for h in first.hits)
        (corpus / "b.md").write_text(
            "# Đề án giao thông\n\nXây dựng cảng hàng không quốc tế Hòa Lâm, hoàn thành năm 2029.\n", "utf-8"
        )
        p.ingest([corpus])
        second = p.retriever.search("cảng hàng không quốc tế", k=5)
        assert second.hits and "cảng hàng không" in second.hits[0].chunk.text
        assert second.hits[0].keyword_score  # the keyword index was refreshed too
    finally:
        p.close()


def test_number_written_with_wrong_separators_still_resolves(tmp_path: Path) -> None:
    from assistant.pipeline import Pipeline
    from assistant.settings import Settings
    from tests.fakes import HashEmbedder

    repo = Path(__file__).resolve().parents[2]
    pipe = Pipeline(Settings(index_dir=tmp_path / "idx"), embedder=HashEmbedder())
    pipe.ingest([repo / "corpora" / "sample"])
    for question in ("Nghị quyết 15/NQ-TU đặt mục tiêu gì?", "Nghị quyết 15-NQ/TU đặt mục tiêu gì?"):
        ret = pipe.retriever.search(question, k=3)
        assert ret.named == ["15-NQ/TU"] and ret.missing == [], question
        assert [h.meta.doc_id for h in ret.hits] == ["15-NQ/TU"] * 3
    assert pipe.retriever.search("Nghị quyết 15/NQ-CP đặt mục tiêu gì?", k=3).missing == ["15/NQ-CP"]
    pipe.close()


# --- described sources, modes, duplicates ----------------------------------------------------------


def test_described_source_is_boosted(pipe: Pipeline) -> None:
    # no number: "kế hoạch của UBND tỉnh năm 2024" describes 112/KH-UBND
    question = "Kế hoạch của UBND tỉnh năm 2024 về chuyển đổi số có mục tiêu gì?"
    hits = pipe.retriever.search(question, k=5).hits
    assert [h.meta.doc_id for h in hits[:3]] == ["112/KH-UBND"] * 3
    plain = Pipeline(pipe.settings.model_copy(update={"query_understanding": False}), embedder=HashEmbedder())
    try:
        assert plain.retriever.search(question, k=5).hits[0].meta.doc_id != "112/KH-UBND"  # the boost did it
    finally:
        plain.close()


@pytest.mark.parametrize("mode", ["dense", "keyword"])
def test_single_list_modes(pipe: Pipeline, mode: str) -> None:
    p = Pipeline(pipe.settings.model_copy(update={"retrieval_mode": mode}), embedder=HashEmbedder())
    try:
        hits = p.retriever.search("chuyển đổi số", k=5).hits
        assert hits
        if mode == "dense":
            assert all(h.keyword_score is None for h in hits)
        else:
            assert all(h.dense_score is None for h in hits)
    finally:
        p.close()


def test_unknown_mode_is_refused(pipe: Pipeline) -> None:
    from assistant.search.retrieve import Retriever

    with pytest.raises(ValueError, match="unknown retrieval mode"):
        Retriever(pipe.catalog, pipe.store, pipe.keyword, HashEmbedder(), mode="sparse")


def test_identical_passages_of_two_copies_are_shown_once(tmp_path: Path, sample_dir: Path) -> None:
    import shutil

    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        shutil.copy(sample_dir / "chi-thi-05-CT-TU.txt", tmp_path / name / f"chi-thi-{name}.txt")
    (tmp_path / "b" / "chi-thi-b.txt").write_text(
        (tmp_path / "b" / "chi-thi-b.txt").read_text("utf-8") + "\n\nPhụ lục: bản sao có bổ sung một đoạn.\n", "utf-8"
    )
    settings = Settings(index_dir=tmp_path / "idx", model_dir=tmp_path / "m", near_duplicate_threshold=1.0)
    p = Pipeline(settings, embedder=HashEmbedder())
    try:
        p.ingest([tmp_path / "a", tmp_path / "b"])
        assert len(p.catalog.documents()) == 2
        hits = p.retriever.search("an toàn thông tin mạng", k=10).hits
        texts = [h.chunk.text for h in hits]
        assert len(texts) == len(set(texts))
    finally:
        p.close()


# --- clearance inside both searches -------------------------------------------------------------------


class RecordingStore:
    """The real Chroma store, noting every passage id its searches return."""

    def __init__(self, inner: ChromaStore) -> None:
        self.inner = inner
        self.returned: list[str] = []

    def query(
        self, embedding: Sequence[float], k: int, where: dict[str, object] | None = None, *, ids: Sequence[str] | None = None
    ) -> list[VectorHit]:
        hits = self.inner.query(embedding, k, where, ids=ids)
        self.returned += [h.chunk_id for h in hits]
        return hits

    def forget_vectors(self) -> None:
        self.inner.forget_vectors()


class RecordingKeyword:
    """The real BM25 index, noting every passage id its searches return."""

    def __init__(self, inner: KeywordIndex) -> None:
        self.inner = inner
        self.returned: list[str] = []

    def search(self, query: str, k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        hits = self.inner.search(query, k, allowed)
        self.returned += [cid for cid, _ in hits]
        return hits

    def idf(self, terms: set[str], allowed: set[str] | None = None) -> dict[str, float]:
        return self.inner.idf(terms, allowed)


@pytest.mark.parametrize(
    "question",
    [
        "Dự thảo báo cáo sơ kết một năm thực hiện Nghị quyết nói kinh tế số đạt bao nhiêu phần trăm GRDP?",
        "Báo cáo 45-BC/TU nói gì về trung tâm dữ liệu dùng chung?",
        "sơ kết một năm kết quả đạt được hạn chế",
    ],
)
def test_clearance_is_enforced_inside_the_vector_and_keyword_searches(pipe: Pipeline, question: str) -> None:
    """Neither Chroma nor BM25 returns a passage above the reader's clearance: nothing is filtered afterwards."""
    pipe.retriever.documents()  # keyword index built
    store, keyword = RecordingStore(pipe.store), RecordingKeyword(pipe.keyword)
    retriever = Retriever(pipe.catalog, store, keyword, pipe.embedder, candidates=200)  # type: ignore[arg-type]
    internal = {cid for cid, _, rank in pipe.catalog.chunk_index() if rank > 0}
    assert internal and all(cid.startswith("45-BC/TU#") for cid in internal)
    retriever.search(question, k=50)
    assert internal & set(store.returned) and internal & set(keyword.returned)  # control: unfiltered, they come back
    store.returned.clear()
    keyword.returned.clear()
    for filters in (Filters(max_access_rank=0), Filters(max_access_rank=0, doc_types=("BC", "NQ"))):
        got = retriever.search(question, k=50, filters=filters)
        assert store.returned and keyword.returned
        assert not internal & set(store.returned), "Chroma returned a passage above clearance"
        assert not internal & set(keyword.returned), "BM25 returned a passage above clearance"
        assert all(h.meta.access_level == "công khai" for h in got.hits)


def test_chroma_filters_on_each_passages_access_rank(pipe: Pipeline) -> None:
    from assistant.search.retrieve import _where

    qvec = pipe.embedder.embed_query("báo cáo sơ kết")
    ranks = {cid: rank for cid, _, rank in pipe.catalog.chunk_index()}
    assert _where(None, 0) == {"access_rank": {"$lte": 0}}
    assert _where({"a"}, 1) == {"$and": [{"access_rank": {"$lte": 1}}, {"doc_key": {"$in": ["a"]}}]}
    everything = pipe.store.query(qvec, 500)
    public = pipe.store.query(qvec, 500, _where(None, 0))
    assert {ranks[h.chunk_id] for h in everything} == {0, 1}
    assert public and {ranks[h.chunk_id] for h in public} == {0}


def test_term_weights_ignore_passages_above_clearance(pipe: Pipeline) -> None:
    """Refusal decisions rest on IDF; a word found only in hidden passages weighs as if it were found nowhere."""
    from assistant.text.terms import tokenize

    words: dict[int, set[str]] = {0: set(), 1: set()}
    for _, _, text, rank in pipe.catalog.all_chunks():
        words[rank] |= set(tokenize(text, bigrams=False))
    only_internal = sorted(w for w in words[1] - words[0] if len(w) > 3 and w.isalpha())[0]
    full = pipe.retriever.term_weights({only_internal})
    public = pipe.retriever.term_weights({only_internal}, Filters(max_access_rank=0))
    absent = pipe.retriever.term_weights({"khôngcótừnày"}, Filters(max_access_rank=0))
    assert public[only_internal] == pytest.approx(absent["khôngcótừnày"])
    assert full[only_internal] < public[only_internal]


def test_a_named_document_above_clearance_is_reported_missing(pipe: Pipeline) -> None:
    q = "Báo cáo 45-BC/TU nói gì về trung tâm dữ liệu dùng chung?"
    assert pipe.retriever.search(q, k=5).named == ["45-BC/TU"]
    hidden = pipe.retriever.search(q, k=5, filters=Filters(max_access_rank=0))
    never = pipe.retriever.search(q.replace("45-BC/TU", "46-BC/TU"), k=5, filters=Filters(max_access_rank=0))
    assert (hidden.named, hidden.missing) == ([], ["45-BC/TU"])
    assert (never.named, never.missing) == ([], ["46-BC/TU"])


def test_a_small_scope_is_searched_exactly_with_the_same_result(pipe: Pipeline) -> None:
    """A scope of a few passages is read and ranked exactly; it finds what Chroma's filtered search finds."""
    from assistant.search.retrieve import _where

    qvec = pipe.embedder.embed_query("chuyển đổi số")
    key = pipe.catalog.documents()[0].meta.key
    ids = sorted(c.chunk_id for c in pipe.catalog.doc_chunks(key))
    exact = pipe.store.query(qvec, 3, _where({key}, None), ids=ids)
    hnsw = pipe.store.query(qvec, 3, _where({key}, None))
    assert [h.chunk_id for h in exact] == [h.chunk_id for h in hnsw] and len(exact) == min(3, len(ids))
    assert all(abs(a.similarity - b.similarity) < 1e-4 for a, b in zip(exact, hnsw, strict=True))
    assert pipe.store.query(qvec, 3, _where({"no such key"}, None), ids=[]) == []
