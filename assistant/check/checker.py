"""Draft consistency checker: every statement of a draft against the directives it implements.

For each statement: retrieve passages of the named directives (or of the whole index), add every other
passage of the named directives (`pool`), rank their sentences by IDF-weighted coverage of the statement's
key terms on normalised wording (`wording`: the directive's abbreviations, synonyms), then decide:
1. the dates the statement gives documents, against the catalog (deterministic);
2. the values (percentages, numbers, years, dates, periods, bodies in their roles) and direction against the
   best aligned sentences (deterministic, `compare`, `decide`);
3. coverage: too little overlap is not_covered; a figure no sentence of the directive states is not_covered;
4. what is left goes to the LLM (`judge`), when there is one.
Every quote shown is verified against its passage with `cite.verify`.

A whole draft is checked one statement at a time: `plan` (what comes before the first statement), then
`check_next` per statement, so a caller can give the model to others in between (the service does,
`api/check_turns.py`); `check_text` and `run` do it all in one go. `plan.py` keeps one report from mixing two
states of the index when documents are added or deleted between two statements.

Clearance: `filters.max_access_rank` (the reader's clearance, see `api/service.py`) bounds every look-up a
check makes: the directives it may be checked against (a document above it is "not indexed", exactly like
one that does not exist), every retrieval, term weights, the dates of documents a statement names, and the
amending or replacing documents it notes. Nothing above the clearance reaches a report or the model.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace

from assistant.answer.cite import Claim, verify
from assistant.check import references
from assistant.check.compare import Comparison, Difference, compare, cue_terms, rewrite
from assistant.check.decide import Evidence, Thresholds, decide, evidence
from assistant.check.direction import has_principal
from assistant.check.judge import CheckTemplates, focus, judge, suggest_rewrite
from assistant.check.plan import CheckPlan, compare_index, pin
from assistant.check.pool import Directives, Pool, Scored
from assistant.check.results import CheckReport, StatementCheck, Verdict
from assistant.check.statements import Statement, names_a_document, split_statements
from assistant.search.catalog import Catalog
from assistant.search.rerank import rerank
from assistant.search.retrieve import Retriever
from assistant.text.docnumbers import find_refs, prepare, reference_spans
from assistant.text.normalize import match_key, normalize_text
from assistant.text.terms import key_terms, tokenize
from assistant.types import Citation, DocMeta, Filters, Generator, Hit

Progress = Callable[[int, int], None]
# framing words of a draft sentence that say nothing about its content
_FRAMING_WORDS = "nghị quyết kết luận chỉ thị theo yêu cầu xác định tinh thần giao đơn vị báo cáo dự thảo"
_FRAMING = frozenset(_FRAMING_WORDS.split())
_NAME_ONLY = "Chỉ là tên một văn bản, không có nhận định để đối chiếu."
_MIN_TERMS = 5  # a statement with fewer key terms is too short for the model to judge; coverage decides
_FIGURE_SCAN = 40  # sentences past the best ones searched for a statement's figures
DIRECTION_COVERAGE = 0.6  # coverage at which a reversed cue in the best sentence makes a contradiction
SURE_COVERAGE = 0.85  # coverage at which rules call a statement consistent without asking the model


class Checker:
    def __init__(
        self,
        retriever: Retriever,
        catalog: Catalog,
        generator: Generator | None,
        templates: CheckTemplates | None,
        *,
        check_top_k: int,
        check_passages: int,
        check_min_coverage: float,
        check_consistent_coverage: float,
        check_use_model: bool,
    ) -> None:
        """Every keyword argument is the setting of the same name (`settings.py` describes it and holds its default)."""
        self.retriever = retriever
        self._catalog = catalog
        self._model = generator if templates is not None else None
        # The model decides only what the rules leave open, and only when asked to (`use_model`): on 40 statements of
        # a real draft (CV-402) it took 300 s of the 309, raised a false contradiction and called the one misread
        # target consistent, and it was not measured to improve the development set, so checks are rules-only by
        # default (the `check_use_model` setting carries this).
        self.check_use_model = check_use_model
        self._tpl = templates
        self.check_top_k = check_top_k
        self.check_passages = check_passages
        self.check_min_coverage = check_min_coverage
        self.check_consistent_coverage = check_consistent_coverage
        self._directives = Directives(catalog)

    # --- directives ------------------------------------------------------------------------------
    @property
    def _gen(self) -> Generator | None:
        return self._model if self.check_use_model else None

    def resolve(self, against: Sequence[str], filters: Filters | None = None) -> tuple[list[str], list[str]]:
        """(doc ids of the named directives, errors for names with no indexed document). A document above the
        clearance in `filters` gets the same error as one that was never indexed."""
        docs = self.retriever.visible(filters or Filters())
        ids: list[str] = []
        errors: list[str] = []
        for name in against:
            want = normalize_text(name).upper().replace(" ", "")
            found = sorted({m.doc_id for m in docs.values() if normalize_text(m.doc_id).upper() == want})
            if not found:
                keys, _ = self.retriever.resolve(find_refs(name), docs)
                found = sorted({docs[k].doc_id for k in keys})
            if not found:
                errors.append(f"Văn bản {name} không có trong kho tài liệu đã nạp.")
            ids += [f for f in found if f not in ids]
        return ids, errors

    # --- a whole draft, one statement at a time ---------------------------------------------------
    def run(self, plan: CheckPlan, progress: Progress | None = None) -> CheckReport:
        """Every statement of `plan` in turn; `progress(done, total)` before each statement and once at the end."""
        for _ in plan.turns(progress):
            self.check_next(plan)
        return plan.finish()

    def plan(
        self, name: str, text: str, against: Sequence[str] = (), *, self_id: str | None = None, filters: Filters | None = None
    ) -> CheckPlan:
        """What comes before the first statement (it reads the index, no model): the directives resolved, the
        statements split, the notes on amended directives, and the documents the check may consult pinned
        (`plan.py`). A check that cannot be done has its reason in `plan.report.errors` and nothing to check."""
        ids, errors = self.resolve(against, filters)
        report = CheckReport(draft=name, against=ids, errors=errors)
        statements = [] if errors else split_statements(text)
        if not errors and not statements:
            report.errors.append(f"{name}: không tìm thấy câu nào để kiểm tra.")
        if report.errors:
            return CheckPlan(report, [], ids, filters)
        exclude = {self_id} if self_id and self._holds_draft(self_id, [text[st.start : st.end] for st in statements]) else set()
        visible = self.retriever.visible(filters or Filters())
        report.notes += references.superseded(self._catalog, ids, exclude, set(visible))
        return CheckPlan(report, statements, ids, filters, exclude, pin(self._catalog, visible), self._catalog.generation)

    def check_next(self, plan: CheckPlan) -> None:
        """Check the plan's next statement (it reads the index and may call the model), against the documents
        pinned at the start; if one of them was deleted or replaced meanwhile the check stops with an error."""
        if plan.finished:
            return
        compare_index(plan, self._catalog, lambda: self.retriever.visible(plan.filters or Filters()))
        if plan.report.errors:
            return
        st = plan.statements[plan.done]
        check = self.check_statement(st, plan.ids, exclude=plan.exclude, filters=plan.filters, within=plan.pinned)
        plan.report.checks.append(check)

    # --- one statement ---------------------------------------------------------------------------
    def _holds_draft(self, doc_id: str, statements: Sequence[str]) -> bool:
        """Whether the index holds this draft itself under `doc_id`: at least half of its statements verbatim
        in a document of that id. Only then is the document kept out of its own evidence; a draft pasted
        without a header whose first line names another document ("Thông báo số 10-TB/TU") keeps that one."""
        texts = [match_key(self._catalog.document_text(k)) for k in self._catalog.keys_for_doc_id(doc_id)]
        if not texts:
            return False
        inside = sum(any(match_key(st) in t for t in texts) for st in statements)
        return 2 * inside >= len(statements)

    def check_statement(
        self,
        st: Statement,
        doc_ids: Sequence[str] = (),
        *,
        exclude: set[str] | None = None,
        filters: Filters | None = None,
        within: Collection[str] | None = None,
    ) -> StatementCheck:
        """One statement against the directives `doc_ids` (none: the whole index), within the clearance of `filters`
        and, given `within` (index keys: the documents a check pinned at its start), among those documents only."""
        exclude = exclude or set()
        base = filters or Filters()
        docs = self.retriever.visible(base)
        if within is not None:
            docs = {k: m for k, m in docs.items() if k in within}
        search = replace(base, doc_ids=tuple(doc_ids)) if doc_ids else base
        ret = self.retriever.search(st.text, k=self.check_top_k, filters=search)
        found = [h for h in ret.hits if h.meta.key in docs]
        hits = [h for h in rerank(st.text, found, pinned=frozenset(ret.named)) if h.meta.doc_id not in exclude]
        flags = self._flags(st.text, exclude, docs)
        dated = references.dated_difference(self.retriever, self._catalog, st.text, doc_ids, docs)
        if dated is not None:
            return StatementCheck(st, "contradicts", (dated[1],), (dated[0],), _replace(st.text, dated[0]), flags=tuple(flags))
        if names_a_document(st.text):
            return StatementCheck(st, "not_covered", method="rules", flags=tuple(flags), note=_NAME_ONLY)
        wording = self._directives.wording(doc_ids, docs)
        first = hits[: self.check_passages]
        pool = Pool(first + self._directives.passages(doc_ids, docs, exclude, first), wording)
        own = wording.learn(st.text, pool.text)  # the statement's abbreviations the directive writes out
        canon = own.canon(st.text)
        cues = cue_terms(st.text)
        words = key_terms(canon, drop=ret.ref_text) - _FRAMING
        figures = {t for t in words if any(ch.isdigit() for ch in t)}  # compared as values, not as wording
        terms = (words - figures) | _pairs(canon, words - figures)
        weights = self.retriever.term_weights(terms, base)
        scored = pool.rank(terms, weights, figures, cues)
        ranked = scored[:3]
        if not ranked:
            return StatementCheck(st, "not_covered", method="no evidence", flags=tuple(flags))
        best = ranked[0].score
        comps = [self._compare(st.text, s, pool, weights) for s in ranked]
        if any(c.unaligned for c in comps) or not any(c.engaged for c in comps) or has_principal(st.text):
            ranked, comps = self._figures(st.text, scored, ranked, comps, pool, weights)
        verdict, used, comp, method = self._decide(st, ranked, comps, evidence(st.text, ranked, pool, own), terms, weights)
        cites = self._cite(ranked, pool.hits, first=used)
        diffs: tuple[Difference, ...] = ()
        fix: str | None = None
        note = ""
        if verdict == "contradicts":
            diffs = tuple(comp.differences) if comp is not None and comp.differences else (Difference("direction", "", ""),)
            fix = rewrite(comp, prepare(ranked[used].sentence.text)) if comp is not None else None
            if fix is None and self._gen is not None and self._tpl is not None and cites:
                fix = suggest_rewrite(self._gen, self._tpl, st.text, focus(cites[0].quote, terms, weights))
            if fix is None:
                note = "Chưa có câu viết lại được kiểm chứng; đối chiếu với căn cứ."
        if verdict != "not_covered" and not cites:
            verdict, method, note = "not_covered", "no evidence", "Căn cứ không kiểm chứng được."
        return StatementCheck(st, verdict, tuple(cites), diffs, fix, method, best, tuple(flags), note)

    def _compare(self, statement: str, s: Scored, pool: Pool, weights: dict[str, float]) -> Comparison:
        crumb = pool.hits[s.sentence.hit_index].chunk.breadcrumb_text
        close = s.score >= self.check_consistent_coverage + 0.1
        return compare(statement, s.sentence.reading, crumb, weights, heading=s.sentence.heading, close=close)

    def _figures(
        self, statement: str, scored: list[Scored], ranked: list[Scored], comps: list[Comparison], pool: Pool,
        weights: dict[str, float],
    ) -> tuple[list[Scored], list[Comparison]]:  # fmt: skip
        """The best sentences, and after them up to two more, from anywhere in the directive, that state a value
        of the kind of the statement's figures, periods or dates, or say what is principal when the statement does
        (so "a figure the directive never states" is decided on the whole directive, not on the passages ranked
        first)."""
        extra: list[tuple[Scored, Comparison]] = []
        principal = has_principal(statement)
        for n, s in enumerate(scored[len(ranked) :]):
            if s.score < self.check_min_coverage - (0.1 if principal else 0.0) or (n >= _FIGURE_SCAN and not principal):
                break
            if n >= _FIGURE_SCAN and not has_principal(s.sentence.text):
                continue  # past the scan, only a sentence that says what is principal
            c = self._compare(statement, s, pool, weights)
            # far from the best, only values count, and a direction only when it is what is principal
            c.differences = [d for d in c.differences if d.kind != "body" and (d.kind != "direction" or c.principal)]
            c.differed.discard("body")
            if c.figures or c.differences:
                extra.append((s, c))
                if len(extra) == 2:
                    break
        return ranked + [s for s, _ in extra], comps + [c for _, c in extra]

    def _decide(
        self, st: Statement, ranked: list[Scored], comps: list[Comparison], ev: Evidence, terms: set[str],
        weights: dict[str, float],
    ) -> tuple[Verdict, int, Comparison | None, str]:  # fmt: skip
        """(verdict, index of the sentence it rests on, its comparison, method)."""
        model = self._gen is not None and self._tpl is not None
        sure = SURE_COVERAGE if model else self.check_consistent_coverage
        th = Thresholds(self.check_min_coverage, self.check_consistent_coverage, DIRECTION_COVERAGE, sure)
        short = len({t for t in terms if "_" not in t}) < _MIN_TERMS
        verdict, used, comp = decide(st.text, ranked, comps, ev, th, extra=min(3, len(ranked)), short=short)
        if verdict is not None:
            return verdict, used, comp, "rules"
        if len(terms) < _MIN_TERMS or self._gen is None or self._tpl is None:
            return "not_covered", 0, None, "rules"  # a label or fragment too short to rest a verdict on, or no model
        shown = [focus(s.sentence.text, terms, weights) for s in ranked[:2]]
        mv = judge(self._gen, self._tpl, st.text, shown)
        if mv is None:
            return "not_covered", 0, None, "rules"
        weak = ranked[mv.evidence - 1].score < self.check_consistent_coverage or not ev.named[mv.evidence - 1]
        if mv.verdict == "consistent" and weak:
            return "not_covered", mv.evidence - 1, None, "model"  # too little shared wording to rest a "consistent" on
        return mv.verdict, mv.evidence - 1, None, "model"

    def _cite(self, ranked: list[Scored], pool: list[Hit], first: int) -> list[Citation]:
        order = [first] + [i for i in range(len(ranked)) if i != first]
        claims = [Claim(ranked[i].sentence.hit_index + 1, ranked[i].sentence.text, "") for i in order[:2]]
        used = {ranked[i].sentence.hit_index for i in order[:2]}
        texts = {pool[i].chunk.doc_id: self._catalog.document_text(pool[i].chunk.doc_id) for i in used}
        return [v.citation for v in verify(claims, pool, texts) if v.citation is not None]

    def _flags(self, text: str, exclude: set[str], docs: dict[str, DocMeta]) -> list[str]:
        named = [m.doc_id for m in references.named_documents(self.retriever, text, docs)]
        formal = [r[2] for r in reference_spans(text)]
        return references.superseded(self._catalog, list(dict.fromkeys(named + formal)), exclude, set(docs))


def _pairs(text: str, terms: set[str]) -> set[str]:
    """Syllable pairs of the statement whose both syllables are key terms ("tổ_công", "công_tác"): compounds
    that single syllables, common across the corpus, do not tell apart."""
    words = tokenize(text, bigrams=False)
    return {f"{a}_{b}" for a, b in itertools.pairwise(words) if a in terms and b in terms}


def _replace(text: str, d: Difference) -> str | None:
    p = prepare(text)
    return p[: d.start] + d.directive + p[d.end :] if d.start >= 0 else None
