"""The LLM grader: a chat model's judgement, checked in code."""

from ._checks import QuoteFinder, check_draft
from ._draft import DraftFeedback, schema_for
from ._grader import LLMGrader

__all__ = ["DraftFeedback", "LLMGrader", "QuoteFinder", "check_draft", "schema_for"]
