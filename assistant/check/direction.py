"""Direction of a position, clause by clause: does the statement promote what the directive restricts, or the
other way round?

Signals, in each clause (split at ";", ",", "nhưng", "song"):
- cue words: restricting (hạn chế, siết chặt, nghiêm cấm, không chấp nhận …) or promoting (khuyến khích, cho
  phép, ưu đãi, chấp nhận …); "không" before a cue flips it, "chỉ" before a promoting cue makes it a restriction
  ("chỉ cho phép");
- negation: a clause that negates ("không", "chưa", "chẳng") a verb the matching directive clause asserts;
- what is principal: "A là chủ yếu / chủ đạo" or "chủ yếu dựa vào A" against the directive's "B là chủ yếu".

Clauses are matched by their shared key terms, so mixed cues in one sentence do not cancel out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.check.wording import fold_synonyms
from assistant.text.normalize import fold
from assistant.text.terms import STOPWORDS

_W = r"[\wà-ỹđ]"
NEG = ("hạn chế", "siết chặt", "nghiêm cấm", "cấm", "không cho phép", "không khuyến khích", "cắt giảm", "thu hẹp",
       "tạm dừng", "dừng", "ngừng", "loại bỏ", "xóa bỏ", "bãi bỏ", "không chấp nhận", "giảm dần", "giảm", "hạ", "tập trung hóa",
       "thu hồi", "không thực hiện", "chấm dứt", "thắt chặt", "khống chế", "từ chối", "bác bỏ", "không ủng hộ",
       "không được")  # fmt: skip
POS = ("khuyến khích", "cho phép", "ưu đãi", "ưu tiên", "hỗ trợ", "đẩy mạnh", "tăng cường", "thúc đẩy", "mở rộng",
       "chấp nhận", "tạo điều kiện", "tạo thuận lợi", "tăng dần", "tăng", "nâng", "duy trì", "phát huy", "nới lỏng",
       "ủng hộ")  # fmt: skip
_NOT_CUES = re.compile(r"^(?:\s+(?:tầng|trưởng|cường))")  # "hạ tầng", "tăng trưởng": nouns, not a direction
CUE = re.compile(rf"(?<!{_W})(" + "|".join(sorted(map(re.escape, NEG + POS), key=len, reverse=True)) + rf")(?!{_W})")
_NOUN_USE = re.compile(r"(còn|những|các|nhiều|một số|khắc phục|mặt|điểm|yếu kém,?)\s*$")
_NEGATION = re.compile(rf"(?<!{_W})(không|chưa|chẳng|chớ)(?!{_W})")
# within one clause, "kém" / "thiếu" say "not" too ("kém hiệu quả" = "không hiệu quả"); not counted by adds_negation
_CLAUSE_NEGATION = re.compile(rf"(?<!{_W})(không|chưa|chẳng|chớ|kém|thiếu)(?!{_W})")
_CLAUSES = re.compile(r"[;,:]|\s(?:nhưng|song|tuy nhiên|trong khi)\s")
_PURPOSE = re.compile(r"\s(?:để|nhằm)\s")  # a statement's purpose clause carries its own direction
# "A là chủ yếu", "A là động lực chủ yếu", "A giữ vai trò chủ đạo"; the subject A is read before it (`_subject`)
_PRINCIPAL_AFTER = re.compile(
    rf"(?<!{_W})(?:là|giữ vai trò|đóng vai trò|giữ)\s+(?:(?:động lực|nguồn lực|lực lượng|nhân tố|yếu tố|nền tảng|nguồn)\s+)?"
    rf"(?:chủ yếu|chủ đạo|nòng cốt|trụ cột|trung tâm|chủ thể|quyết định|then chốt|động lực chính|hàng đầu)(?!{_W})"
)
_SUBJECT_END = re.compile(r"[;.:!?()\n]|(?<![\wà-ỹđ])(?:trong đó|nhưng|song|còn)(?![\wà-ỹđ])")
_PRINCIPAL_TAKEN = re.compile(rf"lấy\s+((?:{_W}+\s*){{1,4}}?)\s+làm\s+(?:trung tâm|gốc|nền tảng|chủ thể|động lực)(?!{_W})")
_PRINCIPAL_BEFORE = re.compile(rf"chủ yếu\s+(?:dựa vào|dựa trên|từ|do|bằng|là)\s+((?:{_W}+\s*){{1,4}})")
_FILLER = frozenset(["trong", "đó", "thì", "mà", "là", "của", "các", "những", "định", "xác", "quyết", "nghị"])


@dataclass(frozen=True)
class DirectionDifference:
    stated: str  # the statement's cue (or principal phrase) as folded text
    directive: str
    principal: bool = False  # "B là chủ yếu" against "A là chủ yếu": specific enough to need less shared wording
    cue: bool = False  # opposite cue words in matching clauses ("thu hẹp" / "tăng cường hợp tác quốc tế")
    strong: bool = False  # the clause that turned shares most of its key terms (four at least) with the sentence's


def _noun_use(folded: str, m: re.Match[str]) -> bool:
    """Whether a "hạn chế" is a noun ("còn nhiều hạn chế": shortcomings), not a restriction."""
    return m.group(1) == "hạn chế" and bool(_NOUN_USE.search(folded[max(0, m.start() - 20) : m.start()]))


def _signs(t: str) -> list[tuple[int, str]]:
    out = []
    for m in CUE.finditer(t):
        cue = m.group(1)
        if _noun_use(t, m) or _NOT_CUES.match(t[m.end() : m.end() + 8]):
            continue  # "còn nhiều hạn chế": shortcomings, not a restriction; "hạ tầng"
        before = t[max(0, m.start() - 20) : m.start()]
        sign = -1 if cue in NEG else 1
        if re.search(rf"(?<!{_W})không\s*$", before) and not cue.startswith("không"):
            sign = -sign
        elif sign > 0 and re.search(rf"(?<!{_W})chỉ\s*$", before):
            sign, cue = -1, "chỉ " + cue  # "chỉ cho phép": a restriction
        out.append((sign, cue))
    return out


def polarity(text: str) -> tuple[int, str]:
    """(+1 promoting, -1 restricting, 0 neither or both, the cue) over the whole text."""
    signs = _signs(fold(text))
    kinds = {s for s, _ in signs}
    return (signs[0][0], signs[0][1]) if len(kinds) == 1 else (0, "")


def adds_negation(statement: str, sentence: str) -> bool:
    """Whether the statement negates ("không", "chưa") more than the sentence does: then shared words prove nothing."""
    return len(_NEGATION.findall(fold_synonyms(statement))) > len(_NEGATION.findall(fold_synonyms(sentence)))


def cue_terms(text: str) -> set[str]:
    """Syllables of the direction cue words in `text` (compared by direction, not by coverage)."""
    t = fold(text)
    return {w for m in CUE.finditer(t) if not _NOT_CUES.match(t[m.end() : m.end() + 8]) for w in m.group(1).split()}


def _terms(clause: str) -> set[str]:
    words = set(re.findall(rf"{_W}+", clause)) - STOPWORDS
    return {w for w in words if len(w) > 1 and not w.isdigit()} - cue_terms(clause) - {"không", "chưa", "chẳng", "chỉ"}


def _negated(clause: str, other: set[str]) -> str:
    """The negation in `clause` of a word the other clause has ("không trực tiếp phụ trách" / "trực tiếp phụ
    trách"), or ""."""
    for m in _CLAUSE_NEGATION.finditer(clause):
        after = re.findall(rf"{_W}+", clause[m.end() : m.end() + 30])[:2]
        if any(w in other for w in after):
            return m.group(1) + " " + " ".join(after)
    return ""


def _clauses(t: str) -> list[str]:
    return [c.strip() for c in _CLAUSES.split(t) if c.strip()]


def _windows(t: str) -> list[str]:
    """A directive sentence's clauses, and runs of two or three of them: a list split by commas ("Gia tăng số
    lượng, nâng cao chất lượng, hiệu quả khai thác tài sản trí tuệ") is one thing said."""
    parts = _clauses(t)
    return [", ".join(parts[i : i + n]) for n in (1, 2, 3) for i in range(len(parts) - n + 1)]


def _subject(t: str, at: int) -> tuple[list[str], list[str]]:
    """The subject of a principal phrase at `at`: the words of its clause before the first "là" of an appositive
    chain ("A là nhiệm vụ trọng tâm, là động lực chủ yếu" -> A), as (its last four key words, all of them)."""
    clause = _SUBJECT_END.split(t[:at])[-1]
    first = re.search(rf"(?<!{_W})là(?!{_W})", clause)
    if first is not None and clause[first.end() :].strip(" ,"):
        clause = clause[: first.start()]
    words = [w for w in re.findall(rf"{_W}+", clause) if w not in _FILLER and w != "và" and not w.isdigit()]
    return words[-4:], words


def _principal_full(t: str) -> tuple[list[str], list[str]]:
    """What the text calls principal: (key words, all the words of its subject)."""
    for m in _PRINCIPAL_AFTER.finditer(t):
        short, full = _subject(t, m.start())
        if short:
            return short, full
    for m in _PRINCIPAL_TAKEN.finditer(t):  # "lấy doanh nghiệp làm trung tâm"
        words = [w for w in m.group(1).split() if w not in _FILLER]
        if words:
            return words[:4], words
    for m in _PRINCIPAL_BEFORE.finditer(t):
        words = [w for w in m.group(1).split() if w not in _FILLER]
        if words:
            return words[:4], words
    return [], []


def _principal(t: str) -> list[str]:
    """Key terms of what the text calls principal ("nguồn lực nhà nước là chủ yếu" -> {nguồn, lực, nhà, nước})."""
    return _principal_full(t)[0]


def has_principal(text: str) -> bool:
    """Whether the text says what is principal ("A là chủ yếu", "là trung tâm, là chủ thể")."""
    return bool(_principal(fold_synonyms(text)))


def direction_difference(statement: str, sentence: str) -> DirectionDifference | None:
    """How the statement's direction differs from the sentence's, or None. Each statement clause with a signal is
    set against the sentence clause sharing most of its key terms (half of them at least)."""
    s, e = fold_synonyms(statement), fold_synonyms(sentence)
    (p_mine, f_mine), (p_theirs, f_theirs) = _principal_full(s), _principal_full(e)
    mine, theirs = set(p_mine), set(p_theirs)
    context = (_terms(s) & _terms(e)) - mine - theirs  # what both speak of, besides who is principal
    # a subject one names in part ("chuyển đổi số" of "chuyển đổi số, phát triển khoa học …") is the same subject
    if mine and theirs and (mine - set(f_theirs)) and (theirs - set(f_mine)) and len(context) >= 3:
        return DirectionDifference(" ".join(p_mine), " ".join(p_theirs), principal=True)
    e_clauses = [(c, _terms(c)) for c in _windows(e)]
    for clause in (c.strip() for part in _clauses(s) for c in _PURPOSE.split(part) if c.strip()):
        terms = _terms(clause)
        if len(terms) < 2:
            continue
        best = max(e_clauses, key=lambda ct: len(terms & ct[1]), default=None)
        if best is None or 2 * len(terms & best[1]) < len(terms) or len(terms & best[1]) < 2:
            continue
        s_signs, e_signs = _signs(clause), _signs(best[0])
        s_kinds = {x for x, _ in s_signs}
        e_kinds = {x for x, _ in e_signs}
        shared = len(terms & best[1])
        close = shared >= 3 and 3 * shared >= 2 * len(terms)
        strong = close and shared >= 4
        if len(s_kinds) == 1 and len(e_kinds) == 1 and s_kinds != e_kinds:
            return DirectionDifference(s_signs[0][1], e_signs[0][1], cue=True, strong=strong)
        s_neg, e_neg = _negated(clause, best[1]), _negated(best[0], terms)
        if s_kinds == {-1} and not e_signs and not e_neg and close:
            # "hạn chế hợp tác công tư" against "Có cơ chế hợp tác công tư"
            return DirectionDifference(s_signs[0][1], "", strong=strong)
        if (s_kinds == {1} and e_neg and not e_signs) or (e_kinds == {1} and s_neg and not s_signs):
            # "cho phép soạn thảo …" against "Tuyệt đối không soạn thảo …"
            said, said_there = s_signs[0][1] if s_signs else s_neg, e_signs[0][1] if e_signs else e_neg
            return DirectionDifference(said, said_there, strong=strong)
        if bool(s_neg) != bool(e_neg) and not s_signs and not e_signs and close:
            return DirectionDifference(s_neg, e_neg, strong=strong)
    s_sign, s_cue = polarity(s)
    e_sign, e_cue = polarity(e)
    if s_sign and e_sign and s_sign != e_sign:
        return DirectionDifference(s_cue, e_cue)
    return None


def cue_span(text: str) -> tuple[int, int, str] | None:
    """Span of the run of direction cues in `text` ("siết chặt, hạn chế", "cho phép và khuyến khích")."""
    t = fold(text)
    found = [m for m in CUE.finditer(t) if not _noun_use(t, m) and not _NOT_CUES.match(t[m.end() : m.end() + 8])]
    if not found:
        return None
    end = found[0].end()
    for m in found[1:]:
        if not re.fullmatch(r"\s*(?:,|và|hoặc)?\s*", t[end : m.start()]):
            break
        end = m.end()
    return found[0].start(), end, text[found[0].start() : end]
