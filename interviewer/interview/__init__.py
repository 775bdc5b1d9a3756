"""The interview: choosing questions, the engine, the end-of-session report, and progress across sessions."""

from ._engine import MAX_HINTS, Hint, Interview
from ._progress import CompetencyPoint, CompetencyProgress, Progress, QuestionToPractise, build_progress
from ._report import CompetencyResult, QuestionResult, SessionReport, build_report, report_json, report_markdown
from ._selection import Plan, choose_questions

__all__ = [
    "MAX_HINTS",
    "CompetencyPoint",
    "CompetencyProgress",
    "CompetencyResult",
    "Hint",
    "Interview",
    "Plan",
    "Progress",
    "QuestionResult",
    "QuestionToPractise",
    "SessionReport",
    "build_progress",
    "build_report",
    "choose_questions",
    "report_json",
    "report_markdown",
]
