"""Real recordings through faster-whisper and the bundled Whisper base: transcripts, pace, pauses, bad input.

The recordings are committed (tests/fixtures/voice, made by tools/make_voice_fixtures.py with espeak-ng and
sox; manifest.json says what each one holds). The bounds come from benchmarks/voice.py's larger held-out set
(docs/voice.md), not from these files. Needs the voice extra; CI sets INTERVIEWER_REQUIRE_VOICE=1.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _voice_audio import FIXTURES, long_wav, manifest

from interviewer.exceptions import AudioError, AudioProblem
from interviewer.voice import (
    LONG_PAUSE_SECONDS,
    SpokenAnswer,
    WhisperTranscriber,
    decode,
    transcribe_answer,
    voice_available,
)
from interviewer.voice._wer import word_error_rate

pytestmark = pytest.mark.voice

MANIFEST = manifest()

CLEAN_WER = 0.35
"""Highest word error rate on one clean synthetic answer: the held-out set's clean p90 is 27.4% (docs/voice.md),
and with about 20 words a file one more misheard word adds 5 points."""
POOLED_WER = 0.20
"""Over the English WAVs together (held-out clean pooled: 10.2%; white noise 14.5%)."""
NOISY_WER = 0.35
"""One answer with white noise at 20 dB SNR (held-out p90 27.3%)."""


@pytest.fixture(scope="module")
def decodes() -> None:
    """The voice extra (PyAV decodes, faster-whisper transcribes); skipped without it, except in CI."""
    if not voice_available():
        message = "the voice extra is not installed (pip install -e '.[voice]')"
        if os.environ.get("INTERVIEWER_REQUIRE_VOICE"):
            pytest.fail(message)  # CI installs it, so there it must run
        pytest.skip(message)


@pytest.fixture(scope="module")
def whisper(decodes: None) -> WhisperTranscriber:
    transcriber = WhisperTranscriber()
    transcriber.load()
    return transcriber


_HEARD: dict[str, SpokenAnswer] = {}


def heard(name: str, whisper: WhisperTranscriber) -> SpokenAnswer:
    """A fixture's transcription, once per test process (the tests read the same one several ways)."""
    if name not in _HEARD:
        _HEARD[name] = transcribe_answer(FIXTURES / name, whisper)
    return _HEARD[name]


@pytest.mark.parametrize("name", ["en_clean_120.wav", "en_clean_150.wav", "en_clean_180.wav"])
def test_clean_answers_are_transcribed_within_the_bound(name: str, whisper: WhisperTranscriber) -> None:
    answer = heard(name, whisper)
    wer = word_error_rate(MANIFEST[name]["text"], answer.text)
    assert wer <= CLEAN_WER, (wer, answer.text)
    assert answer.spoken.language == "en" and answer.spoken.transcriber == "faster-whisper base (int8)"


@pytest.mark.parametrize("name", ["en_clean_150.webm", "en_clean_150.ogg", "en_clean_150.mp3", "en_clean_150.m4a"])
def test_every_format_a_browser_or_phone_sends_is_decoded(name: str, whisper: WhisperTranscriber) -> None:
    answer = heard(name, whisper)
    assert word_error_rate(MANIFEST[name]["text"], answer.text) <= CLEAN_WER, answer.text
    wav = heard("en_clean_150.wav", whisper)
    assert answer.spoken.duration_seconds == pytest.approx(wav.spoken.duration_seconds, abs=0.15)


def test_noise_costs_some_words_but_stays_within_its_bound(whisper: WhisperTranscriber) -> None:
    name = "en_noisy_white20.wav"
    answer = heard(name, whisper)
    assert word_error_rate(MANIFEST[name]["text"], answer.text) <= NOISY_WER, answer.text


def test_the_rate_is_the_words_over_the_time_they_took(whisper: WhisperTranscriber) -> None:
    # en_pauses.wav: 20 words from 0.3 s after the start to 0.3 s before the end (the generator trims
    # espeak's own edge silence and adds exactly that), so the true rate is known without the transcriber.
    entry = MANIFEST["en_pauses.wav"]
    spoken = heard("en_pauses.wav", whisper).spoken
    true_span = entry["duration_seconds"] - 0.6
    talking = true_span - sum(s["seconds"] for s in entry["silences"])  # the rate leaves the long pauses out
    true_rate = len(entry["text"].split()) * 60 / talking
    assert spoken.speaking_seconds == pytest.approx(true_span, abs=0.5)
    assert spoken.words_per_minute == pytest.approx(true_rate, rel=0.1)
    for speed in (120, 150, 180):  # espeak's -s is only roughly words a minute: against what it produced
        name = f"en_clean_{speed}.wav"
        produced = MANIFEST[name]["produced_words_per_minute"]
        assert heard(name, whisper).spoken.words_per_minute == pytest.approx(produced, rel=0.15)


