"""Vietnamese text normalisation for indexing and matching.

Two levels:
- `normalize_text`: NFC and one tone-mark convention (the traditional one: "hòa", "ủy",
  "thúy"). Used for everything that is indexed or compared.
- `match_key`: `normalize_text` plus Markdown noise removed and whitespace collapsed. Used to
  decide whether a quote occurs in a passage. `match_key_with_map` also returns, for every
  character of the key, its offset in the original text, so a match can be mapped back to
  the original for display and highlighting.

The original text is never changed: callers keep it for display and quotes.
"""

from __future__ import annotations

import re
import unicodedata

# Tone marks as combining characters (grave, acute, hook above, tilde, dot below).
_TONES = "\u0300\u0301\u0309\u0303\u0323"
_LETTERS = "a-zA-Zà-ỹÀ-ỸđĐ"


def _decompose_tone(ch: str) -> tuple[str, str]:
    """Split a precomposed vowel into (vowel without tone, tone mark or '')."""
    d = unicodedata.normalize("NFD", ch)
    tone = "".join(c for c in d if c in _TONES)
    base = unicodedata.normalize("NFC", "".join(c for c in d if c not in _TONES))
    return base, tone


# "oá", "oè", "uỷ" … at the end of a syllable (no final consonant): the new convention puts the
# mark on the second vowel, the traditional one on the first. "qu" + y is not a diphthong
# ("quý" is the same in both conventions), hence the look-behind.
_NEW_STYLE = re.compile(
    rf"([oO])([àáảãạÀÁẢÃẠèéẻẽẹÈÉẺẼẸ])(?![{_LETTERS}])"
    rf"|(?<![qQ])([uU])([ỳýỷỹỵỲÝỶỸỴ])(?![{_LETTERS}])"
)


def _fix(match: re.Match[str]) -> str:
    if match.group(1) is not None:
        first, second = match.group(1), match.group(2)
    else:
        first, second = match.group(3), match.group(4)
    base, tone = _decompose_tone(second)
    return unicodedata.normalize("NFC", first + tone) + base


def normalize_text(text: str) -> str:
    """NFC and the traditional tone-mark convention. Length-preserving after NFC."""
    text = unicodedata.normalize("NFC", text)
    return _NEW_STYLE.sub(_fix, text)


# --- match keys ----------------------------------------------------------------------------

_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_NOISE_CHARS = set("*_`#|>~")


def match_key_with_map(text: str) -> tuple[str, list[int]]:
    """Return (key, offsets): the comparison key of `text` and each key character's offset in `text`.

    The key is NFC, in the traditional tone convention, with Markdown escapes and emphasis,
    heading, table and quote markers removed and every run of whitespace turned into one space.
    """
    # 1. NFC per cluster (a base character and its combining marks), remembering offsets.
    chars: list[str] = []
    offsets: list[int] = []
    i = 0
    n = len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        for c in unicodedata.normalize("NFC", text[i:j]):
            chars.append(c)
            offsets.append(i)
        i = j
    composed = "".join(chars)
    # 2. Tone convention: substitutions keep the length, so offsets still line up.
    composed = _NEW_STYLE.sub(_fix, composed)
    # 3. Drop Markdown escapes' backslashes and noise characters; collapse whitespace.
    out: list[str] = []
    out_off: list[int] = []
    k = 0
    m = len(composed)
    while k < m:
        c = composed[k]
        if c == "\\" and k + 1 < m and _MD_ESCAPE.match(composed, k):
            k += 1
            c = composed[k]
            if c not in _NOISE_CHARS:  # an escaped noise character is noise too: "\|" like "|"
                out.append(c)
                out_off.append(offsets[k])
            k += 1
            continue
        if c in _NOISE_CHARS:
            k += 1
            continue
        if c.isspace() or c == "\u00a0":
            if out and out[-1] != " ":
                out.append(" ")
                out_off.append(offsets[k])
            k += 1
            continue
        out.append(c)
        out_off.append(offsets[k])
        k += 1
    # strip leading/trailing space
    while out and out[0] == " ":
        out.pop(0)
        out_off.pop(0)
    while out and out[-1] == " ":
        out.pop()
        out_off.pop()
    return "".join(out), out_off


def match_key(text: str) -> str:
    """Comparison key of `text` (see `match_key_with_map`)."""
    return match_key_with_map(text)[0]


def find_span(haystack: str, needle: str) -> tuple[int, int] | None:
    """Find `needle` in `haystack` up to normalisation; return its offsets in the original `haystack`."""
    key, offsets = match_key_with_map(haystack)
    nkey = match_key(needle)
    if not nkey:
        return None
    pos = key.find(nkey)
    if pos < 0:
        return None
    start = offsets[pos]
    end = offsets[pos + len(nkey) - 1] + 1
    # extend over combining marks of the last cluster
    while end < len(haystack) and unicodedata.combining(haystack[end]):
        end += 1
    return start, end


def fold(text: str) -> str:
    """Lower-case search key: normalised text, lower case. Diacritics are kept (they carry meaning)."""
    return normalize_text(text).lower()


def strip_diacritics(text: str) -> str:
    """ASCII-ish folding for loose matching of user input typed without accents."""
    d = unicodedata.normalize("NFD", normalize_text(text))
    d = "".join(c for c in d if not unicodedata.combining(c))
    return d.replace("đ", "d").replace("Đ", "D")


_EMPHASIS = re.compile(r"\*\*+|__+|`+")
_LINE_MARKS = re.compile(r"^[#>*\s]+(?=\S)")
_TABLE_RULE = re.compile(r"^[\s|:\-+]*-{3,}[\s|:\-+]*$")
_PADDING = re.compile(r"[ \t\u00a0]+")


def plain_text(text: str) -> str:
    """Text for a model to read: Markdown escapes, emphasis, heading and quote marks, table rules and
    cell padding removed. Apart from table rule lines ("|---|---|"), only Markdown noise and whitespace
    go, so a quote copied from the result has the same `match_key` as in the original passage."""
    lines = []
    for line in text.split("\n"):
        if _TABLE_RULE.match(line):
            continue
        line = _EMPHASIS.sub("", _MD_ESCAPE.sub(lambda m: "" if m.group(1) in _NOISE_CHARS else m.group(1), line))
        line = _PADDING.sub(" ", _LINE_MARKS.sub("", line)).strip()
        if line:
            lines.append(line)
    return "\n".join(lines)
