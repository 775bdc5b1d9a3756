"""The gate's tolerances: read from a TOML file, derived from a run's self-consistency, written back.

A tolerance is how much a metric may worsen before `compare_runs` calls it a regression, per
metric, optionally per role or tier (see evals/gate.toml). `calibrate` derives them from a
`--repeat` run: a multiple of how much each metric moves between repeats.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .._sessions import atomic_write_text
from ..exceptions import ConfigError, UsageError
from ..models import AdversarialKind, Tier
from ._metrics import HIGHER_IS_BETTER
from ._results import RunSpec
from ._summary import Summary

__all__ = ["DEFAULT_TOLERANCE", "Tolerances", "calibrate", "load_tolerances", "tolerances_toml", "write_tolerances"]

DEFAULT_TOLERANCE = 0.05


@dataclass(frozen=True)
class Tolerances:
    """Allowed worsening per metric, with overrides per role and per tier."""

    metrics: dict[str, float] = field(default_factory=dict)
    roles: dict[str, dict[str, float]] = field(default_factory=dict)
    tiers: dict[str, dict[str, float]] = field(default_factory=dict)
    mode: Literal["ci", "point"] = "ci"
    default: float = DEFAULT_TOLERANCE

    def for_metric(self, metric: str, scope: str = "overall", name: str | None = None) -> float:
        table = {"role": self.roles, "tier": self.tiers}.get(scope, {})
        if name is not None and metric in table.get(name, {}):
            return table[name][metric]
        return self.metrics.get(metric, self.default)


Tolerance = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class _TolerancesFile(BaseModel):
    """The TOML layout; anything else is a typo that would silently gate nothing."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["ci", "point"] = "ci"
    default: Tolerance = DEFAULT_TOLERANCE
    metrics: dict[str, Tolerance] = Field(default_factory=dict)
    roles: dict[str, dict[str, Tolerance]] = Field(default_factory=dict)
    tiers: dict[str, dict[str, Tolerance]] = Field(default_factory=dict)


def load_tolerances(path: Path | None, roles: Iterable[str] = ()) -> Tolerances:
    """Tolerances from a TOML file (see evals/gate.toml); defaults when `path` is None.

    Tier slices must name a tier or an adversarial kind; role slices, one of
    `roles` when given (a misspelt slice would silently gate nothing).
    """
    if path is None:
        return Tolerances()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"tolerances file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"tolerances file {path} cannot be read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"tolerances file {path} is not valid TOML: {exc}") from None
    try:
        parsed = _TolerancesFile.model_validate(data)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in error["loc"])
        if error["type"] == "extra_forbidden":
            hint = "allowed: mode, default, [metrics], [roles.NAME], [tiers.NAME]"
        else:
            hint = f"{error['msg']}; a tolerance is a number of 0 or more"
        raise ConfigError(f"tolerances file {path}: {where} = {error.get('input')!r}: {hint}") from None
    tables = [parsed.metrics, *parsed.roles.values(), *parsed.tiers.values()]
    unknown = {m for table in tables for m in table if m not in HIGHER_IS_BETTER}
    if unknown:
        raise ConfigError(
            f"tolerances file {path}: unknown metric(s) {', '.join(sorted(unknown))}; "
            f"known: {', '.join(HIGHER_IS_BETTER)}"
        )
    known_roles = set(roles)
    for scope, names, known in (
        ("roles", parsed.roles, known_roles),
        ("tiers", parsed.tiers, {t.value for t in Tier} | {k.value for k in AdversarialKind}),
    ):
        unknown_names = sorted(set(names) - known) if known else []
        if unknown_names:
            name = unknown_names[0]
            raise ConfigError(
                f"tolerances file {path}: there is no {scope[:-1]} {name!r} ([{scope}.{name}]); "
                f"use one of {', '.join(sorted(known))}"
            )
    return Tolerances(parsed.metrics, parsed.roles, parsed.tiers, parsed.mode, parsed.default)


def calibrate(summary: Summary, factor: float = 2.0, floor: float = 0.02) -> dict[str, float]:
    """Tolerances from a repeated run: `factor` times the spread of each metric across repeats (at least `floor`)."""
    if not summary.repeat_spread:
        raise UsageError("calibrate needs a run made with --repeat 2 or more")
    return {metric: round(max(factor * sd, floor), 4) for metric, sd in summary.repeat_spread.items()}


_CALIBRATED = "# Tolerances from the self-consistency of "
"""How a tolerances file written by `calibrate` begins: such a file may be written over."""


def tolerances_toml(tolerances: dict[str, float], run: Path, spec: RunSpec, factor: float) -> str:
    """A tolerances file (the layout `load_tolerances` reads) for tolerances calibrated on `run`."""
    return f'{_CALIBRATED}{run} ({spec.repeat} repeats, factor {factor}).\nmode = "ci"\n\n[metrics]\n' + "".join(
        f'"{k}" = {v}\n' for k, v in tolerances.items()
    )


def write_tolerances(path: Path, text: str) -> None:
    """Write a calibrated tolerances file; never over a file that calibrate did not write."""
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise UsageError(f"--out {path} is not a plain file; give the path of a new file")
    if path.exists():
        try:
            ours = path.read_text(encoding="utf-8").startswith(_CALIBRATED)
        except (OSError, UnicodeDecodeError):
            ours = False
        if not ours:
            raise UsageError(
                f"--out {path} exists and was not written by calibrate; give a new file, or move that one away"
            )
    try:
        atomic_write_text(path, text)
    except OSError as exc:
        raise UsageError(f"cannot write --out {path}: {exc.strerror or exc}") from None
