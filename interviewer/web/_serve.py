"""Run the app with uvicorn on a socket bound here (so port 0 works and the URL printed is the real one)."""

from __future__ import annotations

import os
import socket
import sys
import threading
import webbrowser
from collections.abc import Callable

from ._state import LOOPBACK_HOSTS, WebState

__all__ = ["bind", "has_browser", "serve", "url_of"]


def has_browser() -> bool:
    """Whether opening a page can show it to someone (not a server with no display)."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return False
    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    return True


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it (Linux): without it, a response written in two pieces waits out the
    # client's delayed ACK on a kept-alive connection (40 ms a request).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host.strip("[]"), port))
    sock.listen(128)  # connections queue from here on, so the URL printed works at once
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = "127.0.0.1" if host == "0.0.0.0" else f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def serve(
    state: WebState,
    sock: socket.socket,
    *,
    open_browser: bool,
    say: Callable[[str], None],
) -> None:
    """Serve until Ctrl-C; every open session is released (its work is saved already) when it stops."""
    import uvicorn

    from ._app import create_app

    url = url_of(sock)
    say(f"Serving the mock interview at {url} (Ctrl-C stops it).")
    host = sock.getsockname()[0]
    if host not in LOOPBACK_HOSTS:
        say(
            f"Warning: listening on {host}, not only on this computer: anyone who can reach it on the network "
            "can see and change your answers."
        )
    if open_browser and has_browser():
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    app = create_app(state, warm_transcriber=True)  # the first recording should not wait for Whisper to load
    config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=1)
    uvicorn.Server(config).run(sockets=[sock])
