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


_LETTER = r"[^\W\d_]"
"""Any letter, in any script ("ñ", "é" and "ß" as much as "a")."""

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
    "cut",
    "split",
    "spent",
    "paid",
    "rebuilt",
    "rewrote",
    "taught",
    "sold",
    "bought",
    "caught",
)
_NOT_ACTIONS = _any("need", "feed", "proceed", "succeed", "exceed", "needed", "wanted", "hoped", "wished", "expected")
"""Words that end like a past tense but say what was wanted, not done ("I needed", "I need")."""
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

_DUTY = re.compile(
    r"\bi was (?:responsible|asked|tasked|accountable|in charge|expected)\b"
    r"|\bmy (?:job|task|goal|role|responsibility|remit|mandate) (?:was|is)\b"
    r"|\bi (?:needed|had) to\b|\bthe (?:goal|task|aim|target|challenge) was\b|\bi owned\b"
    r"|\bit was (?:up to me|my call|my job)\b",
    re.IGNORECASE,
)
"""What the speaker had to do; with the role they held ("I was the product owner"), the task."""
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
        rf"{_DUTY.pattern}|\bi was (?:the|their|our) (?:[\w-]+ ){{0,3}}(?:owner|lead|manager)\b", re.IGNORECASE
    ),
    StarPart.action: re.compile(
        rf"\bi (?:then |first |quickly |immediately |also |personally )?(?!{_NOT_ACTIONS}\b)"
        rf"(?:{_LETTER}+ed|{_IRREGULAR_PAST})\b",
        re.IGNORECASE,
    ),
}

_LABELS: dict[str, StarPart] = {
    **dict.fromkeys(("situation", "context", "background"), StarPart.situation),
    **dict.fromkeys(("task", "goal", "objective", "my role", "responsibility"), StarPart.task),
    **dict.fromkeys(("action", "actions", "what i did"), StarPart.action),
    **dict.fromkeys(("result", "results", "outcome", "impact", "lesson", "lessons"), StarPart.result),
}
_LABEL = re.compile(
    rf"(?:^|(?<=\n))[ \t]*(?:[-*•>#]+[ \t]*)?[*_]*(?P<label>{'|'.join(_LABELS)})[*_]*[ \t]*(?::|[ \t][-–—][ \t])[*_]*",
    re.IGNORECASE,
)
"""A STAR label at the start of a line: "Task: ...", "**Result:** ...", "- Action - ..."."""

