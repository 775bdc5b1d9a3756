"""Keep secrets out of anything we write or print: errors, logs, fixtures, transcripts."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus, urlsplit

__all__ = [
    "NO_KEY",
    "PLACEHOLDER_KEYS",
    "REDACTED",
    "REPLAY_KEY",
    "SECRET_HEADERS",
    "known_secrets",
    "redact",
    "redact_data",
    "remember_secrets",
    "secrets_in_header",
    "secrets_in_url",
]

REDACTED = "[redacted]"

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

MIN_SECRET = 8
"""Shorter strings are not redacted by value (they would blank out ordinary words: "test", "local")."""

NO_KEY = "not-needed"
"""Sent to a local server that needs no key (the SDK insists on one)."""
REPLAY_KEY = "replay-needs-no-key"
"""Given to the SDK in replay, where nothing leaves the machine."""
PLACEHOLDER_KEYS = frozenset({NO_KEY, REPLAY_KEY})
"""What we send when a server needs no key: not secrets, and words a reply may well hold."""

# Key-shaped strings, including the partly masked form servers echo back ("sk-abc***xyz"). A bearer
# token holds a digit or a mask: "the bearer instrument" is English.
_KEY_PATTERN = re.compile(
    r"\b(?:sk|pk|rk)-[A-Za-z0-9_\-*]{6,}|\bBearer\s+(?=[A-Za-z._\-]*[0-9*])[A-Za-z0-9._\-*]{8,}", re.IGNORECASE
)


_known: set[str] = set()


def remember_secrets(*secrets: str | None) -> None:
    """Secrets this process holds (a key from a config file, a token in a base URL), for the log filter."""
    _known.update(s for s in secrets if s and len(s) >= MIN_SECRET and s not in PLACEHOLDER_KEYS)


def known_secrets() -> tuple[str, ...]:
    """Every secret given to `remember_secrets` so far."""
    return tuple(_known)


def _forms(secret: str) -> set[str]:
    """A secret as it may appear when echoed: as is, percent-encoded or decoded, JSON-escaped."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret, safe=""), unquote(secret), unquote_plus(secret)}
    forms |= {json.dumps(form, ensure_ascii=True)[1:-1] for form in list(forms)}
    return {form for form in forms if len(form) >= MIN_SECRET and form not in PLACEHOLDER_KEYS}


def _all_forms(secrets: Iterable[str | None]) -> list[str]:
    forms = {form for secret in secrets if secret for form in _forms(secret)}
    return sorted(forms, key=len, reverse=True)  # longest first: a secret that holds another goes whole


def _redact(text: str, forms: list[str]) -> str:
    for form in forms:
        text = text.replace(form, REDACTED)
    return _KEY_PATTERN.sub(REDACTED, text)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` with the given secrets and anything shaped like an API key replaced by `[redacted]`."""
    return _redact(text, _all_forms(secrets))


def redact_data(value: Any, secrets: Iterable[str | None] = ()) -> Any:
    """A JSON value with `redact` applied to every string in it, keys included."""
    forms = _all_forms(secrets)

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return _redact(value, forms)
        if isinstance(value, dict):
            return {_redact(str(k), forms): walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    return walk(value)


def secrets_in_url(url: str) -> tuple[str, ...]:
    """The credentials a URL carries: its password, the Basic token made with it, every value in its query.

    The user name is not one (it is often a word such as "user"); every query value is, since which of
    them is a key (`key`, `api-key`, `sig`, `code`, ...) depends on the server.
    """
    parts = urlsplit(url)
    found: list[str] = []
    if parts.password:
        user, password = unquote(parts.username or ""), unquote(parts.password)
        found += [password, base64.b64encode(f"{user}:{password}".encode()).decode()]
    for item in parts.query.split("&"):
        name, equals, value = item.partition("=")
        found.append(value if equals else name)
    return tuple(s for s in found if s)


def secrets_in_header(value: str) -> tuple[str, ...]:
    """What a credential header holds: the value, the key alone (`Bearer KEY`) and, for Basic, the password."""
    found = [value.strip()]
    scheme, _, credential = value.strip().partition(" ")
    if credential:
        found.append(credential.strip())
        if scheme.lower() == "basic":
            try:
                password = base64.b64decode(credential.strip(), validate=True).decode().partition(":")[2]
            except ValueError:  # not base64, or not text: the token itself is redacted already
                pass
            else:
                found.append(password)
    return tuple(s for s in found if s)
