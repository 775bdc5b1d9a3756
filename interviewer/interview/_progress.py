"""Progress across sessions: each competency's score over time, and the questions to practise next."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from ..corpus import RoleCorpus
from ..models import Session, TurnStatus
from ._report import build_report

__all__ = ["CompetencyPoint", "CompetencyProgress", "Progress", "QuestionToPractise", "build_progress"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class CompetencyPoint(_Model):
    """A competency's mean score in one session."""

    session_id: str
    at: datetime
    """When the session started."""
    mean_score: float
    answered: int
    """Answers in that session that test the competency."""


class CompetencyProgress(_Model):
    """One competency of the role, session by session (oldest first); sessions that did not test it are left out."""

    id: str
    label: str
    points: list[CompetencyPoint]


class QuestionToPractise(_Model):
    """A question worth practising next, and why."""

    question_id: str
    question: str
    category: str
    times_answered: int
    last_score: int | None
    """The score of the latest answer, if it was ever answered."""
    reason: str


class Progress(_Model):
    """A role's practice over every saved session of it."""

    role: str
    role_title: str
    sessions: int
    """Sessions of this role with at least one answered question."""
    competencies: list[CompetencyProgress]
    practise_next: list[QuestionToPractise]
    """Never practised first (in corpus order), then the lowest latest scores."""


def build_progress(sessions: Iterable[Session], role: RoleCorpus, limit: int = 5) -> Progress:
    """Competency means per session (from the session report) and the questions to practise next."""
    ours = sorted((s for s in sessions if s.role == role.id), key=lambda s: s.created_at)
    known = {q.id for q in role.questions}
    points: dict[str, list[CompetencyPoint]] = {c.id: [] for c in role.role_rubric.competencies}
    counts: Counter[str] = Counter()
    last: dict[str, int] = {}
    used = 0
    for session in ours:
        answered = [t for t in session.turns if t.status is TurnStatus.answered and t.question_id in known]
        if not answered or any(qid not in known for qid in session.plan):
            continue
        used += 1
        for turn in answered:
            counts[turn.question_id] += 1
            if turn.feedback is not None:
                last[turn.question_id] = turn.feedback.score
        for comp in build_report(session, role, Counter()).competencies:
            if comp.mean_score is not None:
                points[comp.id].append(
                    CompetencyPoint(
                        session_id=session.id, at=session.created_at, mean_score=comp.mean_score, answered=comp.answered
                    )
                )
    never = [q for q in role.questions if counts[q.id] == 0]
    low = sorted((q for q in role.questions if q.id in last), key=lambda q: (last[q.id], counts[q.id]))
    chosen: list[QuestionToPractise] = []
    for q in never:
        chosen.append(
            QuestionToPractise(
                question_id=q.id,
                question=q.question,
                category=q.category,
                times_answered=0,
                last_score=None,
                reason="never practised",
            )
        )
    for q in low:
        if last[q.id] >= 4:
            break
        times = counts[q.id]
        chosen.append(
            QuestionToPractise(
                question_id=q.id,
                question=q.question,
                category=q.category,
                times_answered=times,
                last_score=last[q.id],
                reason=f"latest score {last[q.id]}/5 after {times} answer{'s' if times != 1 else ''}",
            )
        )
    # Lowest scores matter as much as gaps: interleave when both kinds exist.
    gaps = [c for c in chosen if c.last_score is None]
    weak = [c for c in chosen if c.last_score is not None]
    mixed: list[QuestionToPractise] = []
    while (gaps or weak) and len(mixed) < limit:
        for bucket in (weak, gaps):
            if bucket and len(mixed) < limit:
                mixed.append(bucket.pop(0))
    return Progress(
        role=role.id,
        role_title=role.role.title,
        sessions=used,
        competencies=[
            CompetencyProgress(id=c.id, label=c.label, points=points[c.id]) for c in role.role_rubric.competencies
        ],
        practise_next=mixed,
    )
