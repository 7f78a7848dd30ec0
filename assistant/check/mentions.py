"""Values a statement or a directive sentence commits to: percentages, numbers, years, dates,
reporting periods and named bodies, each with the key terms around it.

Everything runs on `docnumbers.prepare`d text (normalised, Markdown noise removed); offsets point into
it. Document numbers ("57-NQ/TW", "Nghị quyết 57", "Điều 5", "Đề án 06") are identifiers, not
values, and are masked first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.docnumbers import prepare, reference_spans
from assistant.normalize import fold
from assistant.rerank import STOPWORDS

_SYL = re.compile(r"[0-9A-Za-zÀ-ỹĐđ&]+")
_IDENT = re.compile(
    r"(?i)\b(?:nghị quyết|kết luận|chỉ thị|quyết định|kế hoạch|nghị định|thông tư|công văn|thông báo|đề án|chương trình"
    r"|báo cáo|điều|khoản|điểm|chương|mục|phụ lục|khóa|khoá|phiên|lần thứ)\s+(?:số\s+)?(\d+)\b"
)
_DATE = re.compile(
    r"(?i)(?:ngày\s+)?\b(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*((?:19|20)\d{2})\b"
    r"|\bngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s*(?:năm|,|/)\s*((?:19|20)\d{2})\b"
    r"|\btháng\s+(\d{1,2})\s*(?:/|năm)\s*((?:19|20)\d{2})\b"
)
_PERIOD = re.compile(
    r"(?i)\b(?:hằng|hàng|mỗi)\s+(quý|tháng|năm|tuần)\b|(?<=định kỳ )(\d+)\s+(tháng|năm|quý)\b"
    r"|\b(\d+)\s+(tháng|năm)\s+(?:một|1)\s+lần\b"
)
_NUM = r"\d+(?:[.,]\d+)*"
_PERCENT = re.compile(rf"({_NUM})(?:\s*[-–]\s*({_NUM}))?\s*(?:%|phần trăm)")
_YEAR = re.compile(r"(?<![\d.,/])((?:19|20)\d{2})(?![\d%]|[.,]\d|\s*(?:%|tỷ|triệu|nghìn|người))")
_NUMBER = re.compile(rf"(?<![\w.,/]){_NUM}(?:/\d+)?(?![\w%])")
_MULTIPLIERS = {"tỷ", "triệu", "nghìn", "ngàn", "vạn", "trăm"}
_PERIOD_MONTHS = {"tuần": 0.25, "tháng": 1, "quý": 3, "năm": 12}
_HEADS = (
    "Ban cán sự đảng|Đảng đoàn|Đảng ủy|Tổng Bí thư|Phó Thủ tướng|Thủ tướng|Phó Chủ tịch|Chủ tịch|Bộ trưởng|Thứ trưởng|"
    "Bí thư|Bộ|Ban|Văn phòng|Ủy ban|Hội đồng|Mặt trận|Tổng cục|Cục|Sở|Viện|Tòa án|Kiểm toán|Ngân hàng|Quốc hội|Chính phủ"
)
_HEAD = re.compile(rf"(?<![\wÀ-ỹ])(?:đồng chí\s+)?({_HEADS})(?![\wÀ-ỹ])")
_STANDALONE = {"quốc hội", "chính phủ", "tổng bí thư", "thủ tướng", "bộ chính trị", "ban bí thư"}
# lower-case syllables that end a name ("Đảng làm…", "Quốc hội thể chế hóa…")
_NAME_STOP_WORDS = (
    "làm và của về có được các với để trong theo đã sẽ là chủ phối lãnh chỉ báo thực xây hướng ban tổ kiểm khóa khoá nhiệm "
    "ở tại cho đối trực thì do như nhằm phải cần đồng giao cùng gồm tham định"
)
_NAME_STOP = frozenset(_NAME_STOP_WORDS.split())
_ROLES = re.compile(
    r"(?i)^\s*,?\s*(?:(?:\S+\s+){0,2}?)(chủ trì|làm trưởng ban|làm trưởng|làm tổ trưởng|làm phó trưởng ban|làm chủ tịch|"
    r"phối hợp|lãnh đạo|chịu trách nhiệm|có trách nhiệm|theo dõi|tham mưu|được giao)"
)
_NAME_WORD = re.compile(r"\s+(và\s+)?([\wÀ-ỹ]+)(\s+[\wÀ-ỹ]+)?")
_CLAUSE = re.compile(r"[.;:!?,()\n]")


@dataclass(frozen=True)
class Mention:
    """One value in a text. `value` is what is compared; `text` is as written, at `start:end`."""

    kind: str  # "percent" | "number" | "year" | "date" | "period" | "body"
    value: str
    text: str
    start: int
    end: int
    context: frozenset[str] = frozenset()  # key terms of the clause around it
    unit: str = ""  # numbers: the word after ("năm", "doanh"); years: the words before; a period's "định kỳ" prefix
    role: str = ""  # bodies: the role that follows ("chủ trì", "làm trưởng")


def number_value(raw: str) -> str:
    """Canonical number: "1.000" -> "1000", "1,5" -> "1.5", "03" -> "3" (Vietnamese separators)."""
    s = raw.strip()
    if "/" in s:
        return "/".join(number_value(p) for p in s.split("/"))
    s = re.sub(r"\.(?=\d{3}(?!\d))", "", s).replace(",", ".")
    if s.count(".") > 1:
        s = s.replace(".", "")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s.lstrip("0") or "0"


def _terms(text: str) -> list[str]:
    return [t for t in (fold(m.group(0)) for m in _SYL.finditer(text)) if t not in STOPWORDS and len(t) > 1 and not t.isdigit()]


def context(text: str, start: int, end: int, width: int = 6) -> frozenset[str]:
    """Key terms of up to `width` syllables on each side of text[start:end], within its clause."""
    left = _CLAUSE.split(text[max(0, start - 120) : start])[-1]
    right = _CLAUSE.split(text[end : end + 120])[0]
    return frozenset(_terms(" ".join(left.split()[-width:])) + _terms(" ".join(right.split()[:width])))


def _masked(text: str) -> list[tuple[int, int]]:
    spans = [(s, e) for s, e, _ in reference_spans(text)]
    spans += [m.span(1) for m in _IDENT.finditer(text)]
    return spans


def _free(spans: list[tuple[int, int]], s: int, e: int) -> bool:
    return all(e <= a or s >= b for a, b in spans)


def _take(out: list[Mention], used: list[tuple[int, int]], text: str, kind: str, value: str, s: int, e: int, **kw: str) -> None:
    out.append(Mention(kind, value, text[s:e], s, e, context(text, s, e), **kw))
    used.append((s, e))


def _dates(text: str, out: list[Mention], used: list[tuple[int, int]]) -> None:
    for m in _DATE.finditer(text):
        g = m.groups()
        d, mo, y = (g[0], g[1], g[2]) if g[0] else (g[3], g[4], g[5]) if g[3] else (None, g[6], g[7])
        if not 1 <= int(mo or 0) <= 12 or (d is not None and not 1 <= int(d) <= 31):
            continue
        value = f"{y}-{int(mo or 0):02d}" + (f"-{int(d):02d}" if d else "")
        _take(out, used, text, "date", value, m.start(), m.end())


def _periods(text: str, out: list[Mention], used: list[tuple[int, int]]) -> None:
    for m in _PERIOD.finditer(text):
        if not _free(used, *m.span()):
            continue
        if m.group(1):
            months = _PERIOD_MONTHS[m.group(1).lower()]
        else:
            n, unit = (m.group(2), m.group(3)) if m.group(2) else (m.group(4), m.group(5))
            months = int(n) * _PERIOD_MONTHS[unit.lower()]
        prefix = "định kỳ" if fold(text[max(0, m.start() - 8) : m.start()]).strip() == "định kỳ" else ""
        _take(out, used, text, "period", f"{months:g}", m.start(), m.end(), unit=prefix)


def _numbers(text: str, out: list[Mention], used: list[tuple[int, int]]) -> None:
    for m in _PERCENT.finditer(text):
        if _free(used, *m.span()):
            value = number_value(m.group(1)) + (f"-{number_value(m.group(2))}" if m.group(2) else "")
            _take(out, used, text, "percent", value, m.start(), m.end())
    for m in _YEAR.finditer(text):
        if _free(used, *m.span()):
            before = " ".join(fold(text[max(0, m.start() - 30) : m.start()]).split()[-3:])
            _take(out, used, text, "year", m.group(1), m.start(), m.end(), unit=before)
    for m in _NUMBER.finditer(text):
        s, e = m.span()
        before = fold(text[max(0, s - 6) : s])
        if not _free(used, s, e) or before.endswith(("tháng ", "ngày ", "(")) or not text[:s].strip(" -*+•\t"):
            continue  # date parts, "(1)" and line-leading item numbers are not values
        after = [fold(w) for w in _SYL.findall(text[e : e + 40])[:2]]
        value, unit = number_value(m.group(0)), after[0] if after else ""
        if unit in _MULTIPLIERS:
            value, unit = f"{value} {unit}", after[1] if len(after) > 1 else ""
        _take(out, used, text, "number", value, s, e, unit=unit)


def _bodies(text: str, out: list[Mention]) -> None:
    pos = 0
    for m in _HEAD.finditer(text):
        if m.start() < pos:
            continue
        end = m.end()
        while True:  # capitalised words, each with at most one lower-case syllable ("Tuyên giáo", "Trung ương")
            nxt = _NAME_WORD.match(text, end)
            if not nxt or not nxt.group(2)[0].isupper() or (nxt.group(1) and _HEAD.match(nxt.group(2))):
                break  # "… và Bộ Chính trị" is a second body, not part of this name
            low = nxt.group(3) or ""
            end = nxt.end() - (len(low) if not low.strip().islower() or fold(low.strip()) in _NAME_STOP else 0)
        name = text[m.start(1) : end]
        key = fold(name)
        if key == fold(m.group(1)) and key not in _STANDALONE:
            continue  # "các Bộ, ngành": a kind of body, not a named one
        role = _ROLES.match(text[end : end + 40])
        r = fold(role.group(1)) if role else ""
        r = "làm trưởng" if r.startswith("làm trưởng") else r
        out.append(Mention("body", key, name, m.start(1), end, context(text, m.start(1), end), role=r))
        pos = end


def mentions(raw: str) -> tuple[str, list[Mention]]:
    """(prepared text, its mentions in order). Dates before periods before percentages, years and numbers."""
    text = prepare(raw)
    used = _masked(text)
    out: list[Mention] = []
    _dates(text, out, used)
    _periods(text, out, used)
    _numbers(text, out, used)
    _bodies(text, out)
    return text, sorted(out, key=lambda m: m.start)


def same_body(a: str, b: str) -> bool:
    """One name is the other, or begins or ends it ("Thủ tướng" / "Thủ tướng Chính phủ")."""
    x, y = a.split(), b.split()
    if len(x) > len(y):
        x, y = y, x
    return x == y[: len(x)] or x == y[len(y) - len(x) :]
