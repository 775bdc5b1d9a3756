"""Deterministic delivery metrics: length, fillers, hedges, STAR, numbers, ownership, terms."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from ...models import DeliveryMetrics, StarPart, StarParts, TermCount
from ._text import FUNCTION_WORDS, Sentence, count_phrases, split_sentences, term_in, words

__all__ = ["WORDS_PER_MINUTE", "measure_delivery", "quantities", "star_parts"]

WORDS_PER_MINUTE = 140
"""A calm interview speaking pace."""

FILLERS = ("um", "umm", "uh", "uhm", "er", "erm", "hmm", "basically", "literally", "you know", "i mean", "like,", "so yeah", "right?")
HEDGES = (
    "i think", "i guess", "i believe", "i feel like", "i suppose", "maybe", "perhaps", "probably", "possibly",
    "sort of", "kind of", "hopefully", "somewhat", "more or less", "not sure", "might", "i'd say",
)

_NUMBER_WORDS = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|hundred|a few|several|a couple of)"
_UNITS = (
    r"(?:%|percent|per ?cent|percentage points?|pp|x|times|k|m|bn|million|billion|thousand|"
    r"users?|customers?|accounts?|clients?|people|engineers?|teams?|tickets?|requests?|sessions?|"
    r"seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|quarters?|years?|sprints?|points?|ms|"
    r"releases?|incidents?|defects?|bugs?|regions?|markets?|features?|stakeholders?)"
)
_QUANTITY = re.compile(
    rf"(?:[$€£]\s?\d[\d,]*(?:\.\d+)?\s?(?:k|m|bn|million|billion|thousand)?\b"
    rf"|\b\d[\d,]*(?:\.\d+)?\s?{_UNITS}(?![a-z])"
    rf"|\b{_NUMBER_WORDS}\s+{_UNITS}(?![a-z])"
    rf"|\bq[1-4]\b"
    rf"|\b\d[\d,]*(?:\.\d+)?\s?(?:to|->|→)\s?\d[\d,]*(?:\.\d+)?\s?%?)",
    re.IGNORECASE,
)

_STAR_CUES: dict[StarPart, re.Pattern[str]] = {
    StarPart.situation: re.compile(
        r"\b(?:at|in) (?:my|our) (?:last|previous|current|former|first) (?:job|role|company|team|position)\b"
        r"|\bwhen i (?:was|joined|worked)\b|\bwe (?:were|had) (?:a|an|just|been)\b|\bthere was\b"
        r"|\b(?:last|that) (?:year|quarter|spring|summer|autumn|fall|winter)\b|\b(?:a few|two|three|several) years ago\b"
        r"|\bthe (?:situation|context|background|problem) was\b|\bi was (?:working|leading|managing|running) (?:on|a|the)\b",
        re.IGNORECASE,
    ),
    StarPart.task: re.compile(
        r"\bi was (?:responsible|asked|tasked|accountable|in charge|expected)\b|\bmy (?:job|task|goal|role|responsibility|remit|mandate) (?:was|is)\b"
        r"|\bi (?:needed|had) to\b|\bthe (?:goal|task|aim|target|challenge) was\b|\bi owned\b|\bit was (?:up to me|my call|my job)\b",
        re.IGNORECASE,
    ),
    StarPart.action: re.compile(
        r"\bi (?:then |first |quickly |immediately |also )?(?:[a-z]+ed|ran|met|took|made|wrote|brought|sat|spoke|went|put|set|chose|told|gave|got|held|led|built|began|drew|sent|sought|found|did|kept|won|dug|laid)\b",
        re.IGNORECASE,
    ),
    StarPart.result: re.compile(
        r"\bas a result\b|\bresult(?:ed|s)?\b|\boutcome\b|\bin the end\b|\beventually\b|\bended up\b|\bwhich (?:led|meant)\b"
        r"|\b(?:increased|reduced|decreased|improved|dropped|rose|grew|cut|saved|doubled|halved|went (?:up|down)|fell)\b"
        r"|\bwe (?:shipped|launched|hit|met|delivered|reached|released|avoided)\b|\bi learn(?:ed|t)\b|\blesson\b",
        re.IGNORECASE,
    ),
}


def quantities(text: str) -> list[str]:
    """Numbers with their unit (money, percentages, durations, counts), as written."""
    found: list[str] = []
    for match in _QUANTITY.finditer(text):
        snippet = match.group(0).strip()
        if snippet and snippet not in found:
            found.append(snippet)
    return found


def star_parts(sentences: Sequence[Sentence]) -> StarParts:
    """Which STAR parts appear, with the first sentence that shows each."""
    evidence: dict[StarPart, str] = {}
    for part, pattern in _STAR_CUES.items():
        for sentence in sentences:
            if pattern.search(sentence.text):
                evidence[part] = sentence.text
                break
    present = [p for p in StarPart if p in evidence]
    missing = [p for p in StarPart if p not in evidence]
    return StarParts(present=present, missing=missing, evidence=evidence)


def _ranked(counts: dict[str, int]) -> list[TermCount]:
    return [TermCount(term=t.rstrip(",?"), count=n) for t, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _repeated(tokens: list[str]) -> list[TermCount]:
    lowered = [t.lower() for t in tokens]
    doubled = Counter(a for a, b in zip(lowered, lowered[1:], strict=False) if a == b and a.isalpha())
    content = Counter(t for t in lowered if len(t) > 3 and t not in FUNCTION_WORDS and t.isalpha())
    threshold = max(4, round(len(lowered) * 0.03))
    result = {f"{w} {w}": n for w, n in doubled.items()}
    result.update({w: n for w, n in content.items() if n >= threshold})
    return _ranked(result)


def _ownership(i_count: int, we_count: int) -> str:
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
    we_count = sum(1 for t in lower_tokens if t in {"we", "us", "our", "ours", "ourselves", "we're", "we've", "we'd", "we'll"})
    used: list[str] = []
    for term in [*rubric_terms, *role_terms]:
        if term not in used and term_in(term, lowered):
            used.append(term)
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
        ownership=_ownership(i_count, we_count),  # type: ignore[arg-type]
        key_terms_used=used,
        key_terms_missing=[t for t in rubric_terms if t not in used],
    )
