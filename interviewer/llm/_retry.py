"""One retry policy for every LLM call: what is retryable, how long to wait, when to stop.

Retried: rate limits (waiting as long as `Retry-After` says), 5xx, timeouts and
dropped connections, with exponential backoff and jitter, bounded in attempts
and in total time. Never retried: a rejected key, exhausted quota, an unknown
model or an invalid request; those become one clear `LLMRejected` line. The
SDK's own retries are turned off (`max_retries=0`) so this is the only loop.

This is also the one place that classifies a failure: every error built here
carries its `FailureKind` and HTTP status, and no caller reads the message.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import tenacity

from .._redact import redact
from ..exceptions import FailureKind, LLMRejected, LLMUnavailable

if TYPE_CHECKING:
    import openai

__all__ = ["is_retryable", "rejection", "retry_after_seconds", "retrying", "server_message", "unavailable"]

MAX_RETRY_AFTER = 60.0
"""Never sleep longer than this for one Retry-After."""


def is_retryable(exc: BaseException) -> bool:
    import openai

    from ..exceptions import FixtureMissing

    if isinstance(exc.__cause__, FixtureMissing) or isinstance(exc.__context__, FixtureMissing):
        return False  # replay found no recording: retrying cannot help
    if isinstance(exc, openai.APITimeoutError | openai.APIConnectionError):
        return True
    if isinstance(exc, json.JSONDecodeError | openai.APIResponseValidationError):
        return True  # a body that is not JSON (a proxy's error page, a cut-off reply): usually passing
    if isinstance(exc, openai.RateLimitError):
        return getattr(exc, "code", None) != "insufficient_quota"
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code >= 500 or exc.status_code in {408, 409}
    return False


def retry_after_seconds(exc: BaseException | None) -> float | None:
    """Seconds the server asked us to wait (`retry-after-ms`, `Retry-After` seconds or HTTP date)."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(float(millis) / 1000, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return max(parsed.timestamp() - time.time(), 0.0) if parsed else None


class _WaitRetryAfter(tenacity.wait.wait_base):
    """The server's Retry-After when it gives one, else exponential backoff with full jitter."""

    def __init__(self, fallback: tenacity.wait.wait_base) -> None:
        self.fallback = fallback

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        outcome = retry_state.outcome
        asked = retry_after_seconds(outcome.exception() if outcome is not None else None)
        if asked is not None:
            return min(asked, MAX_RETRY_AFTER)
        return float(self.fallback(retry_state))


def retrying(
    max_attempts: int,
    max_seconds: float,
    on_retry: Callable[[tenacity.RetryCallState], None] | None = None,
    sleep: Callable[[float], Any] | None = None,
) -> tenacity.AsyncRetrying:
    """The shared policy (async; sync callers run it on a private event loop)."""
    kwargs: dict[str, Any] = {}
    if sleep is not None:
        kwargs["sleep"] = sleep
    return tenacity.AsyncRetrying(
        retry=tenacity.retry_if_exception(is_retryable),
        wait=_WaitRetryAfter(tenacity.wait_random_exponential(multiplier=0.5, max=8)),
        stop=tenacity.stop_after_attempt(max_attempts) | tenacity.stop_after_delay(max_seconds),
        before_sleep=on_retry,
        reraise=True,
        **kwargs,
    )


def server_message(exc: BaseException, secrets: tuple[str | None, ...] = ()) -> str:
    """The server's own error message, short and with secrets removed."""
    body = getattr(exc, "body", None)
    message = None
    if isinstance(body, dict):
        error = body.get("error", body)
        message = error.get("message") if isinstance(error, dict) else error
    text = str(message or exc).strip().replace("\n", " ")
    text = redact(text, secrets)
    return text if len(text) <= 200 else text[:197] + "..."


_TOO_LONG_WORDS = ("context", "too long", "exceed", "maximum", "n_ctx")
_FORMAT_WORDS = ("response_format", "json_schema", "schema", "grammar")
"""Words of a 400 or 422 that turns down structured output (OpenAI, vLLM, llama.cpp, Ollama say it so)."""


def rejection(exc: openai.APIStatusError, host: str, model: str, secrets: tuple[str | None, ...] = ()) -> LLMRejected:
    """The one-line error for a request the server will not accept, whatever we retry, with its kind."""
    import openai

    said = server_message(exc, secrets)
    words = said.lower()
    status = exc.status_code
    kind = FailureKind.BAD_REQUEST
    if status in {400, 422} and any(w in words for w in _FORMAT_WORDS):
        kind = FailureKind.UNSUPPORTED_FORMAT
    if isinstance(exc, openai.AuthenticationError):
        text, kind = f"{host} rejected the API key (401); check OPENAI_API_KEY", FailureKind.AUTH
    elif isinstance(exc, openai.RateLimitError):  # a 429 that is not retried: the quota (see `is_retryable`)
        text = f"the quota at {host} is exhausted (429 insufficient_quota); check your plan and billing"
        kind = FailureKind.QUOTA
    elif isinstance(exc, openai.PermissionDeniedError):
        text, kind = f"{host} refused access (403) to model {model!r}: {said}", FailureKind.AUTH
    elif isinstance(exc, openai.NotFoundError):
        text = f"{host} has no model {model!r} or no such endpoint (404); check --model and --base-url: {said}"
        kind = FailureKind.MODEL_NOT_FOUND
    elif status == 400 and any(w in words for w in _TOO_LONG_WORDS):
        text = f"the request is too long for {model!r} at {host} (400): {said}"
    else:
        text = f"{host} rejected the request ({status}): {said}"
    return LLMRejected(text, status, kind=kind)


def unavailable(
    exc: BaseException, host: str, attempts: int, seconds: float, secrets: tuple[str | None, ...] = ()
) -> LLMUnavailable:
    """The one-line error after the retries are spent (with the last HTTP status, if the server answered)."""
    status = getattr(exc, "status_code", None)
    return LLMUnavailable(
        f"{host} kept failing ({attempts} attempt{'s' if attempts != 1 else ''} in {seconds:.0f} s): "
        f"{type(exc).__name__}: {server_message(exc, secrets)}",
        status if isinstance(status, int) else None,
        kind=FailureKind.UNAVAILABLE,
    )
