"""The SQLite catalog: visibility of pending documents, atomic completion, removal, relations."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from assistant.search.catalog import Catalog, access_rank
from assistant.types import Chunk, DocMeta


def _meta(doc_id: str, *, key: str | None = None, access: str = "công khai") -> DocMeta:
    return DocMeta(
        doc_id=doc_id,
        doc_type="NQ",
        number=doc_id.split("-")[0],
        issued=date(2024, 3, 12),
        title=f"Văn bản {doc_id}",
        access_level=access,
        source_name=f"{doc_id.replace('/', '-')}.md",
        key=key or doc_id,
    )


def _chunks(key: str, n: int) -> list[Chunk]:
    return [
        Chunk(key, i, f"Đoạn {i} của {key}: chuyển đổi số.", ("I. Mục tiêu", f"{i + 1}."), i * 40, i * 40 + 30) for i in range(n)
    ]


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    cat = Catalog(tmp_path / "catalog.sqlite")
    yield cat
    cat.close()


def _begin(cat: Catalog, meta: DocMeta, path: str, text: str = "văn bản") -> None:
    cat.begin_document(
        meta, source_path=path, content_sha=f"c-{path}", text_sha=f"t-{path}", fmt="md", text=text, minhash=[1] * 64
    )


def _status(cat: Catalog, key: str) -> str | None:
    rec = cat.by_key(key)
    return None if rec is None else rec.status


def _ids(cat: Catalog) -> set[str]:
    return {cid for cid, _, _, _ in cat.all_chunks()}


def test_pending_document_is_invisible_until_complete(catalog: Catalog) -> None:
    meta = _meta("15-NQ/TU")
    chunks = _chunks(meta.key, 3)
    _begin(catalog, meta, "/corpus/a.md")

    assert _status(catalog, meta.key) == "pending"
    assert [r.meta.key for r in catalog.documents(status="pending")] == [meta.key]
    assert catalog.documents() == []
    assert catalog.keys_for_doc_id("15-NQ/TU") == []
    assert catalog.find_text_sha("t-/corpus/a.md") is None

    # Passages written for a pending document (as an interrupted writer could leave them) stay hidden.
    with catalog.transaction() as con:
        con.execute(
            "INSERT INTO chunks(chunk_id, doc_key, ordinal, text, breadcrumb, start, end, access_rank)"
            " VALUES (?, ?, 0, 'x', '[]', 0, 1, 0)",
            (chunks[0].chunk_id, meta.key),
        )
    assert catalog.all_chunks() == []
    assert catalog.chunk_rows([c.chunk_id for c in chunks]) == {}

    catalog.complete_document(meta.key, chunks, meta.access_level, [])
    assert [r.meta.key for r in catalog.documents()] == [meta.key]
    assert catalog.documents(status="pending") == []
    assert _ids(catalog) == {c.chunk_id for c in chunks}
    rows = catalog.chunk_rows([c.chunk_id for c in chunks] + ["nope#0"])
    assert set(rows) == {c.chunk_id for c in chunks}
    assert rows[chunks[1].chunk_id] == (chunks[1], meta.key)
    rec = catalog.by_key(meta.key)
    assert rec is not None and rec.meta == meta


def test_all_chunks_filters_by_access_rank_and_prefixes_breadcrumb(catalog: Catalog) -> None:
    public, internal = _meta("15-NQ/TU"), _meta("45-BC/TU", access="nội bộ")
    for meta, path in ((public, "/c/a.md"), (internal, "/c/b.md")):
        _begin(catalog, meta, path)
        catalog.complete_document(meta.key, _chunks(meta.key, 2), meta.access_level, [])
    assert access_rank("công khai") == 0 and access_rank("nội bộ") == 1
    assert {key for _, key, _, _ in catalog.all_chunks(max_rank=0)} == {"15-NQ/TU"}
    assert {key for _, key, _, _ in catalog.all_chunks()} == {"15-NQ/TU", "45-BC/TU"}
    _, _, text, rank = catalog.all_chunks(max_rank=0)[0]
    assert text.startswith("I. Mục tiêu › 1.\n") and rank == 0


def test_complete_document_is_atomic(catalog: Catalog) -> None:
    meta = _meta("15-NQ/TU")
    chunks = _chunks(meta.key, 4)
    _begin(catalog, meta, "/corpus/a.md")
    gen = catalog.generation

    def failing_relations() -> Iterator[tuple[str, str]]:
        yield ("thực hiện", "57-NQ/TW")
        raise RuntimeError("killed while writing relations")

    with pytest.raises(RuntimeError):
        catalog.complete_document(meta.key, chunks, meta.access_level, failing_relations())

    # Nothing of the failed transaction remains: no passages, no relations, still pending.
    assert catalog.doc_chunks(meta.key) == []
    assert catalog.relations(meta.key) == ([], [])
    assert _status(catalog, meta.key) == "pending"
    assert catalog.generation == gen
    # The catalog is still usable: a retry completes it.
    catalog.complete_document(meta.key, chunks, meta.access_level, [("thực hiện", "57-NQ/TW")])
    assert catalog.doc_chunks(meta.key) == chunks
    assert _status(catalog, meta.key) == "complete"


def test_begin_document_replaces_the_previous_version_of_the_file(catalog: Catalog) -> None:
    meta = _meta("15-NQ/TU")
    _begin(catalog, meta, "/corpus/a.md", text="bản cũ")
    catalog.complete_document(meta.key, _chunks(meta.key, 5), meta.access_level, [("thực hiện", "57-NQ/TW")])
    _begin(catalog, meta, "/corpus/a.md", text="bản mới")
    assert catalog.doc_chunks(meta.key) == []  # old passages gone with the old row
    assert catalog.relations(meta.key)[0] == []
    assert catalog.document_text(meta.key) == "bản mới"
    assert catalog.documents() == []  # the new version is pending
    catalog.complete_document(meta.key, _chunks(meta.key, 2), meta.access_level, [])
    assert len(_ids(catalog)) == 2


def test_remove_document(catalog: Catalog) -> None:
    a, b = _meta("15-NQ/TU"), _meta("08-KL/TU")
    _begin(catalog, a, "/c/a.md")
    catalog.complete_document(a.key, _chunks(a.key, 3), a.access_level, [])
    _begin(catalog, b, "/c/b.md")
    catalog.complete_document(b.key, _chunks(b.key, 2), b.access_level, [("thực hiện", "15-NQ/TU")])
    gen = catalog.generation

    catalog.remove_document(b.key)
    assert catalog.generation > gen
    assert catalog.by_key(b.key) is None and catalog.by_path("/c/b.md") is None
    assert catalog.doc_chunks(b.key) == []
    assert _ids(catalog) == {c.chunk_id for c in _chunks(a.key, 3)}
    assert catalog.relations(a.key) == ([], [])  # b's outgoing relation went with it
    assert catalog.document_text(b.key) == ""


def test_relations_in_and_out(catalog: Catalog) -> None:
    nq, kh, kl = _meta("15-NQ/TU"), _meta("112/KH-UBND"), _meta("08-KL/TU")
    for meta, path, rels in (
        (nq, "/c/nq.md", [("thực hiện", "57-NQ/TW")]),
        (kh, "/c/kh.md", [("thực hiện", "15-NQ/TU")]),
        (kl, "/c/kl.md", [("tiếp tục thực hiện", "15-NQ/TU"), ("sửa đổi", "15-NQ/TU")]),
    ):
        _begin(catalog, meta, path)
        catalog.complete_document(meta.key, _chunks(meta.key, 1), meta.access_level, rels)

    out, inc = catalog.relations("15-NQ/TU")
    assert out == [("thực hiện", "57-NQ/TW")]
    assert sorted(inc) == [("sửa đổi", "08-KL/TU"), ("thực hiện", "112/KH-UBND"), ("tiếp tục thực hiện", "08-KL/TU")]
    assert catalog.relations("112/KH-UBND") == ([("thực hiện", "15-NQ/TU")], [])


def test_relations_incoming_use_doc_id_when_key_differs(catalog: Catalog) -> None:
    # Two files share a number: the second gets key "15-NQ/TU@copy"; references still target the doc id.
    nq = _meta("15-NQ/TU", key="15-NQ/TU@copy")
    kh = _meta("112/KH-UBND")
    _begin(catalog, nq, "/c/nq.md")
    catalog.complete_document(nq.key, _chunks(nq.key, 1), nq.access_level, [])
    _begin(catalog, kh, "/c/kh.md")
    catalog.complete_document(kh.key, _chunks(kh.key, 1), kh.access_level, [("thực hiện", "15-NQ/TU")])
    assert catalog.relations("15-NQ/TU@copy")[1] == [("thực hiện", "112/KH-UBND")]
    assert catalog.keys_for_doc_id("15-NQ/TU") == ["15-NQ/TU@copy"]


def test_generation_bumps_on_every_write_and_persists(tmp_path: Path) -> None:
    path = tmp_path / "cat.sqlite"
    cat = Catalog(path)
    assert cat.generation == 0
    meta = _meta("15-NQ/TU")
    seen = [cat.generation]
    _begin(cat, meta, "/c/a.md")
    seen.append(cat.generation)
    cat.complete_document(meta.key, _chunks(meta.key, 2), meta.access_level, [])
    seen.append(cat.generation)
    cat.remove_document(meta.key)
    seen.append(cat.generation)
    assert seen == sorted(set(seen)), f"generation must strictly increase: {seen}"
    # Reading does not bump it.
    cat.all_chunks()
    cat.documents()
    assert cat.generation == seen[-1]
    cat.close()
    reopened = Catalog(path)
    assert reopened.generation == seen[-1]
    reopened.close()


def test_meta_roundtrip(catalog: Catalog) -> None:
    assert catalog.get_meta("embedder") is None
    catalog.set_meta("embedder", '{"name": "x", "dim": 3}')
    catalog.set_meta("embedder", '{"name": "y", "dim": 3}')
    assert catalog.get_meta("embedder") == '{"name": "y", "dim": 3}'
