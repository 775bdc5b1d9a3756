"""Graders turn an answer and its rubric into `Feedback`."""

from ._base import Exchange, Grader, GradeRequest
from .offline import OfflineGrader

__all__ = ["Exchange", "GradeRequest", "Grader", "OfflineGrader"]
