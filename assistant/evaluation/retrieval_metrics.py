"""Retrieval metrics of one question record: document recall and hit, quote recall, reciprocal rank, nDCG.

Over answerable question items with expected docs (records with an error count, as misses):
doc_recall@k = share of expected docs matched in the top k; doc_hit@k = any matched; quote_recall@k
= share of expected quotes found (items with quotes); rr = 1/position of the first matching passage
(averaged into mrr@10); ndcg@10 = document-level binary nDCG: a passage gains 1/log2(i+1) when it
matches an expected doc that no higher passage matched, the ideal is min(#expected docs, 10) gains at
positions 1..n, so duplicates of one document neither help nor push the score above 1. Matching is
`matching`'s.
"""

from __future__ import annotations

import math

from assistant.evaluation.matching import Record, doc_matches, expected_quotes, quote_positions, ranked

KS: tuple[int, ...] = (1, 3, 5, 10)


def retrieval_scores(record: Record) -> dict[str, float]:
    """doc_recall@k, doc_hit@k, quote_recall@k (with expected quotes) for k in KS, rr and ndcg@10."""
    expected = list(dict.fromkeys(record.get("expected_docs") or []))
    passages = ranked(record)[: max(KS)]
    scores: dict[str, float] = {}
    first_match: dict[str, int] = {}  # expected doc -> first position (1-based)
    rr = 0.0
    dcg = 0.0
    for pos, passage in enumerate(passages, start=1):
        hits = [e for e in expected if doc_matches(e, passage)]
        if hits and rr == 0.0:
            rr = 1.0 / pos
        new = [e for e in hits if e not in first_match]
        for e in new:
            first_match[e] = pos
        if new:
            dcg += 1.0 / math.log2(pos + 1)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(expected), max(KS)) + 1))
    quotes = expected_quotes(record)
    quote_pos = quote_positions(quotes, passages)
    for k in KS:
        found = [e for e in expected if first_match.get(e, math.inf) <= k]
        scores[f"doc_recall@{k}"] = len(found) / len(expected)
        scores[f"doc_hit@{k}"] = 1.0 if found else 0.0
        if quotes:
            scores[f"quote_recall@{k}"] = sum(pos <= k for pos in quote_pos) / len(quotes)
    scores["rr"] = rr
    scores["ndcg@10"] = dcg / ideal if ideal else 0.0
    return scores
