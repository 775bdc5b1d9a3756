"""Running an eval over several processes, so CPU-bound grading (offline, replay) uses every core.

Each worker loads the corpus, the dataset and its graders, says it is ready,
waits for the others (so start-up is not counted as grading), grades its share
of the cases and streams every result back to the parent, which alone writes
the run folder and drives the progress bar. A worker whose parent dies (kill -9,
a crash) ends at once, rather than grading on for nobody.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import multiprocessing
import os
import pickle
import queue as queues
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any, NoReturn

from ..exceptions import InterviewerError, UserError
from ._dataset import Case, Dataset
from ._results import CaseResult, RunSpec

__all__ = ["run_in_processes"]

_START_TIMEOUT = 300.0
_PR_SET_PDEATHSIG = 1
"""prctl(2): the signal the kernel sends this process when its parent dies."""
_WATCH_SECONDS = 0.5


def _exit_with(parent: int) -> None:
    """End this process when `parent` dies: at once on Linux, within `_WATCH_SECONDS` elsewhere.

    Linux sends the signal when the thread that started the worker ends; `run_in_processes`
    starts and joins its workers in one thread, so that is when the parent is gone.
    """
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):  # no prctl (an unusual libc): the watchdog still works
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    _watch_parent(parent)


def _watch_parent(parent: int) -> None:
    """Exit as soon as `parent` is no longer this process's parent (orphans are adopted by init or a subreaper)."""
    if os.getppid() != parent:  # it died before we got here
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(_WATCH_SECONDS)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _worker(
    parent: int,
    index: int,
    dataset_path: Path,
    corpus_root: Path,
    items: list[tuple[str, int]],
    config: Any,
    spec: RunSpec,
    channel: multiprocessing.Queue[tuple[str, int, Any]],
    go: Event,
) -> None:
    _exit_with(parent)
    from ..corpus import load_corpus
    from ._dataset import load_dataset
    from ._runner import run_with_graders

    try:
        corpus = load_corpus(corpus_root)
        cases = {c.id: c for c in load_dataset(dataset_path, corpus).cases}
        todo = [(cases[case_id], repeat) for case_id, repeat in items]

        def ready() -> None:  # warmed up: wait for the others, so start-up is not counted as grading
            channel.put(("ready", index, None))
            go.wait()

        asyncio.run(
            run_with_graders(
                todo, config, spec, corpus, lambda r: channel.put(("result", index, r.model_dump_json())), ready
            )
        )
        channel.put(("done", index, None))
    except BaseException as exc:  # report every failure to the parent, which decides
        channel.put(("error", index, _pickled(exc)))


def _pickled(exc: BaseException) -> bytes:
    """`exc` for the parent: our own errors whole (class, kind, status), any other as one line."""
    if isinstance(exc, InterviewerError):
        try:
            return pickle.dumps(exc)
        except Exception:  # an attribute that does not pickle: keep the message
            pass
    if isinstance(exc, UserError):
        return pickle.dumps(UserError(str(exc)))
    return pickle.dumps(InterviewerError(f"an eval worker failed: {type(exc).__name__}: {exc}"))


def run_in_processes(
    todo: Sequence[tuple[Case, int]],
    dataset: Dataset,
    corpus: Any,
    config: Any,
    spec: RunSpec,
    workers: int,
    sink: Callable[[CaseResult], None],
    started: Callable[[], None],
) -> None:
    context = multiprocessing.get_context("spawn")
    channel: multiprocessing.Queue[tuple[str, int, Any]] = context.Queue()
    go = context.Event()
    shards = [list(todo[i::workers]) for i in range(workers)]
    processes = [
        context.Process(
            target=_worker,
            args=(os.getpid(), i, dataset.path, corpus.root, [(c.id, k) for c, k in shard], config, spec, channel, go),
            daemon=True,
        )
        for i, shard in enumerate(shards)
        if shard
    ]
    for process in processes:
        process.start()
    try:
        ready = 0
        while ready < len(processes):
            try:
                kind, _, payload = channel.get(timeout=_START_TIMEOUT)
            except queues.Empty:
                raise InterviewerError(
                    f"the eval worker processes did not start within {_START_TIMEOUT:.0f} s; try --workers 1"
                ) from None
            if kind == "error":
                _raise(payload)
            ready += kind == "ready"
        started()
        go.set()
        finished = 0
        while finished < len(processes):
            try:
                kind, _, payload = channel.get(timeout=1.0)
            except queues.Empty:
                if not any(p.is_alive() for p in processes):
                    raise InterviewerError("an eval worker process died without a word") from None
                continue
            if kind == "result":
                sink(CaseResult.model_validate_json(payload))
            elif kind == "done":
                finished += 1
            elif kind == "error":
                _raise(payload)
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join(timeout=10)


def _raise(payload: bytes) -> NoReturn:
    error = pickle.loads(payload)  # from our own worker, pickled by `_pickled`
    assert isinstance(error, InterviewerError)
    raise error
