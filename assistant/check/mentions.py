"""Values a statement or a directive sentence commits to: percentages, numbers, years, dates,
reporting periods and named bodies, each with the key terms around it.

Everything runs on `docnumbers.prepare`d text (normalised, Markdown noise removed); offsets point into
it. Document numbers ("57-NQ/TW", "Nghị quyết 57", "Điều 5", "Đề án 06") are identifiers, not
values, and are masked first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.check.bodies import bodies
from assistant.check.bodies import same_body as same_body
from assistant.text.docnumbers import prepare, reference_spans
from assistant.text.normalize import fold
from assistant.text.terms import STOPWORDS

_SYL = re.compile(r"[0-9A-Za-zÀ-ỹĐđ&]+")
_IDENT = re.compile(
    r"(?i)\b(?:nghị quyết|kết luận|chỉ thị|quyết định|kế hoạch|nghị định|thông tư|công văn|thông báo|đề án|chương trình"
    r"|báo cáo|điều|khoản|điểm|chương|mục|phụ lục|khóa|khoá|phiên|lần thứ)\s+(?:số\s+)?(\d+)\b"
)
_DATE = re.compile(
    r"(?i)(?:ngày\s+)?\b(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*((?:19|20)\d{2})\b"
    r"|\b(?:ngày\s+)?(\d{1,2})\s+tháng\s+(\d{1,2})\s*(?:năm|,|/)\s*((?:19|20)\d{2})\b"
    r"|\btháng\s+(\d{1,2})\s*(?:/|-|năm)\s*((?:19|20)\d{2})\b"
    r"|(?<![\d/.,])(\d{1,2})/((?:19|20)\d{2})(?![\d/])"
    r"|\b(?:quý\s+|Q)(I{1,3}|IV|[1-4])\s*(?:/|-|năm)\s*((?:19|20)\d{2})\b"
    r"|\b(3|ba|6|sáu|nửa)\s+(?:tháng\s+)?(?:đầu|cuối)\s+năm\s+((?:19|20)\d{2})\b"
    r"|\b(cuối)\s+năm\s+((?:19|20)\d{2})\b"
)
_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_PERIOD = re.compile(
    r"(?i)\b(?:hằng|hàng|mỗi|từng|theo(?=\s+(?:quý|tháng|tuần)\b))\s+(quý|tháng|năm|tuần)(?:\s+(?:một|1)\s+lần)?\b"
    r"|(?<=định kỳ )(\d+|sáu|ba|hai|nửa)\s+(tháng|năm|quý)\b"
    r"|\b(\d+|sáu|ba|hai|nửa)\s+(tháng|năm)\s*(?:(?:một|1)\s+lần|/\s*lần)\b"
    r"|\b(?:sau\s+)?mỗi\s+(\d+|sáu|ba|hai|năm|mười)\s+(tháng|năm)\b|(?<=sơ kết )(\d+|ba|năm|mười)\s+(năm)\b"
    r"|(?<=tổng kết )(\d+|ba|năm|mười)\s+(năm)\b"
)
_WORD_NUMBERS = {"nửa": 0.5, "hai": 2, "ba": 3, "năm": 5, "sáu": 6, "mười": 10}
_REPORTING = re.compile(r"(?i)báo cáo|sơ kết|tổng kết")
_NUM = r"\d+(?:[.,]\d+)*"
_PERCENT = re.compile(rf"({_NUM})(?:\s*[-–]\s*({_NUM}))?\s*(?:%|phần trăm)")
_YEAR = re.compile(r"(?<![\d.,/])((?:19|20)\d{2})(?![\d%]|[.,]\d|\s*(?:%|tỷ|triệu|nghìn|người))")
_NUMBER = re.compile(rf"(?<![\w.,/]){_NUM}(?:/\d+)?(?![\w%])")
_MULTIPLIERS = {"tỷ", "triệu", "nghìn", "ngàn", "vạn", "trăm"}
_PERIOD_MONTHS = {"tuần": 0.25, "tháng": 1, "quý": 3, "năm": 12}
_CLAUSE = re.compile(r"[.;:!?,()|\n]")
_BOUNDS = (
    ("min", r"tối thiểu|ít nhất|không dưới|không thấp hơn|không ít hơn|trên|hơn|vượt|từ"),
    ("max", r"tối đa|không quá|không vượt quá|dưới|không cao hơn|nhiều nhất|chỉ|chưa đến|chưa tới|chưa quá"),
    ("approx", r"khoảng|xấp xỉ|gần|chừng|độ"),
)
# the qualifier may stand before the verb of the figure ("tối thiểu phải đạt 30%", "không dưới mức 2%")
_BOUND_BEFORE = [
    (b, re.compile(rf"(?i)(?<![\wÀ-ỹ])(?:{words})(?:\s+(?:phải\s+)?(?:đạt|chiếm|ở mức|mức|bằng|là))?\s*$"))
    for b, words in _BOUNDS
]
_BOUND_AFTER = re.compile(r"(?i)^\s*(?:%\s*)?(?:trở lên|trở xuống)")
_WORD_COUNT = re.compile(r"(?i)(?<![\wÀ-ỹ])(một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười)(?=\s+lần(?![\wÀ-ỹ]))")
_COUNTS = {"một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9, "mười": 10}
_ROMAN = re.compile(r"(?<![\wÀ-ỹ])(khóa|khoá|Khóa|Khoá|Đại hội|đại hội)\s+([IVXL]{1,6})(?![\wÀ-ỹ])")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50}
_ALL = re.compile(r"(?i)(?<![\wÀ-ỹ])(toàn quốc|toàn dân|phổ cập|tất cả|toàn bộ)(?![\wÀ-ỹ])")


@dataclass(frozen=True)
class Mention:
    """One value in a text. `value` is what is compared; `text` is as written, at `start:end`."""

    kind: str  # "percent" | "number" | "year" | "date" | "period" | "body" | "all" (toàn quốc, phổ cập …)
    value: str
    text: str
    start: int
    end: int
    context: frozenset[str] = frozenset()  # key terms of the clause around it
    unit: str = ""  # numbers: the word after ("năm", "doanh"); years: the words before; a period's "định kỳ" prefix
    role: str = ""  # bodies: their role (`bodies.ROLE_CLASS`); periods: "report" in a reporting clause
    bound: str = ""  # figures: "min" (tối thiểu, ít nhất, trên …), "max" (tối đa, không quá …), "approx" (khoảng …)
    wide: frozenset[str] = frozenset()  # years and dates: key terms of their whole clause


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
    wide = context(text, s, e, width=15) if kind in ("year", "date") else frozenset()
    out.append(Mention(kind, value, text[s:e], s, e, context(text, s, e), wide=wide, **kw))
    used.append((s, e))


def _dates(text: str, out: list[Mention], used: list[tuple[int, int]]) -> None:
    """Every date form: 22/12/2024, 22-12-2024, 22.12.2024, (ngày) 22 tháng 12 năm 2024, tháng 12/2024, 12/2024,
    quý IV/2025 ("2025-q4")."""
    for m in _DATE.finditer(text):
        g = m.groups()
        if g[10]:
            _take(out, used, text, "date", f"{g[11]}-q{_QUARTERS[g[10].lower()]}", m.start(), m.end())
            continue
        if g[12]:  # "6 tháng (nửa) đầu năm 2025": the first half; "3 tháng cuối năm": the last quarter
            late = "cuối" in m.group(0)
            part = f"h{2 if late else 1}" if g[12].lower() in ("6", "sáu", "nửa") else f"q{4 if late else 1}"
            _take(out, used, text, "date", f"{g[13]}-{part}", m.start(), m.end())
            continue
        if g[14]:  # "cuối năm 2025": its last month
            _take(out, used, text, "date", f"{g[15]}-12", m.start(), m.end())
            continue
        if g[0] or g[3]:
            d, mo, y = (g[0], g[1], g[2]) if g[0] else (g[3], g[4], g[5])
        else:
            d, mo, y = (None, g[6], g[7]) if g[6] else (None, g[8], g[9])
        if not 1 <= int(mo or 0) <= 12 or (d is not None and not 1 <= int(d) <= 31):
            continue
        value = f"{y}-{int(mo or 0):02d}" + (f"-{int(d):02d}" if d else "")
        _take(out, used, text, "date", value, m.start(), m.end())


def _periods(text: str, out: list[Mention], used: list[tuple[int, int]]) -> None:
    """Reporting cycles and other periods; a period in the clause of a reporting verb ("báo cáo", "sơ kết")
    has the role "report" and is compared only with a reporting period, wherever it stands in the clause."""
    for m in _PERIOD.finditer(text):
        if not _free(used, *m.span()):
            continue
        if m.group(1):
            months = _PERIOD_MONTHS[m.group(1).lower()]
        else:
            n, unit = next((m.group(i), m.group(i + 1)) for i in range(2, 12, 2) if m.group(i))
            count = int(n) if n.isdigit() else _WORD_NUMBERS[n.lower()]
            months = count * _PERIOD_MONTHS[unit.lower()]
        prefix = "định kỳ" if fold(text[max(0, m.start() - 8) : m.start()]).strip() == "định kỳ" else ""
        clause_start = max([text.rfind(c, 0, m.start()) for c in ".;\n"]) + 1
        ends = [i for i in (text.find(c, m.end()) for c in ".;\n") if i >= 0]
        clause = text[clause_start : min(ends) if ends else len(text)]
        role = "report" if _REPORTING.search(clause) else ""
        _take(out, used, text, "period", f"{months:g}", m.start(), m.end(), unit=prefix, role=role)


def _bound(text: str, s: int, e: int) -> tuple[str, int, int]:
    """The qualifier of a figure at text[s:e] ("tối thiểu 30%", "không quá 50%", "khoảng 2%", "5 lần trở lên") and
    the span with it."""
    before = text[max(0, s - 30) : s]
    for bound, pattern in _BOUND_BEFORE:
        m = pattern.search(before)
        if m:
            return bound, s - (len(before) - m.start()), e
    after = _BOUND_AFTER.match(text[e : e + 15])
    if after:
        return ("min" if "lên" in after.group(0) else "max"), s, e + after.end()
    return "", s, e


def _figure(out: list[Mention], used: list[tuple[int, int]], text: str, kind: str, value: str, s: int, e: int, unit: str) -> None:
    bound, bs, be = _bound(text, s, e)
    out.append(Mention(kind, value, text[bs:be], bs, be, context(text, s, e), unit=unit, bound=bound))
    used.append((s, e))


def _numbers(text: str, out: list[Mention], used: list[tuple[int, int]]) -> None:
    for m in _PERCENT.finditer(text):
        if _free(used, *m.span()):
            value = number_value(m.group(1)) + (f"-{number_value(m.group(2))}" if m.group(2) else "")
            _figure(out, used, text, "percent", value, m.start(), m.end(), "")
    for m in _WORD_COUNT.finditer(text):  # "hai lần mỗi năm"
        if _free(used, *m.span()):
            _figure(out, used, text, "number", str(_COUNTS[m.group(1).lower()]), m.start(), m.end(), "lần")
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
        _figure(out, used, text, "number", value, s, e, unit)


def _bodies(text: str, out: list[Mention]) -> None:
    for b in bodies(text):
        out.append(Mention("body", b.key, b.name, b.start, b.end, context(text, b.start, b.end), role=b.role))


def _roman(numeral: str) -> int:
    values = [_ROMAN_VALUES[c] for c in numeral]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))


def _terms_of_office(text: str, out: list[Mention], used: list[tuple[int, int]]) -> None:
    """ "khóa XI", "Đại hội XIII": which term or congress, compared as a number."""
    for m in _ROMAN.finditer(text):
        s, e = m.span(2)
        if _free(used, s, e):
            _take(out, used, text, "number", str(_roman(m.group(2))), s, e, unit="khóa " + fold(m.group(1)))


def _universal(text: str, out: list[Mention]) -> None:
    """ "toàn quốc", "phổ cập", "tất cả" …: a target of all (100%), compared with a percentage of the same thing."""
    for m in _ALL.finditer(text):
        out.append(Mention("all", "100", m.group(1), m.start(), m.end(), context(text, m.start(), m.end())))


def mentions(raw: str) -> tuple[str, list[Mention]]:
    """(prepared text, its mentions in order). Dates before periods before percentages, years and numbers."""
    text = prepare(raw)
    used = _masked(text)
    out: list[Mention] = []
    _dates(text, out, used)
    _terms_of_office(text, out, used)
    _periods(text, out, used)
    _numbers(text, out, used)
    _bodies(text, out)
    _universal(text, out)
    return text, sorted(out, key=lambda m: m.start)
