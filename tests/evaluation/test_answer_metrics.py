"""Answer metrics: abstention, citation precision and recall, token F1, key-term share, correctness."""

from __future__ import annotations

import pytest

from assistant.evaluation.answer_metrics import answer_correctness, key_term_share, token_f1
from assistant.evaluation.metrics import per_item_scores, summarize
from tests.evaluation.records import QUOTE, answer, citation, passage, question


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
    # a number with its year is one key term: 124/2020/NĐ-CP, not 2020/NĐ-CP (which another decree shares)
    ref = "Theo 124/2020/NĐ-CP."
    assert key_term_share("theo 124/2020/nđ-cp", ref) == 1.0
    assert key_term_share("theo 125/2020/NĐ-CP", ref) == 0.0
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
