"""A draft check under way, one statement at a time, and the index it started on.

The service checks a draft one statement at a time and takes the model lock per statement (`api/check_turns.py`),
so an upload or a deletion can land between two statements of one check. So that a report never mixes two states
of the index, a check pins, at its start, every document it may consult (those within the reader's clearance,
each with the sha256 of its text), and before each statement compares the index with them:

- a document added since the start is left out of the rest of the check (never evidence, never named, dated or
  flagged), and the report notes it (only when the reader may see it);
- a pinned document deleted or replaced (other text, or moved above the reader's clearance) stops the check: the
  report carries an error naming it and how far the check had got, so no partial or mixed verdicts are shown.

Without a change (the common case: the catalog's generation is the same) the comparison costs one look-up.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field

from assistant.check.results import CheckReport
from assistant.check.statements import Statement
from assistant.search.catalog import Catalog
from assistant.types import DocMeta, Filters


@dataclass(frozen=True)
class Pinned:
    """A document as it was when the check started."""

    doc_id: str
    text_sha: str


@dataclass
class CheckPlan:
    """Everything a check needs between its statements; `report` collects the verdicts as they come."""

    report: CheckReport
    statements: list[Statement]
    ids: list[str] = field(default_factory=list)  # the directives' doc ids ([] = the whole index)
    filters: Filters | None = None  # the reader's clearance
    exclude: set[str] = field(default_factory=set)  # the draft's own doc id, when the index holds the draft
    pinned: dict[str, Pinned] = field(default_factory=dict)  # index key -> the document at the start
    generation: int = -1  # the catalog's generation when the index was last compared with `pinned`
    noted: set[str] = field(default_factory=set)  # keys of documents added meanwhile, already noted
    started: float = field(default_factory=time.perf_counter)

    @property
    def done(self) -> int:
        return len(self.report.checks)

    @property
    def total(self) -> int:
        return len(self.statements)

    @property
    def finished(self) -> bool:
        return bool(self.report.errors) or self.done >= self.total

    def turns(self, progress: Callable[[int, int], None] | None = None) -> Iterator[int]:
        """The statements still to check, as their indices, for a loop that checks `plan.statements[i]` in each
        turn: `progress(done, total)` before each statement and once at the end when all went through. Shared by
        the check run in one go (`Checker.run`) and the one that takes turns with the answers (`check_turns.py`)."""
        while not self.finished:
            if progress:
                progress(self.done, self.total)
            yield self.done
        if progress and self.statements and not self.report.errors:
            progress(self.total, self.total)

    def finish(self) -> CheckReport:
        """The report, with its timings once any statement was checked."""
        if self.done:
            total = time.perf_counter() - self.started
            self.report.timings = {"total": total, "per_statement": total / self.done}
        return self.report


def pin(catalog: Catalog, visible: Collection[str]) -> dict[str, Pinned]:
    """The documents of `visible` (index keys) as they are now."""
    return {r.meta.key: Pinned(r.meta.doc_id, r.text_sha) for r in catalog.documents() if r.meta.key in visible}


def compare_index(plan: CheckPlan, catalog: Catalog, visible: Callable[[], Mapping[str, DocMeta]]) -> None:
    """Before a statement: the index (`visible()`, what the reader may see now, asked only when the catalog's
    generation has changed) against the documents pinned at the start. A pinned document gone or changed becomes
    the report's error; one added is noted once."""
    generation = catalog.generation
    if generation == plan.generation:
        return
    plan.generation = generation
    now = pin(catalog, visible())
    gone = sorted({p.doc_id for key, p in plan.pinned.items() if now.get(key) != p})
    if gone:
        plan.report.errors.append(
            f"Văn bản {', '.join(gone)} đã bị xoá hoặc thay đổi trong kho tài liệu khi dự thảo đang được kiểm tra "
            f"(đã kiểm tra {plan.done}/{plan.total} câu); hãy kiểm tra lại dự thảo."
        )
        return
    added = sorted(key for key in now if key not in plan.pinned and key not in plan.noted)
    plan.noted.update(added)
    for doc_id in dict.fromkeys(now[key].doc_id for key in added):
        plan.report.notes.append(
            f"Văn bản {doc_id} được nạp vào kho trong khi kiểm tra nên không được dùng để đối chiếu; "
            "kiểm tra lại dự thảo để đối chiếu cả văn bản này."
        )
