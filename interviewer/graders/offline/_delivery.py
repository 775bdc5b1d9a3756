"""Deterministic delivery metrics: length, fillers, hedges, STAR, numbers, ownership, terms."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence

from ...models import DeliveryMetrics, Ownership, StarPart, StarParts, TermCount
from ._text import FUNCTION_WORDS, Sentence, count_phrases, normalise_term, split_sentences, term_in, words

__all__ = ["WORDS_PER_MINUTE", "example_sentence", "measure_delivery", "quantities", "star_parts"]

WORDS_PER_MINUTE = 140
"""A calm interview speaking pace."""

FILLERS = (
    "um",
    "umm",
    "uh",
    "uhm",
    "er",
    "erm",
    "hmm",
    "basically",
    "literally",
    "you know",
    "i mean",
    "like,",
    "so yeah",
    "right?",
)
HEDGES = (
    "i think",
    "i guess",
    "i believe",
    "i feel like",
    "i suppose",
    "maybe",
    "perhaps",
    "probably",
    "possibly",
    "sort of",
    "kind of",
    "hopefully",
    "somewhat",
    "more or less",
    "not sure",
    "might",
    "i'd say",
)


def _any(*alternatives: str) -> str:
    """A non-capturing group of regex alternatives."""
    return "(?:" + "|".join(alternatives) + ")"


_NUMBER_WORDS = _any(
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
    "fifteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "hundred",
    "a few",
    "several",
    "a couple of",
)
_UNITS = _any(
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
    "stakeholders?",
)
_IRREGULAR_PAST = _any(
    "ran",
    "met",
    "took",
    "made",
    "wrote",
    "brought",
    "sat",
    "spoke",
    "went",
    "put",
    "set",
    "chose",
    "told",
    "gave",
    "got",
    "held",
    "led",
    "built",
    "began",
    "drew",
    "sent",
    "sought",
    "found",
    "did",
    "kept",
    "won",
    "dug",
    "laid",
)
_FUNCTION_ALTERNATIVES = "|".join(sorted(FUNCTION_WORDS))
_QUANTITY = re.compile(
    rf"(?:[$€£]\s?\d[\d,]*(?:\.\d+)?\s?(?:k|m|bn|million|billion|thousand)?\b"
    rf"|\b\d[\d,]*(?:\.\d+)?\s?{_UNITS}(?![a-z])"
    rf"|\b{_NUMBER_WORDS}\s+{_UNITS}(?![a-z])"
    rf"|\bq[1-4]\b"
    rf"|\b\d[\d,]*(?:\.\d+)?\s?(?:to|->|→)\s?\d[\d,]*(?:\.\d+)?\s?%?"
    # a count of something: "200 invoices", "3 engineers" (a bare year such as 2019 is not a result)
    rf"|\b(?!(?:19|20)\d\d\b)\d[\d,]*(?:\.\d+)?\s(?!(?:{_FUNCTION_ALTERNATIVES})\b)[a-z]{{3,}})",
    re.IGNORECASE,
)

_STAR_CUES: dict[StarPart, re.Pattern[str]] = {
    StarPart.situation: re.compile(
        r"\b(?:at|in) (?:my|our) (?:last|previous|current|former|first) (?:job|role|company|team|position)\b"
        r"|\bwhen i (?:was|joined|worked)\b|\bwe (?:were|had) (?:a|an|just|been)\b|\bthere was\b"
        r"|\b(?:last|that) (?:year|quarter|spring|summer|autumn|fall|winter)\b"
        r"|\b(?:a few|two|three|several) years ago\b|\bthe (?:situation|context|background|problem) was\b"
        r"|\bi was (?:working|leading|managing|running) (?:on|a|the)\b",
        re.IGNORECASE,
    ),
    StarPart.task: re.compile(
        r"\bi was (?:responsible|asked|tasked|accountable|in charge|expected)\b"
        r"|\bmy (?:job|task|goal|role|responsibility|remit|mandate) (?:was|is)\b"
        r"|\bi (?:needed|had) to\b|\bthe (?:goal|task|aim|target|challenge) was\b|\bi owned\b"
        r"|\bit was (?:up to me|my call|my job)\b",
        re.IGNORECASE,
    ),
    StarPart.action: re.compile(
        rf"\bi (?:then |first |quickly |immediately |also )?(?:[a-z]+ed|{_IRREGULAR_PAST})\b", re.IGNORECASE
    ),
    StarPart.result: re.compile(
        r"\bas a result\b|\bresult(?:ed|s)?\b|\boutcome\b|\bin the end\b|\bended up\b|\bwhich (?:led|meant)\b"
        r"|\b(?:increased|reduced|decreased|improved|dropped|rose|grew|cut|saved|doubled|halved|fell)\b"
        r"|\bwent (?:up|down)\b|\bi learn(?:ed|t)\b|\blesson\b",
        re.IGNORECASE,
    ),
}


def quantities(text: str) -> list[str]:
    """Numbers with their unit (money, percentages, durations, counts), as written."""
    found: list[str] = []
    for match in _QUANTITY.finditer(text):
        snippet = match.group(0).strip().rstrip(",.;:")
        if snippet and snippet not in found:
            found.append(snippet)
    return found


# Weaker signs of a result, used only when no sentence has a strong one.
_WEAK_RESULT = re.compile(
    r"\beventually\b|\bwe (?:shipped|launched|hit|met|delivered|reached|released|avoided)\b", re.IGNORECASE
)


def star_parts(sentences: Sequence[Sentence]) -> StarParts:
    """Which STAR parts appear, with the first sentence that shows each."""
    evidence: dict[StarPart, str] = {}
    cues = [*_STAR_CUES.items(), (StarPart.result, _WEAK_RESULT)]
    for part, pattern in cues:
        if part in evidence:
            continue
        for sentence in sentences:
            if pattern.search(sentence.text):
                evidence[part] = sentence.text
                break
    present = [p for p in StarPart if p in evidence]
    missing = [p for p in StarPart if p not in evidence]
    return StarParts(present=present, missing=missing, evidence=evidence)


_TIME_MARKER = re.compile(
    r"\b(?:last|that|this|next) (?:year|quarter|month|week|sprint|spring|summer|autumn|fall|winter)\b"
    r"|\b(?:at|in) (?:my|our) (?:last|previous|current|former|first) \w+\b|\bwhen i (?:was|joined|worked)\b"
    r"|\b(?:a few|two|three|several) (?:years|months|weeks) ago\b|\bonce\b",
    re.IGNORECASE,
)


def example_sentence(sentences: Sequence[Sentence]) -> str | None:
    """The first sentence of a concrete first-person example: something the candidate did, with a specific detail."""
    for sentence in sentences:
        text = sentence.text
        if _STAR_CUES[StarPart.action].search(text) and (_TIME_MARKER.search(text) or _QUANTITY.search(text)):
            return text
    return None


def _ranked(counts: dict[str, int]) -> list[TermCount]:
    return [TermCount(term=t.rstrip(",?"), count=n) for t, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _repeated(tokens: list[str]) -> list[TermCount]:
    lowered = [t.lower() for t in tokens]
    doubled = Counter(a for a, b in itertools.pairwise(lowered) if a == b and a.isalpha())
    content = Counter(t for t in lowered if len(t) > 3 and t not in FUNCTION_WORDS and t.isalpha())
    threshold = max(4, round(len(lowered) * 0.03))
    result = {f"{w} {w}": n for w, n in doubled.items()}
    result.update({w: n for w, n in content.items() if n >= threshold})
    return _ranked(result)


def _ownership(i_count: int, we_count: int) -> Ownership:
    if i_count == 0 and we_count == 0:
        return "none"
    if i_count >= 2 * we_count:
        return "mostly-i"
    if we_count >= 2 * i_count:
        return "mostly-we"
    return "balanced"


def measure_delivery(
    answer: str,
    *,
    star: bool,
    rubric_terms: Sequence[str],
    role_terms: Sequence[str] = (),
    sentences: Sequence[Sentence] | None = None,
) -> DeliveryMetrics:
    """All delivery metrics of an answer; pure and deterministic."""
    tokens = words(answer)
    lowered = " ".join(answer.lower().split())
    sentences = list(sentences) if sentences is not None else split_sentences(answer)
    word_count = len(tokens)
    fillers = count_phrases(lowered, FILLERS)
    lower_tokens = [t.lower().replace("’", "'") for t in tokens]
    i_count = sum(1 for t in lower_tokens if t in {"i", "me", "my", "mine", "myself", "i'm", "i've", "i'd", "i'll"})
    we_count = sum(
        1 for t in lower_tokens if t in {"we", "us", "our", "ours", "ourselves", "we're", "we've", "we'd", "we'll"}
    )
    used: list[str] = []
    seen: set[str] = set()
    for term in [*rubric_terms, *role_terms]:
        key = normalise_term(term)
        if key not in seen and term_in(term, lowered):
            used.append(term)
        seen.add(key)
    return DeliveryMetrics(
        word_count=word_count,
        sentence_count=len(sentences),
        speaking_seconds=round(word_count * 60 / WORDS_PER_MINUTE),
        filler_words=_ranked(fillers),
        filler_rate=round(100 * sum(fillers.values()) / word_count, 1) if word_count else 0.0,
        hedges=_ranked(count_phrases(lowered, HEDGES)),
        repeated_words=_repeated(tokens),
        star=star_parts(sentences) if star else None,
        quantified_results=quantities(answer),
        i_statements=i_count,
        we_statements=we_count,
        ownership=_ownership(i_count, we_count),
        key_terms_used=used,
        key_terms_missing=[t for t in rubric_terms if t not in used],
    )
