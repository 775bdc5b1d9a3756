"""Fall back to another grader when the first one fails, keeping the reason in the feedback."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from ..exceptions import GradingError
from ..models import Feedback, Rubric
from ._base import Grader, GradeRequest

__all__ = ["FallbackGrader"]

log = logging.getLogger("interviewer.grading")


class FallbackGrader(Grader):
    """Grade with `primary`; on a `GradingError`, grade with `fallback` and say why.

    The feedback carries the reason in `provenance.fallback`, and `on_fallback`
    (if given) hears it once per failure. A rejected key, quota or model makes
    the switch permanent for this grader's lifetime (`FailureKind.permanent`), so
    a session does not fail the same way on every answer.
    """

    def __init__(self, primary: Grader, fallback: Grader, on_fallback: Callable[[str], None] | None = None) -> None:
        self.primary = primary
        self.fallback = fallback
        self.on_fallback = on_fallback
        self.name = primary.name
        self.given_up: str | None = None

    def prepare(self, rubrics: Sequence[Rubric]) -> None:
        self.primary.prepare(rubrics)

    def _failed(self, exc: GradingError) -> str:
        reason = str(exc)
        log.warning("%s grader failed: %s", self.primary.name, reason)
        if exc.kind.permanent:
            self.given_up = reason
        if self.on_fallback is not None:
            self.on_fallback(reason)
        return reason

    def _mark(self, feedback: Feedback, reason: str) -> Feedback:
        provenance = feedback.provenance.model_copy(update={"fallback": f"{self.primary.name}: {reason}"})
        return feedback.model_copy(update={"provenance": provenance})

    def grade(self, request: GradeRequest) -> Feedback:
        if self.given_up is not None:
            return self._mark(self.fallback.grade(request), self.given_up)
        try:
            return self.primary.grade(request)
        except GradingError as exc:
            reason = self._failed(exc)
            return self._mark(self.fallback.grade(request), reason)

    async def agrade(self, request: GradeRequest) -> Feedback:
        if self.given_up is not None:
            return self._mark(await self.fallback.agrade(request), self.given_up)
        try:
            return await self.primary.agrade(request)
        except GradingError as exc:
            reason = self._failed(exc)
            return self._mark(await self.fallback.agrade(request), reason)
