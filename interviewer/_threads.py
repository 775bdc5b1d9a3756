"""How many CPU threads a local model may use, from an environment variable when one is set.

Each local model has its own variable: `INTERVIEWER_EMBED_THREADS` (the offline grader's embedding
model), `INTERVIEWER_WHISPER_THREADS` (speech to text) and `INTERVIEWER_LLAMA_THREADS` (the local
llama.cpp server). The test suite sets them to 1 when pytest-xdist already runs a test process per
core: two processes that each spin two threads on two cores run several times slower than two that
use one thread each.
"""

from __future__ import annotations

import os

from .exceptions import UsageError

__all__ = ["threads_from_env"]


def threads_from_env(name: str, default: int) -> int:
    """The whole number of 1 or more in `name`, or `default` when it is unset or empty."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise UsageError(
            f"the environment variable {name}={raw!r} is not a number of threads: set it to a whole number "
            f"of 1 or more (such as 1), or unset it for the default of {default}"
        )
    return value
