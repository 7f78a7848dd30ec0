"""Answering: retrieval, evidence check, quote-first generation, verification, fallback.

Whether a question is answerable is decided from the evidence (coverage of the question's key
terms by the best passages), never from the model's word. Generated claims are kept only when
their quotes verify; otherwise the answer falls back to the best verified sentences
(extractive mode), or to a refusal when the evidence is too thin.
"""

from __future__ import annotations

import re
import time
from collections.abc import Generator as Steps
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeVar

from assistant.answer import choose, pointwise
from assistant.answer.cite import AnswerTextStream, Claim, locate, verify
from assistant.answer.copy_design import CopyDesign
from assistant.answer.evidence import shortfall
from assistant.answer.prompt import Templates
from assistant.answer.units import Unit, build_units, shown_units
from assistant.search.catalog import Catalog
from assistant.search.context import with_neighbours
from assistant.search.rerank import rank_sentences, rerank
from assistant.search.retrieve import Retrieval, Retriever
from assistant.text.terms import coverage, key_terms
from assistant.types import Answer, ChatMessage, Citation, Event, Filters, Generator, Hit

REFUSAL = "Không tìm thấy căn cứ trong các tài liệu đã nạp."
_R = TypeVar("_R")
_FOLLOW_UP = re.compile(r"^(còn|thế còn|vậy|thế|vậy còn|và)\b|(thì sao|ra sao|thế nào)\s*\??\s*$", re.IGNORECASE)


@dataclass
class Turn:
    question: str
    answer: Answer


def resolve_follow_up(question: str, history: list[Turn]) -> str:
    """A follow-up ("còn tầm nhìn đến năm 2045 thì sao?") is searched together with the previous question."""
    if not history:
        return question
    q = question.strip()
    if _FOLLOW_UP.search(q) or len(q.split()) <= 6:
        return f"{history[-1].question} {q}"
    return question


