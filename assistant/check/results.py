"""What the draft checker returns: one verdict per statement, and the report over a draft."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from assistant.check.compare import Difference
from assistant.check.statements import Statement
from assistant.types import Citation

Verdict = Literal["consistent", "contradicts", "not_covered"]
VERDICTS: tuple[Verdict, ...] = ("consistent", "contradicts", "not_covered")
VERDICT_LABELS = {"consistent": "nhất quán", "contradicts": "mâu thuẫn", "not_covered": "không có căn cứ"}
KIND_LABELS = {
    "number": "con số", "percentage": "tỷ lệ phần trăm", "year": "năm", "deadline": "thời hạn", "date": "ngày tháng",
    "body": "cơ quan chịu trách nhiệm", "direction": "chiều hướng chủ trương",
}  # fmt: skip

EXIT_OK, EXIT_CONTRADICTIONS, EXIT_ERROR = 0, 1, 2


@dataclass(frozen=True)
class StatementCheck:
    """The verdict on one statement and what it rests on.

    `evidence[0]`, when present, is the verified directive quote the verdict rests on (for
    not_covered: the nearest sentence found, shown so a reader can judge). `rewrite` is a suggested
    correction for contradictions; `flags` name documents the statement relies on that another
    indexed document replaces, amends or repeals.
    """

    statement: Statement
    verdict: Verdict
    evidence: tuple[Citation, ...] = ()
    differences: tuple[Difference, ...] = ()
    rewrite: str | None = None
    method: str = "rules"  # "rules" (deterministic) | "model" (the LLM decided) | "no evidence"
    score: float = 0.0  # how well the best directive sentence covers the statement's key terms
    flags: tuple[str, ...] = ()
    note: str = ""


@dataclass
class CheckReport:
    draft: str  # the draft's file name
    against: list[str]  # directive ids checked against ([] = the whole index)
    checks: list[StatementCheck] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. a directive amended by another indexed document
    errors: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        c = Counter(ch.verdict for ch in self.checks)
        return {v: c.get(v, 0) for v in VERDICTS}

    @property
    def flagged(self) -> int:
        return sum(bool(ch.flags) for ch in self.checks)

    @property
    def exit_code(self) -> int:
        """0: no contradiction; 1: at least one contradiction; 2: the check could not be done (see `errors`)."""
        if self.errors:
            return EXIT_ERROR
        return EXIT_CONTRADICTIONS if self.counts["contradicts"] else EXIT_OK
