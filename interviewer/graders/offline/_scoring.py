"""From per-point results and delivery facts to a score, strengths and improvements.

Every sentence of praise here is tied to something measured in the answer;
nothing is said that the answer does not show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ...models import (
    DeliveryMetrics,
    GuardResult,
    KeyPoint,
    KeyPointResult,
    KeyPointStatus,
    MistakeFound,
    StarPart,
)

__all__ = [
    "ScoreBreakdown",
    "coverage_ratio",
    "improvements",
    "score_answer",
    "score_from_coverage",
    "strengths",
    "summary",
]

_STAR_ADVICE = {
    StarPart.situation: "Set the scene in a sentence: where you were, what was at stake.",
    StarPart.task: "Say what you were responsible for, so the listener knows your part.",
    StarPart.action: "Say what you did yourself, step by step, with 'I' rather than 'we'.",
    StarPart.result: "Finish with the result, ideally a number, and what you learned.",
}
_VALUE = {KeyPointStatus.covered: 1.0, KeyPointStatus.partial: 0.5, KeyPointStatus.missed: 0.0}


@dataclass(frozen=True)
class ScoreBreakdown:
    """How the overall score was reached."""

    coverage: float
    from_coverage: int
    caps: tuple[str, ...]
    score: int


def coverage_ratio(points: Sequence[tuple[KeyPoint, KeyPointStatus]]) -> float:
    """Weighted share of key points covered (partial counts half)."""
    total = sum(p.weight for p, _ in points)
    if total == 0:
        return 0.0
    return sum(p.weight * _VALUE[s] for p, s in points) / total


COVERAGE_CUTS = (0.15, 0.35, 0.75, 0.85)
"""Weighted coverage needed for scores 2, 3, 4 and 5 (before the rules below)."""


def score_from_coverage(coverage: float) -> int:
    """The 1-5 score that weighted coverage alone suggests."""
    return 1 + sum(coverage >= cut for cut in COVERAGE_CUTS)


def score_answer(
    points: Sequence[tuple[KeyPoint, KeyPointStatus]],
    delivery: DeliveryMetrics,
    *,
    mistakes: int,
    guards: Sequence[GuardResult],
) -> ScoreBreakdown:
    """Overall 0-5 score on the anchors, from coverage, concreteness, mistakes and guards."""
    coverage = coverage_ratio(points)
    base = score_from_coverage(coverage)
    score = base
    caps: list[str] = []
    if len(delivery.quantified_results) >= 2 and coverage >= 0.3 and score < 4:
        # Concrete stories match abstract key points less well than generic talk
        # does; specific numbers are the evidence of substance the anchors ask for.
        score += 1
        caps.append("specific numbers (+1)")
    concrete = bool(delivery.quantified_results)
    star = delivery.star
    if star is not None:
        concrete = concrete or {StarPart.action, StarPart.result} <= set(star.present)
    rules = (
        (3, any(p.core and s is KeyPointStatus.missed for p, s in points), "a core key point is missing (max 3)"),
        (3, not concrete, "no concrete example or number (max 3)"),
        (
            4,
            len(delivery.quantified_results) < 2 or (star is not None and bool(star.missing)),
            "5 needs specific numbers and, for stories, every STAR part (max 4)",
        ),
    )
    for cap, applies, why in rules:
        if applies and score > cap:
            score = cap
            caps.append(why)
    if mistakes and score > 1:
        score -= 1
        caps.append("a common mistake (-1)")
    for guard in guards:
        if score > guard.cap:
            score = guard.cap
            caps.append(f"{guard.kind.value} (max {guard.cap})")
    return ScoreBreakdown(coverage, base, tuple(caps), score)


def strengths(
    results: Sequence[KeyPointResult],
    points: Sequence[KeyPoint],
    delivery: DeliveryMetrics,
    guards: Sequence[GuardResult],
) -> list[str]:
    """What the answer does well, each with the evidence that shows it; empty when guards fired."""
    if any(g.cap <= 1 for g in guards):
        return []
    core = {p.id for p in points if p.core}
    covered = sorted((r for r in results if r.status is KeyPointStatus.covered), key=lambda r: (r.id not in core,))
    out = [f"Covers {r.label.lower()} (quoted under key points)." for r in covered[:3]]
    if delivery.quantified_results:
        out.append(f"Backs the answer with numbers ({', '.join(delivery.quantified_results[:3])}).")
    if delivery.star is not None and not delivery.star.missing:
        out.append("Tells a complete story: situation, task, action and result are all there.")
    if delivery.star is not None and delivery.ownership == "mostly-i":
        out.append("Makes your own part clear by saying what you did ('I ...').")
    return out


def improvements(
    results: Sequence[KeyPointResult],
    points: Sequence[KeyPoint],
    delivery: DeliveryMetrics,
    mistakes: Sequence[MistakeFound],
    guards: Sequence[GuardResult],
) -> list[str]:
    """Concrete changes that would raise the score, most important first."""
    blocking = sorted((g for g in guards if g.cap <= 1), key=lambda g: g.cap)
    out = [f"{blocking[0].reason} Answer the question asked, with an example of your own."] if blocking else []
    by_id = {p.id: p for p in points}
    missed = [r for r in results if r.status is KeyPointStatus.missed]
    partial = [r for r in results if r.status is KeyPointStatus.partial]
    missed.sort(key=lambda r: not by_id[r.id].core)
    out += [f"Cover {r.label.lower()}: {by_id[r.id].covers}" for r in missed[:3]]
    out += [f"Go further on {r.label.lower()}: {by_id[r.id].covers}" for r in partial[:2]]
    out += [f"Avoid this mistake: {m.description}" for m in mistakes]
    if delivery.star is not None:
        out += [_STAR_ADVICE[part] for part in delivery.star.missing]
    if not delivery.quantified_results and delivery.word_count:
        out.append("Quantify: add a number for the scale, the effort or the result (%, users, weeks, money).")
    if delivery.star is not None and delivery.ownership == "mostly-we":
        out.append("Say 'I' for what you did yourself; 'we' hides your part in the story.")
    hedges = sum(h.count for h in delivery.hedges)
    if hedges >= 3:
        shown = ", ".join(f"'{h.term}'" for h in delivery.hedges[:3])
        out.append(f"Cut the hedging ({shown}: {hedges} in all); state your view plainly.")
    if delivery.filler_rate >= 3:
        shown = ", ".join(f.term for f in delivery.filler_words[:3])
        out.append(f"Cut fillers: {delivery.filler_rate} per 100 words ({shown}).")
    if delivery.speaking_seconds > 180:
        out.append(f"Tighten it: about {round(delivery.speaking_seconds / 60)} minutes aloud; aim for one to two.")
    return out


def summary(results: Sequence[KeyPointResult], delivery: DeliveryMetrics, guards: Sequence[GuardResult]) -> str:
    """One or two factual sentences about the answer."""
    if guards and min(g.cap for g in guards) <= 1:
        worst = min(guards, key=lambda g: g.cap)
        return worst.reason
    covered = sum(1 for r in results if r.status is KeyPointStatus.covered)
    partial = sum(1 for r in results if r.status is KeyPointStatus.partial)
    text = f"Covers {covered} of {len(results)} key points"
    text += f" ({partial} more partly)." if partial else "."
    facts = []
    if delivery.quantified_results:
        count = len(delivery.quantified_results)
        facts.append(f"{count} quantified detail{'s' if count != 1 else ''}")
    else:
        facts.append("no numbers")
    if delivery.star is not None:
        facts.append(
            "full STAR structure"
            if not delivery.star.missing
            else f"STAR without {', '.join(p.value for p in delivery.star.missing)}"
        )
    facts.append(f"{delivery.word_count} words, about {delivery.speaking_seconds} s aloud")
    return f"{text} {'; '.join(facts).capitalize()}."
