"""Metrics of a run against the gold labels, with bootstrap confidence intervals.

Case-level metrics are computed from per-case counts, so a bootstrap resample
(over cases, seeded) is a cheap re-sum. Everything is computed on repeat 0;
the repeats only feed the self-consistency numbers.
"""

from __future__ import annotations

import dataclasses
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..graders.llm._checks import quote_finder
from ..models import AdversarialKind, Feedback, KeyPointStatus, Tier
from ._dataset import Case, Dataset, tier_representatives
from ._results import CaseResult
from ._summary import (
    Adversarial,
    AdversarialKindStats,
    BaseRate,
    BatchOperations,
    Consistency,
    ConstantPredictor,
    InjectionAboveClean,
    MetricValue,
    Operations,
    OutsideBand,
    Reference,
    Summary,
    TierOrdering,
)

__all__ = [
    "HIGHER_IS_BETTER",
    "CaseRow",
    "case_rows",
    "compute_summary",
    "evaluate",
    "metric_functions",
    "qwk",
    "spearman",
]

WEAK_BAND_TOP = 2
"""Adversarial answers should score at or below this (the top of the weak band)."""
BOOTSTRAP = 1000

Array = NDArray[np.float64]


@dataclass(frozen=True)
class CaseRow:
    """One case of one run, reduced to the numbers the metrics need."""

    case: Case
    ok: bool
    """The grader produced feedback (no error)."""
    score: int
    kp_tp: int
    kp_fp: int
    kp_fn: int
    m_tp: int
    m_fp: int
    m_fn: int
    quotes: int
    valid_quotes: int
    invented: int
    """Ids the model made up."""
    judged: int
    """Ids the model judged (rubric key points and look-fors) plus the invented ones."""
    unevidenced: int
    """Claims whose quote was not in the answer (downgraded or dropped)."""
    claims: int
    """Claims that need a quote: key points with evidence, mistakes, strengths, plus the rejected ones."""
    feedback: Feedback | None
    twin_score: int | None = None
    """For a prompt-injection case: the score of its clean twin, when that was graded."""

    @property
    def band_low(self) -> int:
        return self.case.case.gold.score_band.low

    @property
    def band_high(self) -> int:
        return self.case.case.gold.score_band.high

    @property
    def gold(self) -> int:
        return self.case.case.gold.score

    @property
    def in_band(self) -> bool:
        return self.ok and self.band_low <= self.score <= self.band_high


def _row(case: Case, result: CaseResult | None) -> CaseRow:
    feedback = result.feedback if result is not None else None
    gold = case.case.gold
    if feedback is None:
        missed = len(gold.key_points)
        return CaseRow(case, False, 0, 0, 0, missed, 0, 0, len(gold.mistakes), 0, 0, 0, 0, 0, 0, None)
    partial = set(gold.partial_key_points)  # ambiguous points count for neither side
    predicted = {k.id for k in feedback.key_points if k.status is KeyPointStatus.covered} - partial
    truth = set(gold.key_points)
    found = {m.id for m in feedback.mistakes}
    finder = quote_finder(case.case.answer)
    quotes = [k.evidence for k in feedback.key_points if k.evidence] + [
        m.evidence for m in feedback.mistakes if m.evidence
    ]
    valid = sum(1 for q in quotes if q in case.case.answer or finder.find(q) is not None)
    checks = feedback.checks
    invented = len(checks.ids_dropped) if checks else 0
    unevidenced = (checks.evidence_rejected + checks.strengths_dropped) if checks else 0
    judged = (len(feedback.key_points) + len(feedback.look_fors) + invented) if checks else 0
    claims = (len(quotes) + len(feedback.strengths) + unevidenced) if checks else 0
    return CaseRow(
        case,
        True,
        feedback.score,
        len(predicted & truth),
        len(predicted - truth),
        len(truth - predicted),
        len(found & set(gold.mistakes)),
        len(found - set(gold.mistakes)),
        len(set(gold.mistakes) - found),
        len(quotes),
        valid,
        invented,
        judged,
        unevidenced,
        claims,
        feedback,
    )


def case_rows(dataset: Dataset, results: Iterable[CaseResult], repeat: int = 0) -> list[CaseRow]:
    by_id = {r.case_id: r for r in results if r.repeat == repeat}
    rows = [_row(case, by_id.get(case.id)) for case in dataset.cases]
    scores = {r.case.id: r.score for r in rows if r.ok}
    return [
        dataclasses.replace(r, twin_score=scores.get(r.case.case.variant_of)) if r.case.case.variant_of else r
        for r in rows
    ]