class Answerer(CopyDesign):
    """Retrieval, the evidence gate, then one of three designs (`answer_mode`); every keyword argument is the
    setting of the same name (`settings.py` describes it and holds its default):

    - `choose`: the model chooses numbered evidence units and writes a short answer from them (`assistant.answer.choose`);
    - `copy`: the model copies quotes from the passages, each verified against its passage (`assistant.answer.cite`);
    - `extractive`: no model, the best verified sentences.
    """

    def __init__(
        self,
        retriever: Retriever,
        catalog: Catalog,
        generator: Generator | None,
        templates: Templates,
        *,
        choose_templates: choose.ChooseTemplates | None,
        pointwise_templates: pointwise.PointwiseTemplates | None,
        top_k: int,
        prompt_passages: int,
        prompt_sentences: int,
        min_evidence_coverage: float,
        min_sentence_coverage: float,
        answer_mode: str,
        llm_max_tokens: int,
        answer_units: int,
        answer_unit_tokens: int,
        choice_model_weight: float,
        choice_none_threshold: float,
        choice_min_confidence: float,
        choice_sure_coverage: float,
        choice_scoring: str,
        pointwise_threshold: float,
    ) -> None:
        self.retriever = retriever
        self._catalog = catalog
        self._gen = generator
        self._tpl = templates
        self._choose_tpl = choose_templates
        self._pointwise_tpl = pointwise_templates
        self.top_k = top_k
        self.prompt_passages = prompt_passages
        self.prompt_sentences = prompt_sentences
        self.min_evidence_coverage = min_evidence_coverage
        self.min_sentence_coverage = min_sentence_coverage
        self.answer_mode = answer_mode
        self.llm_max_tokens = llm_max_tokens
        self.answer_units = answer_units
        self.answer_unit_tokens = answer_unit_tokens
        self.choice_model_weight = choice_model_weight
        self.choice_none_threshold = choice_none_threshold
        self.choice_min_confidence = choice_min_confidence
        self.choice_sure_coverage = choice_sure_coverage
        self.choice_scoring = choice_scoring
        self.pointwise_threshold = pointwise_threshold

    def ask(self, question: str, filters: Filters | None = None, history: list[Turn] | None = None) -> Answer:
        final = None
        for ev in self.stream(question, filters, history):
            if ev.kind == "answer":
                final = ev.answer
        assert final is not None
        return final

    def retrieve(self, question: str, filters: Filters | None = None) -> tuple[list[Hit], Retrieval]:
        """Retrieval and reranking only: the passages an answer would rest on."""
        ret = self.retriever.search(question, k=self.top_k, filters=filters)
        t0 = time.perf_counter()
        hits = rerank(question, ret.hits, pinned=frozenset(ret.named))
        ret.timings["rerank"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        hits = with_neighbours(hits, self._catalog)
        ret.timings["context"] = time.perf_counter() - t1
        return hits, ret

    def stream(self, question: str, filters: Filters | None = None, history: list[Turn] | None = None) -> Iterator[Event]:
        t0 = time.perf_counter()
        search_q = resolve_follow_up(question, history or [])
        hits, ret = self.retrieve(search_q, filters)
        timings = dict(ret.timings)
        timings["passages_shown"] = time.perf_counter() - t0
        yield Event("passages", hits=hits)

        notes = [f"Văn bản {m} không có trong kho tài liệu đã nạp." for m in ret.missing]
        terms = key_terms(search_q, drop=ret.ref_text)
        weights = self.retriever.term_weights(terms, filters)
        best_cov = max(
            (coverage(terms, h.chunk.breadcrumb_text + " " + h.chunk.text, weights) for h in hits[: self.prompt_passages]),
            default=0.0,
        )
        timings["evidence_coverage"] = best_cov

        pieces: list[str] = []

        def done(ans: Answer, checked: bool = False) -> Event:
            """The final event; the evidence check runs here unless the design already ran it (`checked`)."""
            ans = ans if checked else self._checked(search_q, ans, ret.ref_text)
            ans.model_output = "".join(pieces)
            ans.timings.update(timings)
            ans.timings["total"] = time.perf_counter() - t0
            ans.notes = notes + ans.notes
            return Event("answer", answer=ans)

        if not hits or (ret.missing and not ret.named) or best_cov < self.min_evidence_coverage:
            yield done(Answer(question, REFUSAL, "refused", passages=hits))
            return
        if self.answer_mode == "extractive" or self._gen is None:
            yield done(self._extractive(question, terms, weights, hits))
            return
        if self.answer_mode == "choose":
            t1 = time.perf_counter()
            answer = yield from _timed(self._choose(question, search_q, terms, weights, hits, pieces, timings), t0, timings)
            timings["generate"] = time.perf_counter() - t1
            timings.update({f"llm_{k}": v for k, v in getattr(self._gen, "stats", {}).items()})
            yield done(answer)
            return
        copy = self._copy(question, search_q, ret.ref_text, terms, weights, hits, pieces, timings, notes, done)
        yield from _timed(copy, t0, timings)

    def _choose(
        self, question: str, search_q: str, terms: set[str], weights: dict[str, float], hits: list[Hit],
        pieces: list[str], timings: dict[str, float],
    ) -> Steps[Event, None, Answer]:  # fmt: skip
        """The `choose` design (`assistant.answer.choose`): yields the chosen units, then the prose as it is written."""
        assert self._gen is not None and self._choose_tpl is not None
        units = build_units(search_q, terms, hits, weights, passages=self.prompt_passages + 1)
        shown = shown_units(units, limit=self.answer_units, budget=self.answer_unit_tokens, count_tokens=self._gen.count_tokens)
        if not shown:
            return self._extractive(question, terms, weights, hits)
        timings["choice_coverage"] = shown[0].coverage
        messages = choose.build_messages(self._choose_tpl, question, shown, hits)
        steps = self._choice_steps(messages, question, search_q, shown, hits, timings)
        prose = AnswerTextStream()
        try:
            while True:
                kind, value = next(steps)
                if kind == "units":
                    yield Event("units", citations=[self._unit_citation(shown[i - 1], hits) for i in value])  # type: ignore[attr-defined]
                    continue
                pieces.append(str(value))
                yield Event("token", text=str(value))
                if text := prose.feed(str(value)):
                    yield Event("text", text=text)
        except StopIteration as stop:
            outcome: choose.Outcome = stop.value
        except RuntimeError as exc:
            return self._fallback(question, terms, weights, hits, f"Mô hình lỗi ({exc})")
        except ValueError as exc:
            return self._fallback(question, terms, weights, hits, f"Đầu ra của mô hình không đọc được ({exc})")
        if not outcome.ids:
            return Answer(question, REFUSAL, "refused", passages=hits, notes=[f"Từ chối: {outcome.note}."])
        return self._compose_units(question, outcome.prose, [shown[i - 1] for i in outcome.ids], hits)

    def _choice_steps(
        self, messages: list[ChatMessage], question: str, search_q: str, shown: list[Unit], hits: list[Hit],
        timings: dict[str, float],
    ) -> Steps[tuple[str, object], None, choose.Outcome]:  # fmt: skip
        """The model's choice and answer: units judged one at a time (`choice_scoring: pointwise`, where the backend
        gives probabilities), else chosen from the list."""
        assert self._gen is not None and self._choose_tpl is not None
        sure = shown[0].coverage >= self.choice_sure_coverage
        if self.choice_scoring == "pointwise" and self._pointwise_tpl is not None:
            outcome = yield from pointwise.converse(
                self._gen, self._pointwise_tpl, self._choose_tpl, search_q, shown, hits, weight=self.choice_model_weight,
                threshold=self.pointwise_threshold, sure=sure, timings=timings,
            )  # fmt: skip
            if outcome is not None:
                return outcome
        listed = choose.converse(
            self._gen, messages, shown, search_q, weight=self.choice_model_weight,
            none_threshold=self.choice_none_threshold, min_confidence=self.choice_min_confidence, sure=sure,
            timings=timings,
        )  # fmt: skip
        return (yield from listed)

    def _compose_units(self, question: str, prose: str, chosen: list[Unit], hits: list[Hit]) -> Answer:
        citations = [self._unit_citation(u, hits) for u in chosen]
        marks = "".join(f"[{n}]" for n in dict.fromkeys(c.n for c in citations))
        why = choose.ungrounded(prose, chosen, hits, question)
        if why is None:
            return Answer(question, f"{prose} {marks}", "generated", citations=citations, passages=hits)
        text = "\n".join(f"Theo {hits[u.hit_index].meta.doc_id}: “{u.text}” [{u.hit_index + 1}]" for u in chosen)
        note = f"Câu trả lời của mô hình không kiểm chứng được ({why}); dùng nguyên văn các câu được chọn."
        return Answer(question, text, "extractive", citations=citations, passages=hits, notes=[note])

    def _unit_citation(self, unit: Unit, hits: list[Hit]) -> Citation:
        """A chosen unit as a citation: its words are the passage's own, located in the document's source text."""
        hit = hits[unit.hit_index]
        doc_text = self._catalog.document_text(hit.chunk.doc_id)
        span = locate(hit, unit.text, doc_text) if doc_text else None
        return Citation(
            n=unit.hit_index + 1, doc_id=hit.meta.doc_id, breadcrumb=hit.chunk.breadcrumb_text,
            quote=doc_text[span[0] : span[1]] if span else unit.text, verified=True, chunk_id=hit.chunk.chunk_id,
            start=span[0] if span else None, end=span[1] if span else None,
        )  # fmt: skip

    def _fallback(self, question: str, terms: set[str], weights: dict[str, float], hits: list[Hit], why: str) -> Answer:
        answer = self._extractive(question, terms, weights, hits)
        answer.notes.append(f"{why}; dùng câu trích nguyên văn.")
        return answer

    def _checked(self, question: str, ans: Answer, named: str = "") -> Answer:
        """Refuse when the verified quotes do not answer the question (see `assistant.answer.evidence`)."""
        if ans.refused or not ans.citations:
            return ans
        shown = {c.n: ans.passages[c.n - 1] for c in ans.citations if 0 < c.n <= len(ans.passages)}
        evidence = [_evidence_text(h) for h in shown.values()]
        reason = shortfall(question, [c.quote for c in ans.citations], evidence, named)
        if reason is None:
            return ans
        refused = Answer(ans.question, REFUSAL, "refused", passages=ans.passages, notes=[*ans.notes, f"Từ chối: {reason}."])
        refused.timings.update(ans.timings)
        return refused

    def _doc_texts(self, hits: list[Hit]) -> dict[str, str]:
        return {h.chunk.doc_id: self._catalog.document_text(h.chunk.doc_id) for h in hits}

    def _extractive(self, question: str, terms: set[str], weights: dict[str, float], hits: list[Hit]) -> Answer:
        """The best sentences of the best passages, quoted verbatim with citations."""
        pool = hits[: self.prompt_passages]
        ranked = [s for s in rank_sentences(terms, pool, weights) if s.score >= self.min_sentence_coverage]
        chosen = ranked[:2]
        if not chosen:
            return Answer(question, REFUSAL, "refused", passages=hits)
        claims = [Claim(s.hit_index + 1, s.sentence, "") for s in chosen]
        verdicts = verify(claims, pool, self._doc_texts(pool))
        citations = [v.citation for v in verdicts if v.citation is not None]
        if not citations:
            return Answer(question, REFUSAL, "refused", passages=hits)
        text = "\n".join(f"Theo {c.doc_id}: “{c.quote}” [{c.n}]" for c in citations)
        return Answer(question, text, "extractive", citations=citations, passages=hits)


def _timed(steps: Steps[Event, None, _R], t0: float, timings: dict[str, float]) -> Steps[Event, None, _R]:
    """Pass the events on, noting when the units and the first answer text were shown (seconds from `t0`)."""
    while True:
        try:
            ev = next(steps)
        except StopIteration as stop:
            return stop.value
        if ev.kind in ("units", "text"):
            timings.setdefault("first_" + ev.kind, time.perf_counter() - t0)
        yield ev


def _evidence_text(hit: Hit) -> str:
    """A cited passage with what is known of its document (number, title, date), for the specifics check."""
    m = hit.meta
    issued = m.issued.isoformat() if m.issued else ""
    return " ".join([m.doc_id, m.title or "", issued, hit.chunk.breadcrumb_text, hit.chunk.text])
