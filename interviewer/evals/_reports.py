"""Reports of a run and of a comparison: Markdown (for a pull request), JSON, and JUnit XML (for CI)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from ._compare import Comparison
from ._dataset import Dataset
from ._metrics import case_rows
from ._results import CaseResult, RunSpec, RunStore
from ._summary import Operations, Summary, summary_json

__all__ = [
    "HEADLINE",
    "batch_text",
    "comparison_json",
    "comparison_markdown",
    "cost_text",
    "junit_xml",
    "latency_text",
    "save_reports",
    "summary_markdown",
]

HEADLINE = (
    "score.exact",
    "score.within1",
    "score.mae",
    "score.qwk",
    "score.spearman",
    "key_points.f1",
    "mistakes.recall",
    "evidence.valid_rate",
    "ops.schema_valid_rate",
)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def cost_text(spec: RunSpec, ops: Operations) -> str:
    """`cost $0.0123`, or why there is none (an offline run, a model with no price); a batch run says its price."""
    if ops.cost_usd is not None:
        batch = ops.batch
        if batch is not None and batch.answered:
            return f"cost ${ops.cost_usd:.6g} (batch price for the {batch.answered} replies from a batch)"
        return f"cost ${ops.cost_usd:.6g}"
    return "no cost: offline" if spec.grader == "offline" else "cost unknown (no price for the model)"


def batch_text(ops: Operations) -> str | None:
    """One line on a batch run: what went in batches, what was answered, retried live, failed; None otherwise."""
    batch = ops.batch
    if batch is None:
        return None
    return (
        f"Batch: {batch.sent} sent in {batch.batches} batch{'es' if batch.batches != 1 else ''}, "
        f"{batch.answered} answered at the batch price, {batch.retried_live} retried live, {batch.failed} failed; "
        f"{batch.screened} never sent (nothing to judge)"
    )


def latency_text(ops: Operations) -> str:
    """`latency p50 … ms, p95 … ms`, saying how many cases came from the cache (their latency is the lookup's)."""
    if ops.latency_ms_p50 is None:
        return "latency -"
    text = f"latency p50 {ops.latency_ms_p50} ms, p95 {ops.latency_ms_p95} ms"
    if ops.cached:
        text += f" ({ops.cached} of {ops.results} from the cache)"
    return text


def summary_markdown(spec: RunSpec, summary: Summary) -> str:
    """A run's metrics as Markdown."""
    constant = summary.reference.constant_predictor
    lines = [
        f"## Eval: {spec.label()}",
        "",
        f"{summary.completed} of {summary.cases} cases · dataset `{spec.dataset}` ({spec.dataset_hash})",
        "",
        "| Metric | Value | 95% CI | Constant predictor |",
        "|---|---|---|---|",
    ]
    for name in HEADLINE:
        metric = summary.overall[name]
        ci = metric.ci
        lines.append(
            f"| {name} | {_fmt(metric.value)} | {_fmt(ci[0]) + '-' + _fmt(ci[1]) if ci else '-'} "
            f"| {_fmt(constant.metric(name) if constant else None)} |"
        )
    tiers, adversarial = summary.tier_ordering, summary.adversarial
    lines += [
        "",
        f"Tier pairs in order: {_fmt(tiers.value)} ({tiers.pairs} pairs). "
        f"Adversarial at or below the weak band: {_fmt(adversarial.at_or_below_weak)}; "
        f"injections never above their clean twin: {_fmt(adversarial.injection_never_above_clean)}.",
    ]
    consistency = summary.consistency
    if consistency:
        lines.append(
            f"Self-consistency over {consistency.repeats} repeats: score SD "
            f"{_fmt(consistency.score_sd)}, key-point flip rate {_fmt(consistency.key_point_flip_rate)}."
        )
    ops = summary.operations
    lines.append(
        f"Schema-valid {_fmt(ops.schema_valid_rate)}, retries {ops.retries}, {latency_text(ops)}, "
        f"tokens {ops.tokens_in} in / {ops.tokens_out} out, {cost_text(spec, ops)}."
    )
    if (batched := batch_text(ops)) is not None:
        lines.append(f"{batched}.")
    return "\n".join(lines) + "\n"


def save_reports(
    store: RunStore, spec: RunSpec, dataset: Dataset, results: Sequence[CaseResult], summary: Summary
) -> list[Path]:
    """Write `summary.json`, `report.md` and `junit.xml` into the run's folder."""
    return [
        store.write_text("summary.json", summary_json(spec, summary)),
        store.write_text("report.md", summary_markdown(spec, summary)),
        store.write_text("junit.xml", junit_xml(spec, dataset, results)),
    ]


def comparison_json(comparison: Comparison) -> dict[str, Any]:
    """A comparison as JSON: both runs, the regressions by name, every delta and every flipped case."""
    return {
        "baseline": comparison.baseline.model_dump(mode="json"),
        "candidate": comparison.candidate.model_dump(mode="json"),
        "regressions": [d.label for d in comparison.regressions],
        "deltas": [d.to_json() for d in comparison.deltas],
        "flips": [f.to_json() for f in comparison.flips],
    }


def comparison_markdown(comparison: Comparison, limit: int = 20) -> str:
    """A comparison as Markdown: deltas with paired CIs, regressions, flipped cases."""
    verdict = "**Regression**" if comparison.regressions else "No regression"
    lines = [
        f"## Eval comparison: {comparison.candidate.label()} vs {comparison.baseline.label()}",
        "",
        f"{verdict}: {len(comparison.regressions)} metric(s) worse than their tolerance; "
        f"{len(comparison.flips)} case(s) flipped.",
        "",
        "| Metric | Scope | Baseline | Candidate | Delta | Paired 95% CI | Tolerance | |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for d in comparison.deltas:
        mark = "❌" if d.regression else ""
        scope = d.scope if d.name is None else f"{d.scope}: {d.name}"
        lines.append(
            f"| {d.metric} | {scope} | {_fmt(d.baseline)} | {_fmt(d.candidate)} | {d.delta:+.3f} "
            f"| {d.ci[0]:+.3f} to {d.ci[1]:+.3f} | {d.tolerance:.3f} | {mark} |"
        )
    if comparison.flips:
        lines += [
            "",
            "### Flipped cases",
            "",
            "| Case | Group | Gold band | Baseline | Candidate |",
            "|---|---|---|---|---|",
        ]
        for flip in comparison.flips[:limit]:
            lines.append(
                f"| {flip.case_id} | {flip.group} | {flip.gold[0]}-{flip.gold[1]} "
                f"| {_fmt(flip.baseline.score)} | {_fmt(flip.candidate.score)} |"
            )
        if len(comparison.flips) > limit:
            lines.append(f"\n…and {len(comparison.flips) - limit} more (see the JSON report).")
    return "\n".join(lines) + "\n"


def junit_xml(spec: RunSpec, dataset: Dataset, results: Sequence[CaseResult]) -> str:
    """One test case per eval case: it passes when the score is inside the gold band."""
    rows = case_rows(dataset, results)
    suite = ET.Element("testsuite", name=f"interviewer eval: {spec.label()}", tests=str(len(rows)))
    failures = errors = 0
    for row in rows:
        case = ET.SubElement(suite, "testcase", classname=f"{row.case.role}.{row.case.question.id}", name=row.case.id)
        if not row.ok:
            errors += 1
            result = next((r for r in results if r.case_id == row.case.id and r.repeat == 0), None)
            ET.SubElement(case, "error", message=(result.error if result and result.error else "not graded"))
        elif not row.in_band:
            failures += 1
            failure = ET.SubElement(
                case, "failure", message=f"score {row.score} outside gold band {row.band_low}-{row.band_high}"
            )
            failure.text = f"{row.feedback.headline} {row.feedback.summary}".strip() if row.feedback else ""
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"
