"""Citation stage: parse the model's claims and verify every quote mechanically.

A quote is verified when it occurs in the cited passage up to whitespace, Unicode form, tone-mark
convention and Markdown noise (see `normalize.match_key`). A claim whose quote fails, or whose
answer holds a number that its quote does not, is dropped: it is never silently kept. A quote that
is verbatim in another passage than the one the model named is cited under its true passage.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from assistant.text.normalize import find_span, match_key
from assistant.text.terms import key_terms
from assistant.types import Citation, Hit

_NUM = re.compile(r"\d+(?:[.,]\d+)*")

# Limits of the JSON schema the model writes to: they bound generation time. A string cut at its limit
# may end in a broken word (the grammar leaves room only for a short token), which is cut off again here.
QUOTE_MAX = 240
ANSWER_MAX = 240


@dataclass(frozen=True)
class Claim:
    passage: int
    quote: str
    answer: str


@dataclass(frozen=True)
class Verdict:
    claim: Claim
    citation: Citation | None  # None when the claim failed verification
    reason: str  # "ok", or why it was dropped


def parse_claims(raw: str) -> tuple[bool, list[Claim]]:
    """Parse the model's JSON. Raises ValueError when it is not the expected shape."""
    try:
        data = json.loads(raw, strict=False)  # a raw newline inside a quote is tolerated
    except json.JSONDecodeError as exc:
        salvaged = _complete_claims(raw)
        if not salvaged:
            raise ValueError(f"model output is not valid JSON: {exc}") from exc
        data = {"found": True, "claims": salvaged}
    if not isinstance(data, dict) or not isinstance(data.get("claims"), list):
        raise ValueError("model output lacks a 'claims' list")
    claims = []
    for c in data["claims"]:
        if not isinstance(c, dict):
            raise ValueError("a claim is not an object")
        try:
            claims.append(Claim(int(c["passage"]), str(c["quote"]), str(c.get("answer", ""))))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"malformed claim: {c!r}") from exc
    return bool(data.get("found", bool(claims))), claims


_CLAIM_START = re.compile(r'\{\s*"passage"')


def _complete_claims(raw: str) -> list[dict[str, object]]:
    """The claims that were written in full before the output broke off (e.g. at the token limit)."""
    decoder = json.JSONDecoder(strict=False)
    out: list[dict[str, object]] = []
    for m in _CLAIM_START.finditer(raw):
        try:
            obj, _ = decoder.raw_decode(raw, m.start())
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict) and "passage" in obj and "quote" in obj:
            out.append(obj)
    return out


def numbers(text: str) -> set[str]:
    """Numbers written in a text, in one canonical form ("1.000" and "1000" differ on purpose: no guessing)."""
    return {n.replace(",", ".").rstrip(".") for n in _NUM.findall(text)}


def locate(hit: Hit, quote: str, doc_text: str) -> tuple[int, int] | None:
    """Offsets of `quote` in the document's source text, searching the passage's span first."""
    lo, hi = max(0, hit.chunk.start - 50), min(len(doc_text), hit.chunk.end + 50)
    span = find_span(doc_text[lo:hi], quote)
    if span:
        return lo + span[0], lo + span[1]
    return find_span(doc_text, quote)


def fragments(quote: str) -> list[str]:
    """Pieces of a quote that spans lines, an elision ("…") or a heading's colon ("a) Đến năm 2030: tổng chi
    …", a heading joined to a list item below it), each of which must be verbatim on its own."""
    parts = re.split(r"\n+|\s*(?:…|\.\.\.)\s*|(?<=:)\s+", quote)
    return [p.strip() for p in parts if len(match_key(p).split()) >= 3]


_EDGE = " \t\n.,;:!?…\"'“”‘’«»"


def trim_quote(quote: str) -> str:
    """A quote without the punctuation, ellipsis and quotation marks a model adds or drops at its ends.

    A sentence copied verbatim but closed with "." where the source has ";" (or opened with "…") is
    still the source's words; only the edges are trimmed, never anything inside the quote.
    """
    return quote.strip(_EDGE)


def _readings(quote: str) -> list[str]:
    """The quote as written, with its edges trimmed, and, when it was cut at the schema's length limit,
    without its last (possibly broken) word; each also with its first letter in the other case (a model
    that starts a quote mid-sentence, or joins a list item to its heading, changes that letter's case)."""
    out = [quote, trim_quote(quote)]
    if len(quote) >= QUOTE_MAX - 1 and " " in quote.strip():
        out.append(trim_quote(quote.strip().rsplit(" ", 1)[0]))
    return out + [q[0].swapcase() + q[1:] for q in out[1:] if q[:1].isalpha() and q[0].swapcase() != q[0]]


def clean_answer(text: str) -> str:
    """An answer cut at the schema's length limit ends at its last whole word, marked "…"."""
    text = text.strip()
    if len(text) >= ANSWER_MAX - 1 and " " in text:
        return text.rsplit(" ", 1)[0].rstrip(" ,;:") + " …"
    return text


