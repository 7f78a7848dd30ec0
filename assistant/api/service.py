"""What the routes share: settings, the pipeline, users, the audit log, the model lock, the answer
limiter (`limits.py`), eval runs; and the one place that decides which documents a person may see.

A document above a person's clearance does not exist for them: it is absent from listings,
a request for it is a 404 with the same message as for an unknown document, relations to it
are left out, and a reference to it is reported as not indexed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.access.audit import AuditLog
from assistant.access.users import User, UserStore
from assistant.api.limits import AnswerLimiter
from assistant.api.messages import say
from assistant.api.model_lock import ModelLock
from assistant.evaluation.jobs import EvalJobs
from assistant.pipeline import Pipeline
from assistant.search.catalog import DocRecord, access_rank
from assistant.settings import Settings
from assistant.types import ACCESS_LEVELS, Chunk, Filters

TITLE = "Trợ lý nghiên cứu văn bản"


class ServiceError(Exception):
    """An error with an HTTP status, raised by code that does not import the web framework."""

    def __init__(self, status: int, detail: str, note: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.note = note  # for the audit log only (e.g. that a 404 was a hidden document), never shown


@dataclass
class Service:
    settings: Settings
    pipeline: Pipeline
    users: UserStore
    audit: AuditLog
    lock: ModelLock = field(default_factory=ModelLock)  # one model user or index writer at a time, in arrival order
    evals: EvalJobs | None = None
    answers: AnswerLimiter = field(init=False)  # how many answers run and wait at once

    def __post_init__(self) -> None:
        s = self.settings
        self.answers = AnswerLimiter(s.max_concurrent_answers, s.max_queued_answers, s.answer_queue_wait_s)
        if self.evals is None:
            self.evals = EvalJobs(
                self.settings.index_dir / "eval-runs", lambda: self.pipeline.answerer, self.lock, self.document_ranks
            )

    @property
    def uploads(self) -> Path:
        return self.settings.index_dir / "uploads"

    @property
    def jobs(self) -> EvalJobs:
        assert self.evals is not None
        return self.evals

    # --- clearance -------------------------------------------------------------------------------
    @staticmethod
    def filters_for(user: User, base: Filters | None = None) -> Filters:
        """The request's filters with the reader's clearance imposed (never taken from the request)."""
        base = base or Filters()
        return Filters(
            doc_ids=base.doc_ids, doc_types=base.doc_types, issuers=base.issuers, date_from=base.date_from,
            date_to=base.date_to, max_access_rank=user.rank,
        )  # fmt: skip

    @staticmethod
    def sees(user: User, rec: DocRecord) -> bool:
        return rec.status == "complete" and access_rank(rec.meta.access_level) <= user.rank

    def documents(self, user: User) -> list[DocRecord]:
        return [rec for rec in self.pipeline.catalog.documents() if self.sees(user, rec)]

    def document_ranks(self) -> list[tuple[str, str, int]]:
        return [(r.meta.doc_id, r.meta.source_name, access_rank(r.meta.access_level)) for r in self.pipeline.catalog.documents()]

    def resolve(self, user: User, key: str) -> DocRecord:
        """The document `key` (index key or document number) among those the user may see."""
        catalog = self.pipeline.catalog
        rec = catalog.by_key(key)
        if rec is not None and self.sees(user, rec):
            return rec
        recs = [r for r in (catalog.by_key(k) for k in catalog.keys_for_doc_id(key)) if r is not None and self.sees(user, r)]
        if len(recs) > 1:
            keys = ", ".join(r.meta.key for r in recs)
            raise ServiceError(
                409,
                say(
                    f"{key} ứng với {len(recs)} văn bản; hãy dùng một trong các mã: {keys}",
                    f"{key} names {len(recs)} documents; use one of the keys: {keys}",
                ),
            )
        if not recs:
            hidden = (rec is not None and rec.status == "complete") or bool(catalog.keys_for_doc_id(key))
            detail = say(f"không có văn bản {key} trong kho", f"no indexed document {key}")
            raise ServiceError(404, detail, note={"hidden_document": True} if hidden else None)
        return recs[0]

    def levels_for(self, user: User) -> list[str]:
        """Access levels a user may give a document they upload: up to their own clearance."""
        return list(ACCESS_LEVELS[: user.rank + 1])

    # --- views -----------------------------------------------------------------------------------
    def document_view(self, user: User, rec: DocRecord) -> dict[str, Any]:
        catalog = self.pipeline.catalog
        k = rec.meta.key
        chunks = catalog.doc_chunks(k)
        outgoing, incoming = catalog.relations(k)
        visible_ids = {r.meta.doc_id for r in self.documents(user)}
        incoming_json = []
        for relation, src in incoming:
            src_rec = catalog.by_key(src)
            if src_rec is not None and self.sees(user, src_rec):
                incoming_json.append({"relation": relation, "key": src, "doc_id": src_rec.meta.doc_id})
        return {
            **document_json(rec, len(chunks)),
            "relations": {
                # the target's number is written in this document's own text; whether it is indexed is not
                "outgoing": [{"relation": r, "doc_id": t, "indexed": t in visible_ids} for r, t in outgoing],
                "incoming": incoming_json,
            },
            "text": catalog.document_text(k),
            "chunks": [_chunk_json(c) for c in chunks],
        }

    def record(self, user: User | str, action: str, **details: Any) -> None:
        self.audit.append(user.username if isinstance(user, User) else user, action, **details)

    def health(self, user: User | None) -> dict[str, Any]:
        if user is None:
            return {"status": "ok"}
        built = self.pipeline.catalog.get_meta("embedder")
        return {
            "status": "ok",
            "documents": len(self.documents(user)),
            "embedder": json.loads(built)["name"] if built else None,
            "answer_mode": self.settings.answer_mode,
            "answers": self.answers.stats(),
        }


def _chunk_json(c: Chunk) -> dict[str, Any]:
    return {
        "ordinal": c.ordinal, "chunk_id": c.chunk_id, "breadcrumb": c.breadcrumb_text, "start": c.start, "end": c.end,
        "text": c.text,
    }  # fmt: skip


def document_json(rec: DocRecord, passages: int) -> dict[str, Any]:
    m = rec.meta
    return {
        "doc_id": m.doc_id, "key": m.key, "type": m.doc_type, "number": m.number, "issuer": m.issuer,
        "issuer_name": m.issuer_name, "issued": m.issued.isoformat() if m.issued else None, "title": m.title,
        "access_level": m.access_level, "parent": m.parent, "source_name": m.source_name, "format": rec.fmt,
        "passages": passages,
    }  # fmt: skip


def user_json(user: User) -> dict[str, Any]:
    from assistant.access.clearance import ROLE_LABELS, permissions

    return {
        "username": user.username, "display_name": user.display_name, "role": user.role,
        "role_label": ROLE_LABELS.get(user.role, user.role), "clearance": user.clearance, "permissions": permissions(user.role),
    }  # fmt: skip
