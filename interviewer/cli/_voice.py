"""Spoken answers in the terminal: `feedback --answer-audio FILE` and `practice --answers-audio DIR`."""

from __future__ import annotations

import re
from pathlib import Path

from rich.console import Console
from rich.text import Text

from ..exceptions import AudioError, UsageError
from ..interview import Interview
from ..voice import FORMATS, SpokenAnswer, transcribe_answer
from ._practice import finish, interrupted, submit_answer
from ._render import render_follow_up, render_question

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
    """The recordings in `folder`, in natural name order (2.wav before 10.wav): one per answer or follow-up reply.

    Anything else in the folder but hidden files (another kind of file, a folder, a broken link) is refused,
    named: skipping it would move every later recording to the wrong question.
    """
    if not folder.is_dir():
        raise UsageError(f"--answers-audio {folder} is not a folder; give a folder of recordings (01.wav, 02.wav …)")
    files: list[Path] = []
    others: list[str] = []
    for entry in sorted(folder.iterdir(), key=_natural):
        if entry.name.startswith("."):
            continue
        if entry.is_file() and entry.suffix.lower() in AUDIO_SUFFIXES:
            files.append(entry)
        else:
            others.append(f"{entry.name} ({_not_a_recording(entry)})")
    if others:
        raise UsageError(
            f"--answers-audio {folder} holds what is not a recording ({FORMATS}): {', '.join(others)}; left out, "
            "it would put every later recording on the wrong question: move it out of the folder, or convert it"
        )
    if not files:
        raise UsageError(
            f"no recordings in {folder}: put one file per answer there ({FORMATS}), named so that they sort in "
            "the order of the questions (01.wav, 02.wav …)"
        )
    return files


def _natural(path: Path) -> tuple[tuple[int, int | str], ...]:
    """Sort key: the runs of digits as numbers, the rest by letter (case aside), so 2.wav comes before 10.wav."""
    parts = re.split(r"(\d+)", path.name.casefold())
    return (*((0, int(p)) if p.isdigit() else (1, p) for p in parts if p), (1, path.name))


def _not_a_recording(entry: Path) -> str:
    if entry.is_symlink() and not entry.exists():
        return "a broken link"
    if entry.is_dir():
        return "a folder"
    if not entry.is_file():
        return "not a regular file"
    return "another format"


def run_audio_practice(interview: Interview, files: list[Path], console: Console) -> int:
    """Answer each question (and follow-up) with the next recording; stop, saved, when they run out or one fails.

    Ctrl-C stops as in `run_practice`: every answer graded so far is saved, and the line says how to resume.
    """
    queue = list(files)
    try:
        return _answer_all(interview, queue, console)
    except KeyboardInterrupt:
        console.print()
        return interrupted(interview, console, "Every answer graded so far is saved.")


def _answer_all(interview: Interview, queue: list[Path], console: Console) -> int:
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
            if submit_answer(interview, heard.text, console, spoken=heard.spoken) is None:
                break
    if queue:
        console.print(Text(f"{len(queue)} recording(s) left over: {', '.join(p.name for p in queue)}", style="dim"))
    finish(interview, console, stopped=False)
    return 0


def _what(interview: Interview) -> str:
    return "follow-up" if interview.open_follow_up is not None else "question"
