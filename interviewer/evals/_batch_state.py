"""The state of a run through the provider's Batch API: `batch.json` in the run folder, and its files.

Each batch the run submits is a `Submission`, written down before each step that talks to
the provider, so a run stopped at any point (Ctrl+C, `kill -9`) resumes from what the file
says and never submits the same requests twice:

1. planned: its requests are in `batch-N.jsonl` (written first), its custom ids and a tag
   unique to it in `batch.json`;
2. upload: `upload_started_at` is saved, the file is uploaded, `file_id` saved. Stopped in
   between, the file is uploaded again (the first copy, if it arrived, is an unused file on
   the provider, which says so);
3. create: `create_started_at` is saved (the intent), the batch is created with the tag in its
   metadata, `batch_id` saved. Stopped in between, the resumed run first looks for a batch
   with that tag (`batches.list`) and follows it instead of creating another;
4. poll: the provider's status and counts, saved at each check;
5. download: the output and error files, saved as `batch-N.output.jsonl` and
   `batch-N.errors.jsonl`, then `downloaded`;
6. collect: every reply is scored and appended to `results.jsonl` (a case already there is
   not scored again); the items the batch did not answer are graded live or go in a
   follow-up batch (a new submission, saved together with `collected`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from .._sessions import atomic_write_text
from .._validation import first_problem
from ..exceptions import UsageError

__all__ = ["STATE_NAME", "BatchFolder", "BatchState", "Submission", "custom_id", "parse_custom_id"]

STATE_NAME = "batch.json"


def custom_id(case_id: str, repeat: int) -> str:
    """A request's id in a batch file: the case and the repeat (`case-id#0`)."""
    return f"{case_id}#{repeat}"


def parse_custom_id(value: str) -> tuple[str, int]:
    case_id, _, repeat = value.rpartition("#")
    return case_id, int(repeat)


class Submission(BaseModel):
    """One batch of the run: its requests, and how far submitting and collecting it went."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^batch-[1-9][0-9]*$")
    """`batch-N`: its requests are `batch-N.jsonl` in the run folder, its replies `batch-N.output.jsonl`
    (checked: the name makes paths, and a hand-edited one must not reach outside the folder)."""
    tag: str
    """Unique to this submission, in the batch's metadata: finds the batch if its id was not saved."""
    custom_ids: list[Annotated[str, StringConstraints(pattern=r"^.+#[0-9]+$")]]
    """`case-id#repeat`, one per line of the batch file."""
    input_sha256: str
    follow_up_of: str | None = None
    """The submission whose unanswered items this one asks again."""
    upload_started_at: float | None = None
    upload_refused: str | None = None
    """Why the server turned the last upload down (no Batch API, a rejected key): set, a run without
    `--batch` grades the requests live instead; unset (an upload stopped by Ctrl+C or a kill), it uploads again."""
    file_id: str | None = None
    create_started_at: float | None = None
    """Saved just before `batches.create`: from here on, a batch with our tag may exist."""
    batch_id: str | None = None
    status: str | None = None
    """The provider's status, as last seen (validating, in_progress, finalizing, completed, failed, expired, ...)."""
    total: int = 0
    completed: int = 0
    failed: int = 0
    output_file_id: str | None = None
    error_file_id: str | None = None
    errors: list[str] = Field(default_factory=list)
    """The batch's own errors when it failed (validation), one line each."""
    checked_at: float | None = None
    downloaded: bool = False
    collected: bool = False
    """Every item has a result, or was handed on to a follow-up batch."""


class BatchState(BaseModel):
    """`batch.json`: the run's batches, in the order they were planned."""

    model_config = ConfigDict(extra="forbid")

    format_version: Literal[1] = 1
    retry: Literal["live", "batch"] = "live"
    """What happens to items a batch did not answer: graded live, or asked again in one follow-up batch."""
    submissions: list[Submission] = Field(default_factory=list)

    def next_name(self) -> str:
        """`batch-N` for the next submission: one past the highest, so a dropped one never gives its name twice."""
        return f"batch-{max((int(s.name.split('-')[1]) for s in self.submissions), default=0) + 1}"

    def open(self) -> list[Submission]:
        """The submissions not yet collected."""
        return [s for s in self.submissions if not s.collected]

    def chain(self, submission: Submission) -> list[str]:
        """The batch ids an item of `submission` went in: its follow-up chain, oldest first."""
        by_name = {s.name: s for s in self.submissions}
        chain: list[str] = []
        seen: Submission | None = submission
        while seen is not None:
            if seen.batch_id:
                chain.insert(0, seen.batch_id)
            seen = by_name.get(seen.follow_up_of) if seen.follow_up_of else None
        return chain


class BatchFolder:
    """`batch.json` and the batch files of one run folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / STATE_NAME

    def exists(self) -> bool:
        return self.path.is_file()

    def load(self) -> BatchState:
        if not self.path.is_file():
            return BatchState()
        try:
            return BatchState.model_validate_json(self.path.read_bytes())
        except ValidationError as exc:
            raise UsageError(
                f"{self.path} is not a valid batch state: {first_problem(exc)}; restore it (it holds the ids of "
                "batches already submitted) rather than deleting it"
            ) from None

    def save(self, state: BatchState) -> None:
        atomic_write_text(self.path, state.model_dump_json(indent=2) + "\n")

    def input_path(self, submission: Submission) -> Path:
        return self.folder / f"{submission.name}.jsonl"

    def output_path(self, submission: Submission) -> Path:
        return self.folder / f"{submission.name}.output.jsonl"

    def errors_path(self, submission: Submission) -> Path:
        return self.folder / f"{submission.name}.errors.jsonl"
