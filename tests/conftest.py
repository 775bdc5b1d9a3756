"""Shared fixtures. Every test runs with the network blocked (see `no_network`)."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from interviewer.corpus import Corpus, RoleCorpus, load_corpus
from interviewer.graders import OfflineGrader

ROOT = Path(__file__).resolve().parent.parent
# Tests may use both cores for the embedding model (the product default is one thread).
os.environ.setdefault("INTERVIEWER_EMBED_THREADS", "2")


class NetworkBlocked(RuntimeError):
    """Raised by any attempt to open a network connection during tests."""


def _refuse(*args: object, **kwargs: object) -> None:
    raise NetworkBlocked(f"network access attempted in a test: {args!r}")


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Offline by default: connecting anywhere but a local socket pair fails loudly."""
    monkeypatch.setattr(socket.socket, "connect", _refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", _refuse)
    monkeypatch.setattr(socket, "create_connection", _refuse)
    monkeypatch.setattr(socket, "getaddrinfo", _refuse)


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
def corpus_copy(tmp_path: Path) -> Iterator[Path]:
    """A writable copy of the bundled corpus and rubrics, to break on purpose."""
    root = tmp_path / "data"
    shutil.copytree(ROOT / "corpus", root / "corpus")
    shutil.copytree(ROOT / "rubrics", root / "rubrics")
    yield root
