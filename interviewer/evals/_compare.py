"""Comparing two runs on the same dataset: paired deltas with bootstrap CIs, flipped cases, and the gate.

A regression is a metric that got worse by more than its tolerance, with the
paired 95% interval wholly on the worse side of zero (mode "ci", the default),
or by more than the tolerance at all (mode "point"). Tolerances come from a
TOML file, per metric, optionally per role or tier; `calibrate` derives them
from a run's measured self-consistency.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..exceptions import ConfigError, UsageError
from ..models import AdversarialKind, Tier
from ._dataset import Dataset
from ._metrics import BOOTSTRAP, HIGHER_IS_BETTER, CaseRow, _arrays, _take, case_rows, metric_functions
from ._results import CaseResult, RunSpec
from ._runner import check_run_matches

__all__ = ["Comparison", "Delta", "Flip", "Tolerances", "compare_runs", "load_tolerances"]

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


@dataclass(frozen=True)
class Delta:
    metric: str
    scope: str
    """overall, role or tier."""
    name: str | None
    baseline: float
    candidate: float
    delta: float
    ci: tuple[float, float]
    tolerance: float
    regression: bool

    @property
    def worse_by(self) -> float:
        """How much worse the candidate is (positive = worse), whatever the metric's direction."""
        return -self.delta if HIGHER_IS_BETTER[self.metric] else self.delta


@dataclass(frozen=True)
class Flip:
    """A case that passed (score inside the gold band) in one run and not in the other."""

    case_id: str
    group: str
    gold: tuple[int, int]
    baseline: dict[str, Any]
    candidate: dict[str, Any]


@dataclass(frozen=True)
class Comparison:
    baseline: RunSpec
    candidate: RunSpec
    deltas: list[Delta]
    flips: list[Flip]

    @property
    def regressions(self) -> list[Delta]:
        return [d for d in self.deltas if d.regression]


def _side(row: CaseRow) -> dict[str, Any]:
    feedback = row.feedback
    if feedback is None:
        return {"score": None, "error": "no feedback"}
    return {
        "score": feedback.score,
        "headline": feedback.headline,
        "summary": feedback.summary,
        "key_points": {k.id: k.status.value for k in feedback.key_points},
        "guards": [g.kind.value for g in feedback.guards],
    }


def _paired(
    metric: str, base: dict[str, np.ndarray], cand: dict[str, np.ndarray], n: int, seed: int
) -> tuple[float, float, tuple[float, float]]:
    fn = metric_functions()[metric]
    b, c = fn(base), fn(cand)
    rng = np.random.default_rng(seed)
    diffs = np.array([fn(_take(cand, s)) - fn(_take(base, s)) for s in rng.integers(0, n, size=(BOOTSTRAP, n))])
    diffs = diffs[~np.isnan(diffs)]
    if np.isnan(b) or np.isnan(c) or not len(diffs):
        return b, c, (float("nan"), float("nan"))
    low, high = np.percentile(diffs, [2.5, 97.5])
    return b, c, (round(float(low), 4), round(float(high), 4))


def _deltas(
    base_rows: Sequence[CaseRow], cand_rows: Sequence[CaseRow], scope: str, name: str | None, tolerances: Tolerances
) -> list[Delta]:
    n = len(base_rows)
    if n == 0:
        return []
    base, cand = _arrays(base_rows), _arrays(cand_rows)
    out = []
    for metric in HIGHER_IS_BETTER:
        b, c, (low, high) = _paired(metric, base, cand, n, seed=0)
        if np.isnan(b) or np.isnan(c):
            continue  # undefined on one side (nothing to count): nothing to gate
        delta = round(c - b, 4)
        tolerance = tolerances.for_metric(metric, scope, name)
        higher = HIGHER_IS_BETTER[metric]
        beyond = (-delta if higher else delta) > tolerance
        significant = high < 0 if higher else low > 0
        regression = beyond and (significant or tolerances.mode == "point")
        out.append(Delta(metric, scope, name, round(b, 4), round(c, 4), delta, (low, high), tolerance, regression))
    return out


def compare_runs(
    dataset: Dataset,
    baseline: tuple[RunSpec, Sequence[CaseResult]],
    candidate: tuple[RunSpec, Sequence[CaseResult]],
    tolerances: Tolerances,
) -> Comparison:
    """Paired comparison of two complete runs of the same dataset."""
    (base_spec, base_results), (cand_spec, cand_results) = baseline, candidate
    for spec in (base_spec, cand_spec):
        check_run_matches(spec, dataset)
    for spec, results in ((base_spec, base_results), (cand_spec, cand_results)):
        graded = {r.case_id for r in results if r.repeat == 0}
        missing = [c.id for c in dataset.cases if c.id not in graded]
        if missing:
            raise UsageError(
                f"run of {spec.label()} is incomplete: {len(dataset.cases) - len(missing)} of "
                f"{len(dataset.cases)} cases graded (first missing: {missing[0]}); resume it with the same "
                "`eval run` command and --out"
            )
    base_rows, cand_rows = case_rows(dataset, base_results), case_rows(dataset, cand_results)
    deltas = _deltas(base_rows, cand_rows, "overall", None, tolerances)
    keys: tuple[tuple[str, Callable[[CaseRow], str]], ...] = (
        ("role", lambda r: r.case.role),
        ("tier", lambda r: r.case.group),
    )
    for scope, key in keys:
        names = sorted({key(r) for r in base_rows})
        overridden = tolerances.roles if scope == "role" else tolerances.tiers
        for name in names:
            if name not in overridden:
                continue  # gate a slice only when the config names it
            pick = [i for i, r in enumerate(base_rows) if key(r) == name]
            deltas += _deltas([base_rows[i] for i in pick], [cand_rows[i] for i in pick], scope, name, tolerances)
    flips = [
        Flip(b.case.id, b.case.group, (b.band_low, b.band_high), _side(b), _side(c))
        for b, c in zip(base_rows, cand_rows, strict=True)
        if b.in_band != c.in_band
    ]
    return Comparison(base_spec, cand_spec, deltas, flips)


def calibrate(summary: dict[str, Any], factor: float = 2.0, floor: float = 0.02) -> dict[str, float]:
    """Tolerances from a repeated run: `factor` times the spread of each metric across repeats (at least `floor`)."""
    spread = summary.get("repeat_spread") or {}
    if not spread:
        raise UsageError("calibrate needs a run made with --repeat 2 or more")
    return {metric: round(max(factor * sd, floor), 4) for metric, sd in spread.items()}
