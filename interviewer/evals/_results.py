"""A run directory: what was run (`run.json`), one result per line as it completes (`results.jsonl`)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .._sessions import atomic_write_text
from ..exceptions import UsageError
from ..models import Feedback

__all__ = ["CaseResult", "RunSpec", "RunStore"]


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


class RunStore:
    """`<folder>/run.json`, `<folder>/results.jsonl` (appended, flushed per line), `<folder>/summary.json`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()

    @property
    def results_path(self) -> Path:
        return self.folder / "results.jsonl"

    def spec(self) -> RunSpec:
        path = self.folder / "run.json"
        if not path.is_file():
            raise UsageError(f"{self.folder} is not a run folder (no run.json)")
        try:
            return RunSpec.model_validate_json(path.read_text(encoding="utf-8"))
        except ValidationError as exc:
            error = exc.errors(include_url=False)[0]
            where = ".".join(str(part) for part in error["loc"]) or "the file"
            raise UsageError(f"{path} is not a valid run description: {where}: {error['msg']}") from None

    def start(self, spec: RunSpec) -> list[CaseResult]:
        """Create the run, or resume it: results already written are kept and returned."""
        if self.folder.exists() and not self.folder.is_dir():
            raise UsageError(f"--out {self.folder} is a file; give a folder for the run")
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
            return self.results()
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, spec.model_dump_json(indent=2) + "\n")
        return []

    def append(self, result: CaseResult) -> None:
        line = result.model_dump_json() + "\n"
        with self._lock, self.results_path.open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()

    def results(self) -> list[CaseResult]:
        """Every complete line (a line cut short by a crash is ignored and redone)."""
        if not self.results_path.is_file():
            return []
        out: dict[tuple[str, int], CaseResult] = {}
        lines = self.results_path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            try:
                result = CaseResult.model_validate_json(line)
            except ValidationError as exc:
                if number == len(lines):
                    continue  # the last line, cut short by a crash: its case is graded again
                raise UsageError(
                    f"{self.results_path}:{number}: not a valid result ({exc.errors()[0]['msg']}); "
                    "the file is damaged: restore it or delete that line to grade the case again"
                ) from None
            out[(result.case_id, result.repeat)] = result
        return list(out.values())

    def write_json(self, name: str, data: Any) -> Path:
        path = self.folder / name
        atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
        return path

    def write_text(self, name: str, text: str) -> Path:
        path = self.folder / name
        atomic_write_text(path, text)
        return path
