"""Pace and pauses from word timestamps: what only a recording can tell about how an answer sounded."""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Sequence

from ..models import SpokenDelivery
from ..models._feedback import Pace
from ._base import Transcript
from ._wer import normalise_words

__all__ = [
    "COMFORTABLE_WPM",
    "LONG_PAUSE_SECONDS",
    "STILL_SPOKEN",
    "combine_speech",
    "measure_speech",
    "still_spoken",
    "with_words",
]

COMFORTABLE_WPM = (120, 160)
"""Words a minute most listeners find comfortable in an interview: below sounds hesitant, above rushed."""

LONG_PAUSE_SECONDS = 2.0
"""A silence between two words at least this long is a long pause (a breath between sentences is under one)."""

_STUCK_SECONDS = 5.0
"""A silence this long sounds like being stuck, whatever the reason."""

MIN_PACE_WORDS = 10
MIN_PACE_SECONDS = 5.0
"""Below either, a rate says nothing: one word timed at 0.1 s is not 600 words a minute."""


def _pace(wpm: float, words: int, speaking: float) -> Pace:
    low, high = COMFORTABLE_WPM
    if words < MIN_PACE_WORDS or speaking < MIN_PACE_SECONDS:
        return "too-little-speech"
    if wpm < low:
        return "slow"
    return "fast" if wpm > high else "comfortable"


NEAR_EDGE = 0.1
"""The measured rate is within 10% of the true one (docs/voice.md, Pace): this close to the range, advice is a
nudge, and says so."""


def _advice(wpm: float, pace: Pace, longest: float, long_pauses: int) -> list[str]:
    low, high = COMFORTABLE_WPM
    out: list[str] = []
    if pace == "slow" and wpm >= low * (1 - NEAR_EDGE):
        out.append(
            f"You spoke at {round(wpm)} words a minute, just under the comfortable {low}-{high}: fine, though a "
            "little more pace would sound surer."
        )
    elif pace == "fast" and wpm <= high * (1 + NEAR_EDGE):
        out.append(
            f"You spoke at {round(wpm)} words a minute, just over the comfortable {low}-{high}: fine, though a "
            "breath after each main point would help listeners keep up."
        )
    elif pace == "slow":
        out.append(
            f"You spoke at {round(wpm)} words a minute, slower than the {low}-{high} most listeners find "
            "comfortable: know your example's order before you start, so each sentence leads to the next."
        )
    elif pace == "fast":
        out.append(
            f"You spoke at {round(wpm)} words a minute, faster than the {low}-{high} most listeners find "
            "comfortable: slow down and pause for a breath after each main point."
        )
    if longest >= _STUCK_SECONDS:
        out.append(
            f"Your longest silence was {longest:.1f} s: in an interview that sounds like being stuck. If you "
            'need time, say so ("let me think about that for a moment") and then go on.'
        )
    elif long_pauses >= 4:
        out.append(
            f"{long_pauses} silences of {LONG_PAUSE_SECONDS:g} s or more: plan the structure (situation, what "
            "you did, the result) before you start, so you do not stop to find the next part."
        )
    return out


def _finish(
    *,
    recordings: int,
    duration: float,
    speaking: float,
    words: int,
    long_pauses: int,
    longest: float,
    paused: float,
    language: str,
    transcriber: str,
    audio_files: Sequence[str],
    transcript: str,
) -> SpokenDelivery:
    talking = max(0.0, speaking - paused)
    wpm = words * 60 / talking if talking > 0 else 0.0
    pace = _pace(wpm, words, talking)
    return SpokenDelivery(
        recordings=recordings,
        duration_seconds=round(duration, 2),
        speaking_seconds=round(speaking, 2),
        words=words,
        words_per_minute=round(wpm, 1),
        comfortable_wpm=COMFORTABLE_WPM,
        pace=pace,
        long_pause_seconds=LONG_PAUSE_SECONDS,
        long_pauses=long_pauses,
        longest_pause_seconds=round(longest, 2),
        paused_seconds=round(paused, 2),
        advice=_advice(wpm, pace, longest, long_pauses),
        language=language,
        transcriber=transcriber,
        audio_files=list(audio_files),
        transcript=transcript,
    )


