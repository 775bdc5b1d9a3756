"""STAR structure of a story: which of situation, task, action and result an answer tells, and where.

Also the patterns other checks share with it: a first-person action (`ACTION`) and a time frame
(`TIME_MARKER`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from ...models import StarPart, StarParts
from ._quantities import QUANTITY
from ._text import LETTER as _LETTER
from ._text import Sentence, words
from ._text import any_of as _any

__all__ = ["ACTION", "TIME_MARKER", "star_parts"]

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
    measured = QUANTITY.search(text) is not None
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


ACTION = _STAR_CUES[StarPart.action]
"""Something the speaker did: "I booked", "I then wrote" (not "I needed")."""

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
TIME_MARKER = re.compile(
    r"\b(?:last|that|this|next|the following|the previous) (?:year|quarter|month|week|sprint|spring|summer|autumn"
    r"|fall|winter|release|launch)\b"
    r"|\b(?:at|in) (?:my|our) (?:last|previous|current|former|first) \w+\b|\bwhen i (?:was|joined|worked)\b"
    r"|\b(?:a few|two|three|four|five|several|\d+) (?:years|months|weeks|days) (?:ago|later)\b|\bonce\b"
    rf"|\b(?:in|by|since|until|early|late|mid|end of|last|that|this|next)[ -](?:{_MONTHS})\b"
    r"|\b(?:within|after|in|for|over) (?:a|one|two|three|four|five|six|eight|ten|twelve|\d+) (?:days?|weeks?"
    r"|months?|sprints?|quarters?|years?)\b"
    r"|\bq[1-4]\b|\b(?:19|20)\d\d\b",
    re.IGNORECASE,
)
"""A time frame that places an event: "last quarter", "in March", "within six weeks", "two years ago"."""
