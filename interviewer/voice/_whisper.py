"""`WhisperTranscriber`: faster-whisper (CTranslate2, int8 on the CPU, no torch) with word timestamps.

The model loads on first use (about 0.4 s for Whisper base on 2 cores; `load()` warms it ahead) and is
shared by every thread: calls take turns, since one transcription already uses every core.

Every call to the model runs on one long-lived thread of the transcriber's own, the one that loaded it:
CTranslate2 runs several times slower (4-5 s of CPU instead of 1.9 s for the same 9 s recording, measured)
once the thread that loaded the model has exited, which a web server's short-lived worker threads do.

That thread never holds up the end of the process: it is a daemon thread, and a transcription whose caller
gave up (Ctrl-C) stops at its next 30 s window. But a process must not end while CTranslate2 is computing
on it: that crashes (a segmentation fault, or an abort with "terminate called without an active exception",
seen on every try). So at exit the transcriber stops its transcription at the next window and waits for that
(`stop_at_exit`); a front end that must end at once (the terminal after Ctrl-C) ends the process with
`os._exit` while `transcribing()` says one is under way.
"""

from __future__ import annotations

import atexit
import functools
import os
import queue
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from .._threads import threads_from_env
from ._base import SAMPLE_RATE, Samples, SpokenWord, Transcript
from ._model import configured_model, model_dir, not_loadable, voice_unavailable

__all__ = ["LEAD_IN_SECONDS", "WhisperTranscriber", "stop_at_exit", "transcribing"]

LEAD_IN_SECONDS = 0.3
"""Silence put before every recording: speech from the very first sample loses words (held-out clean WER
12.1% without, 10.2% with; docs/voice.md). Word times are given back on the recording's own clock."""

_T = TypeVar("_T")
_Stop = Callable[[], bool]


class _Stopped(Exception):
    """A transcription stopped between two windows: its caller gave up, or the process is ending."""