def measure_speech(transcript: Transcript, *, transcriber: str, audio_file: str | None = None) -> SpokenDelivery:
    """Duration, speaking rate and long pauses of one recording, from its word timestamps."""
    words = transcript.words
    speaking = max(0.0, words[-1].end - words[0].start) if words else 0.0
    gaps = [max(0.0, b.start - a.end) for a, b in itertools.pairwise(words)]
    long = [g for g in gaps if g >= LONG_PAUSE_SECONDS]
    return _finish(
        recordings=1,
        duration=transcript.duration_seconds,
        speaking=speaking,
        words=len(words),
        long_pauses=len(long),
        longest=max(gaps, default=0.0),
        paused=sum(long),
        language=transcript.language,
        transcriber=transcriber,
        audio_files=[audio_file] if audio_file else [],
        transcript=transcript.text.strip(),
    )


def with_words(spoken: SpokenDelivery, words: int) -> SpokenDelivery:
    """The same recording's measure with the rate over `words` (the corrected transcript's count, not the heard one).

    The transcriber splits and merges words it mishears ("bank account" heard as "link a manq account"); the
    answer as graded is the count the candidate sees beside the rate, so the two must agree.
    """
    if words == spoken.words:
        return spoken
    return _finish(
        recordings=spoken.recordings,
        duration=spoken.duration_seconds,
        speaking=spoken.speaking_seconds,
        words=words,
        long_pauses=spoken.long_pauses,
        longest=spoken.longest_pause_seconds,
        paused=spoken.paused_seconds,
        language=spoken.language,
        transcriber=spoken.transcriber,
        audio_files=spoken.audio_files,
        transcript=spoken.transcript,
    )


STILL_SPOKEN = 0.5
"""A text still is a recording's transcript while it keeps at least this share of the transcript's words, in
order: corrections and additions keep it; typing or pasting over it does not."""


def still_spoken(spoken: SpokenDelivery, text: str) -> bool:
    """Whether `text` is still (a corrected or extended) transcript of the recording `spoken` measures.

    Called on every autosave of the draft: difflib's matching blocks (about 15 ms for a ten-minute transcript)
    rather than a full word alignment (0.8 s there), which would hold the session that long at each keystroke.
    """
    if not spoken.transcript.strip():
        return bool(text.strip())
    if text == spoken.transcript:
        return True
    heard, now = normalise_words(spoken.transcript), normalise_words(text)
    if not heard:
        return False
    blocks = difflib.SequenceMatcher(None, heard, now, autojunk=False).get_matching_blocks()
    return sum(b.size for b in blocks) / len(heard) >= STILL_SPOKEN


def combine_speech(parts: Sequence[SpokenDelivery | None]) -> SpokenDelivery | None:
    """One measure for an answer and its spoken follow-up replies (None when none was spoken)."""
    spoken = [p for p in parts if p is not None]
    if not spoken:
        return None
    if len(spoken) == 1:
        return spoken[0]
    return _finish(
        recordings=sum(p.recordings for p in spoken),
        duration=sum(p.duration_seconds for p in spoken),
        speaking=sum(p.speaking_seconds for p in spoken),
        words=sum(p.words for p in spoken),
        long_pauses=sum(p.long_pauses for p in spoken),
        longest=max(p.longest_pause_seconds for p in spoken),
        paused=sum(p.paused_seconds for p in spoken),
        language=spoken[0].language,
        transcriber=spoken[0].transcriber,
        audio_files=[f for p in spoken for f in p.audio_files],
        transcript="\n\n".join(p.transcript for p in spoken if p.transcript),
    )
