"""Structured chat calls over the official `openai` SDK, with one retry policy and one repair attempt.

The SDK client is injected (`LLMClient(settings, client=...)`); by default one is
built from the settings with the SDK's own retries off. Sync and async SDK
clients both work: the call logic is written once, as a coroutine.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import json
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import tenacity
from pydantic import BaseModel, ValidationError

from .._redact import secrets_in_url
from ..exceptions import FailureKind, FixtureMissing, LLMOutputError, LLMRejected, LLMReplyCutOff, LLMUnavailable
from ._prices import batch_cost
from ._progress import ModelProgress, ProgressListener, current_listener
from ._retry import is_retryable, rejection, retrying, unavailable
from ._schema import strict_json_schema, without_length_bounds
from ._settings import LLMSettings
from ._tokens import TokenCounter, estimate_cost

if TYPE_CHECKING:
    import httpx2
    import openai
    from openai.types.chat import ChatCompletion

__all__ = ["CONTEXT_HEADER", "CallResult", "LLMClient", "RequestContext", "run_sync", "wire_body"]

log = logging.getLogger("interviewer.llm")
M = TypeVar("M", bound=BaseModel)
Mode = Literal["json_schema", "json_object"]
CONTEXT_HEADER = "X-Interviewer-Context"
"""Request header naming the prompt and question; fixtures use it in their messages, never in their keys."""


@dataclass(frozen=True)
class RequestContext:
    """What a call is for, for logs, fixtures and error messages."""

    prompt: str
    """Prompt id@version."""
    question: str | None = None

    def header(self) -> str:
        return f"prompt={self.prompt}" + (f"; question={self.question}" if self.question else "")


@dataclass
class CallResult(Generic[M]):
    """A validated reply and what it took to get it."""

    value: M
    model: str
    mode: Mode
    tokens_in: int
    tokens_out: int
    tokens_estimated: bool
    cost_usd: float | None
    latency_ms: float
    retries: int
    repaired: bool
    notes: list[str] = field(default_factory=list)
    batch_id: str | None = None
    """The provider's batch that gave the reply (`LLMClient.acompleted`); None for a live call."""


@dataclass(frozen=True)
class _Reply:
    """What a completion said, streamed or not."""

    content: str
    finish: str | None
    model: str | None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None

    @classmethod
    def of(cls, completion: ChatCompletion) -> _Reply:
        """What the completion says; `_NotACompletion` if the server's JSON is not shaped like one.

        The SDK builds the completion without validating it, so a body such as `[...]`, `"ok"` or
        `{"choices": 5}` arrives here as it was sent.
        """
        from openai.types.chat import ChatCompletion

        if not isinstance(completion, ChatCompletion):
            raise _NotACompletion(f"a JSON {_json_kind(completion)}, not an object")
        usage = getattr(completion, "usage", None)
        content, finish = _content(completion)
        return cls(
            content,
            finish,
            _model_name(getattr(completion, "model", None)),
            _int(getattr(usage, "prompt_tokens", None)),
            _int(getattr(usage, "completion_tokens", None)),
        )


