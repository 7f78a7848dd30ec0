"""Draft-check metrics: verdicts and evidence of draft records whose `predicted` is not null.

Per item: verdict_ok and evidence_recall (share of the expected evidence quotes that a predicted
quote holds, or lies inside with at least half the length). Over a run: accuracy, macro F1 over
the verdicts present, recall of "contradicts", mean evidence recall; `draft_breakdown` gives the same
per split (items' `split`: "dev", "untouched" …) and right/wrong counts per kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.evaluation.matching import Record, expected_quotes, fast_match_key

VERDICTS: tuple[str, ...] = ("consistent", "contradicts", "not_covered")


def _evidence_found(expected: str, predicted: Sequence[str]) -> bool:
    """Containment either way; a predicted quote inside the expected one must be ≥ half its length."""
    ek = fast_match_key(expected)
    for p in predicted:
        pk = fast_match_key(p)
        if pk and (ek in pk or (pk in ek and 2 * len(pk) >= len(ek))):
            return True
    return False


def draft_scores(record: Record) -> dict[str, float]:
    """verdict_ok, and evidence_recall when the item expects evidence quotes."""
    predicted = record["predicted"]
    scores = {"verdict_ok": 1.0 if predicted.get("verdict") == record.get("expected_verdict") else 0.0}
    expected = expected_quotes(record, "evidence_quotes")
    if expected:
        pred = [str(e.get("quote") or "") for e in predicted.get("evidence") or [] if isinstance(e, dict)]
        scores["evidence_recall"] = sum(_evidence_found(q, pred) for q in expected) / len(expected)
    return scores


def draft_metrics(records: Sequence[Record]) -> dict[str, float]:
    """draft_accuracy, draft_macro_f1, contradicts_recall and evidence_recall over predicted draft records."""
    gold = [str(r.get("expected_verdict")) for r in records]
    pred = [str((r["predicted"] or {}).get("verdict")) for r in records]
    out = {"draft_accuracy": sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)}
    f1s = []
    for label in VERDICTS:
        tp = sum(g == p == label for g, p in zip(gold, pred, strict=True))
        n_gold, n_pred = gold.count(label), pred.count(label)
        if n_gold or n_pred:  # classes absent from both gold and predictions are left out
            f1s.append(2 * tp / (n_gold + n_pred))
    out["draft_macro_f1"] = sum(f1s) / len(f1s) if f1s else 0.0
    contradicts = [p == "contradicts" for g, p in zip(gold, pred, strict=True) if g == "contradicts"]
    if contradicts:
        out["contradicts_recall"] = sum(contradicts) / len(contradicts)
    evidence = [s["evidence_recall"] for s in map(draft_scores, records) if "evidence_recall" in s]
    if evidence:
        out["evidence_recall"] = sum(evidence) / len(evidence)
    return out


def draft_breakdown(records: Sequence[Record]) -> dict[str, Any]:
    """{"by_split": {split: draft_metrics + "n"}, "by_kind": {kind: {"right", "wrong"}}} over predicted draft
    records; "by_split" is present only when some record has a `split`, and then holds "all" too."""
    out: dict[str, Any] = {}
    splits = sorted({str(r["split"]) for r in records if r.get("split")})
    if splits:
        groups = {s: [r for r in records if str(r.get("split") or "") == s] for s in splits}
        groups["all"] = list(records)
        out["by_split"] = {s: {"n": len(rs), **draft_metrics(rs)} for s, rs in groups.items() if rs}
    kinds: dict[str, dict[str, int]] = {}
    for r in records:
        ok = draft_scores(r)["verdict_ok"] == 1.0
        row = kinds.setdefault(str(r.get("kind") or "unspecified"), {"right": 0, "wrong": 0})
        row["right" if ok else "wrong"] += 1
    out["by_kind"] = dict(sorted(kinds.items()))
    return out
