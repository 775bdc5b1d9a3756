"""A run directory: what was run (`run.json`), one result per line as it completes (`results.jsonl`).

The folder is the tool's own. A run writes only into a new or empty folder, or one that already
holds a run of ours, never into or over the dataset or the corpus; one run at a time (`locked`);
and resuming cuts off a last line that a crash or a full disk left half written.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, ValidationError, model_serializer

from .._lockfile import FileLock
from .._sessions import atomic_write_text
from .._validation import first_problem
from ..exceptions import UsageError
from ..models import Feedback

__all__ = [
    "LOCK_NAME",
    "RUN_FILES",
    "BatchNote",
    "CaseResult",
    "RunFile",
    "RunSpec",
    "RunStore",
    "check_apart",
    "data_folders",
]

RunFile = Literal["run.json", "results.jsonl", "summary.json", "report.md", "junit.xml"]
RUN_FILES: tuple[RunFile, ...] = get_args(RunFile)
"""The files a run writes into its folder."""
LOCK_NAME = ".lock"
"""The run folder's lock file, there while a run writes the folder (see `RunStore.locked`)."""


class RunSpec(BaseModel):
    """What a run is: the same spec resumes, a different one refuses to mix in."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dataset: str
    dataset_hash: str
    rubrics_hash: str | None = None
    """Hash of the rubrics of the dataset's questions: a rubric edit is a different run."""
    grader: Literal["offline", "llm"]
    prompt: str | None = None
    model: str | None = None
    host: str | None = None
    settings: dict[str, Any] = Field(default_factory=dict)
    """Settings that shape the requests (no secrets)."""
    repeat: int = Field(default=1, ge=1)
    interviewer_version: str

    def label(self) -> str:
        return self.grader if self.grader == "offline" else f"{self.prompt} · {self.model}"


