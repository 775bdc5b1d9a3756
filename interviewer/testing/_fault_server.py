"""`FaultServer`: a real HTTP server on loopback that misbehaves on demand.

It answers OpenAI-style chat requests, but each request first takes the next
`Fault` from its script: a 429 with Retry-After, a 500 or 503, a reply slower
than the client's timeout, a dropped connection, malformed or truncated JSON.
Once the script is used up it answers normally (with `reply`'s content). Real
sockets, so the SDK's real HTTP stack meets each fault.

    with FaultServer([Fault.status(429, retry_after=1), Fault.drop()], reply=judge) as server:
        settings = LLMSettings(model="m", base_url=server.base_url, timeout=2)
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, Self

from ._completions import chat_completion

__all__ = ["Fault", "FaultServer", "serve_chat"]

Kind = Literal["ok", "status", "slow", "drop", "malformed", "truncated", "json", "echo"]


@dataclass(frozen=True)
class Fault:
    """What the server does with one request."""

    kind: Kind
    status_code: int = 200
    retry_after: float | None = None
    delay: float = 0.0
    body: dict[str, Any] = field(default_factory=dict)
    value: Any = None
    """The body of a `json` fault."""

    @classmethod
    def ok(cls) -> Fault:
        return cls("ok")

    @classmethod
    def status(
        cls, code: int, retry_after: float | None = None, message: str = "server says no", error_code: str | None = None
    ) -> Fault:
        body = {"error": {"message": message, "type": "error", "code": error_code}}
        return cls("status", status_code=code, retry_after=retry_after, body=body)

    @classmethod
    def slow(cls, delay: float) -> Fault:
        """Answer correctly, but only after `delay` seconds."""
        return cls("slow", delay=delay)

    @classmethod
    def drop(cls) -> Fault:
        """Close the connection without sending anything."""
        return cls("drop")

    @classmethod
    def malformed(cls) -> Fault:
        """A 200 whose body is not JSON at all."""
        return cls("malformed")

    @classmethod
    def truncated(cls) -> Fault:
        """A 200 whose JSON body stops half-way (Content-Length promises more)."""
        return cls("truncated")

    @classmethod
    def json(cls, value: Any) -> Fault:
        """A 200 whose body is this JSON value: valid JSON, but not a chat completion (a list, a string, null)."""
        return cls("json", value=value)

    @classmethod
    def echo(cls, code: int = 400) -> Fault:
        """A reply that quotes the request's headers (the API key among them) and its path and query.

        A 4xx or 5xx quotes them in its error message, as some servers and proxies do; a 200 is a normal
        completion with them in an extra `echo` field.
        """
        return cls("echo", status_code=code)


Reply = Callable[[dict[str, Any]], str]


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up mid-request (a killed worker, a timeout) is normal here, not a traceback."""

    # socketserver's default backlog is 5: a client opening 8 connections at once can see one wait
    # for a TCP retransmit (half a second here). Real servers queue hundreds.
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class ThreadedServer:
    """Start, stop and `with` for an HTTP server (`self._httpd`) on a thread of its own."""

    _httpd: ThreadingHTTPServer
    _thread: threading.Thread | None = None
    _thread_name = "test-server"

    def start(self) -> Self:
        # socketserver checks for shutdown every poll_interval (0.5 s by default): every test that
        # stops a server paid up to that much.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, name=self._thread_name, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class FaultServer(ThreadedServer):
    """A threaded HTTP server on 127.0.0.1 with a script of faults."""

    _thread_name = "fault-server"

    def __init__(self, faults: Iterable[Fault] = (), reply: Reply | None = None, model: str = "fault-model") -> None:
        self.faults: deque[Fault] = deque(faults)
        self.model = model
        """The one model GET /v1/models lists."""
        self.reply = reply or (lambda _body: "{}")
        self.requests: list[tuple[float, Kind]] = []
        """(time received, what was done) for every request."""
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: with Nagle's algorithm on, the body waits for the
            # client's delayed ACK of the headers (40 ms on Linux). Real servers set TCP_NODELAY too.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                if self.path.split("?")[0].rstrip("/").endswith("/models"):
                    payload = json.dumps({"object": "list", "data": [{"id": server.model, "object": "model"}]})
                else:
                    payload = json.dumps({"error": {"message": f"no route {self.path}"}})
                data = payload.encode()
                self.send_response(200 if "/models" in self.path.split("?")[0] else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    fault = server.faults.popleft() if server.faults else Fault.ok()
                    server.requests.append((time.monotonic(), fault.kind))
                server._serve(self, fault, body)

        self._httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def _serve(self, handler: BaseHTTPRequestHandler, fault: Fault, body: dict[str, Any]) -> None:
        serve_chat(handler, fault, body, self.reply)


def serve_chat(handler: BaseHTTPRequestHandler, fault: Fault, body: dict[str, Any], reply: Reply) -> None:
    """Answer one chat request as `fault` says: the fault, or a completion whose content `reply` gives."""
    if fault.kind == "drop":
        handler.connection.shutdown(socket.SHUT_RDWR)
        handler.close_connection = True
        return
    if fault.kind == "echo" and fault.status_code != 200:
        sent = "; ".join(f"{k.lower()}: {v}" for k, v in handler.headers.items())
        fault = Fault.status(fault.status_code, message=f"bad request {handler.path} with headers {sent}")
    if fault.kind == "status":
        payload = json.dumps(fault.body).encode()
        handler.send_response(fault.status_code)
        if fault.retry_after is not None:
            handler.send_header("Retry-After", str(fault.retry_after))
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)
        return
    if fault.kind == "slow":
        time.sleep(fault.delay)
    payload = json.dumps(
        chat_completion(reply(body), str(body.get("model", "fault-model")), id="chatcmpl-fault")
    ).encode()
    if fault.kind == "echo":
        echoed = {"path": handler.path, "headers": {k.lower(): v for k, v in handler.headers.items()}}
        payload = json.dumps({**json.loads(payload), "echo": echoed}).encode()
    if fault.kind == "json":
        payload = json.dumps(fault.value).encode()
    if fault.kind == "malformed":
        payload = b"<html>502 Bad Gateway (but sent as 200)</html>"
    length = len(payload)
    if fault.kind == "truncated":
        payload = payload[: len(payload) // 2]
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(length))
    handler.end_headers()
    try:
        handler.wfile.write(payload)
        if fault.kind == "truncated":
            handler.wfile.flush()
            handler.connection.shutdown(socket.SHUT_RDWR)
            handler.close_connection = True
    except (BrokenPipeError, ConnectionResetError):  # the client gave up first (slow replies)
        pass
