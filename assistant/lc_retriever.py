"""LangChain adapter: our retrieval as a LangChain retriever (the only module importing langchain).

Sites that already build LangChain chains can use the assistant's Vietnamese-aware hybrid
retrieval — document-number resolution, relations, filters, access levels — as a drop-in
`BaseRetriever`. LangChain types stay inside this module; the pipeline never sees them.
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.answer import Answerer
from assistant.retrieve import Filters
from assistant.types import Hit


def to_document(hit: Hit) -> Document:
    return Document(
        page_content=hit.chunk.text,
        metadata={
            "doc_id": hit.meta.doc_id,
            "chunk_id": hit.chunk.chunk_id,
            "breadcrumb": hit.chunk.breadcrumb_text,
            "start": hit.chunk.start,
            "end": hit.chunk.end,
            "title": hit.meta.title,
            "access_level": hit.meta.access_level,
            "source": hit.meta.source_name,
            "score": hit.score,
        },
    )


class AssistantRetriever(BaseRetriever):
    """`AssistantRetriever(answerer=pipeline.answerer, k=5).invoke("Nghị quyết 57 …")` → LangChain Documents."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    answerer: Answerer
    k: int = 5
    filters: Filters | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        hits, _ = self.answerer.retrieve(query, self.filters)
        return [to_document(h) for h in hits[: self.k]]
