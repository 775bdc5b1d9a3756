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

from ...models import StarPart, StarParts
from ._star import TIME_MARKER, star_parts
from ._text import FUNCTION_WORDS, Sentence, words

__all__ = ["Specifics", "english_share", "repetition", "specifics"]

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
        """A first-person account of something done, with at least one other kind of detail."""
        return "story" in self.found and self.kinds >= 2


def specifics(sentences: Sequence[Sentence], quantities: Sequence[str], star: StarParts | None = None) -> Specifics:
    """Concrete detail in the answer: figures, names, a time, a past-tense story, an outcome.

    The story and its outcome are the STAR action and result (`_star.py`), whatever the question;
    pass `star` when the delivery metrics already have it.
    """
    found: dict[str, str] = {}
    if quantities:
        found["numbers"] = quantities[0]
    star = star or star_parts(sentences)
    if StarPart.action in star.evidence:
        found["story"] = star.evidence[StarPart.action]
        if StarPart.result in star.evidence:
            found["outcome"] = star.evidence[StarPart.result]
    reasons = 0
    for sentence in sentences:
        text = sentence.text
        reasons += bool(_REASON.search(text))
        if "time" not in found and (match := TIME_MARKER.search(text)):
            found["time"] = match.group(0)
        if "names" not in found:
            for match in _NAME.finditer(text):
                before = text[: match.start()].strip()
                if before and before[-1] not in ".:" and match.group(0) not in _NOT_NAMES:
                    found["names"] = match.group(0)
                    break
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
