"""From per-point results and delivery facts to strengths, improvements and a summary.

The score itself comes from the shared policy (`graders/_policy.py`).

Every sentence of praise here is tied to something measured in the answer;
nothing is said that the answer does not show.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...models import (
    DeliveryMetrics,
    GuardResult,
    KeyPoint,
    KeyPointResult,
    KeyPointStatus,
    MistakeFound,
    ScoreAdjustment,
    StarPart,
)

__all__ = ["improvements", "strengths", "summary"]

_STAR_ADVICE = {
    StarPart.situation: "Set the scene in a sentence: where you were, what was at stake.",
    StarPart.task: "Say what you were responsible for, so the listener knows your part.",
    StarPart.action: "Say what you did yourself, step by step, with 'I' rather than 'we'.",
    StarPart.result: "Finish with the result, ideally a number, and what you learned.",
}
_UNEARNED = {"no-specifics", "repeats-itself", "too-long"}
_ADVICE = {
    "no-specifics": "Name a real example: when it happened, who was involved, what you did and what changed, "
    "with a number if you have one. A list of steps with no case behind it sounds recited.",
    "no-example": "Add a real example from your own work, with a detail that only a real case has (a number, "
    "a name, a time).",
    "repeats-itself": "Say it once: the answer repeats itself. Cut it to one pass through your example.",
    "too-long": "Tighten it to one or two minutes aloud: one example, told once, with the result.",
}


def strengths(
    results: Sequence[KeyPointResult],
    points: Sequence[KeyPoint],
    delivery: DeliveryMetrics,
    guards: Sequence[GuardResult],
    *,
    adjustments: Sequence[ScoreAdjustment] = (),
) -> list[str]:
    """What the answer does well, each with the evidence that shows it.

    Empty when guards fired or the answer was capped as recited, padded or far too long
    (its points are there, but not earned).
    """
    if any(g.cap <= 1 for g in guards) or any(a.rule in _UNEARNED for a in adjustments):
        return []
    core = {p.id for p in points if p.core}
    covered = sorted((r for r in results if r.status is KeyPointStatus.covered), key=lambda r: (r.id not in core,))
    out = [f"{r.label} (“{_short(r.evidence)}”)." for r in covered[:3]]
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
    *,
    adjustments: Sequence[ScoreAdjustment] = (),
) -> list[str]:
    """Concrete changes that would raise the score, most important first."""
    blocking = sorted((g for g in guards if g.cap <= 1), key=lambda g: g.cap)
    out = [f"{blocking[0].reason} Answer the question asked, with an example of your own."] if blocking else []
    out += [_ADVICE[a.rule] for a in adjustments if a.rule in _ADVICE]
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
    if delivery.speaking_seconds > 180 and not any(a.rule in {"too-long", "repeats-itself"} for a in adjustments):
        minutes = round(delivery.speaking_seconds / 60)
        out.append(f"Tighten it: {'' if delivery.spoken else 'about '}{minutes} minutes aloud; aim for one to two.")
    return out


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def summary(delivery: DeliveryMetrics) -> str:
    """The delivery facts in one sentence; the headline beside it gives the score and the key-point counts."""
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
    facts.append(f"{delivery.word_count} words, {delivery.time_aloud()}")
    text = "; ".join(facts)
    return f"{text[0].upper()}{text[1:]}."
