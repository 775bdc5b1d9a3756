"""The interview: choosing questions, the engine, and the end-of-session report."""

from ._engine import MAX_HINTS, Hint, Interview
from ._report import CompetencyResult, QuestionResult, SessionReport, build_report, report_markdown
from ._selection import Plan, choose_questions

__all__ = [
    "MAX_HINTS",
    "CompetencyResult",
    "Hint",
    "Interview",
    "Plan",
    "QuestionResult",
    "SessionReport",
    "build_report",
    "choose_questions",
    "report_markdown",
]
