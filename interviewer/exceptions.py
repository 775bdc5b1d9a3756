"""Every error the library raises on purpose.

Two families:

* `UserError`: something the user can fix (a bad corpus file, an unknown role,
  an unreadable answer file, a corrupt session). The CLI prints its message on
  one line and exits with `exit_code`; it never shows a traceback for these.
* `GradingError`: the grader itself failed (a model or network problem). The
  interview keeps the candidate's answer and can fall back to offline feedback.
  Its `kind` (a `FailureKind`) says why, decided once where the failure is seen
  (the LLM client's retry layer); callers read the kind, never the message.

Every error here pickles with its message and attributes, so one raised in an
eval worker process reaches the parent whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

__all__ = [
    "AudioError",
    "AudioProblem",
    "BatchFailed",
    "BatchUnsupported",
    "ConfigError",
    "CorpusError",
    "FailureKind",
    "FixtureMissing",
    "GradingError",
    "InterviewerError",
    "LLMOutputError",
    "LLMRejected",
    "LLMReplyCutOff",
    "LLMUnavailable",
    "LockHeld",
    "Problem",
    "SessionConflict",
    "SessionError",
    "SessionLocked",
    "UsageError",
    "UserError",
    "VoiceUnavailable",
]


class InterviewerError(Exception):
    """Base class of all errors raised by `interviewer`."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt without `__init__`, whose arguments differ per class (`CorpusError` takes problems).
        return _rebuilt, (type(self), self.args, self.__dict__)


def _rebuilt(cls: type[InterviewerError], args: tuple[Any, ...], state: dict[str, Any]) -> InterviewerError:
    error = cls.__new__(cls, *args)
    error.__dict__.update(state)
    return error


class UserError(InterviewerError):
    """An error the user can fix; its message says what and how."""

    exit_code: int = 2


class UsageError(UserError):
    """A bad argument: unknown role or question id, empty input, unreadable file."""


class SessionError(UserError):
    """A saved session is missing or cannot be read."""


class SessionLocked(SessionError):
    """The session is open in another `interviewer` (its lock file names a live process)."""

    def __init__(self, message: str, session_id: str, pid: int | None, host: str | None) -> None:
        super().__init__(message)
        self.session_id = session_id
        self.pid = pid
        self.host = host


class SessionConflict(SessionError):
    """The session file changed on disk since it was opened; nothing was overwritten.

    `copy` is where the refused version (with whatever was typed) was written instead.
    """

    def __init__(self, message: str, session_id: str, copy: Path | None) -> None:
        super().__init__(message)
        self.session_id = session_id
        self.copy = copy


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


class BatchUnsupported(UserError):
    """The server has no Batch API (404 on its `/files` or `/batches` endpoint): run without `--batch`."""


class BatchFailed(UserError):
    """The provider failed a whole batch (its input did not validate, a limit was reached): none of it ran.

    The run folder keeps the batch and its requests; the message says how to submit them again
    or grade them live.
    """

    exit_code = 3


class AudioProblem(StrEnum):
    """Why a spoken answer cannot be used (the typed path always still works)."""

    MISSING = "missing"
    """No such file, or it cannot be read."""
    EMPTY = "empty"
    """The file or upload holds no bytes."""
    UNREADABLE = "unreadable"
    """Not audio the decoder reads (corrupt, or another kind of file)."""
    TOO_LONG = "too-long"
    """Longer than an answer can be (the limit is in the message)."""
    TOO_SHORT = "too-short"
    """Too short to hold an answer: the recording was cut off, or stopped at once."""
    SILENT = "silent"
    """Audio with no speech in it."""
    LANGUAGE = "language"
    """Speech in a language the transcriber does not handle well enough to grade."""


class AudioError(UserError):
    """A spoken answer cannot be transcribed; `problem` says why, the message what to do instead.

    `str(error)` is the whole line for a terminal, with `file_advice` (what to do with the file, such as
    the sox command that trims it) after the message; `message` alone is for a front end whose recordings
    are not files the candidate has (the browser).
    """

    def __init__(self, message: str, problem: AudioProblem, *, file_advice: str = "") -> None:
        super().__init__(f"{message}, {file_advice}" if file_advice else message)
        self.message = message
        """What is wrong and what to do, without the advice for a file."""
        self.problem = problem
        self.file_advice = file_advice
        """What to do with the file itself (empty if nothing more than the message)."""


class VoiceUnavailable(UsageError):
    """Spoken answers need the `voice` extra (faster-whisper and the Whisper model), which is not installed."""


class FixtureMissing(UserError):
    """Replay mode found no recording for a request; the message says how to record one."""


class FailureKind(StrEnum):
    """Why a grader failed: what a caller needs to decide whether to try again, fall back or stop."""

    AUTH = "auth"
    """The key was rejected or access refused (401, 403)."""
    QUOTA = "quota"
    """The account's quota is exhausted (429 `insufficient_quota`)."""
    MODEL_NOT_FOUND = "model-not-found"
    """The server has no such model or endpoint (404)."""
    BAD_REQUEST = "bad-request"
    """This request was refused (too long for the context, an invalid value); another may pass."""
    UNSUPPORTED_FORMAT = "unsupported-format"
    """A 400 or 422 about `response_format` or the JSON schema: the server cannot do strict schemas."""
    UNAVAILABLE = "unavailable"
    """The server could not be reached or kept failing after every retry (transient)."""
    OUTPUT = "output"
    """The model's reply was cut off or did not match the schema."""

    @property
    def permanent(self) -> bool:
        """Every later request would fail alike (key, quota, model): stop asking the model."""
        return self in {FailureKind.AUTH, FailureKind.QUOTA, FailureKind.MODEL_NOT_FOUND}


class GradingError(InterviewerError):
    """The grader could not produce feedback (model, network or output problem).

    The candidate's answer is already saved when this is raised; callers can fall
    back to the offline grader. `kind` says why; `status` is the server's HTTP
    status, when one answered.
    """

    kind: FailureKind = FailureKind.UNAVAILABLE

    def __init__(self, message: str, status: int | None = None, *, kind: FailureKind | None = None) -> None:
        super().__init__(message)
        self.status = status
        if kind is not None:
            self.kind = kind


class LLMRejected(GradingError):
    """The server refused the request for a reason retrying cannot fix.

    A rejected key, exhausted quota, unknown model or an invalid or over-long
    request; `kind` says which.
    """

    kind = FailureKind.BAD_REQUEST


class LLMUnavailable(GradingError):
    """The server could not be reached or kept failing after every retry."""

    kind = FailureKind.UNAVAILABLE


class LLMOutputError(GradingError):
    """The model's reply was cut off or did not match the schema, even after a repair attempt."""

    kind = FailureKind.OUTPUT


class LLMReplyCutOff(LLMOutputError):
    """The reply reached `max_tokens` before it was complete."""

    def __init__(self, message: str, max_tokens: int) -> None:
        super().__init__(message)
        self.max_tokens = max_tokens