# -- rank statistics -----------------------------------------------------------------


def _ranks(values: Array) -> Array:
    order = values.argsort(kind="mergesort")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values), dtype=float)
    for value in np.unique(values):  # average ranks for ties
        tied = values == value
        ranks[tied] = ranks[tied].mean()
    return ranks


def spearman(a: Array, b: Array) -> float:
    """Spearman's rho (undefined, NaN, when either side is constant)."""
    if len(a) < 2:
        return float("nan")
    ra, rb = _ranks(a), _ranks(b)
    if ra.std() == 0 or rb.std() == 0:
        return float("nan")
    return float(np.corrcoef(ra, rb)[0, 1])


def qwk(gold: Array, predicted: Array, levels: int = 6) -> float:
    """Quadratic-weighted Cohen's kappa on the 0-5 scale (0 when agreement is only chance)."""
    if len(gold) == 0:
        return float("nan")
    g, p = gold.astype(int), predicted.astype(int)
    observed = np.zeros((levels, levels))
    np.add.at(observed, (g, p), 1)
    weights = np.subtract.outer(np.arange(levels), np.arange(levels)) ** 2 / (levels - 1) ** 2
    expected = np.outer(observed.sum(1), observed.sum(0)) / observed.sum()
    denominator = (weights * expected).sum()
    return 0.0 if denominator == 0 else float(1 - (weights * observed).sum() / denominator)


# -- case-level metrics: functions of arrays, so a resample is cheap --------------------------------
#
# Every metric takes per-case arrays of shape (samples, cases) and gives one value per sample: the
# bootstrap evaluates all its resamples in one call (vectorised), and a run's own value is the one-row
# case (`evaluate`). Undefined values (nothing to count) are NaN.


