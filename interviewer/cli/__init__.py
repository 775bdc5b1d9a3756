"""Command-line interface (typer); a thin layer over the library."""

from __future__ import annotations

import contextlib
import os
import sys

from ._app import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the `interviewer` command."""
    try:
        app()
    except SystemExit as done:
        _end_now_if_transcribing(done)
        raise


def _end_now_if_transcribing(done: SystemExit) -> None:
    """After Ctrl-C during a transcription, end the process at once.

    The model is still computing on its own thread for nobody (the session is saved and closed by now).
    A normal exit would wait for it to reach its next 30 s window (up to several seconds): the transcriber
    stops it there at exit, since ending the interpreter while CTranslate2 computes crashes (docs/voice.md).
    `os._exit` skips that wait and the crash: the kernel stops the thread.
    """
    voice = sys.modules.get("interviewer.voice")
    if voice is None or not voice.transcribing():
        return
    code = done.code
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(code or 0)