class _Accumulator:
    """Builds a `_Reply` from streamed chunks and tells the listener how far the model is."""

    def __init__(self, model: str, listener: ProgressListener) -> None:
        self.model = model
        self.listener = listener
        self.started = time.monotonic()
        self.parts: list[str] = []
        self.finish: str | None = None
        self.served_model: str | None = None
        self.usage: tuple[int | None, int | None] = (None, None)
        self.pieces = 0
        listener(ModelProgress("sent", 0.0, model))

    def add(self, chunk: Any) -> None:
        self.served_model = _model_name(getattr(chunk, "model", None)) or self.served_model
        usage = getattr(chunk, "usage", None)
        if usage is not None:
            self.usage = (_int(getattr(usage, "prompt_tokens", None)), _int(getattr(usage, "completion_tokens", None)))
        progress = getattr(chunk, "prompt_progress", None)  # llama.cpp, with return_progress
        elapsed = time.monotonic() - self.started
        if isinstance(progress, dict) and not self.parts:
            self.listener(
                ModelProgress(
                    "reading",
                    elapsed,
                    self.model,
                    prompt_tokens=_int(progress.get("total")),
                    prompt_done=_int(progress.get("processed")),
                )
            )
        choices = getattr(chunk, "choices", None)
        for choice in choices if isinstance(choices, list) else []:
            delta = getattr(choice, "delta", None)
            piece = getattr(delta, "content", None)
            if piece and isinstance(piece, str):
                self.parts.append(piece)
                self.pieces += 1
                self.listener(ModelProgress("writing", elapsed, self.model, pieces=self.pieces, text=self.text))
            finish = getattr(choice, "finish_reason", None)
            if finish and isinstance(finish, str):
                self.finish = finish

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def reply(self) -> _Reply:
        return _Reply(self.text, self.finish, self.served_model, *self.usage)


def _model_name(value: object) -> str | None:
    """The model the server says answered; llama.cpp streams "-" for it, which says nothing."""
    return value if isinstance(value, str) and value.strip() not in {"", "-"} else None


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _json_kind(value: object) -> str:
    """How a parsed JSON value is called in JSON (the SDK hands an empty body or `null` over as "")."""
    if value is None or value == "":
        return "null or empty body"
    if isinstance(value, bool):
        return "boolean"
    return {list: "list", str: "string", int: "number", float: "number"}.get(type(value), type(value).__name__)


