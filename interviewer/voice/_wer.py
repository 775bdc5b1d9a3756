"""Word error rate of a transcript against the words that were spoken; stdlib only.

`normalise_words` turns text into the words compared, so that writing differences a listener cannot hear
do not count as errors:

- Unicode NFKC, lower case, curly quotes and apostrophes made straight.
- Punctuation dropped; a hyphen or dash separates words ("follow-up" is "follow up"), except after a single
  letter before digits ("p-95" is "p95"); an apostrophe inside a word keeps it one word ("don't", "team's"),
  one at either end is dropped.
- Dots inside a word are dropped ("O.K.R.s" is "okrs") except a decimal point between digits ("2.5").
- Digits are kept as written, with thousands separators removed ("1,200" is "1200"); "40k" is "40000".
- "%" is the word "percent" ("20%" is "20 percent", and so is "per cent"); "&" is "and"; a currency sign
  before a number becomes the word after it ("$40" is "40 dollars", also £ pounds and € euros).
- English cardinal numbers written in words become digits, so "twenty-five", "25" and "twenty five" are
  the same word; so do "two hundred and fifty" (250), "three thousand" (3000) and "two point five"
  (2.5). Ordinals ("first", "21st"), years said in pairs ("twenty twenty-four"), "a hundred" and
  other languages' number words are left as they are.
- Nothing else: no spelling variants (British "prioritise" against American "prioritize" is an error), no
  contractions expanded ("I'm" against "I am" is two errors), fillers are words like any other.

`word_error_rate` is the word-level Levenshtein distance (substitutions + deletions + insertions) between the
normalised reference and hypothesis, divided by the number of reference words; it can exceed 1.0.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["WerCounts", "normalise_words", "word_error_counts", "word_error_rate"]

_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
_TEENS = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_CURRENCIES = {"$": "dollars", "£": "pounds", "€": "euros"}

_QUOTES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "“": '"', "”": '"'})
_CURRENCY = re.compile(r"([$£€])\s?(\d[\d,]*(?:\.\d+)?k?)\b", re.IGNORECASE)
_THOUSANDS = re.compile(r"\b\d{1,3}(?:,\d{3})+\b")
_KILO = re.compile(r"\b(\d+(?:\.\d+)?)k\b", re.IGNORECASE)
_LETTER_DIGITS = re.compile(r"\b([^\W\d_])-(?=\d)")
_PER_CENT = re.compile(r"\bper\s+cent\b")
_TOKEN = re.compile(r"[^\W_]+(?:['.][^\W_]+)*")
_DECIMAL = re.compile(r"\d+\.\d+")


def _kilo(match: re.Match[str]) -> str:
    whole, _, fraction = match.group(1).partition(".")
    if len(fraction) > 3:
        return match.group(0)
    return str(int(whole + fraction.ljust(3, "0")))


def _spelled_numbers(tokens: list[str]) -> list[str]:
    """Replace runs of English number words by digits; see the module docstring for what is covered."""
    out: list[str] = []
    total = current = 0
    last = ""  # "", "unit", "teen", "tens", "hundred", "scale": the kind of the previous number word

    def flush() -> None:
        nonlocal total, current, last
        if last:
            out.append(str(total + current))
        total = current = 0
        last = ""

    i = 0
    while i < len(tokens):
        word = tokens[i]
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if word == "zero":
            flush()
            out.append("0")
        elif word in _UNITS:
            if last not in {"", "tens", "hundred", "scale"}:
                flush()
            current += _UNITS[word]
            last = "unit"
        elif word in _TEENS or word in _TENS:
            if last not in {"", "hundred", "scale"}:
                flush()
            current += _TEENS.get(word) or _TENS[word]
            last = "teen" if word in _TEENS else "tens"
        elif word == "hundred" and last in {"unit", "teen", "tens"} and 0 < current < 100:
            current *= 100
            last = "hundred"
        elif word in _SCALES and last in {"unit", "teen", "tens", "hundred"} and current > 0:
            total += current * _SCALES[word]
            current = 0
            last = "scale"
        elif word == "and" and last in {"hundred", "scale"} and following in {*_UNITS, *_TEENS, *_TENS} - {"zero"}:
            pass  # "two hundred and fifty": the "and" belongs to the number
        elif word == "point" and last and following in _UNITS:
            value = str(total + current) + "."
            i += 1
            while i < len(tokens) and tokens[i] in _UNITS:
                value += str(_UNITS[tokens[i]])
                i += 1
            out.append(value)
            total = current = 0
            last = ""
            continue
        else:
            flush()
            out.append(word)
        i += 1
    flush()
    return out


def normalise_words(text: str) -> list[str]:
    """The words of `text` as they are compared for the word error rate (rules in the module docstring)."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    text = _CURRENCY.sub(lambda m: f"{m.group(2)} {_CURRENCIES[m.group(1)]}", text)
    text = _THOUSANDS.sub(lambda m: m.group(0).replace(",", ""), text)
    text = _KILO.sub(_kilo, text)
    text = _LETTER_DIGITS.sub(r"\1", text)
    text = text.replace("%", " percent ").replace("&", " and ")
    text = _PER_CENT.sub("percent", text)
    tokens = [t if _DECIMAL.fullmatch(t) else t.replace(".", "") for t in _TOKEN.findall(text)]
    return _spelled_numbers(tokens)


@dataclass(frozen=True)
class WerCounts:
    """The edits that turn the reference words into the hypothesis words; add two to pool them."""

    substitutions: int = 0
    deletions: int = 0
    insertions: int = 0
    reference_words: int = 0

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def rate(self) -> float:
        """Errors per reference word; with no reference words, 0.0 for an empty hypothesis and 1.0 otherwise."""
        if self.reference_words == 0:
            return 0.0 if self.insertions == 0 else 1.0
        return self.errors / self.reference_words

    def __add__(self, other: WerCounts) -> WerCounts:
        return WerCounts(
            self.substitutions + other.substitutions,
            self.deletions + other.deletions,
            self.insertions + other.insertions,
            self.reference_words + other.reference_words,
        )


def _align(reference: list[str], hypothesis: list[str]) -> WerCounts:
    """Minimum edit distance over words, with the substitutions, deletions and insertions of one best path."""
    n, m = len(reference), len(hypothesis)
    # cost[i][j]: (edits, substitutions, deletions, insertions) for reference[:i] against hypothesis[:j].
    prev = [(j, 0, 0, j) for j in range(m + 1)]
    for i in range(1, n + 1):
        row = [(i, 0, i, 0)]
        for j in range(1, m + 1):
            if reference[i - 1] == hypothesis[j - 1]:
                row.append(prev[j - 1])
                continue
            sub, dele, ins = prev[j - 1], prev[j], row[j - 1]
            best = min(
                (sub[0] + 1, sub[1] + 1, sub[2], sub[3]),
                (dele[0] + 1, dele[1], dele[2] + 1, dele[3]),
                (ins[0] + 1, ins[1], ins[2], ins[3] + 1),
            )
            row.append(best)
        prev = row
    _, substitutions, deletions, insertions = prev[m]
    return WerCounts(substitutions, deletions, insertions, n)


def word_error_counts(reference: str, hypothesis: str) -> WerCounts:
    """Substitutions, deletions and insertions between the normalised words of the two texts."""
    return _align(normalise_words(reference), normalise_words(hypothesis))


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words; an empty reference gives 0.0 or 1.0."""
    return word_error_counts(reference, hypothesis).rate
