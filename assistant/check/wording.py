"""Wording normalised before overlap is measured: a directive's own abbreviations expanded, qualifier and
frequency synonyms folded to one form, so that a faithful paraphrase shares the directive's key terms.

- Abbreviations: where a directive defines one ("khoa học, công nghệ, đổi mới sáng tạo (KH,CN,ĐMST)", "(sau
  đây gọi tắt là …)") or uses one without defining it, the long form is the run of words whose initials spell
  it; common ones (`query.ABBREVIATIONS`) are known without a definition.
- Synonyms: "không dưới / ít nhất / tối thiểu", "không quá / tối đa", "mỗi năm / hàng năm / hằng năm", "đảm
  bảo / bảo đảm" … each become one form.

`canon` gives the folded text; it is used for scoring only (quotes and offsets stay on the original text).
"""

from __future__ import annotations

import re

from assistant.search.query import ABBREVIATIONS
from assistant.text.normalize import fold

_W = r"[\wÀ-ỹ]"
# (variants, canonical form); variants are folded text, matched as whole words
_SYNONYMS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("không dưới", "không ít hơn", "không thấp hơn", "ít nhất", "tối thiểu là"), "tối thiểu"),
    (("không quá", "không vượt quá", "không cao hơn", "nhiều nhất", "tối đa là"), "tối đa"),
    (("hàng năm", "mỗi năm", "từng năm"), "hằng năm"),
    (("hàng quý", "mỗi quý", "từng quý"), "hằng quý"),
    (("hàng tháng", "mỗi tháng", "từng tháng"), "hằng tháng"),
    (("hàng tuần", "mỗi tuần"), "hằng tuần"),
    (("sáu tháng", "06 tháng", "nửa năm"), "6 tháng"),
    (("ba tháng", "03 tháng"), "3 tháng"),
    (("một thập kỷ", "một thập niên", "mười năm"), "10 năm"),
    (("hai thập kỷ", "hai thập niên", "hai mươi năm"), "20 năm"),
    (("đảm bảo",), "bảo đảm"),
    (("bình quân",), "trung bình"),
    (("hoàn tất", "hoàn thành xong"), "hoàn thành"),
    (("có trách nhiệm", "chịu trách nhiệm chính"), "chịu trách nhiệm"),
    (("làm đầu mối", "là cơ quan đầu mối", "làm cơ quan đầu mối", "là đầu mối"), "đầu mối"),
    (("nghiên cứu và phát triển",), "nghiên cứu phát triển"),
    (("khoa học và công nghệ",), "khoa học, công nghệ"),
    (("chiếm trên", "chiếm hơn", "chiếm ít nhất"), "chiếm trên"),
    (("tư nhân", "ngoài nhà nước"), "tư nhân"),
    (("giữ vai trò chủ yếu", "đóng vai trò chủ yếu"), "là chủ yếu"),
    (("giữ vai trò chủ đạo", "đóng vai trò chủ đạo"), "là chủ đạo"),
    (("giữ vai trò trung tâm", "đóng vai trò trung tâm"), "là trung tâm"),
    (("giữ vai trò then chốt", "đóng vai trò then chốt"), "là then chốt"),
    (("giữ vai trò quyết định", "đóng vai trò quyết định"), "là quyết định"),
    (("kém hiệu quả", "thiếu hiệu quả"), "không hiệu quả"),
)
_SYN_RE = re.compile(
    rf"(?<!{_W})(" + "|".join(sorted((re.escape(v) for vs, _ in _SYNONYMS for v in vs), key=len, reverse=True)) + rf")(?!{_W})"
)
_SYN_MAP = {v: c for vs, c in _SYNONYMS for v in vs}
# an abbreviation: two or more capitals, with "," "&" "." "-" between parts ("KH,CN,ĐMST", "KH&CN", "ĐMST")
_ABBR = r"[A-ZĐ](?:[A-ZĐ0-9]|[a-z](?=[A-Z]))*[A-ZĐ0-9](?:[,&.\-/][A-ZĐ][A-ZĐ0-9]*)*"  # "ĐMST", "KH&CN", "IoT"
_DEFINED = re.compile(rf"\((?:sau đây )?(?:gọi tắt là |viết tắt là )?({_ABBR})\)")
_USED = re.compile(rf"(?<![\wÀ-ỹ&])({_ABBR})(?![\wÀ-ỹ&])")
_LINKS = frozenset({"và", ","})
# parts of the composite abbreviations of policy texts ("KH, CN, ĐMST, CĐS", "KH&CN", "KT-XH")
_PARTS = {
    "kh": "khoa học", "cn": "công nghệ", "đmst": "đổi mới sáng tạo", "cđs": "chuyển đổi số", "kt": "kinh tế",
    "xh": "xã hội", "qp": "quốc phòng", "an": "an ninh", "gd": "giáo dục", "đt": "đào tạo", "nc": "nghiên cứu",
}  # fmt: skip
_COMPOSITE = re.compile(
    r"(?<![\wÀ-ỹ&])((?:kh|cn|đmst|cđs|kt|xh|qp|an|gd|đt|nc)(?:\s*[,&\-]\s*(?:kh|cn|đmst|cđs|kt|xh|qp|an|gd|đt|nc))+)(?![\wÀ-ỹ&])"
)
_TOKENS = re.compile(r"[\wÀ-ỹĐđ]+|,")


def _letters(abbr: str) -> str:
    return "".join(ch for ch in abbr if ch.isalpha())


def _spelled(words: list[str], letters: str) -> int:
    """How many words at the end of `words` spell `letters` by their initials (links "và" and "," skipped
    between them); 0 when they do not."""
    i, j = len(words) - 1, len(letters) - 1
    while j >= 0:
        while i >= 0 and words[i].lower() in _LINKS and j < len(letters) - 1:
            i -= 1
        if i < 0 or words[i][:1].upper() != letters[j]:
            return 0
        i, j = i - 1, j - 1
    return len(words) - 1 - i


