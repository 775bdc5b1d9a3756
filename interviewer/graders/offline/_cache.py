"""A content-addressed cache of offline feedback, for re-grading the same answers (eval runs).

The offline grader is deterministic: the same answer, rubric, thresholds and
model give the same feedback. Eval runs grade the same golden answers again
and again (every prompt version runs the offline grader for its guards), so
they keep results here, keyed by everything that could change them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

from pydantic import ValidationError

from ..._sessions import atomic_write_text
from ...models import Feedback

__all__ = ["FeedbackCache", "default_cache_dir"]


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
