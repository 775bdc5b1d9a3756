"""The scoring policy: one set of rules from checked key points to the 0-5 score, for every grader.

The offline grader starts from what coverage gives; a model grader starts from the model's
score, which must stay within one of it. Then the same caps and adjustments apply to both,
each recorded as a `ScoreAdjustment` the candidate sees. The headline is made from the same
numbers, so it never says "covers nearly every key point" next to "covers 3 of 7".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..models import DeliveryMetrics, GuardResult, KeyPoint, KeyPointStatus, ScoreAdjustment

__all__ = [
    "COVERAGE_CUTS",
    "HEDGES",
    "HEDGE_RATE",
    "LONG_WORDS",
    "SCORE_LABELS",
    "AnswerFacts",
    "ScoreBreakdown",
    "coverage_ratio",
    "headline",
    "score",
    "score_from_coverage",
]

SCORE_LABELS = {0: "Nothing relevant", 1: "Barely relevant", 2: "Weak", 3: "Adequate", 4: "Strong", 5: "Exceptional"}
_VALUE = {KeyPointStatus.covered: 1.0, KeyPointStatus.partial: 0.5, KeyPointStatus.missed: 0.0}

COVERAGE_CUTS = (0.15, 0.35, 0.6, 0.8)
"""Weighted coverage needed for scores 2, 3, 4 and 5 (before the rules below)."""
LONG_WORDS = 450
"""Above this (over three minutes aloud) an answer is capped at 3 and told to tighten."""
VERY_LONG_WORDS = 900
"""Above this (over six minutes aloud) an answer is capped at 2: an interviewer would have stopped it."""
RECITED_WORDS = 120
"""A list of steps shorter than this with no detail and no reasoning is a recited checklist."""
HEDGES = 3
"""Hedges ("I think", "maybe", "kind of") an answer needs, at `HEDGE_RATE` or more, to be hedged throughout."""
HEDGE_RATE = 1.5
"""Hedges per 100 words at which an answer is hedged throughout: capped at 3 (a strong answer commits)."""
REPEATED = 0.3
"""Share of word 6-grams said before above which an answer repeats itself (capped at 2)."""


@dataclass(frozen=True)
class AnswerFacts:
    """What the policy needs to know about the answer beyond its key points."""

    delivery: DeliveryMetrics
    specific_kinds: int
    """Kinds of concrete detail (numbers, names, a time, a past-tense story, an outcome)."""
    story: bool
    """A first-person story in the past tense with some other detail."""
    reasons: int = 1
    """Sentences that give a reason or a condition."""
    repetition: float = 0.0
    """Share of the answer's word 6-grams that it already said."""
    english: bool = True
    """False when the answer is not in English: English-only checks are skipped."""
    mistakes: int = 0
    guards: Sequence[GuardResult] = field(default_factory=tuple)


@dataclass(frozen=True)
class ScoreBreakdown:
    """How the overall score was reached."""

    coverage: float
    from_coverage: int
    adjustments: tuple[ScoreAdjustment, ...]
    score: int


def coverage_ratio(points: Sequence[tuple[KeyPoint, KeyPointStatus]]) -> float:
    """Weighted share of key points covered (partial counts half)."""
    total = sum(p.weight for p, _ in points)
    if total == 0:
        return 0.0
    return sum(p.weight * _VALUE[s] for p, s in points) / total


def score_from_coverage(coverage: float) -> int:
    """The 1-5 score that weighted coverage alone suggests."""
    return 1 + sum(coverage >= cut for cut in COVERAGE_CUTS)