def abbreviations(text: str) -> dict[str, str]:
    """The abbreviations a document defines or uses, with their long forms (folded), found in the document
    itself: the words before a "(ABBR)" definition, else any run of its words whose initials spell ABBR."""
    out: dict[str, str] = {}
    for m in _DEFINED.finditer(text):
        letters = _letters(m.group(1))
        words = _TOKENS.findall(text[max(0, m.start() - 200) : m.start()])
        n = _spelled(words, letters) if 2 <= len(letters) <= 12 else 0
        segment = re.split(r"[,:;(]|\snhư\s", text[max(0, m.start() - 80) : m.start()])[-1].split()
        if n:
            out[m.group(1)] = fold(" ".join(words[-n:]).replace(" ,", ","))
        elif 1 < len(segment) <= 4 and segment[0][:1].isupper():  # "Internet vạn vật (IoT)": not spelled by initials
            out[m.group(1)] = fold(" ".join(segment))
    used = {m.group(1) for m in _USED.finditer(text)} - set(out)
    used = {a for a in used if not _is_word(a, text)}
    wanted = [a for a in used if 3 <= len(_letters(a)) <= 12 and fold(a) not in ABBREVIATIONS]
    out.update(spell(wanted, text))
    return out


def spell(wanted: list[str], text: str) -> dict[str, str]:
    """Long forms of the abbreviations `wanted` found in `text` as a run of words whose initials spell them
    ("TTHC" -> "thủ tục hành chính")."""
    out: dict[str, str] = {}
    words = _TOKENS.findall(text) if wanted else []
    for abbr in wanted:
        letters = _letters(abbr).upper()
        for end in range(len(letters), len(words) + 1):
            if words[end - 1][:1].upper() != letters[-1] or words[end - 1].isupper():
                continue
            n = _spelled(words[max(0, end - 2 * len(letters)) : end], letters)
            if n and not any(w.isupper() and len(w) > 1 for w in words[end - n : end]):
                out[abbr] = fold(" ".join(words[end - n : end]).replace(" ,", ","))
                break
    return out


def _is_word(token: str, text: str) -> bool:
    """Whether an upper-case token is an ordinary word of the text in a heading ("BAN CHẤP HÀNH"): it is written
    in lower case somewhere too."""
    return any(m.group(0) != token for m in re.finditer(rf"(?<![\wÀ-ỹ]){re.escape(token)}(?![\wÀ-ỹ])", text, re.IGNORECASE))


class Wording:
    """A directive's abbreviations and the common ones; `canon` applies them and the synonyms."""

    def __init__(self, defined: dict[str, str] | None = None) -> None:
        self.defined = dict(defined or {})
        self.tokens: dict[tuple[str, str], frozenset[str]] = {}  # `pool.Pool`'s cache of sentence tokens
        known = sorted(self.defined, key=len, reverse=True)
        self._own = re.compile(r"(?<![\wÀ-ỹ&])(" + "|".join(map(re.escape, known)) + r")(?![\wÀ-ỹ&])") if known else None
        common = sorted(ABBREVIATIONS, key=len, reverse=True)
        self._common = re.compile(r"(?<![\wÀ-ỹ&])(" + "|".join(map(re.escape, common)) + r")(?![\wÀ-ỹ&])")

    def learn(self, statement: str, directive_text: str) -> Wording:
        """This wording and the statement's own abbreviations that the directive spells out in full ("TTHC" where the
        directive writes "thủ tục hành chính"); itself when there are none."""
        unknown = [m.group(1) for m in _USED.finditer(statement) if len(_letters(m.group(1))) >= 3 and not self.knows(m.group(1))]
        found = spell(unknown, directive_text)
        return Wording({**self.defined, **found}) if found else self

    def knows(self, token: str) -> bool:
        """Whether `token` is an abbreviation this wording writes out (or a part of one: "ĐMST" of "KH,CN,ĐMST")."""
        parts = {fold(p) for a in self.defined for p in re.split(r"[,&./\-]", a)}
        key = fold(token)
        return key in ABBREVIATIONS or key in parts or key in _PARTS or token in self.defined

    def canon(self, text: str) -> str:
        """Folded `text` with abbreviations written out and synonyms in one form."""
        if self._own is not None:
            text = self._own.sub(lambda m: " " + self.defined[m.group(1)] + " ", text)
        t = fold(text)
        t = _COMPOSITE.sub(lambda m: ", ".join(_PARTS[p] for p in re.split(r"\s*[,&\-]\s*", m.group(1))), t)
        t = self._common.sub(lambda m: ABBREVIATIONS[m.group(1)] if m.group(1) not in ("gdp", "grdp") else m.group(1), t)
        return _SYN_RE.sub(lambda m: _SYN_MAP[m.group(1)], t)


# the parts of composite abbreviations, written in capitals on their own ("phát triển KH,CN, ĐMST và CĐS")
_PART_TOKEN = re.compile(r"(?<![\wÀ-ỹ&])(KH|CN|ĐMST|CĐS|KT|XH|GD|ĐT|NC)(?![\wÀ-ỹ&])")


def fold_synonyms(text: str) -> str:
    """Folded text with the parts of policy abbreviations written out and the qualifier and frequency synonyms in
    one form ("không dưới" -> "tối thiểu"), so that a qualifier's "không" is not read as a negation and "KH,CN" is
    the "khoa học, công nghệ" it stands for."""
    text = _PART_TOKEN.sub(lambda m: _PARTS[fold(m.group(1))], text)
    return _SYN_RE.sub(lambda m: _SYN_MAP[m.group(1)], fold(text))
