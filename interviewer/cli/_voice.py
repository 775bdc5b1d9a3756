"""Spoken answers in the terminal: `feedback --answer-audio FILE` and `practice --answers-audio DIR`."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.text import Text

from ..exceptions import AudioError, UsageError
from ..interview import Interview
from ..voice import FORMATS, SpokenAnswer, transcribe_answer
from ._practice import finish
from ._render import render_feedback, render_follow_up, render_question

__all__ = ["AUDIO_SUFFIXES", "audio_files", "run_audio_practice", "transcribe_for_cli"]

AUDIO_SUFFIXES = frozenset({".wav", ".mp3", ".m4a", ".webm", ".ogg", ".oga", ".opus", ".flac"})


def transcribe_for_cli(path: Path, console: Console) -> SpokenAnswer:
    """Transcribe one recording with a status line, then show what was heard (on `console`)."""
    with console.status(f"Transcribing {path.name} on this machine…", spinner="dots"):
        heard = transcribe_answer(path, name=str(path))
    s = heard.spoken
    console.print(
        Text.assemble(("Heard ", "bold"), f"({path.name}, {s.duration_seconds:.0f} s): ", (heard.text, "italic"))
    )
    return heard


def audio_files(folder: Path) -> list[Path]:
    """The recordings in `folder`, in name order: one per answer or follow-up reply."""
    if not folder.is_dir():
        raise UsageError(f"--answers-audio {folder} is not a folder; give a folder of recordings (01.wav, 02.wav …)")
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)
    if not files:
        raise UsageError(
            f"no recordings in {folder}: put one file per answer there ({FORMATS}), named so that they sort in "
            "the order of the questions (01.wav, 02.wav …)"
        )
    return files


def run_audio_practice(interview: Interview, files: list[Path], console: Console) -> int:
    """Answer each question (and follow-up) with the next recording; stop, saved, when they run out or one fails."""
    queue = list(files)
    labels = {c.id: c.label for c in interview.role.role.categories}
    while not interview.finished:
        question = interview.ask()
        number, total = interview.position
        console.print(render_question(question, number, total, labels.get(question.category, question.category)))
        if interview.open_follow_up is not None:
            console.print(render_follow_up(interview.open_follow_up))
        while True:
            if not queue:
                console.print(f"[yellow]No recording left for this {_what(interview)}.[/]")
                finish(interview, console, stopped=True)
                return 0
            path = queue.pop(0)
            try:
                heard = transcribe_for_cli(path, console)
            except AudioError as exc:
                console.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
                finish(interview, console, stopped=True)
                return exc.exit_code
            step = interview.submit(heard.text, spoken=heard.spoken)
            if step.follow_up is not None:
                console.print(render_follow_up(step.follow_up))
                continue
            if step.feedback is not None:
                console.print(render_feedback(step.feedback))
            break
    if queue:
        console.print(Text(f"{len(queue)} recording(s) left over: {', '.join(p.name for p in queue)}", style="dim"))
    finish(interview, console, stopped=False)
    return 0


def _what(interview: Interview) -> str:
    return "follow-up" if interview.open_follow_up is not None else "question"