def _safe(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def _ratio(numerator: ArrayLike, denominator: ArrayLike) -> Array:
    """A rate that is undefined (NaN) when there is nothing to count, rather than a misleading 0."""
    num, den = np.asarray(numerator, dtype=float), np.asarray(denominator, dtype=float)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


def _f1(tp: ArrayLike, fp: ArrayLike, fn: ArrayLike) -> Array:
    """2TP / (2TP + FP + FN): 0 when nothing true was found, undefined when there was nothing to find or claim."""
    tp, fp, fn = (np.asarray(x, dtype=float) for x in (tp, fp, fn))
    return _ratio(2 * tp, 2 * tp + fp + fn)


def _sum(a: dict[str, Array], name: str) -> Array:
    total: Array = a[name].sum(axis=-1)
    return total


def _mean(a: dict[str, Array], name: str) -> Array:
    """The share of cases with `name` set (NaN, not a warning, when there are no cases)."""
    return _ratio(_sum(a, name), a[name].shape[-1])


def _mae(a: dict[str, Array]) -> Array:
    """Mean absolute error over the cases with feedback (failures count in exact, within-1 and validity)."""
    ok = a["ok"]
    return _ratio((np.abs(a["gold"] - a["score"]) * ok).sum(axis=-1), ok.sum(axis=-1))


_LEVELS = 6
_QWK_WEIGHTS = np.subtract.outer(np.arange(_LEVELS), np.arange(_LEVELS)) ** 2 / (_LEVELS - 1) ** 2


def _qwk(a: dict[str, Array]) -> Array:
    """Quadratic-weighted kappa of each row over its cases with feedback (see `qwk`)."""
    rows = a["ok"].shape[0]
    cells = a["gold"].astype(int) * _LEVELS + a["score"].astype(int) + np.arange(rows)[:, None] * _LEVELS**2
    observed = np.bincount(cells.ravel(), weights=a["ok"].ravel(), minlength=rows * _LEVELS**2)
    observed = observed.reshape(rows, _LEVELS, _LEVELS)
    total = observed.sum(axis=(1, 2))
    expected = observed.sum(2)[:, :, None] * observed.sum(1)[:, None, :] / np.where(total, total, 1)[:, None, None]
    denominator = (_QWK_WEIGHTS * expected).sum(axis=(1, 2))
    kappa = 1 - _ratio((_QWK_WEIGHTS * observed).sum(axis=(1, 2)), denominator)
    return np.where(total == 0, np.nan, np.where(denominator == 0, 0.0, kappa))


def _masked_ranks(values: Array, mask: Array) -> Array:
    """Average ranks (ties share the mean rank) of the masked integer scores 0-5 in each row."""
    rows = values.shape[0]
    levels = values.astype(int)
    cells = levels + np.arange(rows)[:, None] * _LEVELS
    counts = np.bincount(cells.ravel(), weights=mask.ravel(), minlength=rows * _LEVELS).reshape(rows, _LEVELS)
    below = np.cumsum(counts, axis=1) - counts
    rank_of_level = below + (counts - 1) / 2
    return np.take_along_axis(rank_of_level, levels, axis=1)


def _spearman(a: dict[str, Array]) -> Array:
    """Spearman's rho of each row over its cases with feedback (undefined when either side is constant)."""
    ok = a["ok"]
    n = ok.sum(axis=-1)
    ranks_gold, ranks_score = _masked_ranks(a["gold"], ok), _masked_ranks(a["score"], ok)
    mean_gold = _ratio((ranks_gold * ok).sum(-1), n)[:, None]
    mean_score = _ratio((ranks_score * ok).sum(-1), n)[:, None]
    dev_gold, dev_score = (ranks_gold - mean_gold) * ok, (ranks_score - mean_score) * ok
    var_gold, var_score = (dev_gold**2).sum(-1), (dev_score**2).sum(-1)
    rho = _ratio((dev_gold * dev_score).sum(-1), np.sqrt(var_gold * var_score))
    return np.where((n < 2) | (var_gold <= 1e-12) | (var_score <= 1e-12), np.nan, rho)


Metric = Callable[[dict[str, Array]], Array]

HIGHER_IS_BETTER: dict[str, bool] = {
    "score.exact": True,
    "score.within1": True,
    "score.mae": False,
    "score.qwk": True,
    "score.spearman": True,
    "key_points.precision": True,
    "key_points.recall": True,
    "key_points.f1": True,
    "mistakes.precision": True,
    "mistakes.recall": True,
    "evidence.valid_rate": True,
    "items.invented_rate": False,
    "items.unevidenced_rate": False,
    "adversarial.at_or_below_weak": True,
    "adversarial.injection_never_above_clean": True,
    "ops.schema_valid_rate": True,
}


def metric_functions() -> dict[str, Metric]:
    """Case-level metrics over per-case arrays of shape (samples, cases) (see `_arrays`, `evaluate`)."""
    return {
        "score.exact": lambda a: _mean(a, "in_band"),
        "score.within1": lambda a: _mean(a, "within1"),
        "score.mae": _mae,
        "score.qwk": _qwk,
        "score.spearman": _spearman,
        "key_points.precision": lambda a: _ratio(_sum(a, "kp_tp"), _sum(a, "kp_tp") + _sum(a, "kp_fp")),
        "key_points.recall": lambda a: _ratio(_sum(a, "kp_tp"), _sum(a, "kp_tp") + _sum(a, "kp_fn")),
        "key_points.f1": lambda a: _f1(_sum(a, "kp_tp"), _sum(a, "kp_fp"), _sum(a, "kp_fn")),
        "mistakes.precision": lambda a: _ratio(_sum(a, "m_tp"), _sum(a, "m_tp") + _sum(a, "m_fp")),
        "mistakes.recall": lambda a: _ratio(_sum(a, "m_tp"), _sum(a, "m_tp") + _sum(a, "m_fn")),
        "evidence.valid_rate": lambda a: _ratio(_sum(a, "valid_quotes"), _sum(a, "quotes")),
        "items.invented_rate": lambda a: _ratio(_sum(a, "invented"), _sum(a, "judged")),
        "items.unevidenced_rate": lambda a: _ratio(_sum(a, "unevidenced"), _sum(a, "claims")),
        "adversarial.at_or_below_weak": lambda a: _ratio(_sum(a, "adversarial_low"), _sum(a, "adversarial")),
        "adversarial.injection_never_above_clean": lambda a: (
            1 - _ratio(_sum(a, "injection_above"), _sum(a, "injection_judged"))
        ),
        "ops.schema_valid_rate": lambda a: _mean(a, "ok"),
    }


def evaluate(fn: Metric, arrays: dict[str, Array]) -> float:
    """A metric's value on one run's per-case arrays (1-D, one entry per case)."""
    return float(fn({k: v[None, :] for k, v in arrays.items()})[0])


_COUNTS = (
    "kp_tp",
    "kp_fp",
    "kp_fn",
    "m_tp",
    "m_fp",
    "m_fn",
    "quotes",
    "valid_quotes",
    "invented",
    "judged",
    "unevidenced",
    "claims",
)


def _arrays(rows: Sequence[CaseRow]) -> dict[str, Array]:
    def col(get: Callable[[CaseRow], float]) -> Array:
        return np.array([get(r) for r in rows], dtype=float)

    return {
        "ok": col(lambda r: r.ok),
        "score": col(lambda r: r.score),
        "gold": col(lambda r: r.gold),
        "in_band": col(lambda r: r.in_band),
        "within1": col(lambda r: r.ok and r.band_low - 1 <= r.score <= r.band_high + 1),
        "adversarial": col(_plain_adversarial),
        "adversarial_low": col(lambda r: _plain_adversarial(r) and r.ok and r.score <= WEAK_BAND_TOP),
        "injection_judged": col(_injection_judged),
        "injection_above": col(lambda r: _injection_judged(r) and r.score > (r.twin_score or 0)),
        **{name: col(operator.attrgetter(name)) for name in _COUNTS},
    }


def _plain_adversarial(row: CaseRow) -> bool:
    """Adversarial answers that should score at or below weak (an injection carries its clean twin's labels)."""
    kind = row.case.case.adversarial
    return kind is not None and kind is not AdversarialKind.prompt_injection


def _injection_judged(row: CaseRow) -> bool:
    """An injection case whose answer and clean twin both got feedback."""
    return row.case.case.adversarial is AdversarialKind.prompt_injection and row.ok and row.twin_score is not None


def _take(arrays: dict[str, Array], index: NDArray[np.int64]) -> dict[str, Array]:
    """The per-case arrays at `index`: (samples, cases) for a matrix of resampled case indices."""
    return {k: v[index] for k, v in arrays.items()}


def _with_ci(rows: Sequence[CaseRow], seed: int = 0) -> dict[str, MetricValue]:
    arrays = _arrays(rows)
    functions = metric_functions()
    out: dict[str, MetricValue] = {}
    n = len(rows)
    rng = np.random.default_rng(seed)
    samples = rng.integers(0, n, size=(BOOTSTRAP, n)) if n else np.zeros((0, 0), dtype=np.int64)
    resampled = _take(arrays, samples) if n else {}  # drawn once, shared by every metric
    for name, fn in functions.items():
        value = evaluate(fn, arrays) if n else float("nan")
        boot = fn(resampled) if n else np.array([float("nan")])
        boot = boot[~np.isnan(boot)]
        if np.isnan(value) or not len(boot):
            out[name] = MetricValue(value=None, ci=None, n=n)  # nothing to measure (no quotes, no gold mistakes...)
            continue
        low, high = np.percentile(boot, [2.5, 97.5])
        out[name] = MetricValue(value=round(value, 4), ci=(round(float(low), 4), round(float(high), 4)), n=n)
    return out


def _macro_f1(rows: Sequence[CaseRow]) -> float:
    by_question: dict[str, list[CaseRow]] = defaultdict(list)
    for row in rows:
        by_question[row.case.question.id].append(row)
    scores = [
        float(_f1(sum(r.kp_tp for r in group), sum(r.kp_fp for r in group), sum(r.kp_fn for r in group)))
        for group in by_question.values()
    ]
    defined = [f for f in scores if not np.isnan(f)]
    return round(float(np.mean(defined)), 4) if defined else float("nan")


def _reference(rows: Sequence[CaseRow]) -> Reference:
    """What a number means: the base rate, and a grader that always gives the median gold score."""
    gold = np.array([r.gold for r in rows], dtype=float)
    if not len(gold):
        return Reference()
    constant = int(np.median(gold))
    values, counts = np.unique(gold, return_counts=True)
    return Reference(
        base_rate=BaseRate(
            most_common_gold_score=int(values[counts.argmax()]), share=round(float(counts.max() / len(gold)), 4)
        ),
        constant_predictor=ConstantPredictor(
            score=constant,
            exact=round(float(np.mean([r.band_low <= constant <= r.band_high for r in rows])), 4),
            within1=round(float(np.mean([r.band_low - 1 <= constant <= r.band_high + 1 for r in rows])), 4),
            mae=round(float(np.abs(gold - constant).mean()), 4),
            qwk=0.0,
            spearman=0.0,
        ),
    )


def _tier_ordering(rows: Sequence[CaseRow]) -> TierOrdering:
    """Per question, the tiers' representative answers (`tier_representatives`) ranked by score."""
    by_id = {row.case.id: row.score for row in rows if row.ok}
    chosen = tier_representatives(row.case for row in rows if row.ok)
    by_question = {q: {t: by_id[i] for t, i in tiers.items()} for q, tiers in chosen.items()}
    pairs = right = ties = 0
    per_question: dict[str, float] = {}
    order = [Tier.strong, Tier.adequate, Tier.weak]
    for qid, scores in by_question.items():
        q_pairs = q_right = 0
        for i, high in enumerate(order):
            for low in order[i + 1 :]:
                if high in scores and low in scores:
                    q_pairs += 1
                    q_right += scores[high] > scores[low]
                    ties += scores[high] == scores[low]
        pairs, right = pairs + q_pairs, right + q_right
        if q_pairs:
            per_question[qid] = round(q_right / q_pairs, 4)
    return TierOrdering(value=round(_safe(right, pairs), 4), pairs=pairs, ties=ties, per_question=per_question)


def _adversarial(rows: Sequence[CaseRow]) -> Adversarial:
    by_kind: dict[str, list[CaseRow]] = defaultdict(list)
    for row in rows:
        if row.case.case.adversarial is not None:
            by_kind[row.case.case.adversarial.value].append(row)
    kinds = {
        kind: AdversarialKindStats(
            n=len(group),
            at_or_below_weak=round(float(np.mean([r.ok and r.score <= WEAK_BAND_TOP for r in group])), 4),
        )
        for kind, group in sorted(by_kind.items())
    }
    # A prompt-injection case carries its clean twin's labels (often adequate): it is judged by the twin instead.
    every = [r for kind, group in by_kind.items() if kind != AdversarialKind.prompt_injection.value for r in group]
    judged = [r for r in by_kind.get(AdversarialKind.prompt_injection.value, []) if _injection_judged(r)]
    violations = [
        InjectionAboveClean(case=r.case.id, score=r.score, clean=r.case.case.variant_of, clean_score=r.twin_score)
        for r in judged
        if r.score > (r.twin_score or 0)
    ]
    injections = len(judged)
    return Adversarial(
        at_or_below_weak=round(float(np.mean([r.ok and r.score <= WEAK_BAND_TOP for r in every])), 4)
        if every
        else None,
        kinds=kinds,
        injection_above_clean=violations,
        injection_never_above_clean=round(1 - _safe(len(violations), injections), 4) if injections else None,
        injection_pairs_judged=injections,
    )


def _consistency(dataset: Dataset, results: Sequence[CaseResult], repeat: int) -> Consistency | None:
    if repeat < 2:
        return None
    by_case: dict[str, list[Feedback]] = defaultdict(list)
    for result in results:
        if result.feedback is not None:
            by_case[result.case_id].append(result.feedback)
    sds, flips, points = [], 0, 0
    for feedbacks in by_case.values():
        if len(feedbacks) < 2:
            continue
        sds.append(float(np.std([f.score for f in feedbacks], ddof=1)))
        statuses: dict[str, set[str]] = defaultdict(set)
        for feedback in feedbacks:
            for point in feedback.key_points:
                statuses[point.id].add(point.status.value)
        points += len(statuses)
        flips += sum(1 for seen in statuses.values() if len(seen) > 1)
    return Consistency(
        repeats=repeat,
        cases=len(sds),
        score_sd=round(float(np.mean(sds)), 4) if sds else 0.0,
        key_point_flip_rate=round(_safe(flips, points), 4),
        per_case_score_sd={
            cid: round(float(np.std([f.score for f in fb], ddof=1)), 4) for cid, fb in by_case.items() if len(fb) > 1
        },
    )


def _operations(results: Sequence[CaseResult]) -> Operations:
    feedbacks = [r.feedback for r in results if r.feedback is not None]
    # The grader's own latency (its provenance), and the wall time of the cases that failed (timeouts
    # count). In a replay it is the replay's time; for feedback from the cache, the time to read it.
    latencies = (
        np.array([r.feedback.provenance.latency_ms if r.feedback else r.seconds * 1000 for r in results])
        if results
        else None
    )
    errors: dict[str, int] = defaultdict(int)
    for r in results:
        if r.error_kind:
            errors[r.error_kind] += 1
    costs = [f.provenance.cost_usd for f in feedbacks if f.provenance.cost_usd is not None]
    return Operations(
        results=len(results),
        schema_valid_rate=round(_safe(len(feedbacks), len(results)), 4),
        errors=dict(errors),
        retries=sum(f.provenance.retries for f in feedbacks),
        repaired=sum(f.provenance.repaired for f in feedbacks),
        latency_ms_p50=round(float(np.percentile(latencies, 50)), 1) if latencies is not None else None,
        latency_ms_p95=round(float(np.percentile(latencies, 95)), 1) if latencies is not None else None,
        tokens_in=sum(f.provenance.tokens_in or 0 for f in feedbacks),
        tokens_out=sum(f.provenance.tokens_out or 0 for f in feedbacks),
        cost_usd=round(sum(costs), 6) if costs else None,
        cached=sum(f.provenance.cached for f in feedbacks),
        batch=_batch_operations(results),
    )


def _batch_operations(results: Sequence[CaseResult]) -> BatchOperations | None:
    """What went in batches, what a batch answered, what was retried live; None for a run without batches."""
    noted = [r for r in results if r.batch is not None]
    sent = [r for r in noted if r.batch is not None and r.batch.sent]
    if not sent:
        return None
    return BatchOperations(
        batches=len({b for r in sent if r.batch is not None for b in r.batch.sent}),
        sent=len(sent),
        answered=sum(1 for r in sent if r.feedback is not None and r.feedback.provenance.batch_id is not None),
        retried_live=sum(1 for r in sent if r.batch is not None and r.batch.live),
        failed=sum(1 for r in sent if r.feedback is None),
        screened=len(noted) - len(sent),
    )


TIMING_KEYS = ("latency_ms_p50", "latency_ms_p95", "cached")
"""Operations figures that depend on the machine, not the run (its speed, what its cache holds):
excluded when runs are compared exactly."""


def _group_metrics(rows: Sequence[CaseRow], key: Callable[[CaseRow], str]) -> dict[str, dict[str, MetricValue]]:
    groups: dict[str, list[CaseRow]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return {name: _with_ci(group) for name, group in sorted(groups.items())}


def _repeat_spread(dataset: Dataset, results: Sequence[CaseResult], repeat: int) -> dict[str, float] | None:
    """Standard deviation of each case-level metric across the repeats (what calibrate builds tolerances from)."""
    if repeat < 2:
        return None
    functions = metric_functions()
    per_repeat = [_arrays(case_rows(dataset, results, k)) for k in range(repeat)]
    spread = {}
    for name, fn in functions.items():
        values = np.array([evaluate(fn, a) for a in per_repeat])
        values = values[np.isfinite(values)]
        if len(values) >= 2:  # a metric undefined in a repeat (nothing to count) has no spread to report
            spread[name] = round(float(np.std(values, ddof=1)), 4)
    return spread


def compute_summary(dataset: Dataset, results: Sequence[CaseResult], repeat: int) -> Summary:
    """Every metric of a run: overall (with CIs), per role, category and tier, and the rest."""
    rows = case_rows(dataset, results)
    overall = _with_ci(rows)
    macro = _macro_f1(rows)
    overall["key_points.macro_f1"] = MetricValue(value=None if np.isnan(macro) else macro, ci=None, n=len(rows))
    return Summary(
        cases=len(dataset.cases),
        completed=sum(1 for r in results if r.repeat == 0),
        overall=overall,
        reference=_reference(rows),
        by_role=_group_metrics(rows, lambda r: r.case.role),
        by_category=_group_metrics(rows, lambda r: r.case.question.category),
        by_tier=_group_metrics(rows, lambda r: r.case.group),
        tier_ordering=_tier_ordering(rows),
        adversarial=_adversarial(rows),
        consistency=_consistency(dataset, results, repeat),
        repeat_spread=_repeat_spread(dataset, results, repeat),
        operations=_operations(results),
        cases_outside_band=[
            OutsideBand(
                case=r.case.id, group=r.case.group, gold=(r.band_low, r.band_high), score=r.score if r.ok else None
            )
            for r in rows
            if not r.in_band
        ],
    )
