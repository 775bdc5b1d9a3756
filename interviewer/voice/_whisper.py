"""`WhisperTranscriber`: faster-whisper (CTranslate2, int8 on the CPU, no torch) with word timestamps.

The model loads on first use (about 0.6 s for Whisper base on 2 cores; `load()` warms it ahead) and is
shared by every thread: calls take turns, since one transcription already uses every core.

Every call to the model runs on one long-lived thread of the transcriber's own, the one that loaded it:
CTranslate2 runs several times slower (4-5 s of CPU instead of 1.9 s for the same 9 s recording, measured)
once the thread that loaded the model has exited, which a web server's short-lived worker threads do.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from ._base import SAMPLE_RATE, Samples, SpokenWord, Transcript
from ._model import model_dir, unavailable

__all__ = ["LEAD_IN_SECONDS", "WhisperTranscriber"]

LEAD_IN_SECONDS = 0.3
"""Silence put before every recording: speech from the very first sample loses words (held-out clean WER
12.1% without, 10.2% with; docs/voice.md). Word times are given back on the recording's own clock."""


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
        self.cpu_threads = cpu_threads or os.cpu_count() or 1
        self.beam_size = beam_size
        self._model: Any = None
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="whisper")
        """The one thread that loads and runs the model (its idle thread stays; calls queue for it)."""

    @property
    def name(self) -> str:
        folder = self._folder.name if self._folder is not None else "base"
        return f"faster-whisper {folder} ({self.compute_type})"

    def load(self) -> None:
        """Load the model now (it is otherwise loaded by the first transcription)."""
        self._worker.submit(self._load).result()

    def close(self) -> None:
        """Let the model's thread go (the transcriber cannot be used after this)."""
        self._worker.shutdown(wait=False, cancel_futures=True)

    def _load(self) -> Any:
        if self._model is None:
            try:
                from faster_whisper import WhisperModel
            except ImportError as exc:
                raise unavailable() from exc
            folder = model_dir(self._folder)
            self._model = WhisperModel(
                str(folder),
                device="cpu",
                compute_type=self.compute_type,
                cpu_threads=self.cpu_threads,
                local_files_only=True,
            )
        return self._model

    def transcribe(self, samples: Samples, *, language: str | None = None) -> Transcript:
        return self._worker.submit(self._transcribe, samples, language).result()

    def _transcribe(self, samples: Samples, language: str | None) -> Transcript:
        model = self._load()
        lead_in = np.zeros(round(LEAD_IN_SECONDS * SAMPLE_RATE), dtype=np.float32)
        segments, info = model.transcribe(
            np.concatenate([lead_in, samples]),
            language=language,
            beam_size=self.beam_size,
            word_timestamps=True,
            vad_filter=True,  # silence gives no words, not an invented "Thank you."
            condition_on_previous_text=False,
        )
        segments = list(segments)
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
