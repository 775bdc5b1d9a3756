"""The thread count of each local model can be set from the environment, and a bad value is one line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from interviewer._threads import threads_from_env
from interviewer.exceptions import UsageError


@pytest.mark.parametrize(("raw", "expected"), [(None, 3), ("", 3), (" 1 ", 1), ("4", 4)])
def test_a_set_variable_wins_over_the_default(monkeypatch: pytest.MonkeyPatch, raw: str | None, expected: int) -> None:
    if raw is None:
        monkeypatch.delenv("INTERVIEWER_LLAMA_THREADS", raising=False)
    else:
        monkeypatch.setenv("INTERVIEWER_LLAMA_THREADS", raw)
    assert threads_from_env("INTERVIEWER_LLAMA_THREADS", 3) == expected


@pytest.mark.parametrize("raw", ["0", "-2", "two", "1.5"])
def test_a_value_that_is_not_a_thread_count_names_the_variable(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("INTERVIEWER_WHISPER_THREADS", raw)
    with pytest.raises(UsageError, match=rf"INTERVIEWER_WHISPER_THREADS='{raw}' is not a number of threads"):
        threads_from_env("INTERVIEWER_WHISPER_THREADS", 2)


def test_the_cli_says_so_in_one_line() -> None:
    """In a process of its own: the embedding model of this one may be loaded already."""
    answer = "I rank urgent requests by impact and effort and tell the people who wait why."
    command = [sys.executable, "-m", "interviewer", "feedback", "-r", "dpo", "-q", "dpo-prioritise-urgent"]
    env = {**os.environ, "INTERVIEWER_EMBED_THREADS": "abc"}
    done = subprocess.run([*command, "--answer", answer], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == "" and done.stderr.strip().count("\n") == 0, done.stderr
    assert "INTERVIEWER_EMBED_THREADS='abc'" in done.stderr and "Traceback" not in done.stderr
