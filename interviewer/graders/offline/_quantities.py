"""Numbers with their unit in an answer: money, percentages, durations, counts."""

from __future__ import annotations

import re

from ._text import FUNCTION_WORDS
from ._text import LETTER as _LETTER
from ._text import any_of as _any

__all__ = ["QUANTITY", "quantities"]

_SMALL_NUMBER_WORDS = _any(
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "a few",
    "several",
    "a couple of",
)
_LARGE_NUMBER_WORDS = _any("fifteen", "twenty", "thirty", "forty", "fifty", "sixty", "hundred")
_HEADCOUNT_UNITS = ("people", "engineers?", "teams?", "stakeholders?")
"""Who was involved: "two stakeholders" is a cast list, not a measured scale or outcome."""
_UNIT_ALTERNATIVES = (
    "%",
    "percent",
    "per ?cent",
    "percentage points?",
    "pp",
    "x",
    "times",
    "k",
    "m",
    "bn",
    "million",
    "billion",
    "thousand",
    "users?",
    "customers?",
    "accounts?",
    "clients?",
    "people",
    "engineers?",
    "teams?",
    "tickets?",
    "requests?",
    "sessions?",
    "seconds?",
    "secs?",
    "minutes?",
    "mins?",
    "hours?",
    "hrs?",
    "days?",
    "weeks?",
    "months?",
    "quarters?",
    "years?",
    "sprints?",
    "points?",
    "ms",
    "releases?",
    "incidents?",
    "defects?",
    "bugs?",
    "regions?",
    "markets?",
    "features?",
    *_HEADCOUNT_UNITS,
)
_UNITS = _any(*_UNIT_ALTERNATIVES)
_NON_HEADCOUNT_UNITS = _any(*(u for u in _UNIT_ALTERNATIVES if u not in _HEADCOUNT_UNITS))
_FUNCTION_ALTERNATIVES = "|".join(sorted(FUNCTION_WORDS))
_QUANTITY = re.compile(
    rf"(?:[$€£]\s?\d[\d,]*(?:\.\d+)?\s?(?:k|m|bn|million|billion|thousand)?\b"
    rf"|\b\d[\d,]*(?:\.\d+)?\s?{_UNITS}(?!{_LETTER})"
    rf"|\b{_SMALL_NUMBER_WORDS}\s+{_NON_HEADCOUNT_UNITS}(?!{_LETTER})"
    rf"|\b{_LARGE_NUMBER_WORDS}\s+{_UNITS}(?!{_LETTER})"
    rf"|\bq[1-4]\b"
    rf"|\b\d[\d,]*(?:\.\d+)?\s?(?:to|->|→)\s?\d[\d,]*(?:\.\d+)?\s?%?"
    # a count of something: "200 invoices", "3 engineers" (a bare year such as 2019 is not a result)
    rf"|\b(?!(?:19|20)\d\d\b)\d[\d,]*(?:\.\d+)?\s(?!(?:{_FUNCTION_ALTERNATIVES})\b){_LETTER}{{3,}})",
    re.IGNORECASE,
)


def quantities(text: str) -> list[str]:
    """Numbers with their unit (money, percentages, durations, counts), as written.

    A quantified result is a measured scale or outcome: "12%", "3 weeks",
    "$40k", "200 invoices", "ten customers", "two sprints". A count written in
    digits stays whatever it counts ("5 engineers", "12 stakeholders"): the
    candidate chose to be precise. A small number spelled out with a noun for
    who took part ("two stakeholders", "three teams", "a few people", "five
    engineers") is a cast list, not a result, and is left out; durations and
    counts of customers, users or work items spelled out stay in.
    """
    found: list[str] = []
    for match in _QUANTITY.finditer(text):
        snippet = match.group(0).strip().rstrip(",.;:")
        if snippet and snippet not in found:
            found.append(snippet)
    return found


QUANTITY = _QUANTITY
"""The pattern `quantities` finds (for checks that only ask whether a sentence has one)."""
