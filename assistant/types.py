"""Small dataclasses that pass between pipeline stages.

No library type crosses a module boundary: adapters (unstructured, chromadb,
sentence-transformers, llama-cpp-python, bm25s) convert to and from these.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal, Protocol

ACCESS_LEVELS: tuple[str, ...] = ("công khai", "nội bộ", "mật", "tối mật")


class IngestError(Exception):
    """A file could not be ingested. The message names the reason; callers add the file."""


def error_cause(exc: BaseException) -> str:
    """A library exception in one short line, for an `IngestError` message ("KeyError: 'Root'")."""
    lines = str(exc).strip().splitlines()
    first = lines[0].strip() if lines else ""
    first = first[:117] + "..." if len(first) > 120 else first
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


@dataclass(frozen=True)
class SourceText:
    """Text extracted from one file (stage `load`).

    `text` is the original text for display and quotes. For .md and .txt it is the
    file's own text; for .docx, .html and .pdf it is the extracted text rendered as
    light Markdown (headings as `#`, tables as `|` rows), which is the reference that
    chunk offsets and quote offsets point into.
    """

    path: Path
    text: str
    fmt: str  # "md" | "txt" | "docx" | "pdf" | "html"
    ocr: bool = False


@dataclass(frozen=True)
class DocMeta:
    """Metadata of one document (stage `docmeta`)."""

    doc_id: str  # canonical reference number such as "57-NQ/TW", or "file:<stem>"
    doc_type: str | None = None  # NQ, KL, CT, QĐ, KH, HD, BC, CV, NĐ, TT, ...
    number: str | None = None  # "57", "03", "3260"
    issuer: str | None = None  # issuer code from the number, e.g. "TW", "CP", "ĐĐQH15"
    issuer_name: str | None = None  # e.g. "Ban Chấp hành Trung ương"
    issued: date | None = None
    title: str | None = None
    access_level: str = "công khai"
    parent: str | None = None  # for appendices: the doc_id they belong to
    source_name: str = ""  # file name, for `label:<file name>` matching
    key: str = ""  # unique key in the index (doc_id, made unique when two files share a number)


@dataclass(frozen=True)
class Chunk:
    """A structure-aware passage (stage `chunk`).

    `text` is what is indexed and shown. `start`/`end` are character offsets of the
    passage's span in `SourceText.text`. For table chunks `text` is the header row(s)
    followed by the rows, so it may not equal `source[start:end]` exactly.
    """

    doc_id: str  # the document's unique index key (DocMeta.key; equals DocMeta.doc_id in the usual case)
    ordinal: int
    text: str
    breadcrumb: tuple[str, ...]
    start: int
    end: int

    @property
    def chunk_id(self) -> str:
        return f"{self.doc_id}#{self.ordinal}"

    @property
    def breadcrumb_text(self) -> str:
        return " › ".join(self.breadcrumb)


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its scores (stages `retrieve`, `rerank`)."""

    chunk: Chunk
    meta: DocMeta
    score: float
    dense_score: float | None = None
    keyword_score: float | None = None


@dataclass(frozen=True)
class Citation:
    """A quote the answer rests on, verified against its passage (stage `cite`)."""

    n: int  # 1-based passage number as shown in the prompt and to the user
    doc_id: str
    breadcrumb: str
    quote: str  # the original words from the source
    verified: bool
    chunk_id: str
    start: int | None = None  # offsets of the quote in the document's source text
    end: int | None = None


AnswerMode = Literal["generated", "extractive", "refused"]


@dataclass
class Answer:
    question: str
    text: str
    mode: AnswerMode
    citations: list[Citation] = field(default_factory=list)
    passages: list[Hit] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    model_output: str = ""  # the model's raw output, kept so a reviewer can see why a claim was dropped

    @property
    def refused(self) -> bool:
        return self.mode == "refused"


@dataclass(frozen=True)
class Event:
    """One step of a streamed answer: passages first, then the chosen units and text pieces, then the answer."""

    # "passages" | "units" (the evidence the answer rests on, known before its prose) | "token" (raw model
    # output) | "text" (answer prose as the model writes it, not yet checked) | "answer" (the checked answer)
    kind: str
    hits: list[Hit] = field(default_factory=list)
    text: str = ""
    answer: Answer | None = None
    citations: list[Citation] = field(default_factory=list)


@dataclass(frozen=True)
class FileReport:
    """What happened to one file during ingestion."""

    path: Path
    status: Literal["added", "replaced", "unchanged", "duplicate", "failed"]
    doc_id: str | None = None
    chunks: int = 0
    message: str = ""
    reused: int = 0  # passages whose vectors were already in the index (same text, same embedder)


class Embedder(Protocol):
    """Turns text into vectors. Implemented by the sentence-transformers adapter and test fakes."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


@dataclass(frozen=True)
class ChatMessage:
    role: Literal["system", "user", "assistant"]
    content: str


class Generator(Protocol):
    """An LLM backend (llama.cpp in-process, or an OpenAI-compatible server)."""

    @property
    def name(self) -> str: ...

    @property
    def context_size(self) -> int: ...

    def count_tokens(self, text: str) -> int: ...

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        json_schema: dict[str, object] | None = None,
        prefix: str = "",
        grammar: str | None = None,
    ) -> Iterator[str]:
        """Yield text pieces. With `json_schema`, output is constrained to that schema. With `prefix`, the reply
        starts with that text (not yielded) and `grammar` (GBNF) constrains what follows; only a backend whose
        `choose` gives probabilities is asked for that."""
        ...

    def choose(self, messages: Sequence[ChatMessage], *, prefix: str, options: Sequence[str]) -> dict[str, float] | None:
        """The model's probability of each option as the text right after `prefix` (the start of its reply), or
        None when the backend cannot tell (no log-probabilities)."""
        ...


@dataclass(frozen=True)
class Filters:
    """Explicit filters from the CLI or API. Empty means no restriction."""

    doc_ids: tuple[str, ...] = ()
    doc_types: tuple[str, ...] = ()
    issuers: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    max_access_rank: int | None = None

    def admits(self, meta: DocMeta, rank: int) -> bool:
        if self.max_access_rank is not None and rank > self.max_access_rank:
            return False
        if self.doc_ids and meta.doc_id.casefold() not in {d.casefold() for d in self.doc_ids}:
            return False
        if self.doc_types and (meta.doc_type or "").casefold() not in {t.casefold() for t in self.doc_types}:
            return False
        if self.issuers and not any(
            i.casefold() in ((meta.issuer or "") + " " + (meta.issuer_name or "")).casefold() for i in self.issuers
        ):
            return False
        if (self.date_from or self.date_to) and meta.issued is None:
            return False
        if self.date_from and meta.issued and meta.issued < self.date_from:
            return False
        return not (self.date_to and meta.issued and meta.issued > self.date_to)

    @property
    def empty(self) -> bool:
        return self == Filters()