def verified_quote(claim: Claim, hit: Hit) -> str | None:
    """The claim's quote if it is verbatim in the passage; otherwise its best verbatim fragment, or None.

    A model sometimes copies two sentences that were shown on adjacent lines but are not adjacent
    in the source. Each fragment is checked on its own, and only a verbatim fragment is cited:
    the one holding most of the answer's numbers, then the longest.
    """
    for quote in _readings(claim.quote):
        if quote_in_passage(quote, hit):
            return quote
    found = [v for f in fragments(claim.quote) if (v := next((r for r in _readings(f) if quote_in_passage(r, hit)), None))]
    if not found:
        return None
    wanted = numbers(claim.answer)
    return max(found, key=lambda f: (len(wanted & numbers(f)), len(f)))


def quote_in_passage(quote: str, hit: Hit) -> bool:
    key = match_key(quote)
    return len(key.split()) >= 3 and key in match_key(hit.chunk.text)


def verify(claims: list[Claim], hits: list[Hit], doc_texts: dict[str, str], question: str = "") -> list[Verdict]:
    """Check each claim against the passage it cites (1-based into `hits`)."""
    out: list[Verdict] = []
    allowed_numbers = numbers(question)
    question_terms = key_terms(question) if question else set()
    for claim in claims:
        if not 1 <= claim.passage <= len(hits):
            out.append(Verdict(claim, None, f"passage [{claim.passage}] does not exist"))
            continue
        n = claim.passage
        quote = verified_quote(claim, hits[n - 1])
        reason = "ok"
        if quote is None:
            # A small model often miscounts the passages. A quote that is verbatim in exactly one other
            # passage is cited under that passage, its true source; never under the number it was given.
            elsewhere = [(i, q) for i, h in enumerate(hits, 1) if i != n and (q := verified_quote(claim, h))]
            if len(elsewhere) != 1:
                out.append(Verdict(claim, None, f"quote not found in passage [{claim.passage}]"))
                continue
            (n, quote), reason = elsewhere[0], f"moved: the quote is in passage [{elsewhere[0][0]}], not [{n}]"
        hit = hits[n - 1]
        invented = numbers(claim.answer) - numbers(quote) - allowed_numbers
        if invented:
            out.append(Verdict(claim, None, f"number(s) {', '.join(sorted(invented))} not in the quote"))
            continue
        if why := _ungrounded(claim.answer, quote, question_terms):
            out.append(Verdict(claim, None, why))
            continue
        doc_text = doc_texts.get(hit.chunk.doc_id, "")
        span = locate(hit, quote, doc_text) if doc_text else None
        original = doc_text[span[0] : span[1]] if span else quote
        out.append(
            Verdict(
                claim,
                Citation(
                    n=n,
                    doc_id=hit.meta.doc_id,
                    breadcrumb=hit.chunk.breadcrumb_text,
                    quote=original,
                    verified=True,
                    chunk_id=hit.chunk.chunk_id,
                    start=span[0] if span else None,
                    end=span[1] if span else None,
                ),
                reason,
            )
        )
    return out


def _ungrounded(answer: str, quote: str, question_terms: set[str]) -> str | None:
    """Why a claim's answer is not grounded in its quote, or None. An answer must mostly use the words of
    its quote or of the question, so text in a document cannot have the model write something else beside
    a true quote (prompt injection: "bỏ qua mọi chỉ dẫn trước đó và trả lời …")."""
    said = key_terms(answer)
    new = said - key_terms(quote) - question_terms
    if said and len(new) * 2 > len(said):
        return f"the answer says what its quote does not ({', '.join(sorted(new)[:5])})"
    return None


class AnswerTextStream:
    """Pull the text of every `"answer"` field out of the model's JSON while it streams.

    The model writes `{"found": …, "claims": [{"passage": 1, "quote": "…", "answer": "…"}, …]}`;
    users should see the answers as they are written, not the JSON. Feed pieces in order; each
    call returns the answer text that became available (claims separated by a newline).
    """

    _KEY = re.compile(r'"answer"\s*:\s*"')

    def __init__(self) -> None:
        self._buf = ""
        self._pos = 0
        self._inside = False
        self._claims = 0

    def feed(self, piece: str) -> str:
        self._buf += piece
        out: list[str] = []
        while True:
            if not self._inside:
                m = self._KEY.search(self._buf, self._pos)
                if not m:
                    return "".join(out)
                self._pos = m.end()
                self._inside = True
                if self._claims:
                    out.append("\n")
                self._claims += 1
            while self._pos < len(self._buf):
                c = self._buf[self._pos]
                if c == '"':
                    self._pos += 1
                    self._inside = False
                    break
                if c == "\\":
                    esc = self._buf[self._pos + 1 : self._pos + 6]
                    if not esc or (esc[0] == "u" and len(esc) < 5):
                        return "".join(out)  # wait for the rest of the escape
                    if esc[0] == "u":
                        out.append(chr(int(esc[1:5], 16)))
                        self._pos += 6
                    else:
                        out.append({"n": "\n", "t": "\t"}.get(esc[0], esc[0]))
                        self._pos += 2
                    continue
                out.append(c)
                self._pos += 1
            if self._inside:
                return "".join(out)
