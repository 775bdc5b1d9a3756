"""`ScriptedTranscriber`: a `Transcriber` that hears the text it was given, at a set pace, with set pauses.

For tests of everything around transcription (the engine, the CLI, the browser's upload) without loading
Whisper: the words are spread over the recording at `words_per_minute`, with `pauses` (seconds, after the
word at that 0-based index) added, so pace and pause figures are known exactly.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..voice import SAMPLE_RATE, Samples, SpokenWord, Transcript

__all__ = ["ScriptedTranscriber"]


class ScriptedTranscriber:
    """Hears `text` in any recording; `language` is what it says it heard."""

    name = "scripted"

    def __init__(
        self,
        text: str,
        *,
        words_per_minute: float = 140.0,
        pauses: Mapping[int, float] | None = None,
        start: float = 0.5,
        language: str = "en",
        language_probability: float = 0.99,
    ) -> None:
        self.text = text
        self.words_per_minute = words_per_minute
        self.pauses = dict(pauses or {})
        self.start = start
        self.language = language
        self.language_probability = language_probability
        self.calls = 0

    def transcribe(self, samples: Samples, *, language: str | None = None) -> Transcript:
        self.calls += 1
        step = 60.0 / self.words_per_minute
        at = self.start
        words: list[SpokenWord] = []
        for i, token in enumerate(self.text.split()):
            words.append(SpokenWord(token, round(at, 3), round(at + step * 0.8, 3)))
            at += step + self.pauses.get(i, 0.0)
        return Transcript(
            text=self.text,
            words=tuple(words),
            language=language or self.language,
            language_probability=1.0 if language else self.language_probability,
            duration_seconds=len(samples) / SAMPLE_RATE,
            language_probabilities={} if language else {self.language: self.language_probability},
        )
