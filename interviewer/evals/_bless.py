"""Blessing a run: copying it into the baseline folder that `compare` checks against.

The baseline folder is the tool's own. Bless writes into a new or empty folder, or one it
blessed before, which holds `blessed.json` naming the files bless wrote there; it replaces
those files (each one atomically) and leaves anything else in the folder alone. A folder that
holds a run bless did not write, or other files, is refused, and so is a symbolic link.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from .._sessions import atomic_write_text
from .._validation import first_problem
from ..exceptions import UsageError
from ..models import utcnow
from ._results import RUN_FILES, RunFile, RunSpec, RunStore, check_apart

__all__ = ["MARKER", "Blessed", "Blessing", "bless"]

MARKER = "blessed.json"
"""The file that makes a folder a baseline bless wrote, and lists the files it may replace."""


class Blessed(BaseModel):
    """`blessed.json`: which run a baseline folder holds, and which of its files bless wrote."""

    model_config = ConfigDict(extra="forbid")

    run: str
    """The run folder that was blessed, as it was given."""
    label: str
    """The run's grader, prompt and model."""
    blessed_at: datetime
    files: list[RunFile]
    """The files bless copied here: the only ones it replaces or removes later."""


@dataclass(frozen=True)
class Blessing:
    """What `bless` did."""

    spec: RunSpec
    run: Path
    baseline: Path
    replaced: Blessed | None
    """The baseline that was there before, if any."""


def bless(run: Path, to: Path, protect: Sequence[tuple[str, Path]] = ()) -> Blessing:
    """Make the run in `run` the baseline in `to`; `protect` (name, path): what `to` must keep apart from."""
    store = RunStore(run)
    spec = store.spec()
    if not store.results():
        raise UsageError(f"{run} has no results to bless")
    if to.is_symlink():
        raise UsageError(f"--to {to} is a symbolic link (to {to.readlink()}); give the folder itself")
    source, target = run.resolve(), to.resolve()
    if source == target or source.is_relative_to(target) or target.is_relative_to(source):
        raise UsageError(f"--to {to} and the run {run} overlap; bless into a folder of its own")
    check_apart(
        f"--to {to}", to, [*protect, ("the run's dataset", Path(spec.dataset))], "bless into a folder of its own"
    )
    before = _previous(to)
    files = [name for name in RUN_FILES if (run / name).is_file()]
    created = not to.exists()
    try:
        to.mkdir(parents=True, exist_ok=True)
        # First list every file of ours the folder may hold, so that it stays bless's whatever happens next.
        _mark(to, run, spec, sorted({*files, *(before.files if before else [])}))
        for name in files:
            _copy(run / name, to / name)
        for name in set(before.files if before else []) - set(files):
            (to / name).unlink(missing_ok=True)
        _mark(to, run, spec, files)
    except OSError as exc:
        if created:
            for written in (*files, MARKER):
                with contextlib.suppress(OSError):
                    (to / written).unlink()
            with contextlib.suppress(OSError):
                to.rmdir()
        again = "" if created else f"; the baseline in {to} may be half replaced: bless again once that is fixed"
        raise UsageError(f"cannot bless {run} into {to}: {exc.strerror or exc}{again}") from None
    return Blessing(spec, run, to, before)


def _previous(to: Path) -> Blessed | None:
    """The baseline bless wrote in `to` before; None for a new or empty folder; refuse anything else."""
    if not to.exists():
        return None
    if not to.is_dir():
        raise UsageError(f"--to {to} is a file; give a folder for the baseline")
    marker = to / MARKER
    if marker.is_file():
        try:
            return Blessed.model_validate_json(marker.read_bytes())
        except ValidationError as exc:
            raise UsageError(
                f"{marker} is not valid ({first_problem(exc)}); restore it, or bless into a new folder"
            ) from None
    if (to / "run.json").is_file():
        raise UsageError(
            f"--to {to} holds a run that bless did not write (no {MARKER}); bless into a new folder, "
            "or move that run away first"
        )
    names = sorted(p.name for p in to.iterdir())
    if names:
        more = f" and {len(names) - 3} more" if len(names) > 3 else ""
        raise UsageError(
            f"--to {to} is not a run folder bless made (it holds {', '.join(names[:3])}{more}); "
            "bless into a new or empty folder"
        )
    return None


def _mark(to: Path, run: Path, spec: RunSpec, files: list[RunFile]) -> None:
    blessed = Blessed(run=str(run), label=spec.label(), blessed_at=utcnow(), files=files)
    atomic_write_text(to / MARKER, blessed.model_dump_json(indent=2) + "\n")


def _copy(source: Path, target: Path) -> None:
    """Copy a file so that a failure leaves the old `target` or the new one, and no temporary file."""
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        shutil.copyfile(source, temporary)
        temporary.replace(target)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
