"""The committed voice fixtures are what their manifest says (no model needed; the transcription tests use them)."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest
from _voice_audio import FIXTURES, RATE, long_wav, manifest

from interviewer.voice._wer import normalise_words

ENTRIES = manifest()
WAVS = sorted(f for f, e in ENTRIES.items() if f.endswith(".wav") and e["duration_seconds"] and f != "truncated.wav")


def test_every_file_is_listed_and_small() -> None:
    on_disk = {p.name for p in FIXTURES.iterdir()} - {"manifest.json"}
    assert on_disk == set(ENTRIES)
    assert sum(p.stat().st_size for p in FIXTURES.iterdir()) < 2_600_000
    for entry in ENTRIES.values():
        assert entry["purpose"]
        assert {"text", "language", "voice", "words_per_minute", "silences", "noise", "duration_seconds"} <= set(entry)
        if entry["words_per_minute"] and not entry["silences"]:  # espeak runs up to ~20% off its -s
            assert 0.75 < entry["produced_words_per_minute"] / entry["words_per_minute"] < 1.25
            assert entry["speech_seconds"] < entry["duration_seconds"]


@pytest.mark.parametrize("file", WAVS)
def test_wav_format_and_duration(file: str) -> None:
    with wave.open(str(FIXTURES / file), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (RATE, 1, 2)
        assert w.getnframes() / RATE == pytest.approx(ENTRIES[file]["duration_seconds"], abs=0.001)


def test_silences_lie_inside_the_recording_between_words() -> None:
    entry = ENTRIES["en_pauses.wav"]
    words = len(normalise_words(entry["text"]))
    assert [s["seconds"] for s in entry["silences"]] == [2.5, 4.0]
    for s in entry["silences"]:
        assert 0 < s["after_word"] < words
        assert 0 < s["starts_at_seconds"] < s["starts_at_seconds"] + s["seconds"] < entry["duration_seconds"]
    with wave.open(str(FIXTURES / "en_pauses.wav"), "rb") as w:
        for s in entry["silences"]:
            w.setpos(round(s["starts_at_seconds"] * RATE) + 10)  # starts_at_seconds is rounded to 1 ms
            assert set(w.readframes(round(s["seconds"] * RATE) - 20)) == {0}


def test_bad_inputs_are_what_they_claim() -> None:
    assert (FIXTURES / "empty.wav").stat().st_size == 0
    assert (FIXTURES / "corrupt.wav").read_bytes()[:4] == b"RIFF"
    assert (FIXTURES / "not_audio.wav").read_text().startswith("This is a text file")
    with wave.open(str(FIXTURES / "truncated.wav"), "rb") as w:  # the header claims more than the file holds
        assert w.getnframes() > 0.75 * RATE
    assert (FIXTURES / "truncated.wav").stat().st_size == 44 + 2 * round(0.75 * RATE)


@pytest.mark.parametrize("source", [None, FIXTURES / "en_clean_150.wav"])
def test_long_wav(tmp_path: Path, source: Path | None) -> None:
    path = long_wav(tmp_path / "long.wav", minutes=0.5, source=source)
    with wave.open(str(path), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()) == (RATE, 1, 2, 30 * RATE)
