"""An eval run reaches nothing but the configured server: a network guard in the process proves it.

The run is a real `python -m interviewer eval run` subprocess. A `sitecustomize` module put first on its
PYTHONPATH wraps `socket.socket.connect`/`connect_ex`, `socket.create_connection` and `socket.getaddrinfo`
before anything else is imported: it writes every destination to a log and refuses all but the server's
(host, port). (promptfoo, for comparison, sends a telemetry event even with telemetry disabled.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from interviewer.testing import LatencyServer

ROOT = Path(__file__).resolve().parent.parent

GUARD = textwrap.dedent(
    '''
    """Network guard for a test subprocess: log every destination, refuse all but NETWORK_GUARD_ALLOW."""
    import json
    import os
    import socket

    _allowed = os.environ["NETWORK_GUARD_ALLOW"]  # host:port
    _host, _, _port = _allowed.rpartition(":")
    _log = open(os.environ["NETWORK_GUARD_LOG"], "a", buffering=1)


    class NetworkGuardRefused(ConnectionRefusedError):
        pass


    def _check(call, host, port):
        allowed = str(host) == _host and (port is None or str(port) == _port)
        _log.write(json.dumps({"pid": os.getpid(), "call": call, "host": str(host), "port": port, "allowed": allowed}))
        _log.write("\\n")
        if not allowed:
            raise NetworkGuardRefused(f"network guard: {call} to {host}:{port} refused (only {_allowed})")


    def _split(address):
        if isinstance(address, tuple) and len(address) >= 2:
            return address[0], address[1]
        return address, None  # an AF_UNIX path


    _connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex
    _create_connection, _getaddrinfo = socket.create_connection, socket.getaddrinfo


    def connect(self, address):
        _check("connect", *_split(address))
        return _connect(self, address)


    def connect_ex(self, address):
        _check("connect_ex", *_split(address))
        return _connect_ex(self, address)


    def create_connection(address, *args, **kwargs):
        _check("create_connection", *_split(address))
        return _create_connection(address, *args, **kwargs)


    def getaddrinfo(host, port, *args, **kwargs):
        _check("getaddrinfo", host.decode() if isinstance(host, bytes) else host, port)
        return _getaddrinfo(host, port, *args, **kwargs)


    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
    socket.create_connection, socket.getaddrinfo = create_connection, getaddrinfo
    _log.write(json.dumps({"pid": os.getpid(), "call": "loaded"}) + "\\n")
    '''
)


def guarded_env(tmp_path: Path, allow: tuple[str, int]) -> tuple[dict[str, str], Path]:
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(GUARD)
    log = tmp_path / "network.jsonl"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.lower().endswith("_proxy") and k not in {"OPENAI_API_KEY", "OPENAI_BASE_URL", "INTERVIEWER_CONFIG"}
    }
    env |= {
        "PYTHONPATH": os.pathsep.join([str(guard), str(ROOT)]),
        "NETWORK_GUARD_ALLOW": f"{allow[0]}:{allow[1]}",
        "NETWORK_GUARD_LOG": str(log),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),  # no user config file
        "INTERVIEWER_CACHE_DIR": str(tmp_path / "cache"),
    }
    return env, log


def destinations(log: Path) -> list[dict[str, object]]:
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert any(e["call"] == "loaded" for e in entries), "the guard was not loaded"
    return [e for e in entries if e["call"] != "loaded"]


def assert_only(log: Path, server: tuple[str, int]) -> None:
    """Every destination in the log is the server (and at least one connection was made)."""
    seen = destinations(log)
    elsewhere = [e for e in seen if not e["allowed"]]
    assert not elsewhere, f"reached beyond {server}: {elsewhere}"
    assert {(e["host"], e["port"]) for e in seen if e["call"] != "getaddrinfo"} == {server}


def test_an_eval_run_reaches_only_the_configured_server(tmp_path: Path, small: Path) -> None:
    with LatencyServer(model="m") as server:
        env, log = guarded_env(tmp_path, server.address)
        out = tmp_path / "run"
        argv = [sys.executable, "-m", "interviewer", "eval", "run", "--grader", "llm", "--no-cache", "--model", "m"]
        argv += ["--base-url", server.base_url, "--dataset", str(small), "--out", str(out)]
        done = subprocess.run(argv, check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        requests = server.completions
    assert done.returncode == 0, done.stderr[-2000:]
    results = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert len(results) == 10 and all(r["error"] is None for r in results)
    by_model = [r["case_id"] for r in results if r["feedback"]["grader"] == "llm"]
    offline = {r["case_id"] for r in results if r["feedback"]["grader"] != "llm"}
    assert offline == {"pom-pricing-config-error-empty"}  # an empty answer never reaches the model
    assert len(by_model) == len(requests) == 9
    assert_only(log, server.address)


def test_the_guard_catches_a_connection_elsewhere(tmp_path: Path) -> None:
    with LatencyServer() as server, LatencyServer() as other:
        env, log = guarded_env(tmp_path, server.address)
        host, port = other.address
        script = f"import socket; socket.create_connection(({host!r}, {port}), timeout=5)"
        done = subprocess.run(
            [sys.executable, "-c", script], check=False, env=env, capture_output=True, timeout=60, text=True
        )
        resolve = subprocess.run(
            [sys.executable, "-c", "import socket; socket.getaddrinfo('api.openai.com', 443)"],
            check=False,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode != 0 and "NetworkGuardRefused" in done.stderr
    assert resolve.returncode != 0 and "NetworkGuardRefused" in resolve.stderr
    assert other.records == []
    refused = [(e["host"], e["port"]) for e in destinations(log) if not e["allowed"]]
    assert refused == [(host, port), ("api.openai.com", 443)]
    with pytest.raises(AssertionError, match="reached beyond"):
        assert_only(log, server.address)