class BatchNote(BaseModel):
    """How a case of a run through the provider's Batch API (`eval run --batch`) got its result."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sent: list[str] = Field(default_factory=list)
    """The batches its request went in, in order (a follow-up batch after one that did not answer it); empty
    when the answer never reached the model (empty or unreadable: offline feedback)."""
    live: bool = False
    """Graded live after the batches did not answer it (an item error, expired, a failed batch)."""
    reason: str | None = None
    """What the last batch said about it, when that batch did not answer it."""


class CaseResult(BaseModel):
    """The outcome of grading one case once."""

    model_config = ConfigDict(extra="forbid")

    case_id: str
    repeat: int = 0
    feedback: Feedback | None = None
    error: str | None = None
    """One line, when grading failed (the model's reply was cut off, never validated, ...)."""
    error_kind: str | None = None
    seconds: float = 0.0
    batch: BatchNote | None = None
    """Set in a `--batch` run: which batches it went in, whether it was retried live (absent otherwise)."""

    @model_serializer(mode="wrap")
    def _omit_no_batch(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if data.get("batch") is None:
            data.pop("batch", None)  # results of live runs read and write as before
        return data


class RunStore:
    """`<folder>/run.json`, `<folder>/results.jsonl` (appended, flushed per line), `<folder>/summary.json`."""

    def __init__(self, folder: Path, protect: Sequence[tuple[str, Path]] = ()) -> None:
        """`protect`: what a run must never be written into or over, as (name, path): the dataset, the corpus."""
        self.folder = folder
        self.protect = tuple(protect)
        self.repaired: str | None = None
        """Set by `start` when it cut off a torn last line: what it did, in one line for the user."""
        self._lock = threading.Lock()

    @property
    def results_path(self) -> Path:
        return self.folder / "results.jsonl"

    def spec(self) -> RunSpec:
        path = self.folder / "run.json"
        if not path.is_file():
            raise UsageError(f"{self.folder} is not a run folder (no run.json)")
        try:
            return RunSpec.model_validate_json(path.read_bytes())
        except ValidationError as exc:
            raise UsageError(f"{path} is not a valid run description: {first_problem(exc)}") from None

    def check_folder(self, dataset: Path | None = None) -> None:
        """Refuse a folder that is not the run's to write; nothing is created or changed.

        Refused: a file; the dataset or a protected folder, anything inside one, or a folder holding one;
        a folder holding files but no `run.json` (a run of ours is resumed, see `start`).
        """
        folder = self.folder
        if folder.exists() and not folder.is_dir():
            raise UsageError(f"--out {folder} is a file; give a folder for the run")
        protect = (*self.protect, *((("the dataset", dataset),) if dataset is not None else ()))
        check_apart(f"--out {folder}", folder, protect, "give a folder of its own for the run")
        if folder.is_dir() and not (folder / "run.json").is_file():
            others = sorted(p.name for p in folder.iterdir() if not _ours(p.name))
            if others:
                more = f" and {len(others) - 3} more" if len(others) > 3 else ""
                raise UsageError(
                    f"--out {folder} holds files that are not an eval run ({', '.join(others[:3])}{more}); "
                    "give a new or empty folder"
                )

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the folder's lock while a run writes it: another run of the same folder gets `LockHeld`.

        The folder is checked (`check_folder`) and created first; if it was new and is still empty
        when the lock is released (the run stopped before writing), it is removed again.
        """
        self.check_folder()
        created = not self.folder.exists()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot create --out {self.folder}: {exc.strerror or exc}") from None
        lock = FileLock(
            self.folder / LOCK_NAME,
            f"{self.folder} is in use by another eval run",
            "wait for it to finish (or stop it), then rerun to resume",
        )
        try:
            with lock:
                yield
        finally:
            if created:
                with contextlib.suppress(OSError):  # removes only an empty folder
                    self.folder.rmdir()

    def start(self, spec: RunSpec) -> list[CaseResult]:
        """Create the run, or resume it: results already written are kept and returned.

        A resumed run's last line, if a crash left it half written, is cut off (`repaired` says so).
        """
        self.check_folder(Path(spec.dataset))
        path = self.folder / "run.json"
        if path.is_file():
            existing = self.spec()
            # The dataset's path may be written another way (relative, absolute): its hash decides.
            changed = [
                k for k in type(spec).model_fields if k != "dataset" and getattr(existing, k) != getattr(spec, k)
            ]
            if changed:
                raise UsageError(
                    f"{self.folder} holds a different run ({', '.join(changed)} differ); use another --out"
                )
            self.repaired = self._repair_tail()
            return self.results()
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, spec.model_dump_json(indent=2) + "\n")
        return []

    def _repair_tail(self) -> str | None:
        """Cut a torn last line off `results.jsonl`, so the next record starts a line of its own."""
        path = self.results_path
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        complete = data.endswith(b"\n")
        head, newline, last = (data[:-1] if complete else data).rpartition(b"\n")
        if not data or _parse(last) is not None:
            if data and not complete:  # the whole record, without its newline
                with path.open("ab") as handle:
                    handle.write(b"\n")
            return None
        try:
            with path.open("r+b") as handle:
                handle.truncate(len(head) + len(newline))
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise UsageError(f"cannot repair {path} (a torn last line): {exc.strerror or exc}") from None
        if not last.strip():
            return None
        found = re.match(rb'\{"case_id":"([^"\\]*)"', last)
        case = found.group(1).decode("utf-8", "replace") if found else "its case"
        return f"repaired {path}: cut off a torn last line ({len(last)} bytes); {case} is graded again"

    def append(self, result: CaseResult) -> None:
        line = result.model_dump_json() + "\n"
        with self._lock, self.results_path.open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()

    def results(self) -> list[CaseResult]:
        """Every complete line (a line cut short by a crash is ignored and redone)."""
        try:
            lines = self.results_path.read_bytes().split(b"\n")
        except FileNotFoundError:
            return []
        if lines[-1] == b"":
            lines.pop()  # after the last newline
        out: dict[tuple[str, int], CaseResult] = {}
        for number, line in enumerate(lines, start=1):
            result = _parse(line)
            if result is None:
                if number == len(lines):
                    continue  # the last line, cut short by a crash: its case is graded again
                raise UsageError(
                    f"{self.results_path}:{number}: not a valid result ({_why(line)}); "
                    "the file is damaged: restore it or delete that line to grade the case again"
                )
            out[(result.case_id, result.repeat)] = result
        return list(out.values())

    def write_text(self, name: str, text: str) -> Path:
        path = self.folder / name
        atomic_write_text(path, text)
        return path


def data_folders(corpus_root: Path, dataset: Path | None = None) -> list[tuple[str, Path]]:
    """What run and baseline folders keep apart from: the dataset, and the corpus's own folders."""
    own = [(f"the {name}", corpus_root / name) for name in ("corpus", "rubrics", "prompts")]
    return [*((("the dataset", dataset),) if dataset else ()), *((n, p) for n, p in own if p.is_dir())]


def check_apart(what: str, folder: Path, protect: Sequence[tuple[str, Path]], fix: str) -> None:
    """Refuse `folder` if it is, is inside or holds one of `protect` (name, path): `what` names it in the error."""
    real = folder.resolve()
    for name, path in protect:
        target = path.resolve()
        if real == target:
            raise UsageError(f"{what} is {name}; {fix}")
        if real.is_relative_to(target):
            raise UsageError(f"{what} is inside {name} ({path}); {fix}")
        if target.is_relative_to(real):
            raise UsageError(f"{what} holds {name} ({path}); {fix}")


def _parse(line: bytes) -> CaseResult | None:
    """One line of `results.jsonl`, or None if it is not a whole result (cut short, not UTF-8, not JSON)."""
    try:
        return CaseResult.model_validate_json(line)
    except ValidationError:
        return None


def _why(line: bytes) -> str:
    try:
        CaseResult.model_validate_json(line)
    except ValidationError as exc:
        return str(exc.errors()[0]["msg"])
    return "valid"


def _ours(name: str) -> bool:
    """The lock, or a file a run was writing when it was stopped (`atomic_write_text`'s temporary copy)."""
    return name == LOCK_NAME or any(name.startswith(f".{f}.") and name.endswith(".tmp") for f in RUN_FILES)
