"""Compare two evaluation runs: metric deltas (b − a), per-item wins and losses, regression gates.

A run directory holds `summary.json` (the output of `metrics.summarize`, possibly with more keys;
a flat {name: value} dict is accepted too) and `items.jsonl` (one run record per line). Metric
values come from `summary.json`; when it is missing they are recomputed from `items.jsonl`.

Gates (`fail_if`): "<metric><<threshold>" fails when (b − a) < threshold, e.g. "mrr@10<-0.02";
"<metric>><threshold>" fails when (b − a) > threshold, e.g. "latency.total.p95>0.5". A gate on a
metric that one of the runs lacks fails too; an unknown metric name is a ValueError.
With `common`, both runs are scored on the items they share (a `--limit` run against a full run).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.evaluation.metrics import metric_names, per_item_scores, summarize

_GATE = re.compile(r"^\s*(?P<name>[^<>\s]+)\s*(?P<op>[<>])\s*(?P<value>[-+]?(?:\d+\.?\d*|\.\d+))\s*$")
_LATENCY = re.compile(r"^latency\.[^.\s]+\.p(50|95)$")
EPS = 1e-9


@dataclass(frozen=True)
class MetricDelta:
    name: str
    a: float | None
    b: float | None

    @property
    def delta(self) -> float | None:
        return None if self.a is None or self.b is None else self.b - self.a


@dataclass(frozen=True)
class ItemChange:
    id: str
    a: float
    b: float
    changed: dict[str, tuple[float, float]]  # per-item score name -> (a, b), only those that differ

    @property
    def delta(self) -> float:
        return self.b - self.a


@dataclass
class CompareResult:
    run_a: Path
    run_b: Path
    metrics: list[MetricDelta]
    wins: list[ItemChange]  # better in b, largest gain first
    losses: list[ItemChange]  # worse in b, largest drop first
    ties: int
    only_a: list[str]
    only_b: list[str]
    failed: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def load_records(run_dir: Path) -> list[dict[str, Any]]:
    path = run_dir / "items.jsonl"
    if not path.is_file():
        return []
    records = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{lineno}: invalid JSON: {exc.msg}") from exc
    return records


def load_metrics(run_dir: Path, records: list[dict[str, Any]] | None = None) -> dict[str, float]:
    path = run_dir / "summary.json"
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
        metrics = data.get("metrics", data) if isinstance(data, dict) else {}
        return {k: float(v) for k, v in metrics.items() if isinstance(v, int | float) and not isinstance(v, bool)}
    if records is None:
        records = load_records(run_dir)
    if not records:
        raise ValueError(f"{run_dir}: neither summary.json nor items.jsonl found")
    return dict(summarize(records)["metrics"])


def parse_gate(text: str) -> tuple[str, str, float]:
    match = _GATE.match(text)
    if not match:
        raise ValueError(f"bad --fail-if {text!r}: expected METRIC<THRESHOLD or METRIC>THRESHOLD, e.g. mrr@10<-0.02")
    return match["name"], match["op"], float(match["value"])


def compare(run_a: Path, run_b: Path, fail_if: list[str], *, common: bool = False) -> CompareResult:
    """`common`: score both runs on the items they share only (metrics recomputed from items.jsonl), e.g. a
    run with `--limit` against a full run."""
    run_a, run_b = Path(run_a), Path(run_b)
    gates = [parse_gate(g) for g in fail_if]  # parse errors surface before any file is read
    rec_a, rec_b = load_records(run_a), load_records(run_b)
    if common:
        for run, recs in ((run_a, rec_a), (run_b, rec_b)):
            if not recs:
                raise ValueError(f"{run}: no items.jsonl; --common needs the items of both runs")
        shared = {str(r.get("id")) for r in rec_a} & {str(r.get("id")) for r in rec_b}
        rec_a = [r for r in rec_a if str(r.get("id")) in shared]
        rec_b = [r for r in rec_b if str(r.get("id")) in shared]
        ma, mb = dict(summarize(rec_a)["metrics"]), dict(summarize(rec_b)["metrics"])
    else:
        ma, mb = load_metrics(run_a, rec_a), load_metrics(run_b, rec_b)
    known = metric_names() | set(ma) | set(mb)
    for name, _, _ in gates:
        if name not in known and not _LATENCY.match(name):
            raise ValueError(f"unknown metric in --fail-if: {name!r}")
    names = list(ma) + [n for n in mb if n not in ma]
    deltas = [MetricDelta(n, ma.get(n), mb.get(n)) for n in names]

    scores_a = {str(r.get("id")): per_item_scores(r) for r in rec_a}
    scores_b = {str(r.get("id")): per_item_scores(r) for r in rec_b}
    wins: list[ItemChange] = []
    losses: list[ItemChange] = []
    ties = 0
    for rid in [i for i in scores_a if i in scores_b]:
        sa, sb = scores_a[rid], scores_b[rid]
        if "overall" not in sa or "overall" not in sb:
            continue
        changed = {k: (sa[k], sb[k]) for k in sa if k in sb and abs(sa[k] - sb[k]) > EPS}
        change = ItemChange(rid, sa["overall"], sb["overall"], changed)
        if change.delta > EPS:
            wins.append(change)
        elif change.delta < -EPS:
            losses.append(change)
        else:
            ties += 1
    wins.sort(key=lambda c: (-c.delta, c.id))
    losses.sort(key=lambda c: (c.delta, c.id))

    result = CompareResult(
        run_a, run_b, deltas, wins, losses, ties,
        only_a=[i for i in scores_a if i not in scores_b], only_b=[i for i in scores_b if i not in scores_a],
    )  # fmt: skip
    for name, op, threshold in gates:
        gate = f"{name}{op}{threshold:g}"
        a, b = ma.get(name), mb.get(name)
        result.checked.append(gate)
        if a is None or b is None:
            missing = " and ".join(r for r, v in (("a", a), ("b", b)) if v is None)
            result.failed.append(f"{gate}: metric not available in run {missing}")
            continue
        delta = b - a
        if (op == "<" and delta < threshold) or (op == ">" and delta > threshold):
            result.failed.append(f"{gate}: {name} went from {a:.4f} to {b:.4f} (Δ {delta:+.4f})")
    return result


def format_compare(result: CompareResult, *, max_items: int = 10) -> str:
    width = max([len(d.name) for d in result.metrics] + [12])
    lines = [f"a: {result.run_a}", f"b: {result.run_b}", ""]
    lines.append(f"{'metric':<{width}}  {'a':>9}  {'b':>9}  {'b − a':>9}")
    lines.append("-" * (width + 33))

    def cell(v: float | None, sign: bool = False) -> str:
        return "-" if v is None else (f"{v:+.4f}" if sign else f"{v:.4f}")

    for d in result.metrics:
        lines.append(f"{d.name:<{width}}  {cell(d.a):>9}  {cell(d.b):>9}  {cell(d.delta, True):>9}")
    lines += ["", f"items: {len(result.wins)} better in b, {len(result.losses)} worse, {result.ties} unchanged"]
    if result.only_a or result.only_b:
        lines.append(f"only in a: {len(result.only_a)}, only in b: {len(result.only_b)}")
    for label, changes in (("better in b", result.wins), ("worse in b", result.losses)):
        if changes:
            lines.append(f"{label}:")
            for c in changes[:max_items]:
                detail = ", ".join(f"{k} {va:.2f}→{vb:.2f}" for k, (va, vb) in c.changed.items() if k != "overall")
                lines.append(f"  {c.id}: {c.a:.3f} → {c.b:.3f} ({detail})")
    if result.checked:
        lines.append("")
        lines += [f"FAIL {f}" for f in result.failed] or [f"all gates passed: {', '.join(result.checked)}"]
    return "\n".join(lines)
