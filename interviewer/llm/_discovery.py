"""Which model to use when only a server was given: ask it (`GET /models`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .._redact import redact, secrets_in_url
from ..exceptions import ConfigError
from ._settings import LLMSettings

__all__ = ["discover_model", "list_models"]

DISCOVERY_TIMEOUT = 10.0


def list_models(settings: LLMSettings, *, transport: Any = None) -> list[str]:
    """The model ids the server lists at /models, in its order."""
    import httpx2

    parts = urlsplit(settings.endpoint)  # a query in the base URL (`?api-key=...`) stays the query
    url = urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/models", fragment=""))
    key = settings.api_key.get_secret_value() if settings.api_key else None
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    secrets = (key, *secrets_in_url(settings.endpoint))
    try:
        with httpx2.Client(timeout=DISCOVERY_TIMEOUT, transport=transport) as client:
            response = client.get(url, headers=headers)
    except httpx2.HTTPError as exc:
        raise ConfigError(
            f"cannot reach {settings.host} to ask which models it serves ({redact(str(exc), secrets)}); "
            "is the server running? Or pass --model NAME"
        ) from None
    if response.status_code != 200:
        raise ConfigError(
            f"{settings.host} answered {response.status_code} when asked for its models (GET /models); "
            "pass --model NAME"
        )
    try:
        data = response.json()
    except ValueError:
        data = None
    entries = data.get("data") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ConfigError(f"{settings.host} did not list its models in the OpenAI format; pass --model NAME")
    return [str(e["id"]) for e in entries if isinstance(e, dict) and isinstance(e.get("id"), str)]


def discover_model(settings: LLMSettings, *, transport: Any = None) -> str:
    """The only model the server serves; else a one-line error saying what to pass."""
    models = list_models(settings, transport=transport)
    if len(models) == 1:
        return models[0]
    if not models:
        raise ConfigError(f"{settings.host} lists no models; pass --model NAME")
    shown = ", ".join(models[:8]) + (f" and {len(models) - 8} more" if len(models) > 8 else "")
    raise ConfigError(f"{settings.host} serves {len(models)} models ({shown}); pick one with --model NAME")