def test_known_silences_are_the_long_pauses(whisper: WhisperTranscriber) -> None:
    entry = MANIFEST["en_pauses.wav"]
    spoken = heard("en_pauses.wav", whisper).spoken
    silences = [s["seconds"] for s in entry["silences"]]
    assert spoken.long_pauses == sum(1 for s in silences if s >= LONG_PAUSE_SECONDS) == 2
    # Word timestamps come from attention, not a voice detector: within half a second of the inserted 4.0 s.
    assert spoken.longest_pause_seconds == pytest.approx(max(silences), abs=0.5)
    assert spoken.duration_seconds == pytest.approx(entry["duration_seconds"], abs=0.05)
    assert spoken.speaking_seconds < spoken.duration_seconds


@pytest.mark.parametrize(
    ("name", "problem", "says"),
    [
        ("empty.wav", AudioProblem.EMPTY, "empty"),
        ("corrupt.wav", AudioProblem.UNREADABLE, "cannot decode"),
        ("random_bytes.mp3", AudioProblem.UNREADABLE, "cannot decode"),
        ("not_audio.wav", AudioProblem.UNREADABLE, "WAV, MP3, M4A, WebM"),
        ("silence_5s.wav", AudioProblem.SILENT, "no speech"),
        ("low_noise_5s.wav", AudioProblem.SILENT, "no speech"),
        ("es_answer.wav", AudioProblem.LANGUAGE, "Spanish"),
    ],
)
def test_a_recording_that_cannot_be_graded_says_why(
    name: str, problem: AudioProblem, says: str, whisper: WhisperTranscriber
) -> None:
    with pytest.raises(AudioError, match=says) as caught:
        heard(name, whisper)
    assert caught.value.problem is problem
    assert name in str(caught.value) and "\n" not in str(caught.value)


def test_a_cut_off_upload_is_refused_not_graded_as_a_few_words(whisper: WhisperTranscriber) -> None:
    # The header claims 8.8 s; 0.75 s follows. Transcribed, it was "I will check." at 450 words a minute.
    with pytest.raises(AudioError, match=r"truncated.wav is only 0.8 s long: it seems cut off") as caught:
        heard("truncated.wav", whisper)
    assert caught.value.problem is AudioProblem.TOO_SHORT


def test_the_english_recordings_together_are_within_the_pooled_bound(whisper: WhisperTranscriber) -> None:
    from interviewer.voice._wer import word_error_counts

    names = [n for n, e in MANIFEST.items() if n.endswith(".wav") and e["language"] == "en" and e["text"]]
    counts = [word_error_counts(MANIFEST[n]["text"], heard(n, whisper).text) for n in names]
    errors = sum(c.errors for c in counts)
    assert len(names) >= 6 and errors / sum(c.reference_words for c in counts) <= POOLED_WER


def test_a_twenty_minute_recording_is_refused_quickly(tmp_path: Path, whisper: WhisperTranscriber) -> None:
    path = long_wav(tmp_path / "meeting.wav", 20)
    started = time.monotonic()
    with pytest.raises(AudioError, match=r"longer than 10 minutes.*trim") as caught:
        transcribe_answer(path, whisper)
    assert time.monotonic() - started < 10
    assert caught.value.problem is AudioProblem.TOO_LONG
    # The terminal's line says how to trim the file; `message`, for the browser, has no file to trim.
    assert "sox meeting.wav short.wav trim 0 3:00" in str(caught.value)
    assert caught.value.message.endswith("record a shorter one") and "sox" not in caught.value.message
    assert str(caught.value) == f"{caught.value.message}, {caught.value.file_advice}"


# -- what decode opens: files only, one stream --------------------------------------------------------------


