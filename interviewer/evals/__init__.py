"""Prompt regression evals: golden datasets, runs, metrics with confidence intervals, comparisons and the gate."""

from ._compare import Comparison, Delta, Flip, Tolerances, calibrate, compare_runs, load_tolerances
from ._dataset import Case, Dataset, check_dataset, load_dataset
from ._metrics import HIGHER_IS_BETTER, compute_summary
from ._reports import comparison_markdown, junit_xml, summary_markdown
from ._results import CaseResult, RunSpec, RunStore
from ._runner import EvalConfig, check_run_matches, run_eval

__all__ = [
    "HIGHER_IS_BETTER",
    "Case",
    "CaseResult",
    "Comparison",
    "Dataset",
    "Delta",
    "EvalConfig",
    "Flip",
    "RunSpec",
    "RunStore",
    "Tolerances",
    "calibrate",
    "check_dataset",
    "check_run_matches",
    "compare_runs",
    "comparison_markdown",
    "compute_summary",
    "junit_xml",
    "load_dataset",
    "load_tolerances",
    "run_eval",
    "summary_markdown",
]
