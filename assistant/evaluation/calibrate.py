"""`assistant eval gate`: calibrate the evidence gate (`min_evidence_coverage`) offline from one run.

A run made with `min_evidence_coverage: 0` sends every question to the model and records each
question's evidence coverage (`timings.evidence_coverage`). Raising the gate to t only turns the
answers of questions whose coverage is under t into refusals, so every threshold can be scored
from that one run, without calling the model again.
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


def gate_table(run_dir: Path, thresholds: Sequence[float]) -> list[tuple[float, dict[str, float]]]:
    path = run_dir / "items.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"{path}: no items.jsonl in this run folder")
    records = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    if not any("evidence_coverage" in (r.get("timings") or {}) for r in records):
        raise ValueError(f"{path}: the run recorded no evidence coverage (run it with answers, not --retrieval-only)")
    rows = []
    for t in thresholds:
        m = summarize(gated(records, t))["metrics"]
        rows.append((t, {k: float(m[k]) for k in GATE_METRICS if k in m}))
    return rows


def format_gate_table(rows: list[tuple[float, dict[str, float]]]) -> str:
    head = "threshold  " + "  ".join(f"{k[:14]:>14}" for k in GATE_METRICS)
    lines = [head, "-" * len(head)]
    for t, m in rows:
        lines.append(f"{t:9.2f}  " + "  ".join(f"{m.get(k, float('nan')):14.3f}" for k in GATE_METRICS))
    return "\n".join(lines)
