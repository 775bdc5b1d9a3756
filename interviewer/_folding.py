"""Text folded for matching: the letters a reader sees, whatever code points spell them.

"grader" can be written with a zero-width space inside it, a Cyrillic "а", full-width
letters or a soft hyphen, and still read as "grader". Filters match on the folded text
(compatibility forms to plain ones (NFKD), accents and invisible format characters (Unicode
category Cf) dropped, common Cyrillic and Greek look-alikes mapped to Latin) and act on
the original: `Folded.span` maps a match back, so what the candidate wrote is never
rewritten unless a filter removes it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Folded", "fold"]

_CONFUSABLES = str.maketrans(
    # Cyrillic letters that look like Latin ones, lower then upper case.
    "аеорсухіјѕԁһԛԝ"
    "АВЕКМНОРСТХІЈЅ"
    # Greek.
    "αβεικνορτυχ"
    "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdhqwABEKMHOPCTXIJSaBeikvoptuxABEZHIKMNOPTYX",
)


@lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    if char.isascii():
        return char
    if unicodedata.category(char) == "Cf":
        return ""  # zero-width spaces and joiners, soft hyphens, direction marks
    plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return plain.translate(_CONFUSABLES)


@dataclass(frozen=True)
class Folded:
    """The folded text and, for each of its characters, the index of the original one it came from."""

    original: str
    text: str
    origin: Sequence[int]
    """A `range` for ASCII text (it folds to itself): O(1) memory, where a tuple costs ~36 bytes a character."""

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span a folded span [start, end) was made from."""
        if end <= start:
            at = self.origin[start] if start < len(self.origin) else len(self.original)
            return at, at
        return self.origin[start], self.origin[end - 1] + 1


CACHED_CHARS = 20_000
"""Texts up to this long are remembered (a long answer is about 3,000 characters); longer ones are folded afresh."""


def fold(text: str) -> Folded:
    """`text` folded for matching (ASCII text folds to itself).

    Cached: the injection filter folds the same answer once per pass, and an answer is filtered
    by the screening and again by the prompt's rendering. At most 128 texts of at most
    `CACHED_CHARS`: a few megabytes however long the answers.
    """
    return _fold(text) if len(text) <= CACHED_CHARS else _fold.__wrapped__(text)


@lru_cache(maxsize=128)
def _fold(text: str) -> Folded:
    if text.isascii():
        return Folded(text, text, range(len(text)))
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = _fold_char(char)
        pieces.append(folded)
        origin.extend([index] * len(folded))
    return Folded(text, "".join(pieces), tuple(origin))
