"""Answers by voice in the browser: what an upload may be, the token of a held recording, warming Whisper.

The page records with MediaRecorder and uploads on stop; the server transcribes (`interviewer.voice`), puts
the transcript in the draft with its measure (`Interview.hold_recording`) and answers with a token for that
measure. The answer form posts the token back in a hidden field, which the page clears when the box is
emptied: the measure grades the answer only while the token the form sends is the held one's.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from pathlib import PurePosixPath

from .._sessions import SessionStore
from ..exceptions import AudioError, AudioProblem, InterviewerError
from ..interview import Interview
from ..models import SpokenDelivery
from ..voice import FORMATS, Transcriber, Warmable, voice_available, voice_unavailable

__all__ = [
    "MAX_UPLOAD_BYTES",
    "MEDIA_TYPES",
    "audio_extension",
    "held_for",
    "kept_name",
    "recording_token",
    "sentence",
    "unavailable_message",
    "voice_ready",
    "warm",
]

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 40 * 1024 * 1024
"""The largest recording taken: ten minutes of Opus is about 5 MB, of 48 kHz WAV about 55 MB."""

_TYPES = {
    "audio/webm": "webm",
    "video/webm": "webm",  # some browsers label an audio-only WebM so
    "audio/ogg": "ogg",
    "application/ogg": "ogg",
    "audio/wav": "wav",
    "audio/wave": "wav",
    "audio/x-wav": "wav",
    "audio/vnd.wave": "wav",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/mp4": "m4a",  # Safari's MediaRecorder
    "audio/x-m4a": "m4a",
    "audio/m4a": "m4a",
    "audio/flac": "flac",
    "audio/x-flac": "flac",
}
_GENERIC = {"", "application/octet-stream"}
_EXTENSIONS = frozenset(_TYPES.values())
MEDIA_TYPES = {
    "webm": "audio/webm",
    "ogg": "audio/ogg",
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "flac": "audio/flac",
}
"""How a kept recording is served back, by its extension."""


def sentence(message: str) -> str:
    """A library message (`no speech found in ...`) as the page shows it: a capital first letter."""
    return message[:1].upper() + message[1:]


def voice_ready() -> bool:
    """Whether recordings can be transcribed here (the voice extra is installed)."""
    return voice_available()


def unavailable_message() -> str:
    """What the record button says without the voice extra: how to install it."""
    return sentence(str(voice_unavailable()))


def audio_extension(content_type: str | None, filename: str | None) -> str:
    """The file extension for an upload's type (or, for a generic type, its name); `AudioError` otherwise."""
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if kind in _TYPES:
        return _TYPES[kind]
    suffix = PurePosixPath(filename or "").suffix.lower().lstrip(".")
    if kind in _GENERIC and suffix in _EXTENSIONS:
        return suffix
    raise AudioError(
        f"the browser sent the recording as {kind or 'an unnamed type'}, which is not audio this server takes "
        f"({FORMATS}): record again in another browser, or type your answer",
        AudioProblem.UNREADABLE,
    )


def recording_token(spoken: SpokenDelivery | None) -> str:
    """A short name for a held measure: the form posts it back while the box holds that transcript."""
    if spoken is None:
        return ""
    return hashlib.sha256(spoken.model_dump_json().encode()).hexdigest()[:16]


def held_for(interview: Interview, token: str) -> SpokenDelivery | None:
    """The held measure if the form's token names it (the box still holds its transcript), else None."""
    held = interview.held_recording
    if held is None or not token or token != recording_token(held):
        return None
    return held


def kept_name(store: SessionStore, session_id: str, question_id: str, extension: str) -> str:
    """A new file name for a kept recording of a question: `<question id>-<n>.<extension>`."""
    stem = re.sub(r"[^A-Za-z0-9_-]", "-", question_id).strip("-_")[:100] or "answer"
    folder = store.audio_folder(session_id)
    n = 1
    while (folder / f"{stem}-{n}.{extension}").exists():
        n += 1
    return f"{stem}-{n}.{extension}"


def warm(transcriber: Transcriber) -> None:
    """Load the transcriber's model in the background, if the extra is installed and it has one to load.

    So the first recording does not wait for it. A failure is logged here, and the first recording reports it again.
    """
    if voice_ready() and isinstance(transcriber, Warmable):
        threading.Thread(target=_warm, args=(transcriber,), name="warm-transcriber", daemon=True).start()


def _warm(transcriber: Warmable) -> None:
    try:
        transcriber.load()
    except InterviewerError as exc:
        log.warning("the transcriber did not load: %s", exc)
    except Exception:
        log.exception("the transcriber did not load")
