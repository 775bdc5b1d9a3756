"""Concrete detail and self-repetition: what separates a real answer from a recited or padded one.

A checklist recited in the first person ("First I'd clarify what slow means... I'd rank the
fixes by impact and effort") can sit close to every key point in embedding space; what it
lacks is detail only a real case has: figures, names, a time, a first-person story in the past
tense, an outcome. These checks read English; for other languages the grader says so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ._text import FUNCTION_WORDS, Sentence, words

__all__ = ["Specifics", "english_share", "repetition", "specifics"]

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_TIME = re.compile(
    rf"\b(?:in|by|since|until|early|late|mid|end of|last|that|this|next)[ -](?:{_MONTHS})\b"
    r"|\b(?:last|that|the following|the next|the previous|this) (?:year|quarter|month|week|sprint|spring|summer"
    r"|autumn|fall|winter|release|launch)\b"
    r"|\b(?:within|after|in|for|over) (?:a|one|two|three|four|five|six|eight|ten|twelve|\d+) (?:days?|weeks?"
    r"|months?|sprints?|quarters?|years?)\b"
    r"|\b(?:a few|two|three|four|five|several|\d+) (?:years|months|weeks|days) (?:ago|later|in)\b"
    r"|\bq[1-4]\b|\b(?:19|20)\d\d\b|\bat my (?:last|previous|current|first) (?:job|role|company|team)\b",
    re.IGNORECASE,
)
_PAST_ACTION = re.compile(
    r"\b(?:i|we)\s+(?:then\s+|first\s+|also\s+|quickly\s+|finally\s+)?"
    r"(?:[a-z]{2,}ed|ran|met|took|made|wrote|brought|sat|spoke|went|put|set|chose|told|gave|got|held|led|built"
    r"|began|drew|sent|found|did|kept|won|cut|split|shipped|paid|sold|spent|thought|knew|had|was|were)\b",
    re.IGNORECASE,
)
_OUTCOME = re.compile(
    r"\b(?:as a result|in the end|ended up|which (?:led|meant)|the result|the outcome|afterwards|since then)\b"
    r"|\b(?:increased|reduced|decreased|improved|dropped|rose|grew|halved|doubled|fell|recovered|stayed|signed"
    r"|renewed|stopped|hit|reached|saved)\b",
    re.IGNORECASE,
)
_REASON = re.compile(
    r"\b(?:because|since|so that|so (?:we|i|you|they|it|the)|if|unless|otherwise|which means|that way|rather than"
    r"|instead of|in order to|as long as|depends|but|although|though)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"\b[A-Z][a-zà-ÿ]+(?:\s[A-Z][a-zà-ÿ]+)*\b|\b[A-Z]{2,}[a-z]?\b")
_NOT_NAMES = frozenset(
    {"I", "I'd", "I'm", "I've", "I'll", "OK", "Okay", "So", "And", "But", "Then", "First", "Second", "Also", "AI"}
)


@dataclass(frozen=True)
class Specifics:
    """Kinds of concrete detail found, each with one example from the answer."""

    found: dict[str, str]
    """`numbers`, `names`, `time`, `story`, `outcome` → an example."""
    reasons: int = 0
    """Sentences that give a reason or a condition ("because", "so that", "if", "unless"...)."""

    @property
    def kinds(self) -> int:
        return len(self.found)

    @property
    def has_story(self) -> bool:
        """A first-person account in the past tense with at least one other kind of detail."""
        return "story" in self.found and self.kinds >= 2


def specifics(sentences: Sequence[Sentence], quantities: Sequence[str]) -> Specifics:
    """Concrete detail in the answer: figures, names, a time, a past-tense story, an outcome."""
    found: dict[str, str] = {}
    if quantities:
        found["numbers"] = quantities[0]
    past = 0
    reasons = 0
    for sentence in sentences:
        text = sentence.text
        reasons += bool(_REASON.search(text))
        if "time" not in found and (match := _TIME.search(text)):
            found["time"] = match.group(0)
        for match in _NAME.finditer(text):
            if (
                match.start() > 0
                and match.group(0) not in _NOT_NAMES
                and text[: match.start()].strip()[-1:] not in ".:"
            ):
                found.setdefault("names", match.group(0))
                break
        if _PAST_ACTION.search(text):
            past += 1
            found.setdefault("story", text)
        if "outcome" not in found and past and _OUTCOME.search(text):
            found["outcome"] = text
    if past < 2:
        found.pop("story", None)
    return Specifics(found, reasons)


def repetition(text: str, n: int = 6) -> float:
    """Share of the answer's word n-grams that already occurred earlier in it (0: none; near 1: pasted)."""
    tokens = [t.lower() for t in words(text)]
    if len(tokens) < n * 4:
        return 0.0
    seen: set[tuple[str, ...]] = set()
    repeated = 0
    total = len(tokens) - n + 1
    for i in range(total):
        gram = tuple(tokens[i : i + n])
        if gram in seen:
            repeated += 1
        seen.add(gram)
    return repeated / total


def english_share(tokens: Sequence[str]) -> float:
    """Share of words that are common English function words (about a third or more in English prose)."""
    alpha = [t.lower() for t in tokens if t.isalpha()]
    if not alpha:
        return 1.0
    return sum(1 for t in alpha if t in FUNCTION_WORDS) / len(alpha)
