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
from ..prompts import escape_delimiters, load_prompt

__all__ = ["FollowUpWriter", "ModelFollowUps", "TemplateFollowUps", "choose_point"]

log = logging.getLogger("interviewer.follow_ups")


def choose_point(feedback: Feedback, points: Sequence[KeyPoint], already: Sequence[str]) -> KeyPoint | None:
    """The gap most worth a follow-up, or None (no gap, or the answer was off).

    Missed points come first (core before others, heavier before lighter), then
    core points that were only partly covered.
    """
    if any(g.cap <= 1 for g in feedback.guards):
        return None  # an empty, off-topic or stuffed answer needs a new answer, not a follow-up
    status = {k.id: k.status for k in feedback.key_points}
    order = {p.id: i for i, p in enumerate(points)}
    open_points = [p for p in points if p.id not in already]
    missed = [p for p in open_points if status.get(p.id) is KeyPointStatus.missed]
    if missed:
        return min(missed, key=lambda p: (not p.core, -p.weight, order[p.id]))
    partial_core = [p for p in open_points if p.core and status.get(p.id) is KeyPointStatus.partial]
    return min(partial_core, key=lambda p: order[p.id]) if partial_core else None


def _reason(point: KeyPoint, feedback: Feedback) -> str:
    partly = any(k.id == point.id and k.status is KeyPointStatus.partial for k in feedback.key_points)
    verb = "only touched" if partly else "missed"
    return f"the answer {verb} the {'core ' if point.core else ''}key point “{point.label}”"


class FollowUpWriter(Protocol):
    def write(self, request: GradeRequest, point: KeyPoint, feedback: Feedback) -> FollowUp: ...


class TemplateFollowUps:
    """Follow-ups from a fixed template (offline)."""

    def write(self, request: GradeRequest, point: KeyPoint, feedback: Feedback) -> FollowUp:
        question = (
            f"Let me follow up on one thing you haven't covered: {point.label.lower()}. "
            "How would that fit into your answer?"
        )
        reason = _reason(point, feedback)
        log.info("follow-up on %s (template): %s", point.id, reason)
        return FollowUp(question=question, key_point_id=point.id, reason=reason, source="template")


class ModelFollowUps:
    """Follow-ups written by the model; the template stands in when the model fails."""

    def __init__(self, client: LLMClient, prompt: str | None = None) -> None:
        self.client = client
        version = client.settings.prompts.get("follow-up")
        self.template = load_prompt(prompt or (f"follow-up@{version}" if version else "follow-up"))
        self.fallback = TemplateFollowUps()

    def write(self, request: GradeRequest, point: KeyPoint, feedback: Feedback) -> FollowUp:
        from ..graders.llm._draft import FollowUpDraft

        answer, _ = strip_injections(request.full_answer)
        rendered = self.template.render(
            {
                "role": request.role.title,
                "question": request.question.question,
                "point_label": point.label,
                "point_covers": point.covers,
                "answer": f"<answer>\n{escape_delimiters(answer)}\n</answer>",
            }
        )
        try:
            result = self.client.structured(
                rendered.messages,
                FollowUpDraft,
                name="follow_up",
                context=RequestContext(self.template.ref, request.question.id),
                max_tokens=self.template.max_tokens,
            )
        except GradingError as exc:
            log.warning("follow-up on %s: the model failed (%s); using the template", point.id, exc)
            return self.fallback.write(request, point, feedback)
        question = " ".join(result.value.question.split())
        if not question:
            return self.fallback.write(request, point, feedback)
        reason = _reason(point, feedback)
        log.info("follow-up on %s (model %s): %s", point.id, result.model, reason)
        return FollowUp(question=question, key_point_id=point.id, reason=reason, source="model")
