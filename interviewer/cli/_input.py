"""Reading multi-line answers and /commands from a terminal, a pipe or a file."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TextIO

from rich.console import Console

from ..exceptions import UsageError

__all__ = ["COMMAND_HELP", "Command", "LineSource", "read_answer_text"]


class Command(StrEnum):
    """What the candidate can type on a line of its own."""

    done = "/done"
    hint = "/hint"
    repeat = "/repeat"
    skip = "/skip"
    clear = "/clear"
    quit = "/quit"
    help = "/help"


COMMAND_HELP = {
    Command.done: "submit the answer (same as an empty line)",
    Command.hint: "show a hint (twice for more)",
    Command.repeat: "show the question again",
    Command.skip: "skip this question",
    Command.clear: "discard what you typed for this question",
    Command.quit: "save and stop; continue later with `interviewer resume`",
    Command.help: "show these commands",
}


def parse_command(line: str) -> Command | None:
    """The command on this line, if the line is exactly a command."""
    word = line.strip().lower()
    for command in Command:
        if word == command.value:
            return command
    return None


def _line_editing() -> Callable[[], str] | None:
    """Turn on line editing for `input()` (GNU readline or libedit); return how to read the unfinished line."""
    try:
        import readline
    except ImportError:  # Windows, or a Python built without it
        return None
    return readline.get_line_buffer


@dataclass
class LineSource:
    """Lines typed at a terminal (with prompts and line editing) or read from a stream."""

    stream: TextIO | None
    """None reads the terminal with `input()`; otherwise lines come from this stream."""
    console: Console
    owns_stream: bool = False
    """Whether `close` should close the stream (a file we opened)."""
    line_buffer: Callable[[], str] | None = None
    """At a terminal: what has been typed on the current line so far (readline's buffer), if known."""
    unfinished: str = ""
    """The line being typed when Ctrl-C interrupted `read` (not ended with Enter)."""

    def __enter__(self) -> LineSource:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.owns_stream and self.stream is not None:
            self.stream.close()

    @property
    def interactive(self) -> bool:
        return self.stream is None

    @property
    def keeps_unfinished_line(self) -> bool:
        """Whether Ctrl-C can keep the line typed without Enter (a terminal with line editing)."""
        return self.stream is None and self.line_buffer is not None

    def read(self, prompt: str) -> str | None:
        """One line without its newline, or None at end of input.

        Ctrl-C raises KeyboardInterrupt, leaving what was typed on the line in `unfinished`.
        """
        if self.stream is None:
            self.unfinished = ""
            try:
                return input(prompt)  # the prompt goes through readline, which then redraws long lines right
            except EOFError:
                return None
            except KeyboardInterrupt:
                if self.line_buffer is not None:
                    self.unfinished = self.line_buffer()
                raise
        line = self.stream.readline()
        if not line:
            return None
        text = line.rstrip("\r\n")
        self.console.print(f"{prompt}{text}", markup=False, highlight=False, style="dim")
        return text

    @classmethod
    def open(cls, answers: Path | None, console: Console, opener: Callable[[Path], TextIO] | None = None) -> LineSource:
        """Answers from a file, from a pipe, or typed at the terminal."""
        if answers is not None:
            try:
                stream = opener(answers) if opener else answers.open(encoding="utf-8")
            except OSError as exc:
                raise UsageError(f"cannot read answers file {answers}: {exc.strerror or exc}") from None
            return cls(stream, console, owns_stream=True)
        if not sys.stdin.isatty():
            return cls(sys.stdin, console)
        return cls(None, console, line_buffer=_line_editing())


def read_answer_text(answer: str | None, answer_file: Path | None, stdin: TextIO) -> str:
    """The answer for `interviewer feedback`: from --answer, --answer-file or stdin."""
    if answer is not None and answer_file is not None:
        raise UsageError("give either --answer or --answer-file, not both")
    if answer is not None:
        text = answer
        source = "--answer"
    elif answer_file is not None:
        try:
            text = answer_file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise UsageError(
                f"answer file {answer_file} is not UTF-8 text; save it as UTF-8 (for a recording, use --answer-audio)"
            ) from None
        except OSError as exc:
            raise UsageError(f"cannot read answer file {answer_file}: {exc.strerror or exc}") from None
        source = f"answer file {answer_file}"
    else:
        if stdin.isatty():
            raise UsageError("no answer given: use --answer TEXT, --answer-file FILE, or pipe the answer on stdin")
        text = stdin.read()
        source = "stdin"
    if not text.strip():
        raise UsageError(f"the answer from {source} is empty; write an answer to get feedback")
    return text
