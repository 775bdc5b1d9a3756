"""A content-addressed cache of offline feedback, for re-grading the same answers (eval runs).

The offline grader is deterministic: the same answer, rubric, thresholds, model
and code give the same feedback. Eval runs grade the same golden answers again
and again (every prompt version runs the offline grader for its guards), so
they keep results here, keyed by everything that could change them; the code
counts by the content of the grading modules (`code_fingerprint`), since the
version number does not move with every change.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from ..._sessions import atomic_write_text
from ...models import Feedback

__all__ = ["FeedbackCache", "code_fingerprint", "default_cache_dir"]

_PACKAGE = Path(__file__).resolve().parent.parent.parent


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 of the code and data that shape a feedback: the graders' modules, the judge, the models."""
    digest = hashlib.sha256()
    files = [*sorted((_PACKAGE / "graders").rglob("*.py")), *sorted((_PACKAGE / "models").glob("*.py"))]
    for path in [*files, _PACKAGE / "graders" / "offline" / "judge.json"]:
        digest.update(path.relative_to(_PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def default_cache_dir() -> Path:
    """$INTERVIEWER_CACHE_DIR, else the platform's user cache folder."""
    override = os.environ.get("INTERVIEWER_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_cache_path

    return user_cache_path("interviewer", appauthor=False) / "offline-feedback"


class FeedbackCache:
    """Feedback files named by the SHA-256 of what produced them."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or default_cache_dir()

    @staticmethod
    def key(*parts: str) -> str:
        digest = hashlib.sha256()
        for part in parts:
            digest.update(part.encode("utf-8"))
            digest.update(b"\x00")
        return digest.hexdigest()

    def get(self, key: str) -> Feedback | None:
        path = self.folder / key[:2] / f"{key}.json"
        try:
            return Feedback.model_validate_json(path.read_bytes())
        except (OSError, ValidationError):
            return None

    def put(self, key: str, feedback: Feedback) -> None:
        with contextlib.suppress(OSError):  # a cache that cannot be written is only slower
            atomic_write_text(self.folder / key[:2] / f"{key}.json", feedback.model_dump_json())
