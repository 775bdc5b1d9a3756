"""A practice session as saved on disk after every turn."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ._feedback import Feedback

__all__ = ["SESSION_FORMAT_VERSION", "Draft", "Session", "SessionOptions", "Turn", "TurnStatus", "utcnow"]

SESSION_FORMAT_VERSION = 1


def utcnow() -> datetime:
    """The current time, timezone-aware, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class TurnStatus(StrEnum):
    """How a question ended."""

    answered = "answered"
    skipped = "skipped"


class Turn(_Model):
    """One question of a session, once it is finished."""

    question_id: str
    """Id of the question asked."""
    status: TurnStatus
    """answered or skipped."""
    answer: str = ""
    """The candidate's answer, exactly as typed."""
    hints_used: int = Field(default=0, ge=0)
    """How many hints the candidate asked for."""
    feedback: Feedback | None = None
    """Feedback on the answer; none for a skipped question."""
    started_at: datetime
    """When the question was first asked."""
    finished_at: datetime
    """When the answer was graded or the question skipped."""


class Draft(_Model):
    """The question in progress and whatever the candidate has typed so far."""

    question_id: str
    """Id of the question being answered."""
    text: str = ""
    """Lines typed so far, saved as they are typed so nothing is lost."""
    hints_used: int = Field(default=0, ge=0)
    """Hints shown so far for this question."""
    started_at: datetime = Field(default_factory=utcnow)
    """When the question was first asked."""


class SessionOptions(_Model):
    """The choices a session was started with."""

    questions: int = Field(ge=1)
    """Number of questions planned."""
    category: str | None = None
    """Category filter, if any."""
    seed: int | None = None
    """Seed for question choice, if any."""
    grader: str = "offline"
    """Grader used for feedback."""


class Session(_Model):
    """A practice session: its plan, finished turns and the answer in progress."""

    format_version: int = SESSION_FORMAT_VERSION
    """Version of the session file format."""
    id: str
    """Session id, also the file name."""
    role: str
    """Id of the role practised."""
    options: SessionOptions
    """How the session was started."""
    plan: list[str] = Field(min_length=1)
    """Question ids in the order they are asked."""
    turns: list[Turn] = Field(default_factory=list)
    """Finished questions, in order."""
    draft: Draft | None = None
    """The question in progress, if any."""
    status: Literal["in-progress", "finished"] = "in-progress"
    """in-progress until every planned question is answered or skipped."""
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def current_question_id(self) -> str | None:
        """The next question to ask, or None when the plan is done."""
        index = len(self.turns)
        return self.plan[index] if index < len(self.plan) else None
