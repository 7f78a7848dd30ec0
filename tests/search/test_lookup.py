"""Retrieval's lookups over a real catalog: sync on change, references resolved, relations, clearance, scopes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from assistant.search.catalog import Catalog
from assistant.search.lookup import DocumentLookup
from assistant.text.docnumbers import find_refs
from assistant.types import Chunk, DocMeta


def _add(cat: Catalog, doc_id: str, doc_type: str, issuer: str, *, access: str = "công khai", implements: str = "") -> None:
    number = doc_id.split("/")[0].split("-")[0]
    meta = DocMeta(doc_id=doc_id, doc_type=doc_type, number=number, issuer=issuer, issued=date(2024, 12, 22),
                   title=f"Văn bản {doc_id}", access_level=access, key=doc_id)  # fmt: skip
    path = f"/corpus/{doc_id.replace('/', '-')}.md"
    cat.begin_document(meta, source_path=path, content_sha=path, text_sha=path, fmt="md", text="văn bản", minhash=[1] * 64)
    chunks = [Chunk(doc_id, i, f"Đoạn {i} của {doc_id}.", ("I. Mục tiêu",), i * 30, i * 30 + 20) for i in range(2)]
    cat.complete_document(doc_id, chunks, access, [("implements", implements)] if implements else [])


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    cat = Catalog(tmp_path / "catalog.sqlite")
    _add(cat, "57-NQ/TW", "NQ", "TW")
    _add(cat, "03/NQ-CP", "NQ", "CP", implements="57-NQ/TW")
    _add(cat, "05-CT/TU", "CT", "TU", access="mật", implements="57-NQ/TW")
    yield cat
    cat.close()


def test_sync_follows_the_catalog_and_refreshes_the_keyword_index(catalog: Catalog) -> None:
    refreshed: list[int] = []
    lookup = DocumentLookup(catalog, lambda: refreshed.append(catalog.generation))
    lookup.sync()
    lookup.sync()  # unchanged catalog: nothing rebuilt
    assert sorted(lookup.docs) == ["03/NQ-CP", "05-CT/TU", "57-NQ/TW"]
    assert lookup.chunk_doc["57-NQ/TW#0"] == ("57-NQ/TW", 0)
    assert len(refreshed) == 1
    _add(catalog, "69-KL/TW", "KL", "TW")
    lookup.sync()
    assert "69-KL/TW" in lookup.docs and len(refreshed) == 2


def test_references_resolve_by_number_type_and_issuer(catalog: Catalog) -> None:
    lookup = DocumentLookup(catalog)
    lookup.sync()
    # "57/NQ-TW" has the wrong separators but the right type, number and issuer; "57-NQ/TU" another issuer
    keys, missing = lookup.resolve(find_refs("03/NQ-CP, 57/NQ-TW, 57-NQ/TU"))
    assert (keys, missing) == (["03/NQ-CP", "57-NQ/TW"], ["57-NQ/TU"])
    keys, missing = lookup.resolve(find_refs("Nghị quyết 57, Chỉ thị 05 và Kết luận 69"))
    assert (keys, missing) == (["57-NQ/TW", "05-CT/TU"], ["kết luận 69"])  # a short form is reported as written


def test_clearance_hides_documents_and_their_passages(catalog: Catalog) -> None:
    lookup = DocumentLookup(catalog)
    lookup.sync()
    public = lookup.visible(0)
    assert sorted(public) == ["03/NQ-CP", "57-NQ/TW"]
    assert len(lookup.visible(None)) == 3
    assert lookup.rank("05-CT/TU") == 2
    # a document above the reader's clearance is missing, exactly like one never indexed
    assert lookup.resolve(find_refs("Chỉ thị 05"), public) == ([], ["chỉ thị 05"])
    assert lookup.related(["57-NQ/TW"]) == ["03/NQ-CP", "05-CT/TU"]
    assert lookup.related(["57-NQ/TW"], public) == ["03/NQ-CP"]


def test_allowed_chunks_by_scope_and_rank(catalog: Catalog) -> None:
    lookup = DocumentLookup(catalog)
    lookup.sync()
    assert lookup.allowed_chunks(None, None) is None  # nothing restricts
    assert lookup.allowed_chunks({"57-NQ/TW"}, None) == {"57-NQ/TW#0", "57-NQ/TW#1"}
    assert lookup.allowed_chunks({"57-NQ/TW", "05-CT/TU"}, 0) == {"57-NQ/TW#0", "57-NQ/TW#1"}
    assert lookup.allowed_chunks(None, 0) == {"57-NQ/TW#0", "57-NQ/TW#1", "03/NQ-CP#0", "03/NQ-CP#1"}
    assert lookup.allowed_chunks(set(), None) == set()
