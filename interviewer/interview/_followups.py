"""Follow-up questions: which missed point to probe, and who writes the question.

A follow-up probes one key point the answer missed (core points first). The
model writes it when one is configured (prompt `follow-up@vN`); otherwise, or
when the model fails, a template does. Either way the reason is logged and
saved with the session.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from ..exceptions import GradingError
from ..graders import GradeRequest
from ..graders._injection import strip_injections
from ..llm import LLMClient, RequestContext
from ..models import Feedback, FollowUp, KeyPoint, KeyPointStatus
from ..prompts import load_prompt

__all__ = ["FollowUpWriter", "ModelFollowUps", "TemplateFollowUps", "choose_point"]

log = logging.getLogger("interviewer.follow_ups")


def choose_point(feedback: Feedback, points: Sequence[KeyPoint], already: Sequence[str]) -> KeyPoint | None:
    """The missed key point most worth a follow-up, or None (nothing missed, or the answer was off)."""
    if any(g.cap <= 1 for g in feedback.guards):
        return None  # an empty, off-topic or stuffed answer needs a new answer, not a follow-up
    missed = {k.id for k in feedback.key_points if k.status is KeyPointStatus.missed}
    candidates = [p for p in points if p.id in missed and p.id not in already]
    if not candidates:
        return None
    order = {p.id: i for i, p in enumerate(points)}
    return min(candidates, key=lambda p: (not p.core, -p.weight, order[p.id]))


def _reason(point: KeyPoint) -> str:
    return f"the answer missed the {'core ' if point.core else ''}key point “{point.label}”"


class FollowUpWriter(Protocol):
    def write(self, request: GradeRequest, point: KeyPoint) -> FollowUp: ...


class TemplateFollowUps:
    """Follow-ups from a fixed template (offline)."""

    def write(self, request: GradeRequest, point: KeyPoint) -> FollowUp:
        question = (
            f"Let me follow up on one thing you haven't covered: {point.label.lower()}. "
            "How would that fit into your answer?"
        )
        log.info("follow-up on %s (template): %s", point.id, _reason(point))
        return FollowUp(question=question, key_point_id=point.id, reason=_reason(point), source="template")


class ModelFollowUps:
    """Follow-ups written by the model; the template stands in when the model fails."""

    def __init__(self, client: LLMClient, prompt: str | None = None) -> None:
        self.client = client
        version = client.settings.prompts.get("follow-up")
        self.template = load_prompt(prompt or (f"follow-up@{version}" if version else "follow-up"))
        self.fallback = TemplateFollowUps()

    def write(self, request: GradeRequest, point: KeyPoint) -> FollowUp:
        from ..graders.llm._draft import FollowUpDraft

        answer, _ = strip_injections(request.full_answer)
        rendered = self.template.render(
            {
                "role": request.role.title,
                "question": request.question.question,
                "point_label": point.label,
                "point_covers": point.covers,
                "answer": f"<answer>\n{answer}\n</answer>",
            }
        )
        try:
            result = self.client.structured(
                rendered.messages,
                FollowUpDraft,
                name="follow_up",
                context=RequestContext(self.template.ref, request.question.id),
            )
        except GradingError as exc:
            log.warning("follow-up on %s: the model failed (%s); using the template", point.id, exc)
            return self.fallback.write(request, point)
        question = " ".join(result.value.question.split())
        if not question:
            return self.fallback.write(request, point)
        log.info("follow-up on %s (model %s): %s", point.id, result.model, _reason(point))
        return FollowUp(question=question, key_point_id=point.id, reason=_reason(point), source="model")
