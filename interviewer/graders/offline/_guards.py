"""Guards: answers that must not score well whatever they contain (shared by every grader)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from ...models import DeliveryMetrics, GuardKind, GuardResult
from ._text import function_word_ratio

__all__ = ["MIN_WORDS", "SUBSTANTIVE_WORDS", "detect_guards", "looks_like_gibberish"]

MIN_WORDS = 12
"""Below this an answer cannot be more than barely relevant (cap 1)."""
SUBSTANTIVE_WORDS = 40
"""Below this (about 15 seconds aloud) an answer is too thin to be adequate (cap 2)."""

_VOWELS = set("aeiouy")
_CONSONANT_RUN = re.compile(r"[^aeiouy\W\d_]{6,}")
_TRIPLE = re.compile(r"(\w)\1\1")
_ACTION = re.compile(
    r"\b(?:i|we)\s+(?:\w+ed|ran|met|took|made|wrote|built|led|set|chose|did|would|will|'d|’d)\b", re.IGNORECASE
)


_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


@lru_cache(maxsize=32768)
def _mashed(word: str) -> bool:
    """A run along a keyboard row ("asdf", "qwerty", "vbnm") or one letter repeated."""
    w = word.lower()
    if len(w) < 3:
        return False
    if len(set(w)) == 1:
        return True
    on_row = len(w) >= 4 and any(w in row or w in row[::-1] for row in _KEYBOARD_ROWS)
    return on_row or w in {"asd", "jkl", "hjkl"}


@lru_cache(maxsize=32768)
def _implausible(word: str) -> bool:
    w = word.lower()
    if len(w) == 1:
        return w not in {"a", "i"}
    if not (_VOWELS & set(w)):
        return True
    return bool(_CONSONANT_RUN.search(w) or _TRIPLE.search(w))


def looks_like_gibberish(tokens: Sequence[str]) -> bool:
    """Keyboard mash or word salad: mostly unpronounceable words, or no function words at all."""
    alpha = [t for t in tokens if t.isalpha()]
    if len(alpha) < 3:
        return bool(alpha) and all(_implausible(t) for t in alpha)
    implausible = sum(1 for t in alpha if _implausible(t)) / len(alpha)
    mashed = sum(1 for t in alpha if _mashed(t))
    return (
        implausible >= 0.35
        or (len(alpha) >= 8 and function_word_ratio(alpha) < 0.05 and implausible >= 0.15)
        or (mashed >= 2 and (mashed + implausible * len(alpha)) / len(alpha) >= 0.1)
    )


def detect_guards(
    answer: str,
    tokens: Sequence[str],
    delivery: DeliveryMetrics,
    *,
    off_topic: str | None = None,
) -> list[GuardResult]:
    """Every guard that applies to the answer, each with its cap and reason.

    `off_topic` is the reason the answer was judged off-topic, if it was (the
    judgement needs a semantic model, so the grader makes it).
    """
    words = delivery.word_count
    if words == 0:
        return [GuardResult(kind=GuardKind.empty, cap=0, reason="No answer was given.")]
    guards: list[GuardResult] = []
    if looks_like_gibberish(tokens):
        return [GuardResult(kind=GuardKind.gibberish, cap=0, reason="The answer is not readable text.")]
    terms_used = len(delivery.key_terms_used)
    fw_ratio = function_word_ratio(list(tokens))
    no_substance = not delivery.quantified_results and not _ACTION.search(answer)
    dense = terms_used >= 4 and (terms_used * 10 / words >= 1.0 or fw_ratio < 0.18)
    if dense and no_substance and words < 120:
        guards.append(
            GuardResult(
                kind=GuardKind.keyword_stuffing,
                cap=1,
                reason=f"Lists {terms_used} key terms in {words} words without an example, a decision or a result.",
            )
        )
    if off_topic is not None:
        guards.append(GuardResult(kind=GuardKind.off_topic, cap=1, reason=off_topic))
    if words < MIN_WORDS:
        guards.append(
            GuardResult(kind=GuardKind.too_short, cap=1, reason=f"Only {words} words; a real answer needs far more.")
        )
    elif words < SUBSTANTIVE_WORDS:
        guards.append(
            GuardResult(
                kind=GuardKind.too_short,
                cap=2,
                reason=f"Only {words} words ({delivery.time_aloud()}); too short to cover the question.",
            )
        )
    return guards
