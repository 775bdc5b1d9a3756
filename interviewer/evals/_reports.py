"""Reports of a run and of a comparison: Markdown (for a pull request) and JUnit XML (for CI)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from xml.etree import ElementTree as ET

from ._compare import Comparison
from ._dataset import Dataset
from ._metrics import case_rows
from ._results import CaseResult, RunSpec

__all__ = ["comparison_markdown", "junit_xml", "summary_markdown"]

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


def summary_markdown(spec: RunSpec, summary: dict[str, Any]) -> str:
    """A run's metrics as Markdown."""
    overall = summary["overall"]
    constant = summary.get("reference", {}).get("constant_predictor", {})
    lines = [
        f"## Eval: {spec.label()}",
        "",
        f"{summary['completed']} of {summary['cases']} cases · dataset `{spec.dataset}` ({spec.dataset_hash})",
        "",
        "| Metric | Value | 95% CI | Constant predictor |",
        "|---|---|---|---|",
    ]
    for name in HEADLINE:
        metric = overall[name]
        ci = metric.get("ci")
        lines.append(
            f"| {name} | {_fmt(metric['value'])} | {_fmt(ci[0]) + '-' + _fmt(ci[1]) if ci else '-'} "
            f"| {_fmt(constant.get(name))} |"
        )
    tiers = summary["tier_ordering"]
    adversarial = summary["adversarial"]
    lines += [
        "",
        f"Tier pairs in order: {_fmt(tiers['value'])} ({tiers['pairs']} pairs). "
        f"Adversarial at or below the weak band: {_fmt(adversarial['at_or_below_weak'])}; "
        f"injections never above their clean twin: {_fmt(adversarial['injection_never_above_clean'])}.",
    ]
    consistency = summary.get("consistency")
    if consistency:
        lines.append(
            f"Self-consistency over {consistency['repeats']} repeats: score SD "
            f"{_fmt(consistency['score_sd'])}, key-point flip rate {_fmt(consistency['key_point_flip_rate'])}."
        )
    ops = summary["operations"]
    lines.append(
        f"Schema-valid {_fmt(ops['schema_valid_rate'])}, retries {ops['retries']}, latency p50 "
        f"{ops['latency_ms_p50']} ms / p95 {ops['latency_ms_p95']} ms, tokens {ops['tokens_in']} in / "
        f"{ops['tokens_out']} out, cost {_fmt(ops['cost_usd'])}."
    )
    return "\n".join(lines) + "\n"


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
                f"| {_fmt(flip.baseline.get('score'))} | {_fmt(flip.candidate.get('score'))} |"
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
