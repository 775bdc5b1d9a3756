"""The interactive practice loop: ask, read a multi-line answer, show feedback, repeat."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from ..interview import Interview
from ..models import Question
from ._input import COMMAND_HELP, Command, LineSource, parse_command
from ._render import render_feedback, render_hint, render_question, render_report

__all__ = ["EXIT_INTERRUPTED", "run_practice"]

EXIT_INTERRUPTED = 130
_HOW_TO_ANSWER = (
    "Type your answer (several lines are fine). Press Enter on an empty line to submit. /help for commands."
)


def _show_question(console: Console, interview: Interview, question: Question) -> None:
    number, total = interview.position
    labels = {c.id: c.label for c in interview.role.role.categories}
    console.print(render_question(question, number, total, labels.get(question.category, question.category)))


def _show_help(console: Console) -> None:
    console.print("[bold]Commands[/] (on a line of their own):")
    for command, text in COMMAND_HELP.items():
        console.print(f"  [cyan]{command.value:8}[/] {text}", highlight=False)


def _resume_note(console: Console, interview: Interview) -> None:
    console.print(
        f"Saved. Continue with: [bold]interviewer resume {interview.session.id}[/]",
        highlight=False,
    )


def run_practice(interview: Interview, source: LineSource, console: Console) -> int:
    """Run the session to the end (or until /quit, end of input or Ctrl-C); return the exit code."""
    try:
        return _loop(interview, source, console)
    except KeyboardInterrupt:
        console.print()
        console.print("[yellow]Interrupted.[/] Everything you typed up to your last Enter is saved.")
        _resume_note(console, interview)
        return EXIT_INTERRUPTED


def _loop(interview: Interview, source: LineSource, console: Console) -> int:
    if source.interactive and interview.position[0] == 1 and not interview.draft_text:
        console.print(Text(_HOW_TO_ANSWER, style="dim"))
    while not interview.finished:
        question = interview.ask()
        _show_question(console, interview, question)
        lines = interview.draft_text.splitlines()
        if lines:
            console.print(Text("Your saved answer so far (keep typing, or /clear to start again):", style="dim"))
            console.print(Text(interview.draft_text), style="italic")
        outcome = _read_answer(interview, question, lines, source, console)
        if outcome == "quit":
            _finish(interview, console, stopped=True)
            return 0
    _finish(interview, console, stopped=False)
    return 0


def _read_answer(
    interview: Interview, question: Question, lines: list[str], source: LineSource, console: Console
) -> str:
    """Read until the answer is submitted or skipped ("next") or the candidate stops ("quit")."""
    while True:
        line = source.read("> " if not lines else "… ")
        if line is None:  # end of input: submit what is there, otherwise stop (saved)
            if lines:
                _submit(interview, "\n".join(lines), console)
                return "next"
            return "quit"
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
            console.print(Text("Cleared. Start your answer again.", style="dim"))
        elif command is Command.skip:
            interview.skip()
            console.print(Text("Skipped.", style="dim"))
            return "next"
        elif command is Command.quit:
            return "quit"
        elif command is Command.done or not line.strip():
            if lines:
                _submit(interview, "\n".join(lines), console)
                return "next"
            if command is Command.done:
                console.print(Text("Nothing to submit yet: type your answer first, or /skip.", style="dim"))
        else:
            lines.append(line)
            interview.save_draft("\n".join(lines))


def _submit(interview: Interview, answer: str, console: Console) -> None:
    with console.status("Grading your answer…", spinner="dots"):
        feedback = interview.submit(answer)
    console.print(render_feedback(feedback))


def _finish(interview: Interview, console: Console, *, stopped: bool) -> None:
    report = interview.report()
    if any(q.status != "pending" for q in report.questions):
        console.rule("Summary")
        render_report(report, console)
    if stopped and not interview.finished:
        _resume_note(console, interview)
    else:
        console.print(
            f"Session saved. See it again with: [bold]interviewer report {interview.session.id}[/]", highlight=False
        )
