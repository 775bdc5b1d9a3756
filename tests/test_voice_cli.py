"""Spoken answers in the terminal, without a model: which recordings a folder gives, Ctrl-C, the status line,
and the exit that does not wait for a transcription (the real one is in test_voice_audio.py)."""

from __future__ import annotations

import io
import types
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from rich.console import Console

from interviewer._sessions import SessionStore
from interviewer.cli import _practice, _voice
from interviewer.corpus import Corpus
from interviewer.exceptions import UsageError
from interviewer.graders import OfflineGrader
from interviewer.interview import Interview
from interviewer.models import SessionOptions
from interviewer.voice import SpokenAnswer, SpokenWord, Transcript, measure_speech

ANSWER = (
    "When everything is urgent I first agree with the requesters what urgent means, such as revenue or customers "
    "at risk. Then I score each item on impact and effort with RICE and check it against our goals."
)

# -- the folder ------------------------------------------------------------------------------------------------


def recordings(folder: Path, *names: str) -> Path:
    folder.mkdir(exist_ok=True)
    for name in names:
        (folder / name).write_bytes(b"RIFF")
    return folder


def test_recordings_come_in_natural_order_whatever_the_case_of_their_extension(tmp_path: Path) -> None:
    folder = recordings(tmp_path / "rec", "10.wav", "2.wav", "1.WAV", "03.Mp3", "b.m4a", "A.ogg", ".DS_Store")
    (folder / ".hidden").mkdir()  # hidden entries are not the candidate's: left alone
    assert [p.name for p in _voice.audio_files(folder)] == ["1.WAV", "2.wav", "03.Mp3", "10.wav", "A.ogg", "b.m4a"]
    named = recordings(tmp_path / "named", "answer-10.webm", "answer-9.webm", "answer-9b.webm")
    assert [p.name for p in _voice.audio_files(named)] == ["answer-9.webm", "answer-9b.webm", "answer-10.webm"]


def test_a_folder_with_what_is_not_a_recording_is_refused_naming_each(tmp_path: Path) -> None:
    """Skipped, 02.aif would put 03.wav on question 2 (seen in a real run): every entry is named, nothing runs."""
    folder = recordings(tmp_path / "rec", "01.WAV", "02.aif", "03.wav", "notes.txt")
    (folder / "04.wav").symlink_to(folder / "gone.wav")
    (folder / "takes.wav").mkdir()
    with pytest.raises(UsageError) as caught:
        _voice.audio_files(folder)
    message = str(caught.value)
    assert "\n" not in message
    for said in (
        "02.aif (another format)",
        "04.wav (a broken link)",
        "notes.txt (another format)",
        "takes.wav (a folder)",
    ):
        assert said in message
    assert "WAV, MP3, M4A" in message and "wrong question" in message and "01.WAV" not in message


def test_a_link_to_a_recording_is_a_recording(tmp_path: Path) -> None:
    elsewhere = recordings(tmp_path / "elsewhere", "take.wav")
    folder = recordings(tmp_path / "rec", "01.wav")
    (folder / "02.wav").symlink_to(elsewhere / "take.wav")
    assert [p.name for p in _voice.audio_files(folder)] == ["01.wav", "02.wav"]


# -- answering from recordings ------------------------------------------------------------------------------------


def heard(text: str = ANSWER) -> SpokenAnswer:
    words = tuple(SpokenWord(w, 1 + i * 0.4, 1.3 + i * 0.4) for i, w in enumerate(text.split()))
    transcript = Transcript(text, words, "en", 0.98, words[-1].end + 1)
    return SpokenAnswer(text, measure_speech(transcript, transcriber="t"), transcript)


def start(corpus: Corpus, grader: OfflineGrader, tmp_path: Path) -> Interview:
    options = SessionOptions(questions=2, seed=1, follow_ups=0)
    interview, _ = Interview.start(corpus, "dpo", options, grader, SessionStore(tmp_path))
    return interview


def test_ctrl_c_while_a_recording_is_transcribed_stops_saved_as_typing_does(
    corpus: Corpus, grader: OfflineGrader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    said: list[str] = []

    def transcribe(path: Path, console: Console) -> SpokenAnswer:
        said.append(path.name)
        if path.name == "02.wav":
            raise KeyboardInterrupt  # Ctrl-C during the second recording
        return heard()

    monkeypatch.setattr(_voice, "transcribe_for_cli", transcribe)
    interview = start(corpus, grader, tmp_path)
    out = io.StringIO()
    try:
        code = _voice.run_audio_practice(
            interview, [tmp_path / "01.wav", tmp_path / "02.wav"], Console(file=out, width=200)
        )
        assert code == _practice.EXIT_INTERRUPTED == 130
        assert said == ["01.wav", "02.wav"]
        text = out.getvalue()
        assert "Interrupted. Every answer graded so far is saved." in text
        assert f"interviewer resume {interview.session.id}" in text
        assert interview.position[0] == 2 and not interview.finished  # the first answer is graded and kept
    finally:
        interview.close()
    saved = SessionStore(tmp_path).load(interview.session.id)
    assert saved.turns[0].feedback is not None and saved.turns[0].feedback.delivery.spoken is not None


def test_grading_a_spoken_answer_shows_the_same_status_as_a_typed_one(
    corpus: Corpus, grader: OfflineGrader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[str] = []
    from interviewer.cli._progress import model_status as real

    @contextmanager
    def status(console: Console, waiting: str) -> Iterator[None]:
        waits.append(waiting)
        with real(console, waiting):
            yield

    monkeypatch.setattr(_practice, "model_status", status)
    monkeypatch.setattr(_voice, "transcribe_for_cli", lambda path, console: heard())
    interview = start(corpus, grader, tmp_path)
    try:
        code = _voice.run_audio_practice(
            interview, [tmp_path / "01.wav", tmp_path / "02.wav"], Console(file=io.StringIO())
        )
    finally:
        interview.close()
    assert code == 0 and waits[:2] == ["Thinking about your answer…"] * 2


# -- the end of the process -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "ends"), [(130, 130), (0, 0), (None, 0), ("bad", 1)])
def test_the_command_ends_at_once_while_a_transcription_runs_for_nobody(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], code: object, ends: int
) -> None:
    """After Ctrl-C the model may still be computing; a normal exit would wait for its next window."""
    import interviewer.voice
    from interviewer import cli

    ended: list[int] = []

    def app() -> None:
        raise SystemExit(code)

    def exit_now(status: int) -> None:
        ended.append(status)
        raise SystemExit(status)

    monkeypatch.setattr(cli, "app", app)
    monkeypatch.setattr(cli, "os", types.SimpleNamespace(_exit=exit_now))
    monkeypatch.setattr(interviewer.voice, "transcribing", lambda: True)
    with pytest.raises(SystemExit):
        cli.main()
    assert ended == [ends]
    monkeypatch.setattr(interviewer.voice, "transcribing", lambda: False)
    ended.clear()
    with pytest.raises(SystemExit):
        cli.main()
    assert ended == []  # nothing running: the ordinary exit
