"""Direction of a position: restriction and negation cues, what is principal, clause by clause."""

from __future__ import annotations

from assistant.check.bodies import same_role
from assistant.check.compare import compare
from assistant.check.decide import Evidence, Thresholds, decide
from assistant.check.direction import direction_difference, has_principal
from assistant.check.pool import Scored, Sentence
from assistant.check.wording import fold_synonyms

TH = Thresholds(min_coverage=0.3, consistent=0.6, direction=0.6, wording_only=0.6)
DRIVER = (
    "- Chuyển đổi số, phát triển khoa học, công nghệ và đổi mới sáng tạo là nhiệm vụ chính trị trọng tâm, là động lực "
    "chủ yếu để phát triển nhanh và bền vững tỉnh Hòa Lâm; phải được triển khai đồng bộ."
)
FUNDS = (
    "Ngân sách chi cho nghiên cứu, phát triển khoa học, công nghệ ưu tiên thực hiện thông qua các quỹ phát triển khoa học "
    "và công nghệ."
)


def test_what_is_principal_after_an_appositive_chain() -> None:
    # the subject of "là động lực chủ yếu" is the one before the first "là" of the chain
    turned = direction_difference(
        "Nghị quyết xác định thu hút đầu tư nước ngoài là động lực chủ yếu để phát triển nhanh và bền vững tỉnh Hòa Lâm.", DRIVER
    )
    assert turned is not None and turned.principal
    assert turned.directive == "đổi mới sáng tạo"


def test_a_subject_named_in_part_is_the_same_subject() -> None:
    stated = "Nghị quyết xác định chuyển đổi số là động lực chủ yếu để phát triển nhanh và bền vững tỉnh Hòa Lâm."
    assert direction_difference(stated, DRIVER) is None


def test_giu_vai_tro_chu_yeu_is_la_chu_yeu() -> None:
    sentence = "Có cơ chế hợp tác công tư để phát triển hạ tầng số hiện đại, trong đó nguồn lực nhà nước là chủ yếu."
    same = "Trong hợp tác công tư phát triển hạ tầng số hiện đại, nguồn lực nhà nước giữ vai trò chủ yếu."
    assert has_principal(same) and direction_difference(same, sentence) is None
    other = "Trong hợp tác công tư phát triển hạ tầng số hiện đại, nguồn lực tư nhân đóng vai trò chủ yếu."
    turned = direction_difference(other, sentence)
    assert turned is not None and turned.principal


def test_policy_abbreviations_written_out_before_comparing_subjects() -> None:
    assert fold_synonyms("phát triển KH,CN, ĐMST và CĐS") == "phát triển khoa học,công nghệ, đổi mới sáng tạo và chuyển đổi số"
    role = " quốc gia là đột phá quan trọng hàng đầu, là động lực chính để phát triển nhanh."
    sentence = "Phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số" + role
    stated = "Nghị quyết xác định phát triển KH,CN, ĐMST và CĐS" + role
    assert direction_difference(stated, sentence) is None


def test_kem_hieu_qua_is_khong_hieu_qua_not_a_reversal() -> None:
    sentence = "Sáp nhập, giải thể các tổ chức khoa học và công nghệ hoạt động không hiệu quả."
    assert direction_difference("Sáp nhập, giải thể các tổ chức khoa học và công nghệ hoạt động kém hiệu quả.", sentence) is None
    turned = direction_difference("Sáp nhập, giải thể các tổ chức khoa học và công nghệ hoạt động hiệu quả.", sentence)
    assert turned is not None  # the negation dropped: the opposite position


def test_a_clause_turned_on_its_own_terms_is_strong() -> None:
    stated = "Ngân sách chủ yếu cấp trực tiếp cho đề tài, hạn chế thực hiện thông qua các quỹ phát triển khoa học và công nghệ."
    turned = direction_difference(stated, FUNDS)
    assert turned is not None and turned.strong and turned.stated == "hạn chế"
    weak = direction_difference("Hạn chế các quỹ.", FUNDS)
    assert weak is None or not weak.strong


def test_a_strong_reversal_needs_less_coverage_of_the_whole_statement() -> None:
    stated = "Ngân sách chủ yếu cấp trực tiếp cho đề tài, hạn chế thực hiện thông qua các quỹ phát triển khoa học và công nghệ."
    comp = compare(stated, FUNDS)
    assert comp.strong

    def at(score: float) -> str | None:
        ranked = [Scored(Sentence(0, FUNDS, "", FUNDS, frozenset(), False), score)]
        return decide(stated, ranked, [comp], Evidence([True], [True]), TH, extra=1)[0]

    assert at(0.43) == "contradicts"
    assert at(0.35) != "contradicts"  # below min_coverage + 0.1


def test_restriction_against_a_sentence_with_no_cue() -> None:
    sentence = "Thành lập tổ chức khoa học và công nghệ có vốn nước ngoài tại Việt Nam; thu hút chuyên gia nước ngoài."
    turned = direction_difference("Chỉ cho phép thành lập tổ chức khoa học và công nghệ có vốn nhà nước tại Việt Nam.", sentence)
    assert turned is not None and turned.stated == "chỉ cho phép" and turned.strong


def test_doers_of_one_task_share_a_role() -> None:
    assert same_role("monitor", "lead") and same_role("task:kiểm tra", "lead") and same_role("report", "monitor")
    assert not same_role("partner", "lead") and not same_role("recipient", "report") and not same_role("head", "lead")
    sentence = (
        "Văn phòng Trung ương Đảng phối hợp với Ban Kinh tế Trung ương theo dõi, kiểm tra, đánh giá kết quả thực hiện Nghị quyết."
    )
    swapped = compare(
        "Nghị quyết giao Ban Tuyên giáo Trung ương theo dõi, kiểm tra, đánh giá kết quả thực hiện Nghị quyết.", sentence
    )
    assert [(d.kind, d.directive) for d in swapped.differences] == [("body", "Văn phòng Trung ương Đảng")]
    same = compare(
        "Nghị quyết giao Văn phòng Trung ương Đảng theo dõi, kiểm tra, đánh giá kết quả thực hiện Nghị quyết.", sentence
    )
    assert same.differences == [] and "body" in same.agreed
