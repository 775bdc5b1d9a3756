"""Progress while a model writes: who listens, and what they hear.

A front end that wants to show progress (the terminal's status line, the web
app's event stream) wraps the call in `reporting_progress(listener)`. While a
listener is set, the client streams the reply and calls the listener as it
goes: once when the request leaves, as the server reads the prompt (when it
says: llama.cpp does with `return_progress`), and for every piece of the reply.
Without a listener (eval runs, scripts) nothing streams and nothing changes.

The listener is held in a context variable, so concurrent sessions (the web
app) each hear only their own calls. It runs on whichever thread the call runs
on and must return quickly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

__all__ = ["ModelProgress", "ProgressListener", "current_listener", "describe", "reporting_progress"]

Phase = Literal["sent", "reading", "writing"]


@dataclass(frozen=True)
class ModelProgress:
    """Where one model call stands."""

    phase: Phase
    """sent (waiting for the server), reading (the server is reading the prompt) or writing (the reply)."""
    elapsed: float
    """Seconds since the request left."""
    model: str
    prompt_tokens: int | None = None
    """The prompt's length, when the server reports its progress."""
    prompt_done: int | None = None
    """Prompt tokens read so far, when the server reports it."""
    pieces: int = 0
    """Pieces of the reply received so far (about one token each)."""
    text: str = ""
    """The reply so far."""
    doing: str | None = None
    """What the model is on, in words ("key point 3 of 7: Defines real urgency"), when the caller knows."""


ProgressListener = Callable[[ModelProgress], None]

_listener: ContextVar[ProgressListener | None] = ContextVar("interviewer_progress_listener", default=None)


def current_listener() -> ProgressListener | None:
    """The listener for calls made here, if a front end set one."""
    return _listener.get()


@contextmanager
def reporting_progress(listener: ProgressListener | None) -> Iterator[None]:
    """Calls made inside this block stream their replies and report to `listener` (None: no reports)."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)


def describe(progress: ModelProgress, elapsed: float) -> str:
    """One line for the status: the phase, how far, and the seconds so far."""
    seconds = f"{elapsed:.0f} s"
    if progress.phase == "sent":
        return f"Sent to {progress.model}; waiting for it to start · {seconds}"
    if progress.phase == "reading":
        if progress.prompt_tokens:
            done = progress.prompt_done or 0
            return (
                f"{progress.model} is reading the question and your answer · "
                f"{done * 100 // progress.prompt_tokens}% of {progress.prompt_tokens} tokens · {seconds}"
            )
        return f"{progress.model} is reading the question and your answer · {seconds}"
    doing = f" · {progress.doing}" if progress.doing else ""
    return f"{progress.model} is writing feedback{doing} · {progress.pieces} tokens · {seconds}"
