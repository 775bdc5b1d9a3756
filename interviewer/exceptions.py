"""Every error the library raises on purpose.

Two families:

* `UserError`: something the user can fix (a bad corpus file, an unknown role,
  an unreadable answer file, a corrupt session). The CLI prints its message on
  one line and exits with `exit_code`; it never shows a traceback for these.
* `GradingError`: the grader itself failed (a model or network problem). The
  interview keeps the candidate's answer and can fall back to offline feedback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "ConfigError",
    "CorpusError",
    "FixtureMissing",
    "GradingError",
    "InterviewerError",
    "LLMOutputError",
    "LLMRejected",
    "LLMReplyCutOff",
    "LLMUnavailable",
    "LockHeld",
    "Problem",
    "SessionError",
    "UsageError",
    "UserError",
]


class InterviewerError(Exception):
    """Base class of all errors raised by `interviewer`."""


class UserError(InterviewerError):
    """An error the user can fix; its message says what and how."""

    exit_code: int = 2


class UsageError(UserError):
    """A bad argument: unknown role or question id, empty input, unreadable file."""


class SessionError(UserError):
    """A saved session is missing or cannot be read."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a data file: where it is and what would fix it."""

    file: str
    """Path of the file, as given or relative to the corpus root."""
    location: str
    """Field path inside the file, such as `key_points[2].id`, or empty for the whole file."""
    message: str
    """What is wrong and, where possible, what would fix it."""
    line: int | None = None
    """1-based line number in the file, when known."""

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        field = f" {self.location}:" if self.location else ""
        return f"{where}:{field} {self.message}"


class CorpusError(UserError):
    """One or more data files (corpus, rubric, dataset) are invalid."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        first = str(self.problems[0]) if self.problems else "invalid data"
        more = len(self.problems) - 1
        suffix = f" (and {more} more problem{'s' if more != 1 else ''})" if more > 0 else ""
        super().__init__(first + suffix)


class LockHeld(UserError):
    """Another live process holds the lock of a folder or file (an `eval run` writing the same run folder).

    `pid` and `host` name the owner, as its lock file says (None when it could not be read).
    """

    def __init__(self, message: str, pid: int | None = None, host: str | None = None) -> None:
        super().__init__(message)
        self.pid = pid
        self.host = host


class ConfigError(UserError):
    """Missing or invalid LLM settings: no model, no key, a bad config file."""


class FixtureMissing(UserError):
    """Replay mode found no recording for a request; the message says how to record one."""


class GradingError(InterviewerError):
    """The grader could not produce feedback (model, network or output problem).

    The candidate's answer is already saved when this is raised; callers can fall
    back to the offline grader.
    """


class LLMRejected(GradingError):
    """The server refused the request for a reason retrying cannot fix.

    A rejected key, exhausted quota, unknown model or an invalid or over-long
    request. `status` is the HTTP status.
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class LLMUnavailable(GradingError):
    """The server could not be reached or kept failing after every retry."""


class LLMOutputError(GradingError):
    """The model's reply was cut off or did not match the schema, even after a repair attempt."""


class LLMReplyCutOff(LLMOutputError):
    """The reply reached `max_tokens` before it was complete."""

    def __init__(self, message: str, max_tokens: int) -> None:
        super().__init__(message)
        self.max_tokens = max_tokens
