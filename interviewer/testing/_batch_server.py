"""`BatchServer`: a fake OpenAI Batch API on loopback, with the chat endpoint beside it, faults included.

Real sockets, so the SDK's multipart upload, JSON and file download meet a real HTTP stack.
It stores uploaded files (`POST /v1/files`), creates, lists and retrieves batches
(`/v1/batches`), and serves file contents (`GET /v1/files/{id}/content`). A batch "runs" when
it has been retrieved `polls` times: each line is answered by `handler` (a `FakeLLM` handler,
such as `judge_everything()`), and the batch ends as its `BatchFault` says: completed, failed
(validation), expired (the first lines answered, the rest `batch_expired` in the error file), or
completed with some items failed (a 500, or an error object). The chat endpoint answers live
retries with the same handler, after the `chat_faults` script, under an optional rate limit
(429 with Retry-After once a window's budget of requests is spent).

    with BatchServer(judge_everything(), faults=[BatchFault.expire(done=3)]) as server:
        settings = LLMSettings(model="m", base_url=server.base_url)
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from ..recording._multipart import parse_multipart
from ._fake_llm import FakeReply, FakeRequest, Handler, replying
from ._fault_server import Fault, ThreadedServer, _QuietServer, serve_chat

__all__ = ["BatchFault", "BatchServer", "RateLimit"]

ItemFault = Literal[500, "error", "not-json"]


@dataclass(frozen=True)
class BatchFault:
    """How the fake provider ends one batch (the n-th created takes the n-th fault; later ones complete)."""

    kind: Literal["ok", "fail", "expire", "items"]
    done: int = 0
    """`expire`: how many lines were answered before the window closed."""
    items: Mapping[int, ItemFault] = field(default_factory=dict)
    """`items`: line index (from 0) → how it fails: a 500 response, an error object, or a body that is not JSON."""
    message: str = "the input file did not validate"

    @classmethod
    def ok(cls) -> BatchFault:
        return cls("ok")

    @classmethod
    def fail(cls, message: str = "the input file did not validate") -> BatchFault:
        """The batch fails validation: status `failed` with `errors`, no output."""
        return cls("fail", message=message)

    @classmethod
    def expire(cls, done: int) -> BatchFault:
        """The 24 h window closes after `done` lines: status `expired`, the rest `batch_expired` in the error file."""
        return cls("expire", done=done)

    @classmethod
    def item_errors(cls, items: Mapping[int, ItemFault]) -> BatchFault:
        """The batch completes, but these lines failed (in the error file) or came back unreadable."""
        return cls("items", items=dict(items))


@dataclass(frozen=True)
class RateLimit:
    """A provider's requests-per-minute limit, scaled: `requests` per `seconds` window, then 429 with Retry-After."""

    requests: int
    seconds: float = 60.0


class _Batch:
    def __init__(self, number: int, input_file_id: str, metadata: dict[str, str], fault: BatchFault) -> None:
        self.id = f"batch_{number:04d}"
        self.input_file_id = input_file_id
        self.metadata = metadata
        self.fault = fault
        self.created_at = int(time.time())
        self.status = "validating"
        self.retrieves = 0
        self.counts = {"total": 0, "completed": 0, "failed": 0}
        self.output_file_id: str | None = None
        self.error_file_id: str | None = None
        self.errors: list[dict[str, Any]] = []

    def json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "batch",
            "endpoint": "/v1/chat/completions",
            "input_file_id": self.input_file_id,
            "completion_window": "24h",
            "status": self.status,
            "created_at": self.created_at,
            "output_file_id": self.output_file_id,
            "error_file_id": self.error_file_id,
            "errors": {"object": "list", "data": self.errors} if self.errors else None,
            "request_counts": dict(self.counts),
            "metadata": self.metadata,
        }


