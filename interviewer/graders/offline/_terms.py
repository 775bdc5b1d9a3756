"""Lexical evidence: a named method, metric or artefact that the answer applies, not merely lists.

"I scored both with RICE" applies RICE; "there are frameworks like RICE, MoSCoW and Kano"
only names them. A key point's `terms` are matched as whole words (plurals and hyphens
tolerated); a sentence applies a term when the term sits in a context of use (a verb or
preposition of use next to it, or a figure right after it: "p95 under 2 seconds") and the
sentence is not an enumeration of several terms or a negation of using it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ._text import Sentence, term_in, term_spans

__all__ = ["TermUse", "term_uses"]

_BEFORE = re.compile(
    r"(?:\bwith|\busing|\bvia|\bby|\bthrough|\bran|\brun|\bused|\buse|\bscored|\bscore|\bapplied|\bapply|\bbuilt|"
    r"\bset up|\badded|\badd|\btracked|\btrack|\bmeasured|\bmeasure|\bwrote|\bwrite|\bkept|\bput|\bgave|\bstarted|"
    r"\bshipped|\bchose|\bpicked|\bagreed|\bdefined|\bdrew up|\binto|\bon|\bour|\bmy)\s*(?:a|an|the)?\s*$",
    re.IGNORECASE,
)
_AFTER = re.compile(
    r"^\s*(?:[:=]\s*)?(?:(?:for me |here )?(?:was|is|were)\s+(?:to|that|\d)|\d|score|scores|scoring|showed|shows"
    r"|put|ranked|gave|came out|said|went|dropped|"
    r"fell|rose|under|below|above|over|at \d|ratio|rate|target|results?|numbers?|table|sheet|exercise|"
    r"session|workshop|plan|review|grid|matrix|dashboard|check)\b",
    re.IGNORECASE,
)
_LISTING = re.compile(
    r"\b(?:frameworks?|methods?|techniques?|models?|tools?|things?|approaches|options)\s+(?:like|such as|including)\b"
    r"|\b(?:like|such as|e\.g\.)\s*$",
    re.IGNORECASE,
)
_ACTOR = re.compile(r"\b(?:i|we|i[’']d|we[’']d|i[’']ll|we[’']ll|my|our)\b|:\s")
_NEGATED = re.compile(
    r"\b(?:never|not|don[’']t|didn[’']t|no|without|rarely|instead of|rather than)\b[^.;,]{0,30}$", re.IGNORECASE
)


@dataclass(frozen=True)
class TermUse:
    """A rubric term found in the answer."""

    term: str
    sentence: int
    """Index of the sentence it is in."""
    applied: bool
    """Used in context rather than listed, named in passing or negated."""


def _applied(text: str, start: int, end: int, terms_here: int) -> bool:
    lowered = text.lower()
    before = lowered[max(0, start - 60) : start]
    after = lowered[end:]
    if _NEGATED.search(before) or _LISTING.search(before):
        return False
    if terms_here >= 3:
        return False  # an enumeration of methods, not the use of one
    actor = bool(_ACTOR.search(lowered)) or any(ch.isdigit() for ch in lowered)
    return bool(_AFTER.search(after)) or (actor and bool(_BEFORE.search(before)))


def term_uses(terms: Sequence[str], sentences: Sequence[Sentence], all_terms: Sequence[str] = ()) -> list[TermUse]:
    """Where each of `terms` occurs, and whether the sentence applies it.

    `all_terms` are every term of the rubric: a sentence naming three or more of them
    is a list, whatever its verbs.
    """
    uses: list[TermUse] = []
    pool = list(dict.fromkeys([*terms, *all_terms]))
    for index, sentence in enumerate(sentences):
        lowered = sentence.text.lower()
        if not any(term_in(t, lowered) for t in terms):
            continue
        here = sum(1 for t in pool if term_in(t, lowered))
        for term in terms:
            for start, end in term_spans(term, lowered):
                uses.append(TermUse(term, index, _applied(sentence.text, start, end, here)))
    return uses
