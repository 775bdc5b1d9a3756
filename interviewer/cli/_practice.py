"""The interactive practice loop: ask, read a multi-line answer, follow up, show feedback, repeat."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from ..interview import Interview
from ..models import FollowUp, Question, SpokenDelivery
from ._input import COMMAND_HELP, Command, LineSource, parse_command
from ._progress import model_status
from ._render import render_feedback, render_follow_up, render_hint, render_question, render_report

__all__ = ["EXIT_INTERRUPTED", "finish", "interrupted", "run_practice", "submit_answer"]

EXIT_INTERRUPTED = 130
_HOW_TO_ANSWER = (
    "Type your answer (several lines are fine). Press Enter on an empty line to submit. /help for commands."
)

_NOTHING_YET = "Nothing to submit yet: type your answer, then an empty line submits it. /skip to skip, /help for more."


def _show_question(console: Console, interview: Interview, question: Question) -> None:
    number, total = interview.position
    labels = {c.id: c.label for c in interview.role.role.categories}
    console.print(render_question(question, number, total, labels.get(question.category, question.category)))
    follow_up = interview.open_follow_up
    if follow_up is not None:
        console.print(render_follow_up(follow_up))


def _show_help(console: Console) -> None:
    console.print("[bold]Commands[/] (on a line of their own):")
    for command, text in COMMAND_HELP.items():
        console.print(f"  [cyan]{command.value:8}[/] {text}", highlight=False)


def _resume_note(console: Console, interview: Interview) -> None:
    console.print(f"Saved. Continue with: [bold]interviewer resume {interview.session.id}[/]", highlight=False)


def run_practice(interview: Interview, source: LineSource, console: Console) -> int:
    """Run the session to the end (or until /quit, end of input or Ctrl-C); return the exit code."""
    try:
        return _loop(interview, source, console)
    except KeyboardInterrupt:
        console.print()
        unfinished = source.unfinished
        if unfinished.strip() and not interview.finished:  # the line typed without Enter: keep it too
            interview.save_draft("\n".join(part for part in (interview.draft_text, unfinished) if part))
        if source.keeps_unfinished_line:
            return interrupted(interview, console, "Everything you typed is saved, the unfinished line too.")
        return interrupted(interview, console, "Everything you typed up to your last Enter is saved.")


def interrupted(interview: Interview, console: Console, saved: str) -> int:
    """After Ctrl-C: what is saved and how to resume; the exit code."""
    console.print(f"[yellow]Interrupted.[/] {saved}")
    _resume_note(console, interview)
    return EXIT_INTERRUPTED


def _loop(interview: Interview, source: LineSource, console: Console) -> int:
    if source.interactive and interview.position[0] == 1 and not interview.draft_text:
        console.print(Text(_HOW_TO_ANSWER, style="dim"))
    while not interview.finished:
        question = interview.ask()
        _show_question(console, interview, question)
        if interview.draft_text:
            console.print(Text("Your saved answer so far (keep typing, or /clear to start again):", style="dim"))
            console.print(Text(interview.draft_text), style="italic")
        if _answer(interview, question, source, console) == "quit":
            finish(interview, console, stopped=True)
            return 0
    finish(interview, console, stopped=False)
    return 0


def _answer(interview: Interview, question: Question, source: LineSource, console: Console) -> str:
    """Read, submit and follow up until the question is done ("next") or the candidate stops ("quit")."""
    lines = interview.draft_text.splitlines()
    while True:
        line = source.read("> " if not lines else "… ")
        if line is None:  # end of input: submit what is there, otherwise stop (saved)
            if not lines:
                return "quit"
            if submit_answer(interview, "\n".join(lines), console) is None:
                return "next"
            return "quit"  # a follow-up is open but the input has ended: it waits, saved, for `resume`
        command = parse_command(line)
        if command is Command.help:
            _show_help(console)
        elif command is Command.repeat:
            _show_question(console, interview, question)
        elif command is Command.hint:
            hint = interview.hint()
            console.print(render_hint(hint) if hint else Text("No more hints for this question.", style="dim"))
        elif command is Command.clear:
            lines.clear()
            interview.save_draft("")
            console.print(Text("Cleared. Start again.", style="dim"))
        elif command is Command.skip:
            feedback = interview.skip()
            if feedback is not None:
                console.print(Text("Follow-up skipped.", style="dim"))
                console.print(render_feedback(feedback))
            else:
                console.print(Text("Skipped.", style="dim"))
            return "next"
        elif command is Command.quit:
            return "quit"
        elif command is Command.done or not line.strip():
            if lines:
                follow_up = submit_answer(interview, "\n".join(lines), console)
                if follow_up is None:
                    return "next"
                lines = []
            else:  # an Enter before any text, or /done: say why nothing happened
                console.print(Text(_NOTHING_YET, style="dim"))
        else:
            lines.append(line)
            interview.save_draft("\n".join(lines))


def submit_answer(
    interview: Interview, text: str, console: Console, *, spoken: SpokenDelivery | None = None
) -> FollowUp | None:
    """Grade (with `spoken`, a recording's measure); show the follow-up or the feedback. Returns the follow-up."""
    with model_status(console, "Thinking about your answer…"):
        step = interview.submit(text, spoken=spoken)
    if step.follow_up is not None:
        console.print(render_follow_up(step.follow_up))
        return step.follow_up
    if step.feedback is not None:
        console.print(render_feedback(step.feedback))
    return None


def finish(interview: Interview, console: Console, *, stopped: bool) -> None:
    """The summary (the model's too, once finished) and how to see or resume the session."""
    if interview.finished and interview.narrator is not None:
        with model_status(console, "Writing your summary…"):
            interview.finish_summary()
    report = interview.report()
    if any(q.status != "pending" for q in report.questions):
        console.rule("Summary")
        render_report(report, console, interview.session.narrative)
    if stopped and not interview.finished:
        _resume_note(console, interview)
    else:
        console.print(
            f"Session saved. See it again with: [bold]interviewer report {interview.session.id}[/]", highlight=False
        )