class BatchServer(ThreadedServer):
    """A threaded HTTP server on 127.0.0.1 speaking the Batch API's files and batches, and chat completions."""

    _thread_name = "batch-server"

    def __init__(
        self,
        handler: Handler,
        *,
        faults: Iterable[BatchFault] = (),
        polls: int = 2,
        chat_faults: Iterable[Fault] = (),
        rate_limit: RateLimit | None = None,
        chat_latency: float = 0.0,
        lost_creates: int = 0,
        batch_api: bool = True,
        model: str = "fake-model",
    ) -> None:
        """A server for `handler`'s replies, not started yet (`start`, or use it as a context manager).

        `polls`: retrieves of a batch before it ends (the first says `in_progress`); `chat_latency`:
        seconds each live chat reply takes (a 429 goes at once); `lost_creates`: the first N batches are
        created but the connection drops before their reply (a client must find them, not create more);
        `batch_api` False: 404 on files and batches.
        """
        self.handler = handler
        self.faults: deque[BatchFault] = deque(faults)
        self.polls = max(polls, 1)
        self.chat_faults: deque[Fault] = deque(chat_faults)
        self.rate_limit = rate_limit
        self.chat_latency = chat_latency
        self.lost_creates = lost_creates
        self.batch_api = batch_api
        self.model = model
        self.files: dict[str, tuple[str, bytes]] = {}
        """file id → (file name, content)."""
        self.batches: dict[str, _Batch] = {}
        self.uploads = 0
        self.created: list[str] = []
        """The id of every batch created, in order: a resumed run that submitted twice shows here."""
        self.chat_requests: list[dict[str, Any]] = []
        """The body of every live chat request."""
        self.limited = 0
        """Chat requests answered 429 by the rate limit."""
        self._window: tuple[float, int] = (0.0, 0)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        server = self

        class Handler_(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                server._get(self)

            def do_POST(self) -> None:
                server._post(self)

        self._httpd = _QuietServer(("127.0.0.1", 0), Handler_)
        self._httpd.daemon_threads = True

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    # -- HTTP -----------------------------------------------------------------------

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler, status: int, payload: Any, headers: Mapping[str, str] | None = None
    ) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        handler.send_response(status)
        content_type = "application/octet-stream" if isinstance(payload, bytes) else "application/json"
        handler.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _missing(self, handler: BaseHTTPRequestHandler) -> None:
        self._send(handler, 404, {"error": {"message": f"no route {handler.path}", "type": "invalid_request_error"}})

    def _get(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        path = parts.path.rstrip("/")
        if path.endswith("/models"):
            self._send(handler, 200, {"object": "list", "data": [{"id": self.model, "object": "model"}]})
            return
        if not self.batch_api:
            self._missing(handler)
            return
        with self._lock:
            if path.endswith("/batches"):
                self._send(handler, 200, self._list(parse_qs(parts.query)))
            elif "/batches/" in path and path.rsplit("/", 1)[-1] in self.batches:
                batch = self.batches[path.rsplit("/", 1)[-1]]
                self._advance(batch)
                self._send(handler, 200, batch.json())
            elif path.endswith("/content") and path.split("/")[-2] in self.files:
                self._send(handler, 200, self.files[path.split("/")[-2]][1])
            else:
                self._missing(handler)

    def _post(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("content-length", "0"))
        raw = handler.rfile.read(length)
        path = urlsplit(handler.path).path.rstrip("/")
        if path.endswith("/chat/completions"):
            self._chat(handler, json.loads(raw or b"{}"))
        elif not self.batch_api:
            self._missing(handler)
        elif path.endswith("/files"):
            self._upload(handler, raw)
        elif path.endswith("/batches"):
            self._create(handler, json.loads(raw or b"{}"))
        else:
            self._missing(handler)

    def _chat(self, handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        with self._lock:
            self.chat_requests.append(body)
            wait = self._spend()
            fault = self.chat_faults.popleft() if self.chat_faults else Fault.ok()
        if wait is not None:
            self._send(
                handler,
                429,
                {"error": {"message": "Rate limit reached for requests", "type": "requests", "code": "rate_limit"}},
                {"Retry-After": f"{wait:.3f}"},
            )
            return
        if self.chat_latency:
            time.sleep(self.chat_latency)
        serve_chat(handler, fault, body, replying(self.handler))

    def _spend(self) -> float | None:
        """Count one chat request against the rate limit; the seconds to wait if the window's budget is spent."""
        limit = self.rate_limit
        if limit is None:
            return None
        now = time.monotonic()
        start, used = self._window
        if now - start >= limit.seconds:
            start, used = now, 0
        if used >= limit.requests:
            self.limited += 1
            self._window = (start, used)
            return max(start + limit.seconds - now, 0.001)
        self._window = (start, used + 1)
        return None

    def _upload(self, handler: BaseHTTPRequestHandler, raw: bytes) -> None:
        parts = parse_multipart(raw, handler.headers.get("content-type", "")) or []
        fields = {p.name: p for p in parts}
        upload = fields.get("file")
        if upload is None or fields.get("purpose") is None or fields["purpose"].data != b"batch":
            self._send(handler, 400, {"error": {"message": "need a file and purpose=batch", "type": "invalid"}})
            return
        with self._lock:
            self.uploads += 1
            file_id = f"file-{next(self._ids):04d}"
            self.files[file_id] = (upload.filename or "upload.jsonl", upload.data)
        self._send(
            handler,
            200,
            {
                "id": file_id,
                "object": "file",
                "bytes": len(upload.data),
                "created_at": int(time.time()),
                "filename": upload.filename,
                "purpose": "batch",
                "status": "processed",
            },
        )

    def _create(self, handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        with self._lock:
            file_id = str(body.get("input_file_id"))
            if file_id not in self.files or body.get("endpoint") != "/v1/chat/completions":
                self._send(handler, 400, {"error": {"message": f"no such input file {file_id}", "type": "invalid"}})
                return
            fault = self.faults.popleft() if self.faults else BatchFault.ok()
            batch = _Batch(len(self.created) + 1, file_id, dict(body.get("metadata") or {}), fault)
            self.batches[batch.id] = batch
            self.created.append(batch.id)
            lost = self.lost_creates > 0
            self.lost_creates -= lost
        if lost:
            handler.connection.shutdown(socket.SHUT_RDWR)
            handler.close_connection = True
            return
        self._send(handler, 200, batch.json())

    def _list(self, query: Mapping[str, list[str]]) -> dict[str, Any]:
        newest = sorted(self.batches.values(), key=lambda b: (b.created_at, b.id), reverse=True)
        after = query["after"][0] if query.get("after") else None
        if after is not None:
            ids = [b.id for b in newest]
            newest = newest[ids.index(after) + 1 :] if after in ids else []
        limit = int((query.get("limit") or ["20"])[0])
        page = newest[:limit]
        return {
            "object": "list",
            "data": [b.json() for b in page],
            "first_id": page[0].id if page else None,
            "last_id": page[-1].id if page else None,
            "has_more": len(newest) > limit,
        }

    # -- running a batch ------------------------------------------------------------

    def _advance(self, batch: _Batch) -> None:
        """One more retrieve: in progress, then (at `polls`) the batch runs and ends."""
        if batch.status not in {"validating", "in_progress", "finalizing"}:
            return
        batch.retrieves += 1
        lines = self.files[batch.input_file_id][1].decode("utf-8").splitlines()
        batch.counts["total"] = len(lines)
        if batch.retrieves < self.polls:
            batch.status = "finalizing" if batch.retrieves == self.polls - 1 and self.polls > 2 else "in_progress"
            return
        problem = self._invalid(lines)
        if batch.fault.kind == "fail" or problem is not None:
            batch.status = "failed"
            line, message = problem or (None, batch.fault.message)
            batch.errors = [{"code": "invalid_request", "message": message, "param": None, "line": line}]
            return
        outputs: list[dict[str, Any]] = []
        failures: list[dict[str, Any]] = []
        for index, text in enumerate(lines):
            request = json.loads(text)
            custom_id = request["custom_id"]
            if batch.fault.kind == "expire" and index >= batch.fault.done:
                failures.append(
                    _error_line(
                        custom_id,
                        "batch_expired",
                        "This request could not be executed before the completion window expired.",
                    )
                )
                continue
            item = batch.fault.items.get(index) if batch.fault.kind == "items" else None
            if item == "error":
                failures.append(_error_line(custom_id, "server_error", "The server had an error on this request."))
                continue
            if item == 500:
                failures.append(
                    _response_line(custom_id, 500, {"error": {"message": "internal error", "type": "server_error"}})
                )
                continue
            body: Any = self._completion(request["body"], index) if item != "not-json" else ["not", "a", "completion"]
            outputs.append(_response_line(custom_id, 200, body))
        batch.output_file_id = self._store(f"{batch.id}_output.jsonl", outputs) if outputs else None
        batch.error_file_id = self._store(f"{batch.id}_error.jsonl", failures) if failures else None
        batch.counts.update(completed=len(outputs), failed=len(failures))
        batch.status = "expired" if batch.fault.kind == "expire" else "completed"

    @staticmethod
    def _invalid(lines: list[str]) -> tuple[int, str] | None:
        """What the provider's validation would refuse: (line number, message), or None."""
        seen: set[str] = set()
        models: set[str] = set()
        for number, text in enumerate(lines, start=1):
            try:
                request = json.loads(text)
            except ValueError:
                return number, "the line is not JSON"
            if request.get("method") != "POST" or request.get("url") != "/v1/chat/completions":
                return number, "every line must POST to /v1/chat/completions"
            custom_id = request.get("custom_id")
            if not isinstance(custom_id, str) or custom_id in seen:
                return number, f"custom_id {custom_id!r} is missing or not unique"
            seen.add(custom_id)
            models.add(str((request.get("body") or {}).get("model")))
        if len(models) > 1:
            return 1, "every line must use the same model"
        return None

    def _completion(self, body: dict[str, Any], index: int) -> dict[str, Any]:
        reply = FakeReply.of(self.handler(FakeRequest(body, {})))
        return reply.completion(str(body.get("model", self.model)), f"chatcmpl-batch-{index}")

    def _store(self, name: str, lines: list[dict[str, Any]]) -> str:
        file_id = f"file-{next(self._ids):04d}"
        self.files[file_id] = (name, "".join(json.dumps(line) + "\n" for line in lines).encode())
        return file_id

    # -- lifetime ---------------------------------------------------------------------


def _response_line(custom_id: str, status: int, body: Any) -> dict[str, Any]:
    return {
        "id": f"batch_req_{custom_id}",
        "custom_id": custom_id,
        "response": {"status_code": status, "request_id": f"req_{custom_id}", "body": body},
        "error": None,
    }


def _error_line(custom_id: str, code: str, message: str) -> dict[str, Any]:
    return {
        "id": f"batch_req_{custom_id}",
        "custom_id": custom_id,
        "response": None,
        "error": {"code": code, "message": message},
    }
