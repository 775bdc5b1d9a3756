"""Comparing two runs on the same dataset: paired deltas with bootstrap CIs, flipped cases, and the gate.

A regression is a metric that got worse by more than its tolerance, with the
paired 95% interval wholly on the worse side of zero (mode "ci", the default),
or by more than the tolerance at all (mode "point"). Tolerances (see
`_tolerances`) are per metric, optionally per role or tier.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..exceptions import UsageError
from ._dataset import Dataset
from ._metrics import BOOTSTRAP, HIGHER_IS_BETTER, CaseRow, _arrays, _take, case_rows, evaluate, metric_functions
from ._results import CaseResult, RunSpec
from ._runner import check_run_matches
from ._tolerances import Tolerances

__all__ = ["Comparison", "Delta", "Flip", "Side", "compare_runs"]


@dataclass(frozen=True)
class Delta:
    """One metric of a comparison, overall or in one slice (a role or a tier)."""

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
    def label(self) -> str:
        """The metric, with its slice: `score.exact (tier: weak)`."""
        return self.metric if self.name is None else f"{self.metric} ({self.scope}: {self.name})"

    def to_json(self) -> dict[str, Any]:
        return {**{k: getattr(self, k) for k in self.__dataclass_fields__}, "ci": list(self.ci)}

    @property
    def worse_by(self) -> float:
        """How much worse the candidate is (positive = worse), whatever the metric's direction."""
        return -self.delta if HIGHER_IS_BETTER[self.metric] else self.delta


@dataclass(frozen=True)
class Side:
    """What one run made of a flipped case."""

    score: int | None
    """None when the case got no feedback."""
    headline: str = ""
    summary: str = ""
    key_points: dict[str, str] = field(default_factory=dict)
    """Status of each key point, by id."""
    guards: tuple[str, ...] = ()
    """Kinds of the guards that fired."""

    def to_json(self) -> dict[str, Any]:
        if self.score is None:
            return {"score": None, "error": "no feedback"}
        return {
            "score": self.score,
            "headline": self.headline,
            "summary": self.summary,
            "key_points": self.key_points,
            "guards": list(self.guards),
        }


@dataclass(frozen=True)
class Flip:
    """A case that passed (score inside the gold band) in one run and not in the other."""

    case_id: str
    group: str
    gold: tuple[int, int]
    baseline: Side
    candidate: Side

    def to_json(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "group": self.group,
            "gold": list(self.gold),
            "baseline": self.baseline.to_json(),
            "candidate": self.candidate.to_json(),
        }


@dataclass(frozen=True)
class Comparison:
    baseline: RunSpec
    candidate: RunSpec
    deltas: list[Delta]
    flips: list[Flip]

    @property
    def regressions(self) -> list[Delta]:
        return [d for d in self.deltas if d.regression]


def _side(row: CaseRow) -> Side:
    feedback = row.feedback
    if feedback is None:
        return Side(score=None)
    return Side(
        score=feedback.score,
        headline=feedback.headline,
        summary=feedback.summary,
        key_points={k.id: k.status.value for k in feedback.key_points},
        guards=tuple(g.kind.value for g in feedback.guards),
    )


Arrays = dict[str, np.ndarray]


def _paired(
    metric: str, base: Arrays, cand: Arrays, resampled: tuple[Arrays, Arrays]
) -> tuple[float, float, tuple[float, float]]:
    """Both values of `metric`, and the 95% interval of their difference over the paired resamples."""
    fn = metric_functions()[metric]
    b, c = evaluate(fn, base), evaluate(fn, cand)
    diffs = fn(resampled[1]) - fn(resampled[0])
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
    # The same resampled cases on both sides, drawn once (seeded) and shared by every metric.
    samples = np.random.default_rng(0).integers(0, n, size=(BOOTSTRAP, n))
    resampled = (_take(base, samples), _take(cand, samples))
    out = []
    for metric in HIGHER_IS_BETTER:
        b, c, (low, high) = _paired(metric, base, cand, resampled)
        if np.isnan(b) or np.isnan(c):
            continue  # undefined on one side (nothing to count): nothing to gate
        delta = round(c - b, 4)
        tolerance = tolerances.for_metric(metric, scope, name)
        higher = HIGHER_IS_BETTER[metric]
        beyond = (-delta if higher else delta) > tolerance
        significant = high < 0 if higher else low > 0
        regression = bool(beyond and (significant or tolerances.mode == "point"))
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
