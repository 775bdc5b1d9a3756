"""End-of-session report: scores, competencies, what to practise next (JSON and Markdown)."""

from __future__ import annotations

import html
from collections import Counter
from datetime import datetime
from statistics import mean
from typing import Any

from pydantic import BaseModel, ConfigDict

from ..corpus import RoleCorpus
from ..models import Feedback, FollowUp, KeyPointStatus, Narrative, Session, TurnStatus

__all__ = ["CompetencyResult", "QuestionResult", "SessionReport", "build_report", "report_json", "report_markdown"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class QuestionResult(_Model):
    """How one planned question went."""

    question_id: str
    question: str
    category: str
    status: str
    """answered, skipped, or pending (not reached yet)."""
    score: int | None = None
    """0-5, when answered."""
    hints_used: int = 0
    missed_key_points: list[str] = []
    """Labels of the key points the answer missed."""
    answer: str = ""
    """The candidate's answer, as typed (for a skipped question: whatever was typed before skipping)."""
    follow_ups: list[FollowUp] = []
    """Follow-up questions asked, with the candidate's replies."""
    feedback: Feedback | None = None
    """The full feedback on the answer and its follow-up replies; none when skipped or pending."""


class CompetencyResult(_Model):
    """A competency of the role and how the session's answers did on it."""

    id: str
    label: str
    mean_score: float | None
    """Mean score of answered questions that test it; None if none did."""
    answered: int


class SessionReport(_Model):
    """Summary of a session, as printed at the end and by `interviewer report`."""

    session_id: str
    role: str
    role_title: str
    status: str
    created_at: datetime
    updated_at: datetime
    questions: list[QuestionResult]
    mean_score: float | None
    competencies: list[CompetencyResult]
    strongest: list[str]
    """Labels of the best-scoring competencies, when they clearly stand out (at most two; often none)."""
    weakest: list[str]
    """Labels of the lowest-scoring competencies, when they clearly stand out (at most two; often none)."""
    practice_next: list[str]
    """Concrete suggestions, most useful first."""


def build_report(session: Session, role: RoleCorpus, practised: Counter[str]) -> SessionReport:
    """Summarise a session against its role's competencies."""
    results: list[QuestionResult] = []
    scores: dict[str, int] = {}
    missed_counts: Counter[str] = Counter()
    for index, qid in enumerate(session.plan):
        question = role.question(qid)
        turn = session.turns[index] if index < len(session.turns) else None
        if turn is None:
            results.append(
                QuestionResult(
                    question_id=qid, question=question.question, category=question.category, status="pending"
                )
            )
            continue
        missed = []
        if turn.feedback is not None:
            scores[qid] = turn.feedback.score
            missed = [k.label for k in turn.feedback.key_points if k.status is KeyPointStatus.missed]
            missed_counts.update(missed)
        results.append(
            QuestionResult(
                question_id=qid,
                question=question.question,
                category=question.category,
                status=turn.status.value,
                score=turn.feedback.score if turn.feedback else None,
                hints_used=turn.hints_used,
                missed_key_points=missed,
                answer=turn.answer,
                follow_ups=turn.follow_ups,
                feedback=turn.feedback,
            )
        )

    competencies: list[CompetencyResult] = []
    for comp in role.role_rubric.competencies:
        tested = [scores[q] for q, comps in role.role_rubric.questions.items() if comp.id in comps and q in scores]
        competencies.append(
            CompetencyResult(
                id=comp.id,
                label=comp.label,
                mean_score=round(mean(tested), 2) if tested else None,
                answered=len(tested),
            )
        )
    rated = sorted((c for c in competencies if c.mean_score is not None), key=lambda c: (c.mean_score or 0.0, c.label))
    strongest = _standouts(rated, top=True)
    weakest = _standouts(rated, top=False)

    return SessionReport(
        session_id=session.id,
        role=role.id,
        role_title=role.role.title,
        status=session.status,
        created_at=session.created_at,
        updated_at=session.updated_at,
        questions=results,
        mean_score=round(mean(scores.values()), 2) if scores else None,
        competencies=competencies,
        strongest=strongest,
        weakest=weakest,
        practice_next=_practice_next(session, role, rated, missed_counts, practised),
    )


_MIN_GAP = 1.0
"""Points between the best and worst competency means before either end is named."""


def _standouts(rated: list[CompetencyResult], *, top: bool) -> list[str]:
    """Labels of the competencies that clearly stand out at one end (`rated` sorted by mean, lowest first).

    An end is named only when it is a real finding a candidate can act on:
    the best and worst means are at least `_MIN_GAP` apart (ties and
    half-point differences from a handful of answers say nothing), and the
    competencies tied at that end are one, or two when that is still fewer
    than half of those rated. So two of four tied for lowest are not "the
    weakest", and no competency is ever both strongest and weakest.
    """
    if len(rated) < 2:
        return []
    low, high = rated[0].mean_score or 0.0, rated[-1].mean_score or 0.0
    if high - low < _MIN_GAP:
        return []
    end = high if top else low
    tied = [c.label for c in (reversed(rated) if top else rated) if c.mean_score == end]
    if len(tied) == 1 or (len(tied) == 2 and 2 * len(tied) < len(rated)):
        return tied
    return []


def _practice_next(
    session: Session,
    role: RoleCorpus,
    rated: list[CompetencyResult],
    missed_counts: Counter[str],
    practised: Counter[str],
) -> list[str]:
    tips: list[str] = []
    asked = set(session.plan)
    untested = [c for c in role.role_rubric.competencies if not any(r.id == c.id for r in rated)]
    targets = [(c.id, c.label) for c in rated[:2] if (c.mean_score or 0) < 4] + [(c.id, c.label) for c in untested[:1]]
    for comp_id, label in targets:
        candidates = [
            q for q in role.questions if comp_id in role.role_rubric.questions.get(q.id, []) and q.id not in asked
        ]
        candidates.sort(key=lambda q: (practised[q.id], q.source.position))
        if candidates:
            q = candidates[0]
            tips.append(f"{label}: practise “{q.question}” ({q.id}).")
    for label, count in missed_counts.most_common(3):
        if count > 1:
            tips.append(f"Missed in {count} answers: {label.lower()}.")
    answered = [t for t in session.turns if t.status is TurnStatus.answered and t.feedback is not None]
    without_numbers = sum(1 for t in answered if t.feedback is not None and not t.feedback.delivery.quantified_results)
    if answered and without_numbers * 2 > len(answered):
        tips.append(f"Quantify: {without_numbers} of {len(answered)} answers had no number at all.")
    skipped = [t.question_id for t in session.turns if t.status is TurnStatus.skipped]
    if skipped:
        tips.append(f"Come back to the skipped question{'s' if len(skipped) > 1 else ''}: {', '.join(skipped)}.")
    return tips


def report_json(report: SessionReport, session: Session) -> dict[str, Any]:
    """The report as JSON data (`interviewer report --format json`, the web export), with the summary and turns."""
    payload = report.model_dump(mode="json")
    payload["narrative"] = session.narrative.model_dump(mode="json") if session.narrative else None
    payload["turns"] = [t.model_dump(mode="json") for t in session.turns]
    return payload


def report_markdown(report: SessionReport, narrative: Narrative | None = None) -> str:
    """The report as Markdown (with the model's summary, when there is one)."""
    lines = [
        f"# Mock interview: {report.role_title}",
        "",
        f"Session `{report.session_id}` ({report.status}), started {report.created_at:%Y-%m-%d %H:%M} UTC.",
        "",
    ]
    if report.mean_score is not None:
        lines += [f"**Mean score: {report.mean_score:.1f} / 5**", ""]
    if narrative is not None:
        lines += [_e(narrative.summary), "", f"*(Summary by {narrative.model}, prompt {narrative.prompt}.)*", ""]
    lines += ["| # | Question | Category | Score | Hints |", "|---|---|---|---|---|"]
    for i, q in enumerate(report.questions, 1):
        score = str(q.score) if q.score is not None else q.status
        lines.append(f"| {i} | {q.question} | {q.category} | {score} | {q.hints_used} |")
    lines += ["", "## Competencies", "", "| Competency | Mean score | Answers |", "|---|---|---|"]
    for c in report.competencies:
        lines.append(f"| {c.label} | {c.mean_score if c.mean_score is not None else '-'} | {c.answered} |")
    if report.strongest:
        lines += ["", f"**Strongest:** {', '.join(report.strongest)}"]
    if report.weakest:
        lines += ["", f"**Weakest:** {', '.join(report.weakest)}"]
    tips = [*(narrative.practice_next if narrative else []), *report.practice_next]
    if tips:
        lines += ["", "## Practise next", ""] + [f"- {_e(tip)}" for tip in tips]
    for i, q in enumerate(report.questions, 1):
        if q.status != "pending":
            lines += ["", *_question_markdown(i, q)]
    return "\n".join(lines) + "\n"


def _e(text: str) -> str:
    """Text from the candidate or a model, as Markdown shows it: any markup in it is text, not HTML."""
    return html.escape(text, quote=False)


def _quoted(text: str) -> list[str]:
    return [f"> {_e(line)}" if line else ">" for line in (text.splitlines() or ["(empty)"])]


def _question_markdown(number: int, q: QuestionResult) -> list[str]:
    """One question in full: the answer, each follow-up and reply, and the whole feedback."""
    lines = [f"## {number}. {q.question}", "", f"*{q.category} · {q.status} · hints used: {q.hints_used}*", ""]
    lines += ["**Your answer**", "", *_quoted(q.answer), ""]
    for f in q.follow_ups:
        lines += [f"**Follow-up:** {_e(f.question)}", ""]
        lines += [*_quoted(f.answer), ""] if f.answer is not None else ["*(not answered)*", ""]
    fb = q.feedback
    if fb is None:
        return lines
    headline = _e(fb.headline or fb.score_anchor)
    lines += [f"**Score {fb.score}/5** · {headline}", "", _e(fb.summary), "", "**Key points**", ""]
    marks = {KeyPointStatus.covered: "[x]", KeyPointStatus.partial: "[~]", KeyPointStatus.missed: "[ ]"}
    for point in fb.key_points:
        detail = f" - “{_e(point.evidence)}”" if point.evidence else (f" - {_e(point.note)}" if point.note else "")
        lines.append(f"- {marks[point.status]} {point.label} ({point.status.value}){detail}")
    sections: list[tuple[str, list[str]]] = [
        (
            "What interviewers look for",
            [f"{x.text}: {x.verdict.value}" + (f" ({_e(x.reason)})" if x.reason else "") for x in fb.look_fors],
        ),
        ("Mistakes", [m.description + (f" - “{_e(m.evidence)}”" if m.evidence else "") for m in fb.mistakes]),
        ("Strengths", [_e(x) for x in fb.strengths]),
        ("To improve", [_e(x) for x in fb.improvements]),
        ("An excellent answer would", [_e(x) for x in fb.model_answer_outline]),
    ]
    for title, items in sections:
        if items:
            lines += ["", f"**{title}**", "", *(f"- {item}" for item in items)]
    d = fb.delivery
    numbers = _e(", ".join(d.quantified_results)) if d.quantified_results else "none"
    fillers = ", ".join(f"{t.term} ×{t.count}" for t in d.filler_words) or "none"
    if d.spoken is not None:
        fillers += " (as transcribed: the transcriber leaves some out)"
    lines += [
        "",
        f"*Delivery: {d.word_count} words ({d.time_aloud()}) · fillers: {fillers} · numbers: {numbers} "
        f"· I/we {d.i_statements}/{d.we_statements} · {fb.grader} grader*",
    ]
    if d.spoken is not None:
        lines += ["", f"*Spoken: {d.spoken.describe()}*", *(f"- {_e(a)}" for a in d.spoken.advice)]
    if fb.provenance.fallback:
        lines += ["", f"*The model failed ({_e(fb.provenance.fallback)}); offline feedback.*"]
    return lines