def score(
    points: Sequence[tuple[KeyPoint, KeyPointStatus]],
    facts: AnswerFacts,
    *,
    proposed: int | None = None,
    claimed: Sequence[tuple[KeyPoint, KeyPointStatus]] | None = None,
) -> ScoreBreakdown:
    """The 0-5 score on the anchors: coverage (or a model's `proposed` score), then every rule in order.

    `claimed` is what the model said of each key point before the checks; when the claims the checks
    threw out (no quote from the answer) would have given more than the checked points do, the model's
    score may not rise above what the checked points give: evidence that is not there raises nothing.
    """
    coverage = coverage_ratio(points)
    base = score_from_coverage(coverage)
    adjustments: list[ScoreAdjustment] = []
    current = base

    def cap(limit: int, rule: str, reason: str) -> None:
        nonlocal current
        if current > limit:
            current = limit
            adjustments.append(ScoreAdjustment(rule=rule, effect=f"max {limit}", reason=reason))

    if proposed is not None:
        current = min(max(proposed, 0), 5)
        low, high = max(base - 1, 0), min(base + 1, 5)
        if not low <= current <= high:
            moved = min(max(current, low), high)
            adjustments.append(
                ScoreAdjustment(
                    rule="within-one-of-coverage",
                    effect=f"{moved - current:+d}",
                    reason=f"the checked key points ({coverage:.0%} covered) support {low}-{high}",
                )
            )
            current = moved
        if claimed is not None:
            unbacked = score_from_coverage(coverage_ratio(claimed))
            if unbacked > base:
                cap(
                    base,
                    "unbacked-claims",
                    f"key points claimed without a quote from the answer count for nothing; the checked ones "
                    f"({coverage:.0%} covered) support at most {base}",
                )
    delivery = facts.delivery
    if proposed is None and facts.story and len(delivery.quantified_results) >= 2 and coverage >= 0.3 and current < 4:
        # A concrete story matches abstract key points less well than generic talk does;
        # a real case with figures is the substance the anchors ask for.
        current += 1
        adjustments.append(
            ScoreAdjustment(rule="specific-story", effect="+1", reason="a real case told with specific numbers")
        )
    real_case = facts.story and len(delivery.quantified_results) >= 2
    core_missed = [p for p, s in points if p.core and s is KeyPointStatus.missed]
    if core_missed:
        # A real case with figures can still be strong without one core point; it cannot be exceptional.
        limit = 4 if real_case and len(core_missed) == 1 else 3
        cap(limit, "core-point-missed", f"a core key point is missing: {core_missed[0].label.lower()}")
    covered = sum(1 for _, s in points if s is KeyPointStatus.covered)
    if points and 2 * covered < len(points):
        cap(3, "half-the-points", f"covers {covered} of {len(points)} key points; 4 needs at least half")
    if facts.english:
        hedges = sum(h.count for h in delivery.hedges)
        if hedges >= HEDGES and hedges * 100 >= HEDGE_RATE * max(delivery.word_count, 1):
            cap(3, "hedged", f"hedged throughout: {hedges} hedges in {delivery.word_count} words")
        if facts.specific_kinds == 0 and facts.reasons == 0 and delivery.word_count < RECITED_WORDS:
            cap(
                2,
                "no-specifics",
                "steps with no example, reason, number, name or time: it reads as a recited checklist",
            )
        if not facts.story and not delivery.quantified_results:
            cap(3, "no-example", "no concrete example or number")
        star = delivery.star
        if len(delivery.quantified_results) < 2 or (star is not None and bool(star.missing)):
            cap(4, "five-needs-evidence", "5 needs specific numbers and, for a story, every STAR part")
    if facts.repetition >= REPEATED:
        cap(2, "repeats-itself", f"{facts.repetition:.0%} of the answer repeats what it already said")
    elif delivery.word_count > LONG_WORDS:
        limit = 2 if delivery.word_count > VERY_LONG_WORDS else 3
        minutes = f"{'' if delivery.spoken else 'about '}{round(delivery.speaking_seconds / 60)} min aloud"
        cap(limit, "too-long", f"{delivery.word_count} words, {minutes}")
    if facts.mistakes and current > 1:
        current -= 1
        adjustments.append(ScoreAdjustment(rule="common-mistake", effect="-1", reason="makes a common mistake"))
    for guard in facts.guards:
        cap(guard.cap, guard.kind.value, guard.reason.rstrip("."))
    return ScoreBreakdown(coverage, base, tuple(adjustments), current)


def headline(
    breakdown: ScoreBreakdown,
    points: Sequence[tuple[KeyPoint, KeyPointStatus]],
    facts: AnswerFacts,
) -> str:
    """One line on the score from the numbers the feedback shows."""
    label = SCORE_LABELS[breakdown.score]
    blocking = [g for g in facts.guards if g.cap <= 1]
    if blocking:
        return f"{label}: {min(blocking, key=lambda g: g.cap).reason}"
    covered = sum(1 for _, s in points if s is KeyPointStatus.covered)
    partial = sum(1 for _, s in points if s is KeyPointStatus.partial)
    text = f"{label}: covers {covered} of {len(points)} key points"
    if partial:
        text += f" ({partial} more partly)"
    details = []
    if facts.story:
        details.append("a real example")
    if facts.delivery.quantified_results:
        count = len(facts.delivery.quantified_results)
        details.append(f"{count} number{'s' if count != 1 else ''}")
    if details:
        text += ", with " + " and ".join(details)
    star = facts.delivery.star
    if star is not None and facts.english and star.missing:
        text += f"; STAR without {', '.join(p.value for p in star.missing)}"
    caps = [a for a in breakdown.adjustments if a.effect.startswith("max") and int(a.effect[4:]) == breakdown.score]
    if caps:
        text += f"; capped at {breakdown.score}: {caps[-1].reason}"
    return text + "."
