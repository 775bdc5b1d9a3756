"""Deterministic delivery metrics: length, fillers, hedges, STAR (`_star.py`), numbers, ownership, terms."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from ...models import DeliveryMetrics, Ownership, SpokenDelivery, TermCount
from ...voice import with_words
from ._quantities import QUANTITY, quantities
from ._star import ACTION, TIME_MARKER, star_parts
from ._text import FUNCTION_WORDS, Sentence, count_phrases, normalise_term, split_sentences, term_in, words
from ._text import LETTER as _LETTER

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


def example_sentence(sentences: Sequence[Sentence]) -> str | None:
    """The first sentence of a concrete first-person example: something the candidate did, with a specific detail."""
    for sentence in sentences:
        text = sentence.text
        if ACTION.search(text) and (TIME_MARKER.search(text) or QUANTITY.search(text)):
            return text
    return None


def _ranked(counts: dict[str, int]) -> list[TermCount]:
    return [TermCount(term=t.rstrip(",?"), count=n) for t, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


_DOUBLED = re.compile(rf"(?<![\w'’-])({_LETTER}+)\s+(?=\1(?![\w'’-]))", re.IGNORECASE)
"""A word said twice in a row with nothing but space between ("the the"); overlapping, so "a a a" is two."""


def _repeated(tokens: list[str], sentences: Sequence[Sentence]) -> list[TermCount]:
    """Words doubled by accident within a sentence, and content words used unusually often."""
    lowered = [t.lower() for t in tokens]
    doubled = Counter(m.group(1).lower() for s in sentences for m in _DOUBLED.finditer(s.text))
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
    spoken: SpokenDelivery | None = None,
) -> DeliveryMetrics:
    """All delivery metrics of an answer; pure and deterministic. `spoken`: measured from its recording."""
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
    if spoken is not None and not spoken.unspoken_words(word_count):
        spoken = with_words(spoken, word_count)  # the rate over the words as graded, the count shown beside it
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
        speaking_seconds=round(
            spoken.speaking_seconds + spoken.unspoken_words(word_count) * 60 / WORDS_PER_MINUTE
            if spoken
            else word_count * 60 / WORDS_PER_MINUTE
        ),
        filler_words=_ranked(fillers),
        filler_rate=round(100 * sum(fillers.values()) / word_count, 1) if word_count else 0.0,
        hedges=_ranked(count_phrases(lowered, HEDGES)),
        repeated_words=_repeated(tokens, sentences),
        star=star_parts(sentences) if star else None,
        quantified_results=quantities(answer),
        i_statements=i_count,
        we_statements=we_count,
        ownership=_ownership(i_count, we_count),
        key_terms_used=used,
        key_terms_missing=[t for t in rubric_terms if t not in used],
        spoken=spoken,
    )
