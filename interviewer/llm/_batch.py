"""The provider's Batch API (files and batches), through the SDK client of an `LLMClient`.

Same transport (record and replay cover it), same key, same retry policy and error kinds as
chat calls. Every call is safe to repeat except `create`, which could make a second batch: a
`create` whose answer was lost (a timeout, a dropped connection) first looks for the batch by
its tag (`find`) before it tries again.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

from ..exceptions import BatchUnsupported, FailureKind, LLMRejected
from ._client import CONTEXT_HEADER, LLMClient
from ._retry import is_retryable, server_message

if TYPE_CHECKING:
    import openai

__all__ = ["ENDPOINT", "TAG_KEY", "TERMINAL", "BatchAPI", "BatchInfo"]

ENDPOINT: Final[Literal["/v1/chat/completions"]] = "/v1/chat/completions"
"""The endpoint every line of our batches asks."""
TAG_KEY = "interviewer_batch"
"""The batch metadata key holding our tag: a value unique to one submission, saved before the batch is created."""
TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
"""Statuses after which a batch changes no more."""
_FIND_SLACK = 600
"""Seconds of clock difference allowed between this machine and the provider when looking for a batch."""
T = TypeVar("T")


@dataclass(frozen=True)
class BatchInfo:
    """What the provider says about a batch."""

    id: str
    status: str
    created_at: int
    total: int = 0
    completed: int = 0
    failed: int = 0
    output_file_id: str | None = None
    error_file_id: str | None = None
    errors: tuple[str, ...] = ()
    """The batch's own errors (a failed validation), one line each: `line 3: code: message`."""
    tag: str | None = None

    @property
    def done(self) -> bool:
        return self.status in TERMINAL

    @classmethod
    def of(cls, batch: Any) -> BatchInfo:
        counts = getattr(batch, "request_counts", None)
        listed = getattr(getattr(batch, "errors", None), "data", None) or []
        errors = tuple(
            " ".join(
                part
                for part in (
                    f"line {e.line}:" if getattr(e, "line", None) is not None else "",
                    f"{e.code}:" if getattr(e, "code", None) else "",
                    str(getattr(e, "message", None) or ""),
                )
                if part
            )
            for e in listed
        )
        metadata = getattr(batch, "metadata", None) or {}
        return cls(
            id=str(batch.id),
            status=str(batch.status),
            created_at=int(getattr(batch, "created_at", 0) or 0),
            total=int(getattr(counts, "total", 0) or 0),
            completed=int(getattr(counts, "completed", 0) or 0),
            failed=int(getattr(counts, "failed", 0) or 0),
            output_file_id=getattr(batch, "output_file_id", None) or None,
            error_file_id=getattr(batch, "error_file_id", None) or None,
            errors=errors,
            tag=metadata.get(TAG_KEY) if isinstance(metadata, dict) else None,
        )


class BatchAPI:
    """Upload a batch file, create, find and poll batches, download their files."""

    def __init__(self, llm: LLMClient) -> None:
        self.llm = llm
        self._client: openai.OpenAI | openai.AsyncOpenAI = llm._client

    async def _sdk(self, call: Callable[[], Any]) -> Any:
        """Run one SDK call: awaited on an async client, in a thread on a sync one."""
        import openai

        if isinstance(self._client, openai.AsyncOpenAI):
            result = call()
            return await result if inspect.isawaitable(result) else result
        return await asyncio.to_thread(call)

    async def _retried(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        """One call under the chat calls' retry policy, its failure translated once (kinds, one line)."""
        from ._retry import retrying

        started = time.monotonic()
        attempts = 0
        settings = self.llm.settings
        try:
            async for attempt in retrying(settings.max_attempts, settings.max_retry_seconds, None, self.llm._sleep):
                with attempt:
                    attempts = attempt.retry_state.attempt_number
                    return await call()
        except Exception as exc:
            raise self._translate(what, exc, attempts, time.monotonic() - started) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _translate(self, what: str, exc: Exception, attempts: int, seconds: float) -> Exception:
        import openai

        host = self.llm.where
        if isinstance(exc, openai.NotFoundError) and what.startswith("upload"):
            return BatchUnsupported(
                f"{host} has no Batch API (404 on POST /files): run without --batch, or give the --base-url "
                "of a server that has one"
            )
        if isinstance(exc, openai.NotFoundError):
            return LLMRejected(
                f"{host} knows no {what} (404): it belongs to another API key or project, or to another "
                f"server: {server_message(exc, self.llm._secrets)}",
                404,
                kind=FailureKind.MODEL_NOT_FOUND,
            )
        return self.llm._translate(exc, attempts, seconds)

    def _headers(self, context: str) -> dict[str, str]:
        return {CONTEXT_HEADER: f"batch: {context}"}

    async def upload(self, content: bytes, filename: str) -> str:
        """Upload a batch input file (multipart, purpose `batch`); its file id."""

        async def call() -> str:
            uploaded = await self._sdk(
                lambda: self._client.files.create(
                    file=(filename, content, "application/jsonl"),
                    purpose="batch",
                    extra_headers=self._headers(f"upload {filename}"),
                )
            )
            return str(uploaded.id)

        return await self._retried(f"upload of {filename}", call)

    async def create(self, file_id: str, tag: str, since: float) -> BatchInfo:
        """Create the batch of `file_id`, tagged `tag`. A failure that may hide a created batch looks for it first."""

        async def call() -> BatchInfo:
            try:
                created = await self._sdk(
                    lambda: self._client.batches.create(
                        input_file_id=file_id,
                        endpoint=ENDPOINT,
                        completion_window="24h",
                        metadata={TAG_KEY: tag},
                        extra_headers=self._headers(f"create for {file_id}"),
                    )
                )
            except Exception as exc:
                if not is_retryable(exc):
                    raise
                found = await self.find(tag, since)  # the request may have arrived: never create twice
                if found is not None:
                    return found
                raise
            return BatchInfo.of(created)

        return await self._retried(f"batch for file {file_id}", call)

    async def find(self, tag: str, since: float) -> BatchInfo | None:
        """The batch tagged `tag`, looking back (newest first) to batches created at `since` or later."""
        after: str | None = None
        while True:
            from openai import omit

            async def page_of(cursor: str | None = after) -> Any:
                return await self._sdk(
                    lambda: self._client.batches.list(
                        limit=100, after=cursor or omit, extra_headers=self._headers("list")
                    )
                )

            page = await self._retried("batch list", page_of)
            batches = list(getattr(page, "data", None) or [])
            for batch in batches:
                info = BatchInfo.of(batch)
                if info.tag == tag:
                    return info
            older = batches and min(BatchInfo.of(b).created_at for b in batches) < since - _FIND_SLACK
            if not batches or older or not getattr(page, "has_more", False):
                return None
            after = str(batches[-1].id)

    async def retrieve(self, batch_id: str) -> BatchInfo:
        async def call() -> BatchInfo:
            batch = await self._sdk(
                lambda: self._client.batches.retrieve(batch_id, extra_headers=self._headers(f"retrieve {batch_id}"))
            )
            return BatchInfo.of(batch)

        return await self._retried(f"batch {batch_id}", call)

    async def content(self, file_id: str) -> bytes:
        """A file's bytes (a batch's output or error file)."""

        async def call() -> bytes:
            response = await self._sdk(
                lambda: self._client.files.content(file_id, extra_headers=self._headers(f"download {file_id}"))
            )
            return bytes(response.content)

        return await self._retried(f"file {file_id}", call)
