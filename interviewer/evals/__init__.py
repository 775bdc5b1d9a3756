"""Prompt regression evals: golden datasets, runs, metrics with confidence intervals, comparisons and the gate."""

from ._batch import BatchOptions, BatchOutcome, SubmissionStatus, has_batch, run_batch
from ._bless import Blessed, Blessing, bless
from ._compare import Comparison, Delta, Flip, Side, compare_runs
from ._dataset import Case, Dataset, check_dataset, load_dataset
from ._metrics import HIGHER_IS_BETTER, compute_summary
from ._reports import (
    batch_text,
    comparison_json,
    comparison_markdown,
    cost_text,
    junit_xml,
    latency_text,
    save_reports,
    summary_markdown,
)
from ._results import CaseResult, RunSpec, RunStore, data_folders
from ._runner import EvalConfig, check_run_matches, run_eval
from ._summary import MetricValue, Operations, Summary, summary_json
from ._tolerances import Tolerances, calibrate, load_tolerances, tolerances_toml, write_tolerances

__all__ = [
    "HIGHER_IS_BETTER",
    "BatchOptions",
    "BatchOutcome",
    "Blessed",
    "Blessing",
    "Case",
    "CaseResult",
    "Comparison",
    "Dataset",
    "Delta",
    "EvalConfig",
    "Flip",
    "MetricValue",
    "Operations",
    "RunSpec",
    "RunStore",
    "Side",
    "SubmissionStatus",
    "Summary",
    "Tolerances",
    "batch_text",
    "bless",
    "calibrate",
    "check_dataset",
    "check_run_matches",
    "compare_runs",
    "comparison_json",
    "comparison_markdown",
    "compute_summary",
    "cost_text",
    "data_folders",
    "has_batch",
    "junit_xml",
    "latency_text",
    "load_dataset",
    "load_tolerances",
    "run_batch",
    "run_eval",
    "save_reports",
    "summary_json",
    "summary_markdown",
    "tolerances_toml",
    "write_tolerances",
]
