"""Rich rendering of questions, feedback, hints and reports for the terminal."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .._sessions import SessionListing
from ..interview import Hint, Progress, SessionReport
from ..models import Feedback, FollowUp, KeyPointStatus, LookForVerdict, Narrative, Question, StarPart

__all__ = [
    "render_feedback",
    "render_follow_up",
    "render_hint",
    "render_progress",
    "render_question",
    "render_report",
    "render_report_details",
    "render_sessions",
    "score_style",
]

_LOOK_FOR = {
    LookForVerdict.met: ("✓", "green"),
    LookForVerdict.partly: ("~", "yellow"),
    LookForVerdict.not_met: ("✗", "red"),
    LookForVerdict.not_enough_evidence: ("?", "dim"),
}

_STATUS = {
    KeyPointStatus.covered: ("✓", "green"),
    KeyPointStatus.partial: ("~", "yellow"),
    KeyPointStatus.missed: ("✗", "red"),
}


def score_style(score: int | None) -> str:
    if score is None:
        return "dim"
    return "bold green" if score >= 4 else "bold yellow" if score == 3 else "bold red"


def render_question(question: Question, number: int, total: int, category_label: str) -> Panel:
    body = Text(question.question, style="bold")
    return Panel(
        body,
        title=f"Question {number} of {total} · {category_label}",
        title_align="left",
        subtitle=question.id,
        subtitle_align="right",
        border_style="cyan",
    )


def render_follow_up(follow_up: FollowUp) -> Panel:
    return Panel(Text(follow_up.question, style="bold"), title="Follow-up", title_align="left", border_style="cyan")


def render_hint(hint: Hint) -> Panel:
    return Panel(
        "\n".join(hint.lines), title=f"Hint {hint.level}: {hint.title}", title_align="left", border_style="magenta"
    )


def _bullets(items: Sequence[str], mark: str, style: str) -> list[Text]:
    return [Text.assemble((f" {mark} ", style), item) for item in items]


def _delivery_line(feedback: Feedback) -> Text:
    d = feedback.delivery
    length = d.time_aloud() if d.spoken else f"~{d.speaking_seconds} s aloud"
    parts = [f"{d.word_count} words ({length})"]
    if d.filler_words:
        label = "fillers transcribed (some never are)" if d.spoken else "fillers"
        parts.append(f"{label}: " + ", ".join(f"{f.term} ×{f.count}" for f in d.filler_words[:3]))
    elif d.spoken is not None:
        parts.append("no fillers transcribed (some never are)")
    if d.hedges:
        parts.append("hedges: " + ", ".join(f"{h.term} ×{h.count}" for h in d.hedges[:3]))
    if d.star is not None:
        marks = "".join(p.value[0].upper() if p in d.star.present else "·" for p in StarPart)
        parts.append(f"STAR {marks}")
    parts.append("numbers: " + (", ".join(d.quantified_results[:4]) if d.quantified_results else "none"))
    parts.append(f"I/we {d.i_statements}/{d.we_statements}")
    if d.key_terms_used:
        parts.append("terms: " + ", ".join(d.key_terms_used[:5]))
    return Text(" · ".join(parts), style="dim")


def render_feedback(feedback: Feedback) -> Panel:
    items: list[RenderableType] = [
        Text.assemble(
            (f"Score {feedback.score}/5", score_style(feedback.score)),
            "  ",
            (feedback.headline or feedback.score_anchor, "italic"),
        ),
        Text(feedback.summary),
    ]
    points: list[RenderableType] = []
    for point in feedback.key_points:
        mark, style = _STATUS[point.status]
        line = Text.assemble(
            (f" {mark} ", style), (point.label, "bold" if point.status is KeyPointStatus.covered else "")
        )
        if point.evidence:
            line.append(f"  “{point.evidence}”", style="dim")
        elif point.note:
            line.append(f"  {point.note}", style="dim")
        points.append(line)
    items += [Text("Key points", style="bold"), *points]
    if feedback.look_fors:
        items.append(Text("What interviewers look for", style="bold"))
        for look in feedback.look_fors:
            mark, style = _LOOK_FOR[look.verdict]
            items.append(
                Text.assemble((f" {mark} ", style), look.text, (f"  {look.reason}" if look.reason else "", "dim"))
            )
    if feedback.mistakes:
        items.append(Text("Mistakes", style="bold"))
        items += [
            Text.assemble((" ! ", "red"), m.description, (f"  “{m.evidence}”" if m.evidence else "", "dim"))
            for m in feedback.mistakes
        ]
    if feedback.strengths:
        items.append(Text("Strengths", style="bold"))
        items += _bullets(feedback.strengths, "+", "green")
    if feedback.improvements:
        items.append(Text("To improve", style="bold"))
        items += _bullets(feedback.improvements[:6], "→", "yellow")
    if feedback.model_answer_outline:
        items.append(Text("An excellent answer would", style="bold"))
        items += [Text(f" {i}. {step}") for i, step in enumerate(feedback.model_answer_outline, 1)]
    if feedback.ignored_text:
        items.append(
            Text(f"Set aside, as addressed to the grader: {' | '.join(feedback.ignored_text)}", style="magenta")
        )
    if feedback.score_adjustments and feedback.checks is None:
        items.append(
            Text(
                "Score: " + "; ".join(f"{a.effect} ({a.reason})" for a in feedback.score_adjustments),
                style="dim",
            )
        )
    if feedback.checks is not None and feedback.checks.notes:
        items.append(Text("Checked in code: " + "; ".join(feedback.checks.notes), style="dim"))
    items.append(_delivery_line(feedback))
    spoken = feedback.delivery.spoken
    if spoken is not None:
        items.append(Text.assemble(("Spoken: ", "bold"), spoken.describe()))
        items.extend(_bullets(spoken.advice, "→", "cyan"))
    p = feedback.provenance
    if p.model:
        cost = f" · ~${p.cost_usd:.4f}" if p.cost_usd else ""
        items.append(
            Text(
                f"{p.model} at {p.base_url_host} · {p.prompt} · {p.tokens_in}+{p.tokens_out} tokens"
                f"{cost} · {p.latency_ms / 1000:.1f} s",
                style="dim",
            )
        )
    if p.fallback:
        items.insert(
            0, Text(f"The model failed ({p.fallback}); this is the offline grader's feedback.", style="yellow")
        )
    title = f"Feedback · {feedback.grader} grader"
    return Panel(Group(*items), title=title, title_align="left", border_style="blue")


def render_report(report: SessionReport, console: Console, narrative: Narrative | None = None) -> None:
    table = Table(
        title=f"{report.role_title} · session {report.session_id}", box=box.SIMPLE_HEAVY, title_justify="left"
    )
    table.add_column("#", justify="right")
    table.add_column("Question")
    table.add_column("Category")
    table.add_column("Score", justify="center")
    for i, q in enumerate(report.questions, 1):
        score = Text(str(q.score), style=score_style(q.score)) if q.score is not None else Text(q.status, style="dim")
        table.add_row(str(i), q.question, q.category, score)
    console.print(table)
    if report.mean_score is not None:
        console.print(f"Mean score: [bold]{report.mean_score:.1f}[/] / 5")
    comp = Table(box=box.SIMPLE, title="Competencies", title_justify="left")
    comp.add_column("Competency")
    comp.add_column("Mean", justify="center")
    comp.add_column("Answers", justify="right")
    for c in report.competencies:
        if c.answered:
            comp.add_row(c.label, f"{c.mean_score:.1f}" if c.mean_score is not None else "-", str(c.answered))
    if comp.row_count:
        console.print(comp)
    if report.strongest:
        console.print(f"[green]Strongest:[/] {', '.join(report.strongest)}")
    if report.weakest:
        console.print(f"[red]Weakest:[/] {', '.join(report.weakest)}")
    if narrative is not None:
        console.print(Panel(narrative.summary, title=f"Summary by {narrative.model}", title_align="left"))
    tips = [*(narrative.practice_next if narrative else []), *report.practice_next]
    if tips:
        console.print("[bold]Practise next[/]")
        for tip in tips:
            console.print(f" → {tip}", highlight=False)


def render_report_details(report: SessionReport, console: Console) -> None:
    """Every question reached: the answer, each follow-up and reply, and the full feedback."""
    for i, q in enumerate(report.questions, 1):
        if q.status == "pending":
            continue
        console.rule(f"{i}. {q.category} · {q.status}")
        console.print(Text(q.question, style="bold"))
        console.print(Panel(Text(q.answer or "(empty)"), title="Your answer", title_align="left"))
        for f in q.follow_ups:
            console.print(render_follow_up(f))
            console.print(
                Panel(
                    Text(f.answer if f.answer is not None else "(not answered)"), title="Your reply", title_align="left"
                )
            )
        if q.feedback is not None:
            console.print(render_feedback(q.feedback))


def render_progress(progress: Progress, console: Console) -> None:
    """Each competency's mean score, session by session (oldest first), then what to practise next."""
    n = progress.sessions
    console.print(f"[bold]{progress.role_title}[/] · {n} session{'s' if n != 1 else ''} with answers")
    table = Table(box=box.SIMPLE, title="Mean score per competency, oldest session first", title_justify="left")
    table.add_column("Competency")
    table.add_column("Scores")
    for c in progress.competencies:
        scores = " → ".join(f"{p.mean_score:.1f}" for p in c.points) or "not practised yet"
        table.add_row(c.label, scores)
    console.print(table)
    if progress.practise_next:
        console.print("[bold]Practise next[/]")
        for q in progress.practise_next:
            console.print(f" → {q.question} ({q.question_id}: {q.reason})", highlight=False)


def render_sessions(rows: Sequence[SessionListing], console: Console) -> None:
    """The `interviewer sessions` table, readable at 80 columns; unreadable files are explained under it."""
    # Ids are what people copy into `resume`: never cut them. The role is in the id; "5/5 done" is the status.
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("Session", no_wrap=True, min_width=max((len(r.id) for r in rows), default=7))
    table.add_column("Progress", no_wrap=True)
    table.add_column("Updated", no_wrap=True)
    for r in rows:
        if r.session is None:
            table.add_row(Text(r.id), "[red]unreadable[/]", "")  # any file name: never markup
            continue
        s = r.session
        done = " done" if s.status == "finished" else ""
        table.add_row(s.id, f"{len(s.turns)}/{len(s.plan)}{done}", f"{s.updated_at.astimezone():%Y-%m-%d %H:%M}")
    console.print(table)
    for r in rows:
        if r.error is not None:
            console.print(f"[red]unreadable:[/] {escape(r.error)}", soft_wrap=True)
