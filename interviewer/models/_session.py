"""A practice session as saved on disk after every turn."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ._feedback import Feedback, SpokenDelivery

__all__ = [
    "SESSION_FORMAT_VERSION",
    "SESSION_ID_PATTERN",
    "Draft",
    "FollowUp",
    "Narrative",
    "Session",
    "SessionOptions",
    "Turn",
    "TurnStatus",
    "utcnow",
]

SESSION_FORMAT_VERSION = 1
SESSION_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$"
"""A session id is a file name: letters, digits, `-` and `_`, never a path or a pattern."""


def utcnow() -> datetime:
    """The current time, timezone-aware, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class TurnStatus(StrEnum):
    """How a question ended."""

    answered = "answered"
    skipped = "skipped"


class FollowUp(_Model):
    """A follow-up question that probes a key point the answer missed."""

    question: str
    """What the interviewer asked."""
    key_point_id: str
    """The rubric key point it probes."""
    reason: str
    """Why it was asked."""
    source: Literal["model", "template"]
    """Written by the model, or by the built-in template (offline, or when the model failed)."""
    answer: str | None = None
    """The candidate's reply; None until answered."""
    spoken: SpokenDelivery | None = None
    """How the reply sounded, when it was given by voice."""
    asked_at: datetime = Field(default_factory=utcnow)


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
    """Feedback on the answer and its follow-up replies; none for a skipped question."""
    follow_ups: list[FollowUp] = Field(default_factory=list)
    """Follow-up questions asked, with the replies."""
    initial_feedback: Feedback | None = None
    """Feedback on the first answer alone, when follow-ups were asked."""
    started_at: datetime
    """When the question was first asked."""
    finished_at: datetime
    """When the answer was graded or the question skipped."""


class Draft(_Model):
    """The question in progress and whatever the candidate has typed so far."""

    question_id: str
    """Id of the question being answered."""
    text: str = ""
    """Lines typed so far (of the answer, or of the current follow-up reply), saved as they are typed."""
    recorded: SpokenDelivery | None = None
    """How the recording whose transcript is in `text` sounded, until that text is submitted."""
    answer: str | None = None
    """The submitted answer, once there are follow-ups to answer."""
    spoken: SpokenDelivery | None = None
    """How the submitted answer sounded, when it was given by voice (kept while follow-ups run)."""
    follow_ups: list[FollowUp] = Field(default_factory=list)
    """Follow-ups asked so far; the last one is open while its `answer` is None."""
    initial_feedback: Feedback | None = None
    """Feedback on the answer alone, kept while follow-ups run."""
    latest_feedback: Feedback | None = None
    """Feedback on the answer and the replies so far (what a skipped follow-up leaves)."""
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
    model: str | None = None
    """Chat model, for the llm grader."""
    follow_ups: int = Field(default=1, ge=0, le=5)
    """Follow-up questions allowed per question (0 turns them off)."""


class Narrative(_Model):
    """The end-of-session summary a model wrote."""

    summary: str
    practice_next: list[str] = Field(default_factory=list)
    model: str
    prompt: str
    """Prompt template, as id@version."""


class Session(_Model):
    """A practice session: its plan, finished turns and the answer in progress."""

    format_version: int = SESSION_FORMAT_VERSION
    """Version of the session file format."""
    id: Annotated[str, StringConstraints(pattern=SESSION_ID_PATTERN)]
    """Session id, also the file name (letters, digits, `-` and `_`)."""
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
    narrative: Narrative | None = None
    """A model's summary of the finished session, when a model was used."""
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def current_question_id(self) -> str | None:
        """The next question to ask, or None when the plan is done."""
        index = len(self.turns)
        return self.plan[index] if index < len(self.plan) else None
