"""Graders turn an answer and its rubric into `Feedback`."""

from ._base import Exchange, Grader, GradeRequest
from ._fallback import FallbackGrader
from ._injection import strip_injections
from .offline import OfflineGrader

__all__ = ["Exchange", "FallbackGrader", "GradeRequest", "Grader", "OfflineGrader", "strip_injections"]
