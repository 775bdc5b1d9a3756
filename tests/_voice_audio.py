"""Audio the voice tests need but the repository does not commit: a long recording, written at test time.

    from _voice_audio import FIXTURES, long_wav, manifest   # in tests/, as _web_helpers is imported
    path = long_wav(tmp_path / "long.wav", minutes=20)                      # 20 min of silence, 38 MB
    path = long_wav(tmp_path / "long.wav", minutes=20, source=FIXTURES / "en_clean_150.wav")  # speech, looped

Stdlib only (`wave`); 16 kHz mono 16-bit like the committed fixtures in tests/fixtures/voice/ (made by
tools/make_voice_fixtures.py, described by their manifest.json).
"""

from __future__ import annotations

import json
import wave
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "voice"
RATE = 16_000


def manifest() -> dict[str, dict[str, Any]]:
    """The fixtures' manifest entries by file name."""
    entries = json.loads((FIXTURES / "manifest.json").read_text())
    return {e["file"]: e for e in entries}


def long_wav(path: Path, minutes: float, *, source: Path | None = None) -> Path:
    """Write a WAV of `minutes`: silence, or `source` (a 16 kHz mono 16-bit WAV) repeated and cut to length."""
    frames = round(minutes * 60 * RATE)
    if source is None:
        chunk = bytes(2 * RATE)  # one second of silence
    else:
        with wave.open(str(source), "rb") as w:
            if (w.getframerate(), w.getnchannels(), w.getsampwidth()) != (RATE, 1, 2):
                raise ValueError(f"{source}: not 16 kHz mono 16-bit")
            chunk = w.readframes(w.getnframes())
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        left = frames
        while left > 0:
            piece = chunk[: 2 * left]
            out.writeframesraw(piece)
            left -= len(piece) // 2
    return path
