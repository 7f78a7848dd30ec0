"""Answer design `copy`: the model copies a verbatim quote per claim, and each quote is verified against its
passage (`assistant.answer.cite`). The earlier design, kept as a setting (`answer_mode: copy`) for comparison."""

from __future__ import annotations

import time
from collections.abc import Callable
from collections.abc import Generator as Steps

from assistant.answer.cite import AnswerTextStream, Claim, clean_answer, parse_claims, verify
from assistant.answer.evidence import relevant
from assistant.answer.prompt import ANSWER_SCHEMA, Templates, build_messages, select_passages
from assistant.search.catalog import Catalog
from assistant.types import Answer, Citation, Event, Generator, Hit


class CopyDesign:
    """The `copy` design's steps, mixed into `Answerer` (which provides the attributes and methods named here)."""

    _gen: Generator | None
    _tpl: Templates
    _catalog: Catalog
    prompt_passages: int
    prompt_sentences: int
    llm_max_tokens: int
    _extractive: Callable[[str, set[str], dict[str, float], list[Hit]], Answer]
    _checked: Callable[[str, Answer, str], Answer]
    _doc_texts: Callable[[list[Hit]], dict[str, str]]

    def _copy(
        self, question: str, search_q: str, ref_text: str, terms: set[str], weights: dict[str, float], hits: list[Hit],
        pieces: list[str], timings: dict[str, float], notes: list[str], done: Callable[..., Event],
    ) -> Steps[Event, None, None]:  # fmt: skip
        """The `copy` design: the model copies a quote per claim; each is verified against its passage."""
        assert self._gen is not None
        items = select_passages(search_q, hits, passages=self.prompt_passages, sentences=self.prompt_sentences)
        budget = self._gen.context_size - self.llm_max_tokens - 64
        messages, items = build_messages(self._tpl, question, items, count_tokens=self._gen.count_tokens, budget=budget)
        t1 = time.perf_counter()
        prose = AnswerTextStream()
        try:
            for piece in self._gen.stream(messages, json_schema=ANSWER_SCHEMA):
                pieces.append(piece)
                yield Event("token", text=piece)
                if text := prose.feed(piece):
                    yield Event("text", text=text)
        except RuntimeError as exc:
            notes.append(f"Mô hình lỗi ({exc}); chuyển sang chế độ trích xuất.")
        timings["generate"] = time.perf_counter() - t1
        timings.update({f"llm_{k}": v for k, v in getattr(self._gen, "stats", {}).items()})
        prompt_hits = [p.hit for p in items]
        try:
            _found, claims = parse_claims("".join(pieces))
        except ValueError as exc:
            ans = self._extractive(question, terms, weights, hits)
            ans.notes.append(f"Đầu ra của mô hình không đọc được ({exc}); dùng câu trích nguyên văn.")
            yield done(ans)
            return
        answer = self._compose(question, claims, prompt_hits, hits, terms, weights)
        if answer is None:
            answer = self._extractive(question, terms, weights, hits)
            answer.notes.append("Không trích dẫn nào của mô hình được kiểm chứng; dùng câu trích nguyên văn.")
        else:
            checked = self._checked(search_q, answer, ref_text)
            if checked.refused:
                # The model quoted true sentences that do not answer the question (a "how much" answered
                # without a figure). The best verified sentences get the same checks before a refusal.
                second = self._checked(search_q, self._extractive(question, terms, weights, hits), ref_text)
                if not second.refused:
                    second.notes.append(f"{checked.notes[-1]} (ý của mô hình); dùng câu trích nguyên văn.")
                    checked = second
            yield done(checked, checked=True)
            return
        yield done(answer)

    def _compose(
        self, question: str, claims: list[Claim], prompt_hits: list[Hit], hits: list[Hit], terms: set[str],
        weights: dict[str, float],
    ) -> Answer | None:  # fmt: skip
        verdicts = verify(claims, prompt_hits, self._doc_texts(prompt_hits), question)
        kept = [v for v in verdicts if v.citation is not None]
        dropped = [v for v in verdicts if v.citation is None]
        if not kept:
            return None
        on_topic = relevant([v.citation.quote for v in kept if v.citation is not None], terms, weights)
        off_topic = len(kept) - sum(on_topic)
        kept = [v for v, ok in zip(kept, on_topic, strict=True) if ok]
        lines = []
        citations: list[Citation] = []
        for v in kept:
            assert v.citation is not None
            text = clean_answer(v.claim.answer) or v.citation.quote
            lines.append(f"{text} [{v.citation.n}]")
            if all(c.n != v.citation.n or c.quote != v.citation.quote for c in citations):
                citations.append(v.citation)
        notes = [f"Đã loại một ý không kiểm chứng được: {v.reason}." for v in dropped]
        notes += [
            f"Mô hình ghi đoạn [{v.claim.passage}] cho một trích dẫn nằm ở đoạn [{v.citation.n}]; đã ghi đúng đoạn."
            for v in kept
            if v.citation is not None and v.citation.n != v.claim.passage
        ]
        if off_topic:
            notes.append(f"Đã bỏ {off_topic} trích dẫn ít liên quan tới câu hỏi.")
        return Answer(question, "\n".join(lines), "generated", citations=citations, passages=hits, notes=notes)
