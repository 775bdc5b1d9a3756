"""interviewer: mock interviews with rubric-based feedback, offline by default.

Everything public is importable from here::

    from interviewer import load_corpus, OfflineGrader, GradeRequest

Names are imported lazily, so `import interviewer` stays fast; the embedding
model and (later) the OpenAI SDK load only when used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from ._sessions import SessionStore
    from ._setup import GradingOptions, GradingSetup, build_grader
    from .corpus import Corpus, RoleCorpus, check_corpus, load_corpus
    from .embedders import Embedder
    from .exceptions import (
        CorpusError,
        FailureKind,
        GradingError,
        InterviewerError,
        Problem,
        SessionError,
        UsageError,
        UserError,
    )
    from .graders import Exchange, Grader, GradeRequest, OfflineGrader
    from .interview import Hint, Interview, SessionReport
    from .models import (
        SCORE_ANCHORS,
        EvalCase,
        EvalFile,
        Feedback,
        KeyPoint,
        KeyPointResult,
        KeyPointStatus,
        Question,
        Role,
        RoleRubric,
        Rubric,
        Session,
        SessionOptions,
    )

_LAZY: dict[str, str] = {
    "SessionStore": "._sessions",
    "GradingOptions": "._setup",
    "GradingSetup": "._setup",
    "build_grader": "._setup",
    "Corpus": ".corpus",
    "RoleCorpus": ".corpus",
    "check_corpus": ".corpus",
    "load_corpus": ".corpus",
    "Embedder": ".embedders",
    "CorpusError": ".exceptions",
    "FailureKind": ".exceptions",
    "GradingError": ".exceptions",
    "InterviewerError": ".exceptions",
    "Problem": ".exceptions",
    "SessionError": ".exceptions",
    "UsageError": ".exceptions",
    "UserError": ".exceptions",
    "Exchange": ".graders",
    "GradeRequest": ".graders",
    "Grader": ".graders",
    "OfflineGrader": ".graders",
    "Hint": ".interview",
    "Interview": ".interview",
    "SessionReport": ".interview",
    "SCORE_ANCHORS": ".models",
    "EvalCase": ".models",
    "EvalFile": ".models",
    "Feedback": ".models",
    "KeyPoint": ".models",
    "KeyPointResult": ".models",
    "KeyPointStatus": ".models",
    "Question": ".models",
    "Role": ".models",
    "RoleRubric": ".models",
    "Rubric": ".models",
    "Session": ".models",
    "SessionOptions": ".models",
}

__all__ = [
    "SCORE_ANCHORS",
    "Corpus",
    "CorpusError",
    "Embedder",
    "EvalCase",
    "EvalFile",
    "Exchange",
    "FailureKind",
    "Feedback",
    "GradeRequest",
    "Grader",
    "GradingError",
    "GradingOptions",
    "GradingSetup",
    "Hint",
    "Interview",
    "InterviewerError",
    "KeyPoint",
    "KeyPointResult",
    "KeyPointStatus",
    "OfflineGrader",
    "Problem",
    "Question",
    "Role",
    "RoleCorpus",
    "RoleRubric",
    "Rubric",
    "Session",
    "SessionError",
    "SessionOptions",
    "SessionReport",
    "SessionStore",
    "UsageError",
    "UserError",
    "__version__",
    "build_grader",
    "check_corpus",
    "load_corpus",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'interviewer' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
