"""The terminal's status line while an answer is graded: what the model is doing, not a frozen spinner."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console

from ..llm._progress import ModelProgress, describe, reporting_progress

__all__ = ["describe", "model_status"]

TICK = 0.5
"""Seconds between refreshes of the elapsed time while nothing new arrives."""


@contextmanager
def model_status(console: Console, waiting: str) -> Iterator[None]:
    """A spinner with `waiting`; while a model call inside streams, the line says how it is going."""
    with console.status(waiting, spinner="dots") as status:
        lock = threading.Lock()
        latest: list[tuple[ModelProgress, float]] = []
        stop = threading.Event()

        def show() -> None:
            with lock:
                if latest:
                    progress, sent_at = latest[-1]
                    status.update(describe(progress, time.monotonic() - sent_at))

        def listener(progress: ModelProgress) -> None:
            with lock:
                sent_at = time.monotonic() - progress.elapsed
                latest[:] = [(progress, sent_at)]
            show()

        def tick() -> None:
            while not stop.wait(TICK):
                show()

        ticker = threading.Thread(target=tick, name="status-ticker", daemon=True)
        ticker.start()
        try:
            with reporting_progress(listener):
                yield
        finally:
            stop.set()
            ticker.join()
