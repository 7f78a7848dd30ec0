"""LangChain adapter: the naive RetrievalQA baseline that our pipeline is measured against.

What a typical LangChain tutorial builds, kept as it is: the documents split by
`RecursiveCharacterTextSplitter` (chunk_size 1000, chunk_overlap 200: the RAG tutorial's values),
a Chroma vector store (LangChain's `langchain_chroma.Chroma`, its default L2 distance), a retriever
with k=4, and `RetrievalQA` with the "stuff" chain and its standard English prompt ("Use the
following pieces of context to answer the question at the end. …"). No citations, no evidence check.

Two things are ours so that the comparison measures the pipelines, not their components: the
embedder (our `Embedder` as LangChain `Embeddings`: the same model and the same query/document
prompts) and the LLM (our `Generator` as a LangChain `LLM`: the same loaded GGUF, context, threads,
token limit, temperature 0; the stuff prompt goes to the model as one user message, so the model's
chat template is applied as it is for our prompts). LangChain types stay inside this module.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")  # Chroma's client reads it; nothing leaves the machine

from langchain_core.callbacks import BaseCallbackHandler, CallbackManagerForLLMRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.language_models.llms import LLM
from langchain_core.outputs import GenerationChunk
from pydantic import ConfigDict

from assistant.types import ChatMessage, Embedder, Generator

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
TOP_K = 4


@dataclass(frozen=True)
class BaselineDoc:
    """One loaded file: its text, and what scoring needs to name it (never shown to the chain's model)."""

    doc_id: str
    source_name: str
    text: str


@dataclass(frozen=True)
class BaselineSource:
    """A chunk the chain retrieved and stuffed into the prompt, in retrieval order."""

    doc_id: str
    source_name: str
    ordinal: int  # the chunk's position in its document
    start: int  # character offset in the document (the splitter's start_index)
    text: str


@dataclass
class BaselineAnswer:
    question: str
    text: str
    sources: list[BaselineSource] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


class EmbedderEmbeddings(Embeddings):
    """Our embedder as LangChain `Embeddings`."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_query(text)


class GeneratorLLM(LLM):
    """Our generator as a LangChain `LLM`: the prompt is sent as one user message, tokens are streamed to
    the callbacks (`on_llm_new_token`) as they come, as LangChain's own LlamaCpp does with streaming on."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    generator: Any  # a `Generator`; pydantic cannot validate a Protocol

    @property
    def _llm_type(self) -> str:
        return "assistant-generator"

    def _pieces(self, prompt: str) -> Iterator[str]:
        gen: Generator = self.generator
        yield from gen.stream([ChatMessage("user", prompt)])

    def _call(
        self, prompt: str, stop: list[str] | None = None, run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any
    ) -> str:
        pieces = []
        for piece in self._pieces(prompt):
            if run_manager:
                run_manager.on_llm_new_token(piece)
            pieces.append(piece)
        return "".join(pieces)

    def _stream(
        self, prompt: str, stop: list[str] | None = None, run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any
    ) -> Iterator[GenerationChunk]:
        for piece in self._pieces(prompt):
            chunk = GenerationChunk(text=piece)
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk


class _Clock(BaseCallbackHandler):
    """Records when the retriever returned and when the first token came; passes tokens on."""

    def __init__(self, on_token: Callable[[str], None] | None) -> None:
        self.t0 = time.perf_counter()
        self.retrieved: float | None = None
        self.first_token: float | None = None
        self._on_token = on_token

    def on_retriever_end(self, documents: Sequence[Document], *, run_id: UUID, **kwargs: Any) -> None:
        self.retrieved = time.perf_counter() - self.t0

    def on_llm_new_token(self, token: str | list[str | dict[str, Any]], *, run_id: UUID, **kwargs: Any) -> None:
        if self.first_token is None:
            self.first_token = time.perf_counter() - self.t0
        if self._on_token and isinstance(token, str):
            self._on_token(token)


def split(docs: Sequence[BaselineDoc], chunk_size: int = CHUNK_SIZE, chunk_overlap: int = CHUNK_OVERLAP) -> list[Document]:
    """The tutorial's splitter with its defaults; metadata carries the scoring names and the chunk's position."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap, add_start_index=True)
    out: list[Document] = []
    for d in docs:
        meta = {"source": d.source_name, "doc_id": d.doc_id}
        chunks = splitter.split_documents([Document(page_content=d.text, metadata=meta)])
        for n, c in enumerate(chunks):
            c.metadata["ordinal"] = n
        out += chunks
    return out


class LangChainBaseline:
    """The RetrievalQA chain over a persistent Chroma collection in `persist_dir`."""

    def __init__(
        self, embedder: Embedder, generator: Generator, persist_dir: Path, *, k: int = TOP_K,
        collection: str = "langchain",
    ) -> None:  # fmt: skip
        from langchain_chroma import Chroma

        persist_dir.mkdir(parents=True, exist_ok=True)
        self.generator = generator
        self.k = k
        self.store = Chroma(
            collection_name=collection, embedding_function=EmbedderEmbeddings(embedder), persist_directory=str(persist_dir)
        )
        self._chain = self._build_chain()

    def _build_chain(self) -> Any:
        from langchain_classic.chains import RetrievalQA

        llm = GeneratorLLM(generator=self.generator)
        retriever = self.store.as_retriever(search_kwargs={"k": self.k})
        with warnings.catch_warnings():  # RetrievalQA is deprecated in favour of LCEL chains; it is what the issue names
            warnings.simplefilter("ignore")
            return RetrievalQA.from_chain_type(llm=llm, chain_type="stuff", retriever=retriever, return_source_documents=True)

    def add(self, docs: Sequence[BaselineDoc], chunk_size: int = CHUNK_SIZE, chunk_overlap: int = CHUNK_OVERLAP) -> int:
        """Split and index `docs`; returns the number of chunks."""
        chunks = split(docs, chunk_size, chunk_overlap)
        for i in range(0, len(chunks), 256):
            batch = chunks[i : i + 256]
            self.store.add_documents(batch, ids=[str(n) for n in range(i, i + len(batch))])
        return len(chunks)

    def count(self) -> int:
        return len(self.store.get(include=[])["ids"])

    def prompt_template(self) -> str:
        return str(self._chain.combine_documents_chain.llm_chain.prompt.template)

    def retrieve(self, question: str) -> tuple[list[BaselineSource], dict[str, float]]:
        """The chain's retriever alone (retrieval-only runs)."""
        t0 = time.perf_counter()
        docs = self._chain.retriever.invoke(question)
        return [_source(d) for d in docs], {"passages_shown": time.perf_counter() - t0, "total": time.perf_counter() - t0}

    def ask(self, question: str, on_token: Callable[[str], None] | None = None) -> BaselineAnswer:
        """Run the chain; `timings`: passages_shown (retriever done), first_token, total, and the generator's llm_* stats."""
        clock = _Clock(on_token)
        out = self._chain.invoke({"query": question}, config={"callbacks": [clock]})
        total = time.perf_counter() - clock.t0
        sources = [_source(d) for d in out.get("source_documents") or []]
        timings = {"total": total}
        if clock.retrieved is not None:
            timings["passages_shown"] = clock.retrieved
        if clock.first_token is not None:
            timings["first_token"] = clock.first_token
        timings.update({f"llm_{k}": v for k, v in getattr(self.generator, "stats", {}).items()})
        return BaselineAnswer(question, str(out.get("result", "")).strip(), sources, timings)


def _source(d: Document) -> BaselineSource:
    m = d.metadata
    return BaselineSource(
        doc_id=str(m.get("doc_id", "")), source_name=str(m.get("source", "")), ordinal=int(m.get("ordinal", 0)),
        start=int(m.get("start_index", 0)), text=d.page_content,
    )  # fmt: skip
