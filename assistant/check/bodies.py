"""Named bodies in a text and the role each plays in its task.

A body's name starts at one of a small gazetteer of institution heads (Ban, Bộ, Văn phòng, Đảng đoàn, Thủ
tướng …) and runs over capitalised words. Its role is read from the words around it, not from a window:
the task verb after it ("… chủ trì", "… làm cơ quan đầu mối", "… phối hợp", "… theo dõi", "… báo cáo",
"… làm Trưởng Ban"), or what comes before it ("phối hợp với …": a partner; "báo cáo [kết quả] với / lên …":
the recipient of a report; a list "A, B và C" shares the role of its first member). Roles fall into classes
(`ROLE_CLASS`): two bodies in the same class of the same task are comparable, a body named in another role is
not the same statement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.text.normalize import fold

HEADS = (
    "Ban cán sự đảng|Đảng đoàn|Đảng ủy|Tổng Bí thư|Phó Thủ tướng|Thủ tướng|Phó Chủ tịch|Chủ tịch|Bộ trưởng|Thứ trưởng|"
    "Ủy ban nhân dân|Hội đồng nhân dân|UBND|HĐND|Công an|Ban Thường vụ|"
    "Bí thư|Bộ|Ban|Văn phòng|Ủy ban|Hội đồng|Mặt trận|Tổng cục|Cục|Sở|Viện|Tòa án|Kiểm toán|Ngân hàng|Quốc hội|Chính phủ"
)
_HEAD = re.compile(rf"(?<![\wÀ-ỹ])(?:đồng chí\s+)?({HEADS})(?![\wÀ-ỹ])")
_HEAD_KEYS = tuple(fold(h) for h in HEADS.split("|"))
_STANDALONE = {
    "quốc hội", "chính phủ", "tổng bí thư", "thủ tướng", "bộ chính trị", "ban bí thư", "ủy ban nhân dân", "hội đồng nhân dân",
    "ubnd", "hđnd", "công an",
}  # fmt: skip
_LEVEL = re.compile(r"\s+(tỉnh|thành phố|huyện|xã|quận|các cấp|cấp tỉnh|cấp huyện|cấp xã)(?![\wÀ-ỹ])")
_KEY_ABBREV = {"ubnd": "ủy ban nhân dân", "hđnd": "hội đồng nhân dân"}
_GIVEN_BEFORE = re.compile(r"(?i)(?<![\wÀ-ỹ])giao(?:\s+cho)?\s+$")
_RECEIVES = re.compile(r"(?i)^\s*(?:[^\s,;.]+\s+){0,2}?nhận\s+báo cáo")
_PARTY_ORGANS = ("ban cán sự đảng", "đảng đoàn", "đảng ủy")  # "Ban cán sự đảng Chính phủ" speaks for "Chính phủ"
# lower-case syllables that end a name ("Đảng làm…", "Quốc hội thể chế hóa…")
_NAME_STOP_WORDS = (
    "làm và của về có được các với để trong theo đã sẽ là chủ phối lãnh chỉ báo thực xây hướng ban tổ kiểm khóa khoá nhiệm "
    "ở tại cho đối trực thì do như nhằm phải cần đồng giao cùng gồm tham định"
)
_NAME_STOP = frozenset(_NAME_STOP_WORDS.split())
_ROLE_WORDS = (
    "chủ trì|làm cơ quan đầu mối|là cơ quan đầu mối|làm đầu mối|là đầu mối|đầu mối|làm trưởng ban|làm trưởng|làm tổ trưởng|"
    "làm phó trưởng ban|làm chủ tịch|phối hợp|lãnh đạo|chịu trách nhiệm|có trách nhiệm|theo dõi|tham mưu|báo cáo|"
    "là cơ quan thường trực|làm cơ quan thường trực|là cơ quan chủ trì|thường trực|đứng đầu|là trưởng ban"
)
_ROLES = re.compile(rf"(?i)^\s*,?\s*(?:[^\s,;.]+\s+){{0,4}}?(?:(được giao)(?:\s+({_ROLE_WORDS}))?|({_ROLE_WORDS}))")
_NAME_WORD = re.compile(r"\s+(và\s+)?([\wÀ-ỹ]+)(\s+[\wÀ-ỹ]+)?")
_PARTNER_BEFORE = re.compile(r"(?i)phối hợp(?:\s+chặt chẽ)?\s+với\s+(?:các\s+)?$")
_REPORT_BEFORE = re.compile(
    r"(?i)(?:báo cáo|trình)(?:\s+(?:kết quả|tình hình|việc)[^,;.:]{0,80}?)?\s+(?:với|lên|cho|tới|gửi|về)?\s*$"
)
_LIST_GAP = re.compile(r"^\s*(?:,|và|,\s*và)\s*$")
ROLE_CLASS = {
    "chủ trì": "lead",
    "làm cơ quan đầu mối": "lead",
    "là cơ quan đầu mối": "lead",
    "làm đầu mối": "lead",
    "là đầu mối": "lead",
    "đầu mối": "lead",
    "chịu trách nhiệm": "lead",
    "có trách nhiệm": "lead",
    "được giao": "lead",
    "tham mưu": "lead",
    "lãnh đạo": "lead",
    "làm trưởng": "head",
    "làm tổ trưởng": "team head",
    "làm chủ tịch": "head",
    "làm phó trưởng ban": "deputy",
    "đứng đầu": "head",
    "là trưởng ban": "head",
    "là cơ quan thường trực": "lead",
    "làm cơ quan thường trực": "lead",
    "là cơ quan chủ trì": "lead",
    "thường trực": "lead",
    "phối hợp": "lead",
    "partner": "partner",
    "theo dõi": "monitor",
    "báo cáo": "report",
    "recipient": "recipient",
}  # fmt: skip  ("X phối hợp với Y làm …": X answers for the task, Y helps)


@dataclass(frozen=True)
class Body:
    name: str  # as written
    key: str  # folded, for comparison
    start: int
    end: int
    role: str  # "" or a key of ROLE_CLASS


def role_class(role: str) -> str:
    return role if role.startswith("task:") else ROLE_CLASS.get(role, "")


_DOERS = frozenset({"lead", "monitor", "report"})


def same_role(a: str, b: str) -> bool:
    """Whether two role classes are one role in a task: equal, or both the body that does it ("chủ trì", "X phối
    hợp với Y theo dõi", "theo dõi", "báo cáo", a task verb: "giao X theo dõi" is what "X phối hợp … theo dõi" says)."""
    return a == b or all(c in _DOERS or c.startswith("task:") for c in (a, b))


_TASK_VERBS = (
    "hướng dẫn|kiểm tra|giám sát|thẩm định|tổng hợp|xây dựng|ban hành|tổ chức|triển khai|rà soát|đôn đốc|quản lý|bố trí|"
    "nghiên cứu|đề xuất|sơ kết|tổng kết|đánh giá|chỉ đạo|cấp|phê duyệt|thành lập|hoàn thiện|trình"
)
_TASK = re.compile(rf"(?i)^\s*(?:(?:sẽ|đã|cần|phải|được giao|trực tiếp)\s+)?({_TASK_VERBS})(?![\wÀ-ỹ])")


def _role_after(text: str, end: int) -> str:
    m = _ROLES.match(text[end : end + 60])
    if not m:
        task = _TASK.match(text[end : end + 40])  # "Bộ Tài chính thẩm định …": the body that does this task
        return "task:" + fold(task.group(1)) if task else ""
    r = fold(m.group(2) or m.group(3) or m.group(1))
    return "làm trưởng" if r.startswith("làm trưởng") else r  # a working group's head ("làm tổ trưởng") is not a Ban's


def bodies(text: str) -> list[Body]:
    """The named bodies of `text` (prepared), each with its role."""
    out: list[Body] = []
    pos = 0
    for m in _HEAD.finditer(text):
        if m.start() < pos:
            continue
        end = m.end()
        inner = re.match(r"\s+(?:Ủy ban nhân dân|Hội đồng nhân dân)(?![\wÀ-ỹ])", text[end:])
        if inner and fold(m.group(1)) == "văn phòng":
            end += inner.end()  # "Văn phòng Ủy ban nhân dân tỉnh"
        while True:  # capitalised words, each with at most one lower-case syllable ("Tuyên giáo", "Trung ương")
            nxt = _NAME_WORD.match(text, end)
            if not nxt or not nxt.group(2)[0].isupper() or (nxt.group(1) and _HEAD.match(nxt.group(2))):
                break  # "… và Bộ Chính trị" is a second body, not part of this name
            low = nxt.group(3) or ""
            end = nxt.end() - (len(low) if not low.strip().islower() or fold(low.strip()) in _NAME_STOP else 0)
        level = _LEVEL.match(text, end)
        if level and fold(text[m.start(1) : end]) in _STANDALONE | {"văn phòng ủy ban nhân dân", "văn phòng ubnd", "văn phòng"}:
            end = level.end()  # "Ủy ban nhân dân tỉnh", "Công an tỉnh"
        name = text[m.start(1) : end]
        key = " ".join(_KEY_ABBREV.get(w, w) for w in fold(name).split())
        pos = end
        if key == fold(m.group(1)) and key not in _STANDALONE:
            continue  # "các Bộ, ngành": a kind of body, not a named one
        before = re.split(r"[.;:!?|\n]", text[max(0, m.start(1) - 120) : m.start(1)])[-1]
        prev = out[-1] if out else None
        if _PARTNER_BEFORE.search(before):
            role = "partner"
        elif _REPORT_BEFORE.search(before):
            role = "recipient"
        elif prev and prev.role in ("partner", "recipient") and _LIST_GAP.match(text[prev.end : m.start(1)]):
            role = prev.role  # "báo cáo Bộ Chính trị, Ban Bí thư": both receive the report
        elif _RECEIVES.match(text[end : end + 40]):
            role = "recipient"  # "Ban Thường vụ Tỉnh ủy nhận báo cáo …"
        else:
            role = _role_after(text, end) or ("được giao" if _GIVEN_BEFORE.search(before) else "")
        out.append(Body(name, key, m.start(1), end, role))
    return out


def lead_role(sentence: str) -> str:
    """The role of a sentence that begins with its task verb ("Chủ trì xây dựng …", "Phối hợp với …"): the
    body is named in a heading line above it."""
    return _role_after(" " + sentence.lstrip(" -*+•"), 0)


def same_body(a: str, b: str) -> bool:
    """One name is the other, or begins it ("Thủ tướng" / "Thủ tướng Chính phủ"), or ends it after a party organ
    ("Chính phủ" / "Ban cán sự đảng Chính phủ"); "Chính phủ" and "Văn phòng Chính phủ" are two bodies."""
    x, y = a.split(), b.split()
    if len(x) > len(y):
        x, y = y, x
    if x == y[: len(x)]:
        return True
    if x != y[len(y) - len(x) :]:
        return False
    extra = " ".join(y[: len(y) - len(x)])
    return extra in _PARTY_ORGANS or not extra.startswith(_HEAD_KEYS)
