"""Decoding a recording (file or upload) into 16 kHz mono samples, with a clear error for anything else.

PyAV (FFmpeg's decoders, a dependency of faster-whisper) reads WAV, MP3, M4A/AAC, WebM/Opus, Ogg and FLAC:
what a browser's MediaRecorder and a phone's voice memo produce. Decoding stops as soon as a recording
runs past `MAX_SECONDS`, so a very long file costs a second, not its whole length.
"""

from __future__ import annotations

import io
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from ..exceptions import AudioError, AudioProblem
from ._base import SAMPLE_RATE, Samples

__all__ = ["FORMATS", "MAX_SECONDS", "MIN_SECONDS", "Recording", "decode"]

MAX_SECONDS = 10 * 60
"""The longest recording taken as one answer: interviewers stop an answer long before ten minutes."""

MIN_SECONDS = 1.5
"""The shortest: less is a recording cut off or stopped at once (a cut-off upload of 0.75 s came out as
"I will check." at 450 words a minute), not an answer."""

FORMATS = "WAV, MP3, M4A, WebM, Ogg or FLAC"

_CONTAINER_OPTIONS = {
    "format_whitelist": "wav,mp3,mov,matroska,ogg,flac,aac",
    "protocol_whitelist": "none",
}
"""FFmpeg reads only the containers of `FORMATS` (MP4/M4A is `mov`, WebM is `matroska`) and opens nothing
itself: without this a playlist (HLS) fetches its URLs, and an `ffconcat` script reads other files."""


@dataclass(frozen=True)
class Recording:
    """A decoded recording."""

    samples: Samples
    name: str
    """The file name it came from, for messages."""

    @property
    def seconds(self) -> float:
        return len(self.samples) / SAMPLE_RATE


def decode(source: Path | bytes, *, name: str | None = None, max_seconds: float = MAX_SECONDS) -> Recording:
    """Decode a file or the bytes of an upload; `AudioError` says what is wrong with anything that is not audio.

    A file is opened as a file, never handed to FFmpeg as a name: `concat:a.wav|b.wav` is a file name here,
    not one of FFmpeg's protocols. Of several audio streams (a video, a recording with a commentary track),
    the one FFmpeg ranks best is decoded.
    """
    label = name or (source.name if isinstance(source, Path) else "the recording")
    try:
        import av
    except ImportError as exc:  # av comes with the voice extra: say so before judging the file
        from ._model import voice_unavailable

        raise voice_unavailable() from exc
    if isinstance(source, Path):
        with _open(source) as handle:
            return _recording(av, handle, os.fstat(handle.fileno()).st_size, label, max_seconds)
    return _recording(av, io.BytesIO(source), len(source), label, max_seconds)


def _open(path: Path) -> BinaryIO:
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise AudioError(f"cannot read {path}: {exc.strerror or exc}", AudioProblem.MISSING) from None
    if stat.S_ISDIR(mode):
        raise AudioError(f"{path} is a folder, not an audio file", AudioProblem.MISSING)
    if not stat.S_ISREG(mode):  # a FIFO would block the read, a device never end: neither is a recording
        raise AudioError(
            f"{path} is not a regular file (a pipe, socket or device): give the recording's own file",
            AudioProblem.MISSING,
        )
    try:
        return path.open("rb")  # closed by the caller's with
    except PermissionError:
        raise AudioError(f"cannot read {path}: permission denied", AudioProblem.MISSING) from None
    except OSError as exc:
        raise AudioError(f"cannot read {path}: {exc.strerror or exc}", AudioProblem.MISSING) from None


def _recording(av: Any, handle: BinaryIO, size: int, label: str, max_seconds: float) -> Recording:
    if size == 0:
        raise AudioError(f"{label} is empty (0 bytes): record the answer again", AudioProblem.EMPTY)
    try:
        samples = _decode(av, handle, max_seconds)
    except _TooLong:
        minutes = round(max_seconds / 60)
        raise AudioError(
            f"{label} is longer than {minutes} minutes; an answer should take one to three: record a shorter one",
            AudioProblem.TOO_LONG,
            file_advice=f"or trim it (for example: sox {label} short.wav trim 0 3:00)",
        ) from None
    except (av.FFmpegError, ValueError, IndexError, OSError, EOFError) as exc:
        raise AudioError(
            f"cannot decode {label}: it is not audio in a format the decoder reads ({FORMATS}) or the file is "
            f"damaged ({_reason(exc)})",
            AudioProblem.UNREADABLE,
        ) from None
    if samples.size == 0:
        raise AudioError(f"{label} holds no sound (no audio samples): record the answer again", AudioProblem.EMPTY)
    recording = Recording(samples, label)
    if recording.seconds < MIN_SECONDS:
        raise AudioError(
            f"{label} is only {recording.seconds:.1f} s long: it seems cut off; record the answer again (or type it)",
            AudioProblem.TOO_SHORT,
        )
    return recording


class _TooLong(Exception):
    pass


def _decode(av: Any, source: BinaryIO, max_seconds: float) -> Samples:
    limit = int(max_seconds * SAMPLE_RATE)
    chunks: list[np.ndarray[Any, Any]] = []
    total = 0
    resampler = av.audio.resampler.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    with av.open(source, mode="r", metadata_errors="ignore", options=_CONTAINER_OPTIONS) as box:
        stream = box.streams.best("audio")
        if stream is None:
            raise ValueError("no audio stream")
        for frame in box.decode(stream):
            for out in [*resampler.resample(frame)]:
                array = out.to_ndarray().reshape(-1)
                chunks.append(array)
                total += array.size
            if total > limit:
                raise _TooLong
        for out in resampler.resample(None):  # flush what the resampler holds
            chunks.append(out.to_ndarray().reshape(-1))
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    return (np.concatenate(chunks).astype(np.float32) / 32768.0).astype(np.float32)


def _reason(exc: BaseException) -> str:
    """FFmpeg's own words ("Invalid data found when processing input"), without its error number or path."""
    text = getattr(exc, "strerror", None) or str(exc).strip() or type(exc).__name__
    return str(text).split(": '", 1)[0][:120]
