"""Rerank stage: order passages, and sentences inside them, by how well they cover the question.

No cross-encoder is among the local models, so this stage is lexical: the question's
key terms (content syllables, numbers, document numbers) are matched against passages and
sentences. The same measure decides whether the evidence is strong enough to answer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from assistant.text.terms import coverage, key_terms, split_sentences, tokenize
from assistant.types import Hit


@dataclass(frozen=True)
class ScoredSentence:
    hit_index: int
    sentence: str
    score: float


def best_sentences(question: str, text: str, limit: int, *, mark_gaps: bool = False) -> list[str]:
    """The `limit` sentences of `text` that cover most of the question, in their original order.

    With `mark_gaps`, an "…" item stands where sentences were left out between two kept ones, so a
    reader (the model) does not take non-adjacent sentences for one passage of text.
    """
    terms = key_terms(question)
    sents = split_sentences(text)
    if len(sents) <= limit:
        return sents
    bigram_q = set(tokenize(question)) - terms
    scored = []
    for i, s in enumerate(sents):
        toks = set(tokenize(s))
        score = len(terms & toks) + 0.5 * len(bigram_q & toks)
        scored.append((score, -i, i))
    keep = sorted(i for _, _, i in sorted(scored, reverse=True)[:limit])
    out: list[str] = []
    for j, i in enumerate(keep):
        if mark_gaps and j and i != keep[j - 1] + 1:
            out.append("…")
        out.append(sents[i])
    return out


def rank_sentences(
    terms: set[str], hits: list[Hit], weights: dict[str, float] | None = None, bigrams: set[str] | None = None
) -> list[ScoredSentence]:
    """Every sentence of the given passages scored by (weighted) coverage of `terms`, best first.

    A sentence is read with its passage's breadcrumb, which carries context such as "Mục tiêu".
    """
    bigrams = bigrams or set()
    out = []
    for hi, hit in enumerate(hits):
        crumb = hit.chunk.breadcrumb_text
        for s in split_sentences(hit.chunk.text):
            cov = coverage(terms, crumb + " " + s, weights)
            bonus = 0.05 * len(bigrams & set(tokenize(s))) / max(1, len(bigrams))
            out.append(ScoredSentence(hi, s, cov + bonus - 0.01 * hi))
    return sorted(out, key=lambda s: -s.score)


def rerank(question: str, hits: list[Hit], weight: float = 0.5, pinned: frozenset[str] = frozenset()) -> list[Hit]:
    """Reorder hits by fused score plus lexical coverage of the question's key terms.

    The fused score is scaled to the best hit so that `weight` is comparable across queries.
    Hits of the documents in `pinned` (named in the question) stay ahead of the others.
    """
    if not hits:
        return hits
    terms = key_terms(question)
    top = max(h.score for h in hits) or 1.0
    scored = [
        (h.score / top + weight * coverage(terms, h.chunk.breadcrumb_text + " " + h.chunk.text), i, h) for i, h in enumerate(hits)
    ]
    scored.sort(key=lambda t: (t[2].meta.doc_id not in pinned, -t[0], t[1]))
    return [replace(h, score=s) for s, _, h in scored]
