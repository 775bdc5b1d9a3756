"""Keep secrets out of anything we write or print: errors, logs, fixtures, transcripts."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["SECRET_HEADERS", "redact"]

SECRET_HEADERS = frozenset(
    {
        "authorization",
        "api-key",
        "x-api-key",
        "openai-organization",
        "openai-project",
        "cookie",
        "set-cookie",
        "proxy-authorization",
        "x-goog-api-key",
    }
)
"""Request and response headers that can carry credentials; never stored."""

# Key-shaped strings, including the partly masked form servers echo back ("sk-abc***xyz").
_KEY_PATTERN = re.compile(r"\b(?:sk|pk|rk)-[A-Za-z0-9_\-*]{6,}|\bBearer\s+[A-Za-z0-9._\-*]{8,}", re.IGNORECASE)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` with the given secrets and anything shaped like an API key replaced by `[redacted]`."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    return _KEY_PATTERN.sub("[redacted]", text)