@pytest.mark.usefixtures("decodes")
def test_a_pipe_is_not_a_recording_and_is_never_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "answer.wav"
    os.mkfifo(fifo)  # opening it to read would wait for a writer for ever
    with pytest.raises(AudioError, match=r"answer.wav is not a regular file") as caught:
        decode(fifo)
    assert caught.value.problem is AudioProblem.MISSING and "0 bytes" not in str(caught.value)
    with pytest.raises(AudioError, match=r"/dev/null is not a regular file"):  # a device
        decode(Path("/dev/null"))


@pytest.mark.usefixtures("decodes")
def test_a_file_that_cannot_be_read_says_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "answer.wav"
    path.write_bytes((FIXTURES / "en_clean_150.wav").read_bytes())
    path.chmod(0)
    if os.geteuid() == 0:  # root reads it anyway: refuse the open as the kernel would for anyone else
        real = Path.open

        def refused(self: Path, *args: Any, **kwargs: Any) -> Any:
            if self == path:
                raise PermissionError(13, "Permission denied", str(self))
            return real(self, *args, **kwargs)

        monkeypatch.setattr(Path, "open", refused)
    with pytest.raises(AudioError) as caught:
        decode(path)
    assert str(caught.value) == f"cannot read {path}: permission denied"
    assert caught.value.problem is AudioProblem.MISSING


@pytest.mark.usefixtures("decodes")
def test_a_file_name_is_a_file_not_an_ffmpeg_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`concat:a.wav|a.wav` is a file name (`practice --answers-audio .` passes names as they are), not
    FFmpeg's concat protocol, which would decode a.wav twice instead of the file's own bytes."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.wav").write_bytes((FIXTURES / "en_clean_150.wav").read_bytes())
    crafted = Path("concat:a.wav|a.wav")
    crafted.write_bytes(b"not audio at all " * 200)
    with pytest.raises(AudioError, match=r"cannot decode concat:a.wav\|a.wav") as caught:
        decode(crafted)
    assert caught.value.problem is AudioProblem.UNREADABLE


@pytest.mark.usefixtures("decodes")
@pytest.mark.parametrize(
    "content",
    [
        b"ffconcat version 1.0\nfile a.wav\nfile a.wav\n",  # FFmpeg's concat script: reads the files it names
        b"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nhttp://127.0.0.1:9/answer.ts\n#EXT-X-ENDLIST\n",  # HLS
    ],
    ids=["ffconcat", "hls"],
)
def test_a_recording_that_names_other_files_or_urls_is_not_audio(
    content: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the containers of the formats are read, and FFmpeg opens nothing itself: an upload (or a file)
    that is a playlist or a concat script is refused, not decoded from whatever it points at."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.wav").write_bytes((FIXTURES / "en_clean_150.wav").read_bytes())
    (tmp_path / "answer.wav").write_bytes(content)
    for source in (content, Path("answer.wav")):
        with pytest.raises(AudioError, match=r"cannot decode") as caught:
            decode(source)
        assert caught.value.problem is AudioProblem.UNREADABLE


def two_tracks(*, speech_first: bool) -> bytes:
    """Matroska with two audio streams: silence and a tone; the tone's stream is the default one."""
    import av

    out = io.BytesIO()
    rate = 16_000
    tone = (0.3 * np.sin(2 * np.pi * 220 * np.arange(3 * rate) / rate) * 32767).astype("<i2")
    tracks = [np.zeros_like(tone), tone]
    if speech_first:
        tracks.reverse()
    with av.open(out, "w", format="matroska") as box:
        streams = [box.add_stream("pcm_s16le", rate=rate) for _ in tracks]
        for stream, track in zip(streams, tracks, strict=True):
            stream.layout = "mono"
            stream.disposition = av.stream.Disposition.default if track is tone else av.stream.Disposition(0)
        for stream, track in zip(streams, tracks, strict=True):
            frame = av.AudioFrame.from_ndarray(track.reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate = rate
            frame.pts = 0
            for packet in [*stream.encode(frame), *stream.encode(None)]:
                box.mux(packet)
    return out.getvalue()


@pytest.mark.usefixtures("decodes")
@pytest.mark.parametrize("speech_first", [False, True])
def test_of_several_audio_streams_the_best_is_decoded(speech_first: bool) -> None:
    """Not the first one: a silent first track (a muted commentary) would be refused as silence."""
    recording = decode(two_tracks(speech_first=speech_first))
    assert float(np.sqrt(np.mean(recording.samples**2))) > 0.1


# -- the terminal -------------------------------------------------------------------------------------------


def cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "INTERVIEWER_HOME": str(home), "COLUMNS": "100"}
    return subprocess.run(
        [sys.executable, "-m", "interviewer", *args], capture_output=True, text=True, env=env, timeout=300, check=False
    )


