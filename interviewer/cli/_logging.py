"""Logging for the command line: a file in the user data folder, stderr with --verbose; never a key."""

from __future__ import annotations

import logging
import os
from logging.handlers import RotatingFileHandler

from .._paths import user_data_dir
from .._redact import known_secrets, redact

__all__ = ["setup_logging"]


class _Redact(logging.Filter):
    """Scrub API keys from every record, whatever logged it (keys from config files and URLs included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message, (os.environ.get("OPENAI_API_KEY"), *known_secrets()))
        if clean != message:
            record.msg, record.args = clean, None
        return True


_ours: list[logging.Handler] = []


def setup_logging(verbose: bool) -> None:
    """Log to `<data dir>/logs/interviewer.log` (and stderr with --verbose); replaces earlier handlers."""
    root = logging.getLogger("interviewer")
    for old in _ours:
        root.removeHandler(old)
        old.close()
    _ours.clear()
    root.setLevel(logging.INFO)
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        folder = user_data_dir() / "logs"
        folder.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = RotatingFileHandler(folder / "interviewer.log", maxBytes=1_000_000, backupCount=3)
        handler.setFormatter(formatter)
        handler.addFilter(_Redact())
        _ours.append(handler)
    except OSError:
        pass  # a read-only home must not stop an interview
    if verbose:
        stderr = logging.StreamHandler()
        stderr.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        stderr.addFilter(_Redact())
        _ours.append(stderr)
    for handler in _ours:
        root.addHandler(handler)
