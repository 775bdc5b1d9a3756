"""Where the bundled data (corpus, rubrics, prompts) and the user's data live."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["bundled_data_root", "user_data_dir"]

_PACKAGE = Path(__file__).resolve().parent


def bundled_data_root() -> Path:
    """The folder holding `corpus/`, `rubrics/` and `prompts/`.

    An installed wheel carries them in `interviewer/_data/`; a source checkout
    (including an editable install) uses the top-level folders of the repository.
    """
    packaged = _PACKAGE / "_data"
    if (packaged / "corpus").is_dir():
        return packaged
    return _PACKAGE.parent


def user_data_dir() -> Path:
    """Where sessions are saved: `$INTERVIEWER_HOME`, else the platform's user data dir."""
    override = os.environ.get("INTERVIEWER_HOME")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_path

    return user_data_path("interviewer", appauthor=False)