def test_feedback_grades_a_recording_with_its_measured_pace(tmp_path: Path, whisper: WhisperTranscriber) -> None:
    name = "en_clean_150.wav"
    done = cli(
        "feedback", "--role", "dpo", "--question", "dpo-prioritise-urgent", "--answer-audio", str(FIXTURES / name),
        "--json", home=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    feedback = json.loads(done.stdout)
    spoken = feedback["delivery"]["spoken"]
    assert spoken["words"] >= 15 and spoken["transcriber"] == "faster-whisper base (int8)"
    assert feedback["delivery"]["speaking_seconds"] == round(spoken["speaking_seconds"])
    assert "Heard" in done.stderr and "checkout" in done.stderr.lower()


def test_feedback_refuses_a_bad_recording_in_one_line(tmp_path: Path, whisper: WhisperTranscriber) -> None:
    for name in ("silence_5s.wav", "not_audio.wav", "es_answer.wav"):
        done = cli(
            "feedback", "--role", "dpo", "--question", "dpo-first-90-days", "--answer-audio", str(FIXTURES / name),
            home=tmp_path,
        )  # fmt: skip
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert done.stderr.strip().startswith("error:") and name in done.stderr


def test_practice_answers_from_a_folder_and_stops_saved_at_a_bad_recording(
    tmp_path: Path, whisper: WhisperTranscriber
) -> None:
    folder = tmp_path / "answers"
    folder.mkdir()
    (folder / "01.wav").write_bytes((FIXTURES / "en_clean_120.wav").read_bytes())
    (folder / "02.wav").write_bytes((FIXTURES / "silence_5s.wav").read_bytes())
    done = cli(
        "practice", "--role", "dpo", "--questions", "3", "--seed", "2", "--answers-audio", str(folder),
        home=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    assert "no speech found in" in done.stdout and "interviewer resume" in done.stdout
    assert "Follow-up" not in done.stdout  # recordings made in advance cannot answer one: off by default
    rows = json.loads(cli("sessions", "--json", home=tmp_path).stdout)
    assert len(rows) == 1 and rows[0]["answered"] == 1
    report = json.loads(cli("report", rows[0]["id"], "--format", "json", home=tmp_path).stdout)
    graded = [t for t in report["turns"] if t.get("feedback")]
    assert graded[0]["feedback"]["delivery"]["spoken"]["recordings"] == 1


@pytest.mark.usefixtures("sigint_as_in_a_terminal")
def test_ctrl_c_during_a_long_transcription_ends_at_once_saved(tmp_path: Path, whisper: WhisperTranscriber) -> None:
    """As a terminal's Ctrl-C (SIGINT to the process group) while a 2-minute recording is transcribed: the
    resume line, exit 130, within seconds (it waited 55 s for the transcription), and no crash of CTranslate2
    (which a process ending while it computes gets: a segmentation fault or "terminate called ...")."""
    import signal
    import threading

    folder = tmp_path / "answers"
    folder.mkdir()
    long_wav(folder / "01.wav", 2, source=FIXTURES / "en_clean_150.wav")
    env = {**os.environ, "INTERVIEWER_HOME": str(tmp_path), "COLUMNS": "200", "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "interviewer", "practice", "--role", "dpo", "-n", "1", "--follow-ups", "0"]
    process = subprocess.Popen(
        [*command, "--answers-audio", str(folder)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True,
    )  # fmt: skip
    lines: list[str] = []
    asked = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if "Question 1 of 1" in line:
                asked.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert asked.wait(120), "".join(lines)
        time.sleep(1.5)  # decoded; the model is on its first window
        os.killpg(process.pid, signal.SIGINT)
        interrupted = time.monotonic()
        code = process.wait(60)
        took = time.monotonic() - interrupted
    finally:
        if process.poll() is None:
            process.kill()
        reader.join(5)
        assert process.stdout is not None
        process.stdout.close()
    out = "".join(lines)
    assert code == 130, out
    assert took < 5, f"{took:.1f} s after Ctrl-C"
    assert "Interrupted. Every answer graded so far is saved." in out and "interviewer resume" in out
    for crash in ("Traceback", "terminate called", "Segmentation", "Aborted", "core dumped"):
        assert crash not in out
