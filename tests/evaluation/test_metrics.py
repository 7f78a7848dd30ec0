from __future__ import annotations

import math
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.evaluation.metrics import (
    _key,
    answer_correctness,
    doc_matches,
    key_term_share,
    per_item_scores,
    percentile,
    quotes_found,
    summarize,
    token_f1,
)
from assistant.normalize import match_key

# --- record builders (also used by test_report and test_compare) ---------------------------


def passage(rank: int, doc_id: str, ordinal: int, text: str, *, source_name: str | None = None) -> dict[str, Any]:
    return {
        "rank": rank,
        "chunk_id": f"{doc_id}#{ordinal}",
        "doc_id": doc_id,
        "source_name": source_name or f"{doc_id.replace('/', '-')}.md",
        "ordinal": ordinal,
        "breadcrumb": f"Mục {ordinal}",
        "score": 1.0 / rank,
        "text": text,
    }


def question(
    rid: str,
    retrieved: list[dict[str, Any]],
    expected_docs: list[str],
    *,
    expected_quotes: list[str] | None = None,
    answerable: bool = True,
    answer: dict[str, Any] | None = None,
    reference_answer: str | None = None,
    kind: str = "by_number",
    timings: dict[str, float] | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    return {
        "id": rid,
        "type": "question",
        "kind": kind,
        "question": f"Câu hỏi {rid}?",
        "answerable": answerable,
        "expected_docs": expected_docs,
        "expected_quotes": expected_quotes or [],
        "reference_answer": reference_answer,
        "retrieved": retrieved,
        "answer": answer,
        "timings": timings or {},
        "error": error,
    }


def answer(text: str, mode: str = "generated", citations: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"text": text, "mode": mode, "citations": citations or []}


def citation(n: int, p: dict[str, Any], quote: str, *, verified: bool = True) -> dict[str, Any]:
    return {"n": n, "doc_id": p["doc_id"], "chunk_id": p["chunk_id"], "quote": quote, "verified": verified}


def draft(
    rid: str, expected: str, predicted: str | None, *, evidence: list[str] | None = None, found: list[str] | None = None
) -> dict[str, Any]:
    return {
        "id": rid,
        "type": "draft",
        "statement": f"Nhận định {rid}.",
        "against": ["57-NQ/TW"],
        "expected_verdict": expected,
        "evidence_quotes": evidence or [],
        "predicted": None
        if predicted is None
        else {"verdict": predicted, "evidence": [{"doc_id": "57-NQ/TW", "quote": q} for q in found or []]},
        "timings": {},
    }


QUOTE = "Đến năm 2030, tiềm lực khoa học công nghệ đạt mức tiên tiến"


# --- document matching and ranking metrics --------------------------------------------------


def ranking_record() -> dict[str, Any]:
    retrieved = [
        passage(1, "20-NQ/TW", 1, "khác"),
        passage(2, "57-nq/ tw", 3, "một"),  # same canonical id, other case and spacing
        passage(3, "57-NQ/TW", 4, "hai"),  # a second passage of the same doc: no extra gain
        passage(4, "69-KL/TW", 1, "ba"),
        passage(5, "03/NQ-CP", 2, "bốn"),
    ] + [passage(r, f"{r}-X/Y", 1, "x") for r in range(6, 12)]
    return question("r1", retrieved, ["57-NQ/TW", "03/NQ-CP"])


def test_doc_recall_hit_mrr_ndcg_known_values() -> None:
    scores = per_item_scores(ranking_record())
    assert scores["doc_recall@1"] == 0.0
    assert scores["doc_recall@3"] == 0.5
    assert scores["doc_recall@5"] == 1.0
    assert scores["doc_recall@10"] == 1.0
    assert (scores["doc_hit@1"], scores["doc_hit@3"]) == (0.0, 1.0)
    assert scores["rr"] == 0.5
    dcg = 1 / math.log2(3) + 1 / math.log2(6)
    ideal = 1 + 1 / math.log2(3)
    assert scores["ndcg@10"] == pytest.approx(dcg / ideal)
    metrics = summarize([ranking_record()])["metrics"]
    assert metrics["mrr@10"] == 0.5
    assert "quote_recall@5" not in metrics  # no item has expected quotes


def test_ranking_uses_rank_field_not_list_order() -> None:
    record = ranking_record()
    record["retrieved"].reverse()
    assert per_item_scores(record)["rr"] == 0.5


def test_ndcg_never_exceeds_one_with_duplicate_passages() -> None:
    record = question("d", [passage(r, "57-NQ/TW", r, "x") for r in range(1, 6)], ["57-NQ/TW"])
    scores = per_item_scores(record)
    assert scores["ndcg@10"] == 1.0
    assert scores["rr"] == 1.0


def test_label_file_id_and_canonical_ids() -> None:
    p = passage(1, "file:000_x", 0, "văn bản", source_name="000_x.txt")
    assert doc_matches("label:000_x.txt", p)
    assert not doc_matches("label:001_y.txt", p)
    assert not doc_matches("000_x.txt", p)
    q = passage(1, "3260-KH/ĐĐQH15", 0, "x")
    assert doc_matches(unicodedata.normalize("NFD", "3260-kh/đđqh15"), q)
    assert doc_matches(" 3260 - KH/ĐĐQH15 ", q)
    record = question("l", [passage(1, "20-NQ/TW", 0, "a"), p], ["label:000_x.txt"])
    assert per_item_scores(record)["doc_hit@1"] == 0.0
    assert per_item_scores(record)["doc_hit@3"] == 1.0


def test_error_record_counts_as_miss() -> None:
    records = [ranking_record(), question("e", [], ["57-NQ/TW"], error="timeout")]
    summary = summarize(records)
    assert summary["metrics"]["mrr@10"] == 0.25
    assert summary["counts"]["errors"] == 1


# --- quotes --------------------------------------------------------------------------------


def test_quote_split_across_consecutive_chunks_counts() -> None:
    a = passage(1, "57-NQ/TW", 4, "Mục tiêu. Đến năm 2030, tiềm lực khoa học")
    other = passage(2, "03/NQ-CP", 1, "không liên quan")
    b = passage(3, "57-NQ/TW", 5, "công nghệ đạt mức tiên tiến trong khu vực.")
    record = question("q", [a, other, b], ["57-NQ/TW"], expected_quotes=[QUOTE])
    scores = per_item_scores(record)
    assert scores["quote_recall@1"] == 0.0
    assert scores["quote_recall@3"] == 1.0
    assert quotes_found([QUOTE], [b, a]) == [True]  # rank order does not matter, ordinals do


def test_quote_split_across_overlapping_chunks_counts() -> None:
    a = passage(1, "57-NQ/TW", 4, "Mục tiêu. Đến năm 2030, tiềm lực khoa học công nghệ")
    b = passage(2, "57-NQ/TW", 5, "tiềm lực khoa học công nghệ đạt mức tiên tiến.")
    assert quotes_found([QUOTE], [a, b]) == [True]


def test_quote_split_across_non_consecutive_chunks_does_not_count() -> None:
    a = passage(1, "57-NQ/TW", 4, "Mục tiêu. Đến năm 2030, tiềm lực khoa học")
    b = passage(2, "57-NQ/TW", 6, "công nghệ đạt mức tiên tiến trong khu vực.")
    c = passage(3, "03/NQ-CP", 5, "công nghệ đạt mức tiên tiến trong khu vực.")  # n+1 but another doc
    record = question("q", [a, b, c], ["57-NQ/TW"], expected_quotes=[QUOTE])
    assert per_item_scores(record)["quote_recall@10"] == 0.0


def test_nfd_quote_matches_nfc_passage_with_markdown_noise() -> None:
    text = "**Đến năm 2030**, tiềm lực khoa học   công nghệ\nđạt mức tiên tiến. Hoà nhập."
    p = passage(1, "57-NQ/TW", 1, unicodedata.normalize("NFC", text))
    nfd = unicodedata.normalize("NFD", QUOTE)
    assert nfd != QUOTE
    assert quotes_found([nfd, "Hòa nhập", "không có"], [p]) == [True, True, False]
    record = question("n", [p], ["57-NQ/TW"], expected_quotes=[nfd, "không có"])
    assert per_item_scores(record)["quote_recall@1"] == 0.5
    assert summarize([record])["metrics"]["quote_recall@1"] == 0.5


# --- answers -------------------------------------------------------------------------------


def test_unanswerable_refused_is_correct_answered_is_false_answer() -> None:
    p = passage(1, "57-NQ/TW", 1, "x")
    refused = question("u1", [p], [], answerable=False, answer=answer("Không tìm thấy.", "refused"))
    answered = question("u2", [p], [], answerable=False, answer=answer("Có, 50%.", "generated"))
    ok = question("a1", [p], ["57-NQ/TW"], answer=answer("Có.", "generated"))
    wrongly_refused = question("a2", [p], ["57-NQ/TW"], answer=answer("Không tìm thấy.", "refused"))
    assert per_item_scores(refused)["abstention_ok"] == 1.0
    assert per_item_scores(answered)["abstention_ok"] == 0.0
    assert "rr" not in per_item_scores(refused)  # unanswerable items have no retrieval scores
    m = summarize([refused, answered, ok, wrongly_refused])["metrics"]
    assert m["abstention_accuracy"] == 0.5
    assert m["false_answer_rate"] == 0.5
    assert m["false_refusal_rate"] == 0.5
    m = summarize([refused])["metrics"]
    assert (m["abstention_accuracy"], m["false_answer_rate"]) == (1.0, 0.0)
    assert "false_refusal_rate" not in m


def test_citation_precision_and_recall() -> None:
    good = passage(1, "57-NQ/TW", 1, f"Mục tiêu: {QUOTE} trong khu vực.")
    off = passage(2, "57-NQ/TW", 9, "Một đoạn khác về tổ chức thực hiện.")
    cites = [citation(1, good, "tiềm lực khoa học công nghệ"), citation(2, off, "tổ chức thực hiện")]
    record = question(
        "c", [good, off], ["57-NQ/TW"], expected_quotes=[QUOTE], answer=answer("Đạt mức tiên tiến [1][2].", citations=cites)
    )
    scores = per_item_scores(record)
    assert scores["citation_precision"] == 0.5
    assert scores["citation_recall"] == 1.0
    # an invented citation (quote not in the passage, so not verified) lowers precision
    invented = citation(3, good, "đạt mức dẫn đầu thế giới", verified=False)
    record["answer"]["citations"].append(invented)
    m = summarize([record])["metrics"]
    assert m["citation_precision"] == pytest.approx(1 / 3)
    assert m["citation_recall"] == 1.0
    # with only the invented citation, the expected quote is not covered
    record["answer"]["citations"] = [invented]
    assert per_item_scores(record)["citation_recall"] == 0.0
    assert summarize([record])["metrics"]["citation_precision"] == 0.0


def test_citation_precision_is_pooled_over_citations_and_doc_based_without_quotes() -> None:
    p57 = passage(1, "57-NQ/TW", 1, "Nội dung A")
    p20 = passage(2, "20-NQ/TW", 1, "Nội dung B")
    one = question("x", [p57, p20], ["57-NQ/TW"], answer=answer("A", citations=[citation(1, p57, "A")]))
    three = question(
        "y",
        [p57, p20],
        ["20-NQ/TW"],
        answer=answer("B", citations=[citation(1, p57, "A"), citation(2, p57, "A"), citation(3, p20, "B")]),
    )
    m = summarize([one, three])["metrics"]
    assert m["citation_precision"] == 0.5  # 2 good of 4 citations, not mean(1, 1/3)
    assert "citation_recall" not in m  # no expected quotes anywhere
    assert summarize([one, three])["counts"]["citations"] == 4


def test_refused_answerable_item_has_zero_citation_recall_and_no_correctness() -> None:
    p = passage(1, "57-NQ/TW", 1, QUOTE)
    record = question("r", [p], ["57-NQ/TW"], expected_quotes=[QUOTE], reference_answer="Đạt mức tiên tiến.",
                      answer=answer("Không tìm thấy.", "refused"))  # fmt: skip
    scores = per_item_scores(record)
    assert scores["citation_recall"] == 0.0
    assert "correctness" not in scores
    assert "answer_correctness" not in summarize([record])["metrics"]


def test_answer_correctness_known_values() -> None:
    # reference tokens: mục tiêu 30 năm 2030; answer tokens: mục tiêu là 30 -> P 3/4, R 3/5, F1 2/3
    # key terms: 30%, 2030 ("Mục" starts the sentence: not a key term) -> answer has 30% -> 1/2
    assert token_f1("Mục tiêu là 30% [1].", "Mục tiêu 30% năm 2030") == pytest.approx(2 / 3)
    assert key_term_share("Mục tiêu là 30% [1].", "Mục tiêu 30% năm 2030") == 0.5
    assert answer_correctness("Mục tiêu là 30% [1].", "Mục tiêu 30% năm 2030") == pytest.approx(0.5 * 0.5 + 0.5 * 2 / 3)
    # key terms: the document number, the capitalised words Bộ, Chính (not "Theo": sentence start)
    ref = "Theo 57-NQ/TW, Bộ Chính trị chỉ đạo. Ban hành năm 2024."
    assert key_term_share("57-nq/tw; bộ chính trị; 2024", ref) == 1.0
    assert key_term_share("Theo 20-NQ/TW, Bộ ban hành năm 2025.", ref) == pytest.approx(1 / 4)
    ref = "Nghị quyết 57-NQ/TW đặt mục tiêu 30% GDP."
    assert answer_correctness(ref, ref) == pytest.approx(1.0)
    assert answer_correctness("không liên quan", ref) == 0.0
    # document numbers match after canonicalisation; no key terms -> token F1 alone
    assert answer_correctness("theo 57-nq/tw", "theo 57-NQ/TW") > answer_correctness("theo 20-NQ/TW", "theo 57-NQ/TW")
    assert answer_correctness("có thể", "có thể được") == pytest.approx(token_f1("có thể", "có thể được"))
    p = passage(1, "57-NQ/TW", 1, "x")
    a = question("k", [p], ["57-NQ/TW"], reference_answer="Mục tiêu 30% năm 2030", answer=answer("Mục tiêu là 30%."))
    b = question("l", [p], ["57-NQ/TW"], reference_answer="Mục tiêu 30% năm 2030", answer=answer("Mục tiêu 30% năm 2030"))
    m = summarize([a, b])["metrics"]
    assert m["answer_correctness"] == pytest.approx((0.5 * 0.5 + 0.5 * 2 / 3 + 1) / 2)
    assert m["answer_token_f1"] == pytest.approx((2 / 3 + 1) / 2)


def test_retrieval_only_run_has_no_answer_metrics() -> None:
    m = summarize([ranking_record()])["metrics"]
    assert not {"abstention_accuracy", "citation_precision", "answer_correctness"} & set(m)


# --- drafts --------------------------------------------------------------------------------


def test_drafts_not_run_are_not_failures() -> None:
    summary = summarize([ranking_record(), draft("d1", "contradicts", None), draft("d2", "consistent", None)])
    assert summary["drafts"] == "not run"
    assert not any(k.startswith("draft_") or k in ("contradicts_recall", "evidence_recall") for k in summary["metrics"])
    assert summary["counts"]["drafts"] == 2 and summary["counts"]["drafts_predicted"] == 0
    assert per_item_scores(draft("d1", "contradicts", None)) == {}


def test_draft_metrics_scored() -> None:
    quote = "Tỷ trọng kinh tế số đạt tối thiểu 30% GDP vào năm 2030"
    records = [
        draft("d1", "contradicts", "contradicts", evidence=[quote], found=[f"Nghị quyết nêu: {quote}."]),
        draft("d2", "contradicts", "consistent", evidence=[quote, "Hoàn thiện thể chế"], found=["30% GDP"]),
        draft("d3", "consistent", "consistent", evidence=[quote], found=["kinh tế số đạt tối thiểu 30% GDP vào năm"]),
        draft("d4", "not_covered", "consistent"),
        draft("d5", "contradicts", None),  # not predicted: ignored
    ]
    summary = summarize(records)
    m = summary["metrics"]
    assert summary["drafts"] == "scored"
    assert m["draft_accuracy"] == 0.5
    # F1: contradicts 2·1/(2+1), consistent 2·1/(1+3), not_covered 0
    assert m["draft_macro_f1"] == pytest.approx((2 / 3 + 0.5 + 0) / 3)
    assert m["contradicts_recall"] == 0.5
    # d1: found (predicted contains expected); d2: "30% GDP" is under half the quote -> 0 of 2;
    # d3: predicted is a long part of the expected quote -> found
    assert m["evidence_recall"] == pytest.approx((1 + 0 + 1) / 3)
    assert per_item_scores(records[1]) == {"verdict_ok": 0.0, "evidence_recall": 0.0, "overall": 0.0}


# --- latency, kinds, counts ----------------------------------------------------------------


def test_latency_percentiles() -> None:
    records = [question(f"t{i}", [], [], timings={"retrieve": v, "total": 10 * v}) for i, v in
               enumerate([0.5, 0.1, 0.4, 0.2, 0.3])]  # fmt: skip
    records.append(draft("d", "consistent", None) | {"timings": {"check": 2.0}})
    m = summarize(records)["metrics"]
    assert m["latency.retrieve.p50"] == pytest.approx(0.3)
    assert m["latency.retrieve.p95"] == pytest.approx(0.48)
    assert m["latency.total.p95"] == pytest.approx(4.8)
    assert m["latency.check.p50"] == m["latency.check.p95"] == 2.0
    assert percentile([1.0], 95) == 1.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_by_kind_and_counts() -> None:
    hit = question("h", [passage(1, "57-NQ/TW", 1, "x")], ["57-NQ/TW"], kind="by_number")
    miss = question("m", [passage(1, "20-NQ/TW", 1, "x")], ["57-NQ/TW"], kind="paraphrase")
    summary = summarize([hit, miss])
    assert summary["metrics"]["doc_hit@1"] == 0.5
    assert summary["by_kind"]["by_number"]["doc_hit@1"] == 1.0
    assert summary["by_kind"]["paraphrase"]["doc_hit@1"] == 0.0
    assert summary["counts"]["kind.paraphrase"] == 1
    assert summary["counts"]["retrieval_scored"] == 2
    assert summary["drafts"] == "not run"


def test_overall_item_score() -> None:
    p = passage(1, "57-NQ/TW", 1, QUOTE)
    record = question("o", [passage(2, "57-NQ/TW", 1, QUOTE), passage(1, "20-NQ/TW", 1, "x")], ["57-NQ/TW"],
                      expected_quotes=[QUOTE], answer=answer("x", citations=[citation(1, p, QUOTE)]))  # fmt: skip
    scores = per_item_scores(record)
    # rr 0.5, quote_recall@10 1, abstention_ok 1, citation_recall 1
    assert scores["overall"] == pytest.approx((0.5 + 1 + 1 + 1) / 4)


# --- the fast match key agrees with normalize.match_key ---------------------------------------

_ALPHABET = "aoeuyAOUYqQđĐ \t\n\u00a0.,*_`#|>~\\-[]()!0123àáảãạòóỏõọùúủũụỳýỷỹỵÒÓỎÕỌ\u0300\u0301\u0309\u0303\u0323"


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=40))
def test_fast_key_matches_match_key(text: str) -> None:
    assert _key(text) == match_key(text)


def test_fast_key_matches_match_key_on_real_documents(party_dir: Path) -> None:
    checked = 0
    for path in sorted(party_dir.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        for start in range(0, len(text), 700):
            piece = text[start : start + 900]
            assert _key(piece) == match_key(piece), (path.name, start)
            checked += 1
    assert checked > 100
