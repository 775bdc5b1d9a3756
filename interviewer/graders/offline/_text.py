"""Plain-text helpers: sentences with offsets, words, and term matching."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from ..._words import FUNCTION_WORDS, normalise_term

__all__ = [
    "FUNCTION_WORDS",
    "LETTER",
    "Sentence",
    "any_of",
    "count_phrases",
    "function_word_ratio",
    "normalise_term",
    "split_sentences",
    "term_in",
    "term_spans",
    "words",
]

LETTER = r"[^\W\d_]"
"""Any letter, in any script ("ñ", "é" and "ß" as much as "a")."""


def any_of(*alternatives: str) -> str:
    """A non-capturing group of regex alternatives."""
    return "(?:" + "|".join(alternatives) + ")"


_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*(?:-[A-Za-z]+)*|\d[\d,]*(?:\.\d+)?")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "mr.", "mrs.", "ms.", "dr.", "approx.", "no.", "inc.", "cf.")
_BOUNDARY = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+|\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)|;\s+")


@dataclass(frozen=True)
class Sentence:
    """A sentence of the answer and where it sits in the text."""

    text: str
    start: int
    end: int


def words(text: str) -> list[str]:
    """Words and numbers in `text`, in order, original case."""
    return _WORD.findall(text)


def _protect(text: str) -> str:
    # Hide dots that do not end a sentence (abbreviations, decimals) from the splitter.
    lowered = text.lower()
    chars = list(text)
    for abbr in _ABBREVIATIONS:
        start = lowered.find(abbr)
        while start != -1:
            before = lowered[start - 1] if start > 0 else " "
            if not before.isalpha():
                for i in range(start, start + len(abbr)):
                    if chars[i] == ".":
                        chars[i] = "\x00"
            start = lowered.find(abbr, start + 1)
    return re.sub(r"(?<=\d)\.(?=\d)", "\x00", "".join(chars))


def split_sentences(text: str) -> list[Sentence]:
    """Split an answer into sentences (also at bullets, blank lines and semicolons)."""
    protected = _protect(text)
    out: list[Sentence] = []
    start = 0
    for match in _BOUNDARY.finditer(protected):
        _append(out, text, start, match.start())
        start = match.end()
    _append(out, text, start, len(text))
    return out


def _append(out: list[Sentence], text: str, start: int, end: int) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    stripped = re.sub(r"^(?:[-*•]|\d+[.)])\s+", "", stripped)
    if not any(ch.isalnum() for ch in stripped):
        return
    offset = text.find(stripped, start, end)
    out.append(Sentence(stripped, offset, offset + len(stripped)))


def function_word_ratio(tokens: list[str]) -> float:
    """Share of tokens that are common function words."""
    if not tokens:
        return 0.0
    return sum(1 for t in tokens if t.lower() in FUNCTION_WORDS) / len(tokens)


@lru_cache(maxsize=4096)
def _term_pattern(term: str) -> re.Pattern[str]:
    parts = [re.escape(p) for p in normalise_term(term).split()]
    # Allow a plural or possessive ending on the last word; hyphen or space between words.
    body = r"[\s\-‑/]+".join(parts)
    return re.compile(rf"(?<![a-z0-9]){body}(?:s|es|'s|’s)?(?![a-z0-9])")


@lru_cache(maxsize=4096)
def _term_parts(term: str) -> tuple[str, ...]:
    return tuple(normalise_term(term).split())


def term_in(term: str, lowered_text: str) -> bool:
    """Whether `term` occurs in already-lowercased text, tolerating plurals and hyphens."""
    if not all(part in lowered_text for part in _term_parts(term)):  # the pattern needs every word: no regex
        return False
    return _term_pattern(term).search(lowered_text) is not None


def term_spans(term: str, lowered_text: str) -> list[tuple[int, int]]:
    """Where `term` occurs in already-lowercased text (start, end), as `term_in` matches it."""
    return [m.span() for m in _term_pattern(term).finditer(lowered_text)]


def count_phrases(lowered_text: str, phrases: Iterable[str]) -> dict[str, int]:
    """How often each phrase occurs as whole words in already-lowercased text."""
    counts: dict[str, int] = {}
    for phrase in phrases:
        if phrase not in lowered_text:  # most phrases are in no answer: skip the regex
            continue
        found = len(re.findall(rf"(?<![a-z']){re.escape(phrase)}(?![a-z'])", lowered_text))
        if found:
            counts[phrase] = found
    return counts
