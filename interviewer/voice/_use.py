"""From a recording to an answer: decode, transcribe, refuse what cannot be graded, measure pace and pauses.

The one path every front end takes (`feedback --answer-audio`, `practice --answers-audio`, the browser's
record button), so a silent, damaged, too long or foreign-language recording gets the same message
everywhere, and the candidate's typed answer and session are never touched by a failed recording.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from ..exceptions import AudioError, AudioProblem
from ..models import SpokenDelivery
from ._audio import MAX_SECONDS, decode
from ._base import Transcriber, Transcript
from ._model import voice_available, voice_unavailable
from ._pace import measure_speech
from ._whisper import WhisperTranscriber

__all__ = ["GRADED_LANGUAGES", "SpokenAnswer", "default_transcriber", "transcribe_answer"]

GRADED_LANGUAGES: frozenset[str] = frozenset({"en"})
"""Languages the bundled Whisper base transcribes well enough to grade (docs/voice.md has the measurements)."""

PLAUSIBLE = 0.3
"""A graded language the detector gives at least this probability is transcribed as that language, even when
another language came first: Whisper base mistakes some English voices for Latin or Welsh (p(English) 0.41
on one), while speech in another language gives English at most 0.22 (docs/voice.md)."""

_NAMES = {
    "en": "English",
    "es": "Spanish",
    "de": "German",
    "fr": "French",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "pl": "Polish",
    "ru": "Russian",
    "zh": "Chinese",
    "ja": "Japanese",
}


@dataclass(frozen=True)
class SpokenAnswer:
    """A transcribed answer: the text to grade (the candidate may correct it) and how it sounded."""

    text: str
    spoken: SpokenDelivery
    transcript: Transcript


@functools.cache
def default_transcriber() -> WhisperTranscriber:
    """The process's shared transcriber (bundled Whisper base, or `$INTERVIEWER_WHISPER_MODEL`)."""
    return WhisperTranscriber()


def _check_heard(transcript: Transcript, name: str, seconds: float) -> None:
    if not transcript.words or not transcript.text.strip():
        raise AudioError(
            f"no speech found in {name} ({seconds:.1f} s of audio): check that the right microphone is on and "
            "not muted, then record again (or type your answer)",
            AudioProblem.SILENT,
        )


def _language(code: str) -> str:
    return _NAMES.get(code, code)


def transcribe_answer(
    source: Path | bytes,
    transcriber: Transcriber | None = None,
    *,
    name: str | None = None,
    audio_file: str | None = None,
    languages: Collection[str] = GRADED_LANGUAGES,
    max_seconds: float = MAX_SECONDS,
) -> SpokenAnswer:
    """Transcribe one spoken answer; `AudioError` for a recording that cannot be graded, saying what to do."""
    if transcriber is None and not voice_available():
        raise voice_unavailable()  # before judging the file: the first thing to fix is the install
    recording = decode(source, name=name, max_seconds=max_seconds)
    engine = transcriber or default_transcriber()
    transcript = engine.transcribe(recording.samples)
    _check_heard(transcript, recording.name, recording.seconds)
    if languages and transcript.language not in languages:
        odds = {code: transcript.language_probabilities.get(code, 0.0) for code in languages}
        likeliest = max(sorted(odds), key=lambda code: odds[code])
        if odds[likeliest] < PLAUSIBLE:
            allowed = ", ".join(_language(c) for c in sorted(languages))
            raise AudioError(
                f"{recording.name} sounds like {_language(transcript.language)} "
                f"({round(100 * transcript.language_probability)}% sure); spoken answers are transcribed well "
                f"enough to grade in {allowed} only: answer in {allowed}, or type your answer",
                AudioProblem.LANGUAGE,
            )
        transcript = engine.transcribe(recording.samples, language=likeliest)  # a graded language, misheard
        _check_heard(transcript, recording.name, recording.seconds)
    spoken = measure_speech(transcript, transcriber=engine.name, audio_file=audio_file)
    return SpokenAnswer(transcript.text.strip(), spoken, transcript)