class _ModelThread:
    """One long-lived daemon thread that runs jobs in turn; a job is told when to stop (`should_stop()`)."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._jobs: queue.SimpleQueue[tuple[Callable[[_Stop], Any], Future[Any], threading.Event] | None] = (
            queue.SimpleQueue()
        )
        self._thread: threading.Thread | None = None
        self._state = threading.Condition()
        self._busy = False
        self._closing = False
        self._halting = False
        _THREADS.add(self)

    @property
    def busy(self) -> bool:
        with self._state:
            return self._busy

    def run(self, job: Callable[[_Stop], _T]) -> _T:
        """Run `job` on the thread and wait for it; if the wait is interrupted, the job is told to stop."""
        given_up = threading.Event()
        future: Future[_T] = Future()
        with self._state:
            if self._closing:
                raise RuntimeError("this transcriber was closed")
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name=self._name, daemon=True)
                self._thread.start()
            self._jobs.put((job, future, given_up))
        try:
            return future.result()
        except BaseException:
            given_up.set()  # Ctrl-C while waiting: nobody wants the result any more
            raise

    def close(self) -> None:
        """No more jobs: those waiting are cancelled, the one under way finishes."""
        with self._state:
            self._closing = True
            if self._thread is not None:
                self._jobs.put(None)

    def halt(self) -> None:
        """At exit: the job under way stops at its next window, and this waits until it has.

        Its caller is not told: only daemon threads are left at exit, and they are about to stop.
        """
        with self._state:
            self._closing = self._halting = True
            if self._thread is not None:
                self._jobs.put(None)
            self._state.wait_for(lambda: not self._busy)

    def _should_stop(self, given_up: threading.Event) -> bool:
        return given_up.is_set() or self._halting

    def _serve(self) -> None:
        while (item := self._jobs.get()) is not None:
            job, future, given_up = item
            with self._state:
                if self._halting:
                    return
                if self._closing or given_up.is_set() or not future.set_running_or_notify_cancel():
                    future.cancel()
                    continue
                self._busy = True
            try:
                result = job(functools.partial(self._should_stop, given_up))
            except _Stopped as exc:
                if not self._halting:
                    future.set_exception(exc)
            except BaseException as exc:
                future.set_exception(exc)
            else:
                future.set_result(result)
            finally:
                with self._state:
                    self._busy = False
                    self._state.notify_all()


_THREADS: weakref.WeakSet[_ModelThread] = weakref.WeakSet()


def transcribing() -> bool:
    """Whether any transcriber in this process is running its model right now (loading or transcribing)."""
    return any(t.busy for t in list(_THREADS))


@atexit.register
def stop_at_exit() -> None:
    """Stop every transcriber, waiting for a transcription under way to reach its next window.

    Registered to run at exit (before the interpreter is torn down): ending the process while CTranslate2
    computes on a thread crashes it.
    """
    for thread in list(_THREADS):
        thread.halt()


def _folder_name(folder: Path | None) -> str:
    if folder is None:
        return "base"  # the bundled Whisper base
    return folder.name or folder.resolve().name


class WhisperTranscriber:
    """Transcribes with a CTranslate2 Whisper model folder (the bundled Whisper base unless told otherwise)."""

    def __init__(
        self,
        folder: Path | str | None = None,
        *,
        compute_type: str = "int8",
        cpu_threads: int | None = None,
        beam_size: int = 5,
    ) -> None:
        self._folder = Path(folder) if folder is not None else None
        self.compute_type = compute_type
        self.cpu_threads = cpu_threads or threads_from_env("INTERVIEWER_WHISPER_THREADS", os.cpu_count() or 1)
        self.beam_size = beam_size
        self._model: Any = None
        self._loaded_name: str | None = None
        self._worker = _ModelThread("whisper")
        """The one thread that loads and runs the model (started by the first call; calls queue for it)."""

    @property
    def name(self) -> str:
        """`faster-whisper base (int8)` for the bundled model, else the model folder's name."""
        return f"faster-whisper {self._model_name()} ({self.compute_type})"

    def _model_name(self) -> str:
        if self._loaded_name is not None:
            return self._loaded_name
        return _folder_name(configured_model(self._folder))

    @property
    def busy(self) -> bool:
        """Whether the model is running (loading or transcribing) right now."""
        return self._worker.busy

    def load(self) -> None:
        """Load the model now (it is otherwise loaded by the first transcription)."""
        self._worker.run(lambda should_stop: self._load())

    def close(self) -> None:
        """Let the model's thread go (the transcriber cannot be used after this; one under way still finishes)."""
        self._worker.close()

    def _load(self) -> Any:
        if self._model is None:
            try:
                from faster_whisper import WhisperModel
            except ImportError as exc:
                raise voice_unavailable() from exc
            asked = configured_model(self._folder)
            folder = model_dir(self._folder)
            try:
                self._model = WhisperModel(
                    str(folder),
                    device="cpu",
                    compute_type=self.compute_type,
                    cpu_threads=self.cpu_threads,
                    local_files_only=True,
                )
            except (RuntimeError, ValueError, OSError) as exc:  # CTranslate2: "File model.bin is incomplete"
                raise not_loadable(folder, exc, self._folder) from None
            self._loaded_name = _folder_name(asked)
        return self._model

    def transcribe(self, samples: Samples, *, language: str | None = None) -> Transcript:
        return self._worker.run(lambda should_stop: self._transcribe(samples, language, should_stop))

    def _transcribe(self, samples: Samples, language: str | None, should_stop: _Stop) -> Transcript:
        model = self._load()
        lead_in = np.zeros(round(LEAD_IN_SECONDS * SAMPLE_RATE), dtype=np.float32)
        pieces, info = model.transcribe(
            np.concatenate([lead_in, samples]),
            language=language,
            beam_size=self.beam_size,
            word_timestamps=True,
            vad_filter=True,  # silence gives no words, not an invented "Thank you."
            condition_on_previous_text=False,
        )
        segments = []
        pending = iter(pieces)
        while True:
            if should_stop():  # the next step may decode the next 30 s window: stop before it when asked
                raise _Stopped("the transcription was stopped")
            segment = next(pending, None)
            if segment is None:
                break
            segments.append(segment)
        words = tuple(
            SpokenWord(
                w.word.strip(),
                max(0.0, float(w.start) - LEAD_IN_SECONDS),
                max(0.0, float(w.end) - LEAD_IN_SECONDS),
                float(w.probability),
            )
            for s in segments
            for w in (s.words or [])
            if w.word.strip()
        )
        return Transcript(
            text=" ".join(s.text.strip() for s in segments if s.text.strip()),
            words=words,
            language=str(info.language),
            language_probability=float(info.language_probability),
            duration_seconds=len(samples) / SAMPLE_RATE,
            language_probabilities={str(c): float(p) for c, p in (info.all_language_probs or [])},
        )
