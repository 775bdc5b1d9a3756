"""Shared fixtures. Every test runs with the network blocked (see `no_network`)."""

from __future__ import annotations

import functools
import os
import shutil
import signal
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer.testing

from interviewer.corpus import Corpus, RoleCorpus, load_corpus
from interviewer.graders import OfflineGrader

ROOT = Path(__file__).resolve().parent.parent
# Tests may use both cores for the local models (the embedding model's product default is one thread),
# unless pytest-xdist already runs one test process per core: then every model gets one thread. Two
# processes that each spin two threads on two cores run several times slower (measured: llama.cpp writes
# 16 tokens/s with 2 threads and 37 with 1 while the other core is busy).
_THREADS = "1" if os.environ.get("PYTEST_XDIST_WORKER") else "2"
for _name in ("INTERVIEWER_EMBED_THREADS", "INTERVIEWER_WHISPER_THREADS", "INTERVIEWER_LLAMA_THREADS"):
    os.environ.setdefault(_name, _THREADS)
# One throwaway cache of offline feedback for the whole session, never the developer's own.
os.environ["INTERVIEWER_CACHE_DIR"] = tempfile.mkdtemp(prefix="interviewer-test-cache-")


# typer builds the click command from the app's signatures on every `CliRunner.invoke` (about 35 ms of
# annotation evaluation each time, hundreds of times a run); a click command is reusable, so build it once.
typer.testing._get_command = functools.lru_cache(maxsize=None)(typer.testing._get_command)  # type: ignore[attr-defined]


@pytest.fixture
def sigint_as_in_a_terminal() -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt, as in a terminal, even when the tests were started in the background
    (`cmd &` without job control starts them with SIGINT ignored); children started meanwhile inherit it."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


class NetworkBlocked(RuntimeError):
    """Raised by any attempt to reach beyond this machine during tests."""


_LOOPBACK = {"127.0.0.1", "::1", "localhost"}
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _is_loopback(address: object) -> bool:
    if isinstance(address, tuple) and address:
        return str(address[0]) in _LOOPBACK
    return isinstance(address, str | bytes)  # AF_UNIX paths stay on the machine


def _connect(self: socket.socket, address: object) -> None:
    if not _is_loopback(address):
        raise NetworkBlocked(f"network access attempted in a test: {address!r}")
    _real_connect(self, address)  # type: ignore[arg-type]


def _connect_ex(self: socket.socket, address: object) -> int:
    if not _is_loopback(address):
        raise NetworkBlocked(f"network access attempted in a test: {address!r}")
    return _real_connect_ex(self, address)  # type: ignore[arg-type]


def _getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
    name = host.decode() if isinstance(host, bytes) else host
    if name not in _LOOPBACK:
        raise NetworkBlocked(f"name lookup attempted in a test: {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Offline by default: only loopback (our own fault server, the local llama.cpp server) is reachable."""
    monkeypatch.setattr(socket.socket, "connect", _connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", _getaddrinfo)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Sessions go to a temporary folder, never the developer's real data dir."""
    home = tmp_path / "home"
    monkeypatch.setenv("INTERVIEWER_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    return load_corpus()


@pytest.fixture(scope="session")
def dpo(corpus: Corpus) -> RoleCorpus:
    return corpus.role("digital-product-owner")


@pytest.fixture(scope="session")
def grader() -> OfflineGrader:
    return OfflineGrader()


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """A dataset of ten golden cases: the original five of two questions (issue 9's probes come after)."""
    folder = tmp_path / "dataset"
    folder.mkdir()
    for name in ("dpo-prioritise-urgent.yaml", "pom-pricing-config-error.yaml"):
        shutil.copy(ROOT / "evals" / "golden" / name, folder / name)
    path = folder / "dpo-prioritise-urgent.yaml"
    text = path.read_text()
    path.write_text(text[: text.index("  - id: dpo-prioritise-urgent-rice-applied")])
    return folder


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Iterator[Path]:
    """A writable copy of the bundled corpus and rubrics, to break on purpose."""
    root = tmp_path / "data"
    shutil.copytree(ROOT / "corpus", root / "corpus")
    shutil.copytree(ROOT / "rubrics", root / "rubrics")
    yield root


# The longest files, longest first (`--durations=0` summed by file, on 2 idle cores). With `--dist loadfile
# --no-loadscope-reorder` (the Makefile's) pytest-xdist hands out whole files in this order, so the long
# ones start at once and the many short ones fill in around them, instead of one long file running last
# on one core while the other waits. Files not named keep their place after these.
LONGEST_FIRST = ("test_real_server.py", "test_voice_audio.py", "test_eval_recorded.py", "test_tmux.py")
# The browser files go last: pytest-playwright's Playwright lives for the whole test process, and while it
# does, asyncio.run() in any later test of that process fails ("cannot be called from a running event loop").
LAST = ("test_browser_voice.py", "test_browser.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: place for place, name in enumerate(LONGEST_FIRST)}
    rank |= {name: len(rank) + 1 + place for place, name in enumerate(LAST)}

    def place(item: pytest.Item) -> int:
        return rank.get(item.path.name, len(LONGEST_FIRST))

    items.sort(key=place)  # stable: each file keeps its own order
