"""The grader interface every grader (offline, LLM, test doubles) implements."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..models import Feedback, Question, Role, Rubric, SpokenDelivery

__all__ = ["Exchange", "GradeRequest", "Grader"]


@dataclass(frozen=True)
class Exchange:
    """A follow-up question the interviewer asked and the candidate's reply."""

    question: str
    answer: str
    key_point_id: str | None = None
    """The rubric key point the follow-up probes, when known: a reply that covers it is its evidence."""


@dataclass(frozen=True)
class GradeRequest:
    """Everything a grader needs to grade one answer."""

    role: Role
    question: Question
    rubric: Rubric
    answer: str
    """The candidate's answer to the main question, exactly as typed."""
    follow_ups: Sequence[Exchange] = field(default_factory=tuple)
    """Follow-up exchanges on the same question; graded together with `answer`."""
    spoken: SpokenDelivery | None = None
    """How the answer (and any spoken replies) sounded, when it came from a recording: the measured time
    replaces the estimate from the word count (`interviewer.voice.combine_speech` joins several)."""

    @property
    def full_answer(self) -> str:
        """The answer and every follow-up reply, as one text (evidence may come from any part)."""
        parts = [self.answer, *(f.answer for f in self.follow_ups)]
        return "\n\n".join(p for p in parts if p.strip())

    @property
    def uses_star(self) -> bool:
        """Whether the question calls for a STAR story."""
        return "star" in self.question.framework.name.lower()


class Grader(ABC):
    """Turns a `GradeRequest` into `Feedback`.

    Graders are safe to share between threads. `agrade` exists for concurrent
    callers (evals); graders that do blocking work run it in a worker thread.
    """

    name: str = "grader"

    @abstractmethod
    def grade(self, request: GradeRequest) -> Feedback:
        """Grade one answer."""

    async def agrade(self, request: GradeRequest) -> Feedback:
        """Grade one answer without blocking the event loop."""
        return await asyncio.to_thread(self.grade, request)

    def prepare(self, rubrics: Sequence[Rubric]) -> None:  # noqa: B027 - optional hook
        """Warm caches for questions about to be asked (optional; default does nothing)."""