def run_sync(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine from sync code, even when the caller already has an event loop running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    context = contextvars.copy_context()  # the progress listener, among others, follows the call
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(context.run, asyncio.run, coro).result()


class LLMClient:
    """Sends chat requests to one OpenAI-compatible endpoint and returns validated pydantic values."""

    def __init__(
        self,
        settings: LLMSettings,
        client: openai.OpenAI | openai.AsyncOpenAI | None = None,
        *,
        transport: httpx2.BaseTransport | httpx2.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        asynchronous: bool = False,
    ) -> None:
        """`client` wins; else one is built from `settings` (with `transport` if given, e.g. replay).

        `asynchronous` builds an `AsyncOpenAI` client: many calls in flight at once (eval runs).
        """
        if settings.model is None:
            raise ValueError("LLMClient needs settings with a model")
        self.settings = settings
        self.model: str = settings.model
        self._owns_client = client is None
        self._client = client if client is not None else self._build(settings, transport, asynchronous)
        self._mode: Mode = "json_object" if settings.structured_output == "json_object" else "json_schema"
        replayed = _replayed_from(transport)
        self._sleep = sleep if sleep is not None or replayed is None else _no_sleep  # no server to wait for
        self.where = settings.host if replayed is None else _replay_label(settings, replayed)
        """Who answers, for messages and logs: the host, or the recordings a replay answers from."""
        self.counter = TokenCounter(self.model)

    @staticmethod
    def _build(
        settings: LLMSettings,
        transport: httpx2.BaseTransport | httpx2.AsyncBaseTransport | None,
        asynchronous: bool,
    ) -> openai.OpenAI | openai.AsyncOpenAI:
        import httpx2
        import openai

        # A query in the base URL (`?api-key=...`) goes on every request as a query; left in the base URL,
        # the SDK would glue the path after it (`/v1?api-key=...chat/completions`).
        parts = urlsplit(settings.endpoint)
        common: dict[str, Any] = {
            "api_key": settings.key_or_placeholder(),
            "base_url": urlunsplit(parts._replace(query="", fragment="")),
            "max_retries": 0,  # our retry policy is the only one
            "timeout": settings.read_timeout,
        }
        if parts.query:
            common["default_query"] = dict(parse_qsl(parts.query, keep_blank_values=True))
        if asynchronous or (
            isinstance(transport, httpx2.AsyncBaseTransport) and not isinstance(transport, httpx2.BaseTransport)
        ):
            limits = httpx2.Limits(max_connections=64, max_keepalive_connections=64)
            if transport is None:
                return openai.AsyncOpenAI(**common, http_client=httpx2.AsyncClient(limits=limits))
            assert isinstance(transport, httpx2.AsyncBaseTransport)
            return openai.AsyncOpenAI(**common, http_client=httpx2.AsyncClient(transport=transport, limits=limits))
        if transport is not None:
            return openai.OpenAI(**common, http_client=httpx2.Client(transport=transport))
        return openai.OpenAI(**common)

    def close(self) -> None:
        """Close the HTTP connections of an SDK client we built (an injected one is the caller's)."""
        import openai

        if not self._owns_client:
            return
        if isinstance(self._client, openai.AsyncOpenAI):
            run_sync(self._client.close())
        else:
            self._client.close()

    async def aclose(self) -> None:
        """Close the connections from inside the event loop that opened them (async clients)."""
        import openai

        if self._owns_client and isinstance(self._client, openai.AsyncOpenAI):
            await self._client.close()
        elif self._owns_client:
            self._client.close()

    def __enter__(self) -> LLMClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def mode(self) -> Mode:
        """json_schema, or json_object once the server turned strict schemas down."""
        return self._mode

    @property
    def _secrets(self) -> tuple[str | None, ...]:
        """Everything secret the settings hold: the key, the base URL's password and query values."""
        key = self.settings.api_key
        return (key.get_secret_value() if key else None, *secrets_in_url(self.settings.endpoint))

    # -- one request, with retries ------------------------------------------------

    async def _send(self, request: dict[str, Any], listener: ProgressListener | None) -> _Reply:
        """One request; a reply that is JSON but not a completion is malformed, as a body that is not JSON is."""
        import httpx2
        import openai

        try:
            return await self._send_once(request, listener)
        except _NotACompletion as bad:
            # Retried like any malformed body. The request stands in for the response the SDK did not keep.
            url = urlunsplit(urlsplit(self.settings.endpoint)._replace(netloc=self.settings.host, query=""))
            response = httpx2.Response(200, request=httpx2.Request("POST", url.rstrip("/") + "/chat/completions"))
            raise openai.APIResponseValidationError(
                response, None, message=f"the server's reply is not a chat completion ({bad})"
            ) from None

    async def _send_once(self, request: dict[str, Any], listener: ProgressListener | None) -> _Reply:
        import openai
        from openai.types.chat import ChatCompletion, ChatCompletionChunk

        client = self._client
        if self._owns_client and isinstance(client, openai.AsyncOpenAI):
            # Our own client: post the body we built (already plain JSON) through the SDK's HTTP layer and
            # response parsing, skipping `create`'s walk over its 40 typed parameters (a fifth of a
            # replayed case's time). The same bytes go out (tests check it). An injected client goes
            # through `create`, so wrappers that instrument it (tracing, logging) keep working.
            body = wire_body(request)
            options: Any = {"headers": request.get("extra_headers") or {}}
            if listener is not None:
                accumulated = _Accumulator(self.model, listener)  # says "sent" before the request goes
                stream = await client.post(
                    "/chat/completions",
                    cast_to=ChatCompletion,
                    body=body,
                    options=options,
                    stream=True,
                    stream_cls=openai.AsyncStream[ChatCompletionChunk],
                )
                return await _collect(stream, accumulated)
            posted: ChatCompletion = await client.post(
                "/chat/completions", cast_to=ChatCompletion, body=body, options=options
            )
            return _Reply.of(posted)
        if isinstance(client, openai.AsyncOpenAI):
            if listener is not None:
                accumulated = _Accumulator(self.model, listener)
                return await _collect(await client.chat.completions.create(**request), accumulated)
            completion: ChatCompletion = await client.chat.completions.create(**request)
            return _Reply.of(completion)
        sync_client = client

        def call() -> _Reply:
            if listener is not None:
                accumulated = _Accumulator(self.model, listener)
                return _collect_sync(sync_client.chat.completions.create(**request), accumulated)
            result: ChatCompletion = sync_client.chat.completions.create(**request)
            return _Reply.of(result)

        return await asyncio.to_thread(call)

    async def _send_with_retries(self, request: dict[str, Any], context: RequestContext) -> tuple[_Reply, int]:
        started = time.monotonic()
        listener = current_listener() if request.get("stream") else None
        attempts = 0

        def on_retry(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            wait = state.next_action.sleep if state.next_action else 0.0
            log.warning(
                "%s: retry %d after %s (waiting %.1f s)",
                context.header(),
                state.attempt_number,
                type(exc).__name__,
                wait,
            )

        try:
            async for attempt in retrying(
                self.settings.max_attempts, self.settings.max_retry_seconds, on_retry, self._sleep
            ):
                with attempt:
                    attempts = attempt.retry_state.attempt_number
                    return await self._send(request, listener), attempts - 1
        except Exception as exc:
            raise self._translate(exc, attempts, time.monotonic() - started) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _translate(self, exc: Exception, attempts: int, seconds: float) -> Exception:
        import openai

        missing = _fixture_missing(exc)
        if missing is not None:
            return missing
        host = self.where
        if is_retryable(exc):
            return unavailable(exc, host, attempts, seconds, self._secrets)
        if isinstance(exc, openai.APIStatusError):
            return rejection(exc, host, self.model, self._secrets)
        if isinstance(exc, openai.APIError):
            return unavailable(exc, host, attempts, seconds, self._secrets)
        return exc

    # -- a structured call -----------------------------------------------------------

    def _max_tokens(self, limit: int | None) -> int:
        """The configured output budget, lowered by a prompt that sets its own."""
        return self.settings.max_tokens if limit is None else min(limit, self.settings.max_tokens)

    def _request(
        self,
        messages: Sequence[dict[str, str]],
        schema_model: type[BaseModel],
        name: str,
        context: RequestContext,
        max_tokens: int | None = None,
        *,
        stream: bool = True,
    ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": self.model,
            "messages": list(messages),
            "max_tokens": self._max_tokens(max_tokens),
            "temperature": self.settings.temperature,
            "extra_headers": {CONTEXT_HEADER: context.header()},
        }
        if self.settings.seed is not None:
            request["seed"] = self.settings.seed
        if stream and self.settings.stream and current_listener() is not None:
            # Someone is watching: stream, so they see the model work (and a slow local model never
            # looks frozen). Without a listener the request is exactly what it always was.
            request["stream"] = True
            request["stream_options"] = {"include_usage": True}
        schema = strict_json_schema(schema_model, self.settings.max_string_length)
        if self.settings.is_openai:
            schema = without_length_bounds(schema)  # OpenAI's strict mode takes no length bounds
        if self._mode == "json_schema":
            response_format: dict[str, Any] = {
                "type": "json_schema",
                "json_schema": {"name": name, "strict": True, "schema": schema},
            }
        else:
            # JSON mode: the server only promises JSON, so the schema goes in the prompt (right after the
            # system message, before anything that changes per answer) and we validate the reply ourselves.
            note = {
                "role": "system",
                "content": "Reply with one JSON object that matches this JSON Schema:\n"
                + json.dumps(schema, separators=(",", ":")),
            }
            request["messages"] = [request["messages"][0], note, *request["messages"][1:]]
            response_format = {"type": "json_object"}
        # Sent as extra body: the same JSON on the wire, without the SDK walking the whole schema on every call.
        request["extra_body"] = {**self.settings.extra_body, "response_format": response_format}
        if request.get("stream") and self.settings.is_local and "return_progress" not in self.settings.extra_body:
            # llama.cpp then reports how far it has read the prompt (on 2 cores a 1,000-token prompt takes
            # 10-30 s before the first token); other local servers ignore the field.
            request["extra_body"]["return_progress"] = True
        return request

    def structured(
        self,
        messages: Sequence[dict[str, str]],
        output: type[M],
        *,
        name: str,
        context: RequestContext,
        schema: type[BaseModel] | None = None,
        max_tokens: int | None = None,
    ) -> CallResult[M]:
        """Blocking form of `astructured`."""
        result: CallResult[M] = run_sync(
            self.astructured(messages, output, name=name, context=context, schema=schema, max_tokens=max_tokens)
        )
        return result

    async def astructured(
        self,
        messages: Sequence[dict[str, str]],
        output: type[M],
        *,
        name: str,
        context: RequestContext,
        schema: type[BaseModel] | None = None,
        max_tokens: int | None = None,
    ) -> CallResult[M]:
        """Send `messages`, get a reply that validates as `output`.

        `schema` is the model whose strict JSON Schema goes to the server, when it
        differs from `output` (a per-rubric schema, parsed leniently). `max_tokens`
        (a prompt's own output budget) can only lower the configured one.

        Strict JSON schema first; if the server rejects `response_format` (and the
        settings allow it), JSON mode with the schema in the prompt, remembered for
        later calls. A reply that fails validation gets one repair attempt that
        quotes the validation error. A reply cut off by `max_tokens` raises
        `LLMOutputError`; so does a reply still invalid after the repair.
        """
        started = time.perf_counter()
        notes: list[str] = []
        retries = 0
        schema_model = schema or output
        request = self._request(messages, schema_model, name, context, max_tokens)
        try:
            completion, retries = await self._send_with_retries(request, context)
        except LLMRejected as exc:
            unsupported = exc.kind is FailureKind.UNSUPPORTED_FORMAT
            if not (self._mode == "json_schema" and self.settings.structured_output == "auto" and unsupported):
                raise
            log.warning("%s: %s; switching to JSON mode", self.where, exc)
            self._mode = "json_object"
            notes.append("the server does not support strict JSON schemas; used JSON mode and validated the reply")
            request = self._request(messages, schema_model, name, context, max_tokens)
            completion, retries = await self._send_with_retries(request, context)

        return await self._checked(
            request, completion, output, retries=retries, context=context, notes=notes, started=started
        )

    def request_body(
        self,
        messages: Sequence[dict[str, str]],
        output: type[BaseModel],
        *,
        name: str,
        context: RequestContext,
        schema: type[BaseModel] | None = None,
        max_tokens: int | None = None,
    ) -> dict[str, Any]:
        """The JSON body `astructured` sends for the same arguments, never streamed: a Batch API line's `body`.

        The same function builds both, so a batch asks exactly what a live run asks (model,
        messages, response format, `max_tokens`, temperature, seed, extra body).
        """
        return wire_body(self._request(messages, schema or output, name, context, max_tokens, stream=False))

    async def acompleted(
        self,
        completion: object,
        messages: Sequence[dict[str, str]],
        output: type[M],
        *,
        name: str,
        context: RequestContext,
        batch_id: str,
        schema: type[BaseModel] | None = None,
        max_tokens: int | None = None,
    ) -> CallResult[M]:
        """Check a chat completion the Batch API returned for `request_body(...)` as `astructured` checks a live one.

        `completion` is the `body` of the batch output line. The same validation, the same errors, one
        repair request (sent live). Its tokens cost the batch price (`BATCH_PRICE_FACTOR` of the live
        price); a repair's, the live price. A body that is not shaped like a chat completion raises
        `LLMUnavailable` (ask again, as a live run retries a malformed reply).
        """
        started = time.perf_counter()
        request = self._request(messages, schema or output, name, context, max_tokens, stream=False)
        try:
            reply = _Reply.of(_completion(completion))
        except _NotACompletion as bad:
            raise LLMUnavailable(
                f"batch {batch_id} at {self.where} answered {context.header()} with something that is not a chat "
                f"completion ({bad})",
                kind=FailureKind.UNAVAILABLE,
            ) from None
        return await self._checked(
            request, reply, output, retries=0, context=context, notes=[], started=started, batch_id=batch_id
        )

    async def _checked(
        self,
        request: dict[str, Any],
        completion: _Reply,
        output: type[M],
        *,
        retries: int,
        context: RequestContext,
        notes: list[str],
        started: float,
        batch_id: str | None = None,
    ) -> CallResult[M]:
        """The reply validated as `output`, after one repair request if it does not validate; what it took."""
        tokens_in, tokens_out, estimated = self._usage(completion, request)
        first = (tokens_in, tokens_out)
        repaired = False
        content, finish = completion.content, completion.finish
        try:
            value = self._validate(content, finish, output, request["max_tokens"])
        except _Invalid as invalid:
            log.warning("%s: reply failed validation (%s); asking once for a repair", context.header(), invalid.reason)
            repaired = True
            repair = dict(request)
            repair["messages"] = [
                *request["messages"],
                {"role": "assistant", "content": content},
                {
                    "role": "user",
                    "content": "Your reply did not match the required JSON schema: "
                    f"{invalid.reason}. Reply again with only the corrected JSON object.",
                },
            ]
            completion, more = await self._send_with_retries(repair, context)
            retries += more
            extra_in, extra_out, extra_estimated = self._usage(completion, repair)
            tokens_in, tokens_out, estimated = (
                tokens_in + extra_in,
                tokens_out + extra_out,
                estimated or extra_estimated,
            )
            content, finish = completion.content, completion.finish
            try:
                value = self._validate(content, finish, output, request["max_tokens"])
            except _Invalid as again:
                raise LLMOutputError(
                    f"the model's reply still did not match the schema after one repair attempt: {again.reason}"
                ) from None
        latency = (time.perf_counter() - started) * 1000
        log.info(
            "%s: %s at %s%s, %d+%d tokens, %.0f ms, %d retries%s",
            context.header(),
            self.model,
            self.where,
            f" (batch {batch_id})" if batch_id else "",
            tokens_in,
            tokens_out,
            latency,
            retries,
            ", repaired" if repaired else "",
        )
        if batch_id is None:
            cost = estimate_cost(self.model, tokens_in, tokens_out, self.settings.prices)
        else:  # the batch's reply at the batch price, a repair (sent live) at the live price
            cost = batch_cost(self.model, first, (tokens_in - first[0], tokens_out - first[1]), self.settings.prices)
        return CallResult(
            value=value,
            model=completion.model or self.model,
            mode=self._mode,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            tokens_estimated=estimated,
            cost_usd=cost,
            latency_ms=round(latency, 1),
            retries=retries,
            repaired=repaired,
            notes=notes,
            batch_id=batch_id,
        )

    def _validate(self, content: str, finish: str | None, output: type[M], max_tokens: int) -> M:
        if finish == "length":
            raise LLMReplyCutOff(
                f"the model's reply was cut off at max_tokens={max_tokens} before it was complete; "
                "raise max_tokens in the config or use a model that answers more briefly",
                max_tokens,
            )
        try:
            return output.model_validate_json(content)
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            first = errors[0]
            where = ".".join(str(p) for p in first["loc"]) or "the reply"
            raise _Invalid(f"{where}: {first['msg']} ({len(errors)} error{'s' if len(errors) != 1 else ''})") from None

    def _usage(self, reply: _Reply, request: dict[str, Any]) -> tuple[int, int, bool]:
        if reply.prompt_tokens is not None and reply.completion_tokens is not None:
            return int(reply.prompt_tokens), int(reply.completion_tokens), False
        return self.counter.count_messages(request["messages"]), self.counter.count(reply.content), True


def wire_body(request: dict[str, Any]) -> dict[str, Any]:
    """The JSON a request's keyword arguments put on the wire: the fields, with `extra_body` merged in, no headers."""
    body = {k: v for k, v in request.items() if k not in {"extra_headers", "extra_body"}}
    body.update(request.get("extra_body") or {})
    return body


def _fixture_missing(exc: BaseException) -> FixtureMissing | None:
    """Replay's "no recording" error, which the SDK wraps in a connection error."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, FixtureMissing):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


class _Invalid(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _NotACompletion(Exception):
    """The server's reply is JSON, but not shaped like a chat completion."""


def _content(completion: ChatCompletion) -> tuple[str, str | None]:
    choices: object = completion.choices
    if not choices:
        return "", None  # an object without choices: an empty reply, which validation reports
    if not isinstance(choices, list):
        raise _NotACompletion(f"its choices are a JSON {_json_kind(choices)}, not a list")
    message = getattr(choices[0], "message", None)
    content: object = getattr(message, "content", None)
    finish: object = getattr(choices[0], "finish_reason", None)
    if not hasattr(message, "content") or not isinstance(content, str | None) or not isinstance(finish, str | None):
        raise _NotACompletion("its first choice has no message with text content")
    return content or "", finish


async def _no_sleep(_seconds: float) -> None:
    return None


def _replayed_from(transport: object) -> Path | None:
    """The recordings folder, when `transport` replays one."""
    if transport is None:
        return None
    from ..recording import ReplayTransport

    return transport.store.folder if isinstance(transport, ReplayTransport) else None


def _replay_label(settings: LLMSettings, folder: Path) -> str:
    """Replay's name in messages: the recordings, and the host only when a base URL says which one."""
    if settings.base_url is None:
        return f"the recordings in {folder}"
    return f"{settings.host} (replayed from {folder})"


def _not_streamed(response: Any) -> bool:
    """A server that ignored `stream: true` and sent the whole completion as JSON."""
    return "json" in response.headers.get("content-type", "")


def _completion(data: Any) -> ChatCompletion:
    """A whole completion sent where a stream was asked for, built as the SDK builds one (`_Reply.of` checks it)."""
    from openai.types.chat import ChatCompletion

    if not isinstance(data, dict):
        raise _NotACompletion(f"a JSON {_json_kind(data)}, not an object")
    return ChatCompletion.model_construct(**data)


async def _collect(stream: Any, accumulated: _Accumulator) -> _Reply:
    if _not_streamed(stream.response):
        await stream.response.aread()
        return _Reply.of(_completion(stream.response.json()))
    async for chunk in _guarded(stream):
        accumulated.add(chunk)
    return accumulated.reply()


def _collect_sync(stream: Any, accumulated: _Accumulator) -> _Reply:
    if _not_streamed(stream.response):
        stream.response.read()
        return _Reply.of(_completion(stream.response.json()))
    for chunk in _guarded_sync(stream):
        accumulated.add(chunk)
    return accumulated.reply()


async def _guarded(stream: Any) -> Any:
    """A stream's chunks, with a connection lost mid-reply reported as the SDK reports one before it."""
    import httpx2
    import openai

    try:
        async with stream:
            async for chunk in stream:
                yield chunk
    except httpx2.TimeoutException as exc:
        raise openai.APITimeoutError(request=exc.request) from exc
    except httpx2.TransportError as exc:
        raise openai.APIConnectionError(message=f"the connection broke mid-reply: {exc}", request=exc.request) from exc


def _guarded_sync(stream: Any) -> Any:
    import httpx2
    import openai

    try:
        with stream:
            yield from stream
    except httpx2.TimeoutException as exc:
        raise openai.APITimeoutError(request=exc.request) from exc
    except httpx2.TransportError as exc:
        raise openai.APIConnectionError(message=f"the connection broke mid-reply: {exc}", request=exc.request) from exc