_PARTICIPLES = _any(
    "been", "had", "got", "gotten", "done", "made", "seen", "gone", "taken", "given", "written", "known", "shown",
    "chosen", "begun", "run", "put", "set", "told", "sold", "built", "led", "spent", "left", "lost", "won", "found",
    "kept", "heard", "met", "said", "brought", "bought", "taught", "held", "paid", "sent", "cut",
    "already", "never", "just", "always", "only", "also",
)  # fmt: skip
_HYPOTHETICAL = re.compile(
    r"\b(?:would|will|should|might)\b(?!\s+(?:not\s+|never\s+)?have\b)|['’]ll\b"
    rf"|['’]d\s+(?!(?:{_PARTICIPLES}|{_LETTER}+ed)\b)",
    re.IGNORECASE,
)
"""What would or will happen ("I would", "I'll", "I'd ask" but not "I'd asked"): no evidence that it did."""
_OUTCOME = re.compile(
    r"\bas a result\b|\bresult(?:ed|s)?\b|\boutcome\b|\bin the end\b|\bended up\b"
    r"|\b(?:which|that|this) (?:led|meant)\b",
    re.IGNORECASE,
)
_OUTCOME_VERB = re.compile(
    r"\b(?:(?P<change>rose|grew|fell|recovered|doubled|halved|tripled|climbed|jumped|shrank|went (?:up|down))"
    r"|increased|reduced|decreased|improved|dropped|cut|saved)\b",
    re.IGNORECASE,
)
"""Verbs of change. Those in `change` say what happened; the others may equally say what someone did."""
_SUBJECT = re.compile(
    rf"\b(?P<who>i|we)\s+(?:(?:{_LETTER}+ly|then|also|first|just|together|still|even|both|all)\s+){{0,2}}$"
    r"|\b(?P<conj>and|then|or|but)\s+$|\b(?P<to>to)\s+$|\b(?P<det>a|an|the|this|that|its|our|my|their|your)\s+$",
    re.IGNORECASE,
)
"""What comes just before a verb of change, to tell who did the changing."""
_REFLECTION = re.compile(
    r"\bi learn(?:ed|t)\b|\blessons?\b|\btakeaway\b|\btaught me\b|\btook (?:away )?from (?:it|this|that)\b",
    re.IGNORECASE,
)
# Weaker signs of a result, used only when no sentence has a strong one.
_WEAK_RESULT = re.compile(
    r"\beventually\b|\bwe (?:shipped|launched|hit|met|delivered|reached|released|avoided)\b", re.IGNORECASE
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


def _segments(sentences: Sequence[Sentence]) -> list[tuple[str, StarPart | None]]:
    """Sentences, split again before STAR labels at line starts, each with the part its label names."""
    out: list[tuple[str, StarPart | None]] = []
    for sentence in sentences:
        text = sentence.text
        starts = sorted({0, *(m.start() for m in _LABEL.finditer(text))})
        for begin, stop in itertools.pairwise([*starts, len(text)]):
            chunk = text[begin:stop].strip()
            label = _LABEL.match(chunk)
            labelled = label is not None and len(words(chunk[label.end() :])) >= 2
            if chunk:
                out.append((chunk, _LABELS[label.group("label").lower()] if label and labelled else None))
    return out


def _outcome_strength(text: str) -> int:
    """2 for a clear outcome, 1 for a weak sign of one, 0 for none (an action by the speaker is none)."""
    if _HYPOTHETICAL.search(text):
        return 0
    if _OUTCOME.search(text):
        return 2
    measured = _QUANTITY.search(text) is not None
    strength = 1 if _WEAK_RESULT.search(text) else 0
    for verb in _OUTCOME_VERB.finditer(text):
        prefix = text[: verb.start()]
        subject = _SUBJECT.search(prefix)
        who: str | None = None  # something else changed: "churn fell 12%", "failed checkouts dropped"
        if subject is not None and subject.group("det"):
            continue  # not a verb: "the cut", "a reduced scope"
        if subject is not None and subject.group("conj"):
            # "... and cut the scope": the verb shares the subject of the clause before it.
            earlier = list(re.finditer(r"\b(i|we)\b", prefix, re.IGNORECASE))
            who = earlier[-1].group(1).lower() if earlier else None
        elif subject is not None:
            who = "i" if subject.group("to") else subject.group("who").lower()  # "decided to cut": an aim
        if who is None or (who == "we" and (verb.group("change") or measured)):
            return 2
        if measured or who == "we":
            strength = 1  # "I cut load time to 1 s" is the speaker's action, whatever it achieved
    return strength


def star_parts(sentences: Sequence[Sentence]) -> StarParts:
    """Which STAR parts appear, with the sentence that shows each.

    A line labelled "Situation:", "Task:", "Action:" or "Result:" (or a
    synonym) shows its part, and only that part. In the other sentences: the
    situation, task and action are the first with a cue for them; an opening
    that sets the scene in the past tense ("Our checkout had been failing
    ...") is the situation. The result is an outcome, not something the
    speaker did ("I cut the scope" is an action): the latest clear outcome at
    or after the first action, else the latest weaker sign ("we shipped"),
    else the latest lesson; only when none comes after the action, the same
    from before it (never the situation's own sentence). Hypothetical
    sentences ("I would ...", "the result would be ...") show no situation
    or result.
    """
    segments = _segments(sentences)
    found: dict[StarPart, int] = {}
    for index, (_, label) in enumerate(segments):
        if label is not None:
            found.setdefault(label, index)
    free = [i for i, (_, label) in enumerate(segments) if label is None]
    for part, pattern in _STAR_CUES.items():
        hit = next((i for i in free if pattern.search(segments[i][0])), None)
        if part not in found and hit is not None:
            found[part] = hit
    action_at = found.get(StarPart.action)
    if StarPart.situation not in found:
        opening = next((i for i in free if len(words(segments[i][0])) >= 4), None)
        if opening is not None and (action_at is None or opening < action_at) and _sets_scene(segments[opening][0]):
            found[StarPart.situation] = opening
    if StarPart.result not in found:
        after = action_at or 0
        before = [i for i in free if i < after and i != found.get(StarPart.situation)]  # a problem is no result
        result = _latest_result(segments, [i for i in free if i >= after])
        result = result if result is not None else _latest_result(segments, before)
        if result is not None:
            found[StarPart.result] = result
    present = [p for p in StarPart if p in found]
    missing = [p for p in StarPart if p not in found]
    return StarParts(present=present, missing=missing, evidence={p: segments[found[p]][0] for p in present})


def _latest_result(segments: list[tuple[str, StarPart | None]], indices: list[int]) -> int | None:
    """Among `indices`, the latest clear outcome, else the latest weaker sign, else the latest lesson."""
    tiers = {
        i: _outcome_strength(segments[i][0]) or (0.5 if _REFLECTION.search(segments[i][0]) else 0) for i in indices
    }
    best = max(tiers.values(), default=0)
    return max((i for i, tier in tiers.items() if tier == best), default=None) if best else None


_SCENE_VERB = re.compile(r"\b(?:had been|was|were)\b|(?<!['’]ve )(?<!\bhave )(?<!\bhas )\bhad\b", re.IGNORECASE)


def _sets_scene(text: str) -> bool:
    """A past-tense description of how things stood, before anyone did anything."""
    return (
        _SCENE_VERB.search(text) is not None
        and not _HYPOTHETICAL.search(text)
        and not _DUTY.search(text)
        and not _STAR_CUES[StarPart.action].search(text)
    )


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
        repeated_words=_repeated(tokens, sentences),
        star=star_parts(sentences) if star else None,
        quantified_results=quantities(answer),
        i_statements=i_count,
        we_statements=we_count,
        ownership=_ownership(i_count, we_count),
        key_terms_used=used,
        key_terms_missing=[t for t in rubric_terms if t not in used],
    )
