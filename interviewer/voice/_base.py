"""The `Transcriber` interface and what it returns: words with their times, as the recording has them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

__all__ = ["SAMPLE_RATE", "Samples", "SpokenWord", "Transcriber", "Transcript", "Warmable"]

SAMPLE_RATE = 16_000
"""Transcribers take mono audio at 16 kHz (what Whisper was trained on)."""

Samples = NDArray[np.float32]
"""Mono audio at `SAMPLE_RATE`, floats in [-1, 1]."""


@dataclass(frozen=True)
class SpokenWord:
    """One word as heard, with when it was said (seconds from the start of the recording)."""

    text: str
    start: float
    end: float
    probability: float = 1.0


@dataclass(frozen=True)
class Transcript:
    """What a transcriber heard in one recording."""

    text: str
    words: tuple[SpokenWord, ...]
    language: str
    """ISO 639-1 code of the language heard (or the one asked for)."""
    language_probability: float
    """How sure the transcriber is of `language`, from 0 to 1 (1 when the language was given)."""
    duration_seconds: float
    """Length of the recording."""
    language_probabilities: Mapping[str, float] = field(default_factory=dict)
    """Every language the detector considered, with its probability (empty when the language was given)."""


@runtime_checkable
class Transcriber(Protocol):
    """Turns speech into text with word timestamps. Safe to share between threads."""

    @property
    def name(self) -> str:
        """What transcribes, recorded with the measurements (`faster-whisper base (int8)`)."""
        ...

    def transcribe(self, samples: Samples, *, language: str | None = None) -> Transcript:
        """Transcribe a recording; `language` None means detect it."""
        ...


@runtime_checkable
class Warmable(Protocol):
    """A transcriber whose model can be loaded ahead of the first recording (`WhisperTranscriber` is one)."""

    def load(self) -> None:
        """Load the model now; a failure raises what the first transcription would."""
        ...
