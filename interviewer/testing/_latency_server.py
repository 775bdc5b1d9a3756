"""`LatencyServer`: an OpenAI-compatible server on loopback that answers every request after a fixed delay.

For benchmarks: a model whose only cost is its latency. It runs on an asyncio loop in its own thread,
so a thousand requests in flight cost a thousand sleeping coroutines, not a thousand threads; it keeps
connections alive, sets TCP_NODELAY and queues 128 connections, as real servers do. Every request is
recorded with the time it arrived and the time its reply went out, in both `time.perf_counter()` and
`time.time()`, so a benchmark in the same process can tell the tool's start-up, the serving span and what
came after the last reply apart.

    with LatencyServer(delay=0.5) as server:
        run_tool(base_url=server.base_url)
        print(server.serving_span, len(server.records))

`rpm=` simulates a provider's rate limit: once that many requests arrived in the current window
(`window` seconds, 60 by default), the rest get a 429 with Retry-After until the window frees.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from ._completions import chat_completion, event_stream

__all__ = ["LatencyServer", "Served"]

Reply = Callable[[dict[str, Any]], str]
_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 413: "Payload Too Large", 429: "Too Many Requests"}
_MAX_BODY = 64 * 1024 * 1024


@dataclass
class Served:
    """One request the server received, and what it did with it."""

    method: str
    path: str
    peer: tuple[str, int]
    arrived: float
    """`time.perf_counter()` when the request (headers and body) had arrived."""
    arrived_wall: float
    """`time.time()` at the same moment."""
    headers: dict[str, str] = field(default_factory=dict)
    """Request headers, names in lower case."""
    body: dict[str, Any] | None = None
    """The JSON body of a POST."""
    status: int = 0
    replied: float | None = None
    """`time.perf_counter()` once the reply was written out (None: the client left first)."""
    replied_wall: float | None = None


def _default_reply() -> Reply:
    from ._fake_llm import FakeRequest, judge_everything

    judge = judge_everything(status="partial", score=3)
    return lambda body: json.dumps(judge(FakeRequest(body, {})))


def _completion(content: str, body: dict[str, Any]) -> dict[str, Any]:
    prompt = sum(len(str(m.get("content", ""))) for m in body.get("messages", []) if isinstance(m, dict))
    usage = (max(1, prompt // 4), max(1, len(content) // 4))
    model = str(body.get("model", "latency-model"))
    return chat_completion(content, model, id="chatcmpl-latency", usage=usage, created=int(time.time()))


class _BadRequest(Exception):
    pass


class LatencyServer:
    """An asyncio HTTP/1.1 server on 127.0.0.1 answering chat completions after exactly `delay` seconds."""

    def __init__(
        self,
        delay: float = 0.0,
        reply: Reply | None = None,
        *,
        model: str = "latency-model",
        rpm: int | None = None,
        window: float = 60.0,
    ) -> None:
        self.delay = delay
        self.reply = reply or _default_reply()
        """The assistant message for a request body (default: the fake judge, every key point partial, score 3)."""
        self.model = model
        """The one model GET /v1/models lists."""
        self.rpm = rpm
        """Requests per `window` before 429s (None: no limit)."""
        self.window = window
        self.records: list[Served] = []
        """Every request, in order of arrival."""
        self._window_start = -math.inf
        self._window_count = 0
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._address: tuple[str, int] | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    # -- what a benchmark reads ---------------------------------------------------------

    @property
    def address(self) -> tuple[str, int]:
        if self._address is None:
            raise RuntimeError("LatencyServer is not started")
        return self._address

    @property
    def base_url(self) -> str:
        host, port = self.address
        return f"http://{host}:{port}/v1"

    @property
    def completions(self) -> list[Served]:
        """The chat completion requests (429s included)."""
        with self._lock:
            return [r for r in self.records if r.path.split("?")[0].endswith("/chat/completions")]

    @property
    def first_arrival(self) -> float | None:
        """perf_counter of the first chat completion request, if any."""
        served = self.completions
        return min(r.arrived for r in served) if served else None

    @property
    def last_reply(self) -> float | None:
        """perf_counter of the last reply to a chat completion request, if any."""
        sent = [r.replied for r in self.completions if r.replied is not None]
        return max(sent) if sent else None

    @property
    def serving_span(self) -> float | None:
        """Seconds from the first request's arrival to the last reply."""
        first, last = self.first_arrival, self.last_reply
        return None if first is None or last is None else last - first

    def reset(self) -> None:
        """Forget the records and the rate-limit window (between two runs)."""
        with self._lock:
            self.records = []
            self._window_start, self._window_count = -math.inf, 0

    # -- HTTP -------------------------------------------------------------------------

    async def _read_request(self, reader: asyncio.StreamReader) -> tuple[str, str, str, dict[str, str], bytes] | None:
        line = await reader.readline()
        while line in (b"\r\n", b"\n"):  # stray CRLF between requests is allowed
            line = await reader.readline()
        if not line:
            return None
        try:
            method, target, version = line.decode("latin-1").split()
        except ValueError:
            raise _BadRequest(f"bad request line {line[:80]!r}") from None
        headers: dict[str, str] = {}
        while True:
            raw = await reader.readline()
            if raw in (b"\r\n", b"\n", b""):
                break
            name, _, value = raw.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            parts = []
            while True:
                size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while (await reader.readline()) not in (b"\r\n", b"\n", b""):  # trailers
                        pass
                    break
                parts.append(await reader.readexactly(size))
                await reader.readexactly(2)
            body = b"".join(parts)
        else:
            length = int(headers.get("content-length", "0") or 0)
            if length > _MAX_BODY:
                raise _BadRequest("body too large")
            body = await reader.readexactly(length) if length else b""
        return method.upper(), target, version.upper(), headers, body

    async def _write(
        self,
        writer: asyncio.StreamWriter,
        status: int,
        payload: bytes,
        *,
        content_type: str = "application/json",
        extra: dict[str, str] | None = None,
        close: bool = False,
    ) -> None:
        lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'OK')}", f"Content-Type: {content_type}"]
        lines += [f"Content-Length: {len(payload)}", f"Connection: {'close' if close else 'keep-alive'}"]
        lines += [f"{k}: {v}" for k, v in (extra or {}).items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload)
        await writer.drain()

    def _admit(self, now: float) -> float | None:
        """None if a request may be served now; else the seconds until the rate-limit window frees."""
        if self.rpm is None:
            return None
        with self._lock:
            if now - self._window_start >= self.window:
                self._window_start, self._window_count = now, 0
            if self._window_count < self.rpm:
                self._window_count += 1
                return None
            return self._window_start + self.window - now

    async def _chat(self, served: Served, writer: asyncio.StreamWriter, close: bool) -> None:
        body = served.body or {}
        wait = self._admit(served.arrived)
        if wait is not None:
            served.status = 429
            error = {"message": f"rate limit of {self.rpm} requests per {self.window:g} s reached", "type": "requests"}
            headers = {
                "Retry-After": str(max(1, math.ceil(wait))),
                "retry-after-ms": str(max(1, round(wait * 1000))),
                "x-ratelimit-limit-requests": str(self.rpm),
                "x-ratelimit-remaining-requests": "0",
            }
            await self._write(writer, 429, json.dumps({"error": error}).encode(), extra=headers, close=close)
            return
        completion = _completion(self.reply(body), body)
        stream = bool(body.get("stream"))
        payload = event_stream(completion) if stream else json.dumps(completion).encode()
        # Sleep what is left of the delay after the reply was computed: it leaves at arrival + delay.
        await asyncio.sleep(max(0.0, served.arrived + self.delay - time.perf_counter()))
        served.status = 200
        await self._write(
            writer, 200, payload, content_type="text/event-stream" if stream else "application/json", close=close
        )

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        peername = writer.get_extra_info("peername") or ("?", 0)
        peer = (str(peername[0]), int(peername[1]))
        self._writers.add(writer)
        try:
            while True:
                try:
                    request = await self._read_request(reader)
                except _BadRequest as bad:
                    await self._write(writer, 400, json.dumps({"error": {"message": str(bad)}}).encode(), close=True)
                    return
                if request is None:
                    return
                method, target, version, headers, raw = request
                connection = headers.get("connection", "").lower()
                close = connection == "close" or (version == "HTTP/1.0" and connection != "keep-alive")
                served = Served(method, target, peer, time.perf_counter(), time.time(), headers)
                with self._lock:
                    self.records.append(served)
                await self._dispatch(served, raw, writer, close)
                served.replied, served.replied_wall = time.perf_counter(), time.time()
                if close:
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()

    async def _dispatch(self, served: Served, raw: bytes, writer: asyncio.StreamWriter, close: bool) -> None:
        path = served.path.split("?")[0].rstrip("/")
        if served.method == "GET" and path.endswith("/models"):
            served.status = 200
            listing = {"object": "list", "data": [{"id": self.model, "object": "model", "owned_by": "latency"}]}
            await self._write(writer, 200, json.dumps(listing).encode(), close=close)
            return
        if served.method == "POST" and path.endswith("/chat/completions"):
            try:
                body = json.loads(raw or b"{}")
                if not isinstance(body, dict):
                    raise ValueError("not a JSON object")
            except ValueError as exc:
                served.status = 400
                error = {"error": {"message": f"the body is not a JSON object: {exc}", "type": "invalid_request"}}
                await self._write(writer, 400, json.dumps(error).encode(), close=close)
                return
            served.body = body
            await self._chat(served, writer, close)
            return
        served.status = 404
        error = {"error": {"message": f"no route {served.method} {served.path}", "type": "not_found"}}
        await self._write(writer, 404, json.dumps(error).encode(), close=close)

    # -- life cycle -------------------------------------------------------------------

    def start(self) -> LatencyServer:
        ready = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                self._server = loop.run_until_complete(
                    asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=128, limit=1 << 20)
                )
                host, port = self._server.sockets[0].getsockname()[:2]
                self._address = (str(host), int(port))
            except BaseException as exc:  # surfaced by start()
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._thread = threading.Thread(target=serve, name="latency-server", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        loop, server = self._loop, self._server
        if loop is None or server is None or self._thread is None:
            return

        async def close() -> None:
            server.close()
            for writer in list(self._writers):
                writer.close()
            await server.wait_closed()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            loop.stop()

        asyncio.run_coroutine_threadsafe(close(), loop)
        self._thread.join(timeout=5)
        self._thread = None

    def __enter__(self) -> LatencyServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
