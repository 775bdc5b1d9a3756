"""The metrics of a run, typed: what `compute_summary` returns and `summary.json` holds.

`summary.json` is `{"run": <run.json>, ...}` followed by these fields, in this order; its JSON
shape is read back by tests and tools, so a field is only ever added (with a default).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from ._results import RunSpec

__all__ = [
    "Adversarial",
    "AdversarialKindStats",
    "BaseRate",
    "BatchOperations",
    "Consistency",
    "ConstantPredictor",
    "InjectionAboveClean",
    "MetricValue",
    "Operations",
    "OutsideBand",
    "Reference",
    "Summary",
    "TierOrdering",
    "summary_json",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class MetricValue(_Model):
    """One metric with its bootstrap 95% interval (over cases, seeded)."""

    value: float | None
    """None when there is nothing to measure (no quotes, no gold mistakes, ...)."""
    ci: tuple[float, float] | None
    n: int
    """Cases the metric was computed over."""


class BaseRate(_Model):
    most_common_gold_score: int
    share: float
    """Share of the cases whose gold score is the most common one."""


class ConstantPredictor(_Model):
    """A grader that always gives the median gold score: what a number must beat to mean anything."""

    model_config = ConfigDict(populate_by_name=True)

    score: int
    exact: float = Field(alias="score.exact")
    within1: float = Field(alias="score.within1")
    mae: float = Field(alias="score.mae")
    qwk: float = Field(alias="score.qwk")
    spearman: float = Field(alias="score.spearman")

    def metric(self, name: str) -> float | None:
        """The constant predictor's value of metric `name` (`score.exact`, ...), None if it has none."""
        for field, info in type(self).model_fields.items():
            if info.alias == name:
                value: float = getattr(self, field)
                return value
        return None

    @model_serializer(mode="wrap")
    def _by_metric_name(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        return {
            (type(self).model_fields[k].alias or k) if k in type(self).model_fields else k: v for k, v in data.items()
        }


class Reference(_Model):
    """What a number means; empty for a run of no cases."""

    base_rate: BaseRate | None = None
    constant_predictor: ConstantPredictor | None = None

    @model_serializer(mode="wrap")
    def _omit_empty(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return {k: v for k, v in handler(self).items() if v is not None}


class TierOrdering(_Model):
    """Per question, are the strong, adequate and weak answers scored in that order."""

    value: float
    """Share of the pairs in order."""
    pairs: int
    ties: int
    per_question: dict[str, float]


class AdversarialKindStats(_Model):
    n: int
    at_or_below_weak: float


class InjectionAboveClean(_Model):
    """A prompt-injection answer that scored above its clean twin."""

    case: str
    score: int
    clean: str | None
    clean_score: int | None


class Adversarial(_Model):
    at_or_below_weak: float | None
    """Share of the adversarial answers (injections aside) scored at or below the weak band."""
    kinds: dict[str, AdversarialKindStats]
    injection_above_clean: list[InjectionAboveClean]
    injection_never_above_clean: float | None
    injection_pairs_judged: int


class Consistency(_Model):
    """How much the grader moves between repeats of the same case."""

    repeats: int
    cases: int
    score_sd: float
    key_point_flip_rate: float
    per_case_score_sd: dict[str, float]


class BatchOperations(_Model):
    """How the cases of a run through the provider's Batch API (`eval run --batch`) were answered."""

    batches: int
    """Batches submitted, follow-up batches included."""
    sent: int
    """Results whose request went in a batch."""
    answered: int
    """Of those, the ones a batch answered: their cost is at the batch price."""
    retried_live: int
    """Of those, the ones graded live after the batches did not answer them (item errors, expired, a failed batch)."""
    failed: int
    """Of those, the ones that ended without feedback (also in `errors`, by kind)."""
    screened: int
    """Never sent: nothing in the answer to judge (offline feedback)."""


class Operations(_Model):
    """What grading took: validity, errors, retries, latency, tokens and cost."""

    results: int
    schema_valid_rate: float
    errors: dict[str, int]
    """Failed cases by kind of error."""
    retries: int
    repaired: int
    latency_ms_p50: float | None
    """Of this run: a case taken from the cache counts the time to read it (see `cached`)."""
    latency_ms_p95: float | None
    tokens_in: int
    tokens_out: int
    cost_usd: float | None
    """None when nothing had a price: an offline run, or a model missing from the price table."""
    cached: int | None = None
    """Cases whose feedback came from the offline cache instead of being graded now (not in older summaries)."""
    batch: BatchOperations | None = None
    """A run through the Batch API: what went in batches and what was retried live (absent for live runs)."""

    @model_serializer(mode="wrap")
    def _omit_unknown_cached(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        for optional in ("cached", "batch"):
            if data.get(optional) is None:
                data.pop(optional, None)
        return data


class OutsideBand(_Model):
    case: str
    group: str
    gold: tuple[int, int]
    """The gold score band, low and high."""
    score: int | None
    """None when the case was not graded."""


class Summary(_Model):
    """Every metric of a run: overall (with CIs), per role, category and tier, and the rest."""

    cases: int
    completed: int
    """Cases with a result (repeat 0)."""
    overall: dict[str, MetricValue]
    reference: Reference
    by_role: dict[str, dict[str, MetricValue]]
    by_category: dict[str, dict[str, MetricValue]]
    by_tier: dict[str, dict[str, MetricValue]]
    tier_ordering: TierOrdering
    adversarial: Adversarial
    consistency: Consistency | None
    """None for a run of one repeat."""
    repeat_spread: dict[str, float] | None
    """Standard deviation of each case-level metric across the repeats; None for one repeat."""
    operations: Operations
    cases_outside_band: list[OutsideBand]


def summary_json(spec: RunSpec, summary: Summary) -> str:
    """The text of `summary.json`: the run, then its summary."""
    import json

    data = {"run": spec.model_dump(mode="json"), **summary.model_dump(mode="json")}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
