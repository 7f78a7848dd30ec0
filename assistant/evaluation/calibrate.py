"""`assistant eval gate`: calibrate the refusal thresholds offline from one run.

- The evidence gate (`min_evidence_coverage`): a run made with `min_evidence_coverage: 0` sends every
  question to the model and records each question's evidence coverage (`timings.evidence_coverage`).
  Raising the gate to t only turns the answers of questions whose coverage is under t into refusals.
- The model's "no unit answers" (`choice_none_threshold`, design `choose`): a run made with
  `choice_none_threshold: 1` records the model's probability of "none" (`timings.choice_none`) and the best
  unit's coverage (`timings.choice_coverage`) for every question it answered. A threshold t refuses those
  whose probability is at least t and whose coverage is under `choice_sure_coverage`.

Either way every threshold is scored from that one run, without calling the model again.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.evaluation.metrics import summarize

GATE_METRICS = (
    "abstention_accuracy",
    "false_refusal_rate",
    "false_answer_rate",
    "citation_precision",
    "citation_recall",
    "answer_correctness",
)


def gated(records: Sequence[dict[str, Any]], threshold: float) -> list[dict[str, Any]]:
    """The records as a run with gate `threshold` would have produced them."""
    out = []
    for r in records:
        coverage = (r.get("timings") or {}).get("evidence_coverage")
        if r.get("answer") and coverage is not None and coverage < threshold:
            r = copy.deepcopy(r)
            r["answer"].update(mode="refused", refused=True, citations=[], text="", notes=["gate"])
        out.append(r)
    return out


def choice_gated(records: Sequence[dict[str, Any]], threshold: float, sure: float) -> list[dict[str, Any]]:
    """The records as a run with `choice_none_threshold` `threshold` (and `choice_sure_coverage` `sure`) would
    have produced them."""
    out = []
    for r in records:
        t = r.get("timings") or {}
        none, cov = t.get("choice_none"), t.get("choice_coverage")
        if r.get("answer") and none is not None and cov is not None and none >= threshold and cov < sure:
            r = copy.deepcopy(r)
            r["answer"].update(mode="refused", refused=True, citations=[], text="", notes=["choice"])
        out.append(r)
    return out


def gate_table(
    run_dir: Path, thresholds: Sequence[float], *, choice_sure: float | None = None
) -> list[tuple[float, dict[str, float]]]:
    """Metrics at each evidence-gate threshold, or, with `choice_sure`, at each "none" threshold of the model."""
    path = run_dir / "items.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"{path}: no items.jsonl in this run folder")
    records = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    key = "evidence_coverage" if choice_sure is None else "choice_none"
    if not any(key in (r.get("timings") or {}) for r in records):
        what = "evidence coverage" if choice_sure is None else "probability of 'no unit answers' (design choose)"
        raise ValueError(f"{path}: the run recorded no {what} (run it with answers, not --retrieval-only)")
    rows = []
    for t in thresholds:
        scored = gated(records, t) if choice_sure is None else choice_gated(records, t, choice_sure)
        m = summarize(scored)["metrics"]
        rows.append((t, {k: float(m[k]) for k in GATE_METRICS if k in m}))
    return rows


def format_gate_table(rows: list[tuple[float, dict[str, float]]]) -> str:
    head = "threshold  " + "  ".join(f"{k[:14]:>14}" for k in GATE_METRICS)
    lines = [head, "-" * len(head)]
    for t, m in rows:
        lines.append(f"{t:9.2f}  " + "  ".join(f"{m.get(k, float('nan')):14.3f}" for k in GATE_METRICS))
    return "\n".join(lines)
