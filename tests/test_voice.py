"""Spoken answers without a model: pace and pauses from word timestamps, the engine and graders using them,
the Whisper model's parts joined and checked, and the message without the voice extra."""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from interviewer._sessions import SessionStore
from interviewer.corpus import Corpus
from interviewer.exceptions import UsageError, VoiceUnavailable
from interviewer.graders import GradeRequest, OfflineGrader
from interviewer.interview import Interview
from interviewer.models import SessionOptions, SpokenDelivery
from interviewer.testing import ScriptedTranscriber
from interviewer.voice import (
    COMFORTABLE_WPM,
    LONG_PAUSE_SECONDS,
    SAMPLE_RATE,
    SpokenWord,
    Transcript,
    WhisperTranscriber,
    _model,
    combine_speech,
    measure_speech,
)

SLOW_APP = (  # misses points: the engine asks a follow-up
    "First I'd find out what slow actually means for our users: the launch, scrolling, or certain screens, "
    "and on which devices. Then I'd measure how many sessions are affected before we change anything."
)
REPLY = "I would sit with the mobile tech lead to size the fixes, then rank them by impact and effort."
ANSWER = (
    "When everything is urgent I first agree with the requesters what urgent means, such as revenue or customers "
    "at risk. Then I score each item on impact and effort with RICE and check it against our goals. Last year "
    "I moved a checkout bug that hit 8% of orders ahead of a partner feature and told the partner why."
)


def transcript(words: list[tuple[str, float, float]], duration: float = 30.0) -> Transcript:
    return Transcript(
        text=" ".join(w for w, _, _ in words),
        words=tuple(SpokenWord(w, s, e) for w, s, e in words),
        language="en",
        language_probability=0.98,
        duration_seconds=duration,
    )


def evenly(n: int, wpm: float, *, start: float = 1.0, pauses: dict[int, float] | None = None) -> Transcript:
    """n words at exactly `wpm` (word starts 60/wpm apart), with extra silence after word i."""
    step = 60 / wpm
    at, out = start, []
    for i in range(n):
        out.append((f"w{i}", at, at + step * 0.7))
        at += step + (pauses or {}).get(i, 0.0)
    return transcript(out, duration=at + 1)


def test_rate_is_words_over_the_time_from_first_word_to_last() -> None:
    spoken = measure_speech(evenly(61, 120.0), transcriber="t")
    # 61 words: 60 steps of 0.5 s, plus the last word's 0.35 s
    assert spoken.speaking_seconds == pytest.approx(30.35, abs=0.01)
    assert spoken.words_per_minute == pytest.approx(61 * 60 / 30.35, abs=0.1)
    assert spoken.pace == "comfortable" and spoken.advice == []
    assert spoken.long_pauses == 0 and spoken.longest_pause_seconds == pytest.approx(0.15, abs=0.01)


@pytest.mark.parametrize(("wpm", "pace", "word"), [(95.0, "slow", "slower"), (200.0, "fast", "faster")])
def test_a_rate_outside_the_comfortable_range_is_advice(wpm: float, pace: str, word: str) -> None:
    spoken = measure_speech(evenly(80, wpm), transcriber="t")
    assert spoken.pace == pace
    assert len(spoken.advice) == 1 and word in spoken.advice[0]
    assert f"{COMFORTABLE_WPM[0]}-{COMFORTABLE_WPM[1]}" in spoken.advice[0]
    assert word in spoken.describe()


def test_long_pauses_are_counted_and_the_longest_measured() -> None:
    # silences added after words 9 and 19: 2.5 s and 6.0 s on top of the usual 0.15 s gap
    spoken = measure_speech(evenly(30, 140.0, pauses={9: 2.5, 19: 6.0, 25: 1.0}), transcriber="t")
    assert spoken.long_pauses == 2  # the 1.15 s one is a breath, not a long pause
    assert spoken.longest_pause_seconds == pytest.approx(6.0 + 60 / 140 * 0.3, abs=0.01)
    assert any("stuck" in a for a in spoken.advice)  # 6 s of silence sounds like being stuck
    assert spoken.long_pause_seconds == LONG_PAUSE_SECONDS


def test_nothing_heard_measures_zero_not_a_division_error() -> None:
    spoken = measure_speech(transcript([], duration=4.0), transcriber="t")
    assert spoken.words == 0 and spoken.words_per_minute == 0 and spoken.speaking_seconds == 0


def test_an_answer_and_a_spoken_reply_combine() -> None:
    a = measure_speech(evenly(60, 120.0), transcriber="t", audio_file="s.audio/q-1.webm")
    b = measure_speech(evenly(30, 180.0, pauses={5: 3.0}), transcriber="t")
    both = combine_speech([a, None, b])
    assert both is not None
    assert both.recordings == 2 and both.words == 90
    assert both.speaking_seconds == pytest.approx(a.speaking_seconds + b.speaking_seconds, abs=0.02)
    assert both.long_pauses == 1 and both.longest_pause_seconds == b.longest_pause_seconds
    assert both.audio_files == ["s.audio/q-1.webm"]
    assert combine_speech([None, None]) is None
    assert combine_speech([a]) is a


def spoken_at(seconds: float, words: int = 52, transcript: str = "") -> SpokenDelivery:
    """A measure of `words` words over `seconds`, of a recording whose transcript is `transcript`."""
    measured = measure_speech(evenly(words, words * 60 / seconds), transcriber="t")
    return measured.model_copy(update={"transcript": transcript})


def test_the_graders_use_the_measured_time_instead_of_the_estimate(corpus: Corpus, grader: OfflineGrader) -> None:
    role = corpus.role("dpo")
    q = role.question("dpo-prioritise-urgent")
    typed = grader.grade(GradeRequest(role.role, q, role.rubric(q.id), ANSWER))
    spoken = spoken_at(40.0, words=typed.delivery.word_count)
    said = grader.grade(GradeRequest(role.role, q, role.rubric(q.id), ANSWER, spoken=spoken))
    assert typed.delivery.spoken is None and "aloud" in typed.summary
    assert said.delivery.spoken == spoken
    assert said.delivery.speaking_seconds == round(spoken.speaking_seconds) != typed.delivery.speaking_seconds
    assert f"{said.delivery.speaking_seconds} s spoken" in said.summary and "aloud" not in said.summary
    # Content decides the score: the same words score the same spoken or typed.
    assert said.score == typed.score and said.key_points == typed.key_points


def test_the_llm_grader_reports_the_measured_pace_too(corpus: Corpus) -> None:
    from interviewer.graders.llm import LLMGrader
    from interviewer.testing import FakeLLM, judge_everything

    role = corpus.role("dpo")
    q = role.question("dpo-prioritise-urgent")
    spoken = spoken_at(40.0, words=60)
    fake = FakeLLM(handler=judge_everything(status="covered", score=4, quote="RICE"))
    feedback = LLMGrader(fake.llm_client()).grade(GradeRequest(role.role, q, role.rubric(q.id), ANSWER, spoken=spoken))
    assert feedback.grader == "llm" and feedback.delivery.spoken is not None
    assert feedback.delivery.spoken.speaking_seconds == spoken.speaking_seconds
    assert feedback.delivery.speaking_seconds == 40


def test_the_engine_keeps_a_recordings_measure_through_a_follow_up_and_a_resume(
    corpus: Corpus, grader: OfflineGrader, tmp_path: Path
) -> None:
    store = SessionStore(tmp_path)
    options = SessionOptions(questions=1, seed=1, category="technical", follow_ups=1)
    interview, _ = Interview.start(corpus, "dpo", options, grader, store)
    first = spoken_at(14.0, words=36, transcript=SLOW_APP)
    interview.ask()
    interview.hold_recording(SLOW_APP, first)  # the transcript, before any correction
    interview.close()
    again = Interview.resume(corpus, store, interview.session.id, grader)
    assert again.held_recording == first and again.draft_text == SLOW_APP
    step = again.submit(SLOW_APP, spoken=again.held_recording)
    assert step.follow_up is not None  # a thin answer: the engine probes a missed point
    assert again.held_recording is None
    reply = spoken_at(8.0, words=19)
    step = again.submit(REPLY, spoken=reply)
    assert step.feedback is not None
    spoken = step.feedback.delivery.spoken
    assert spoken is not None and spoken.recordings == 2 and spoken.words == step.feedback.delivery.word_count
    assert step.feedback.delivery.speaking_seconds == round(first.speaking_seconds + reply.speaking_seconds)
    saved = store.load(again.session.id)
    turn = saved.turns[0]
    assert turn.follow_ups[0].spoken == reply
    assert turn.feedback is not None and turn.feedback.delivery.spoken == spoken
    again.close()


def test_the_scripted_transcriber_spreads_words_at_its_pace() -> None:
    heard = ScriptedTranscriber("one two three four five", words_per_minute=120, pauses={2: 3.0}).transcribe(
        np.zeros(SAMPLE_RATE * 10, dtype=np.float32)
    )
    spoken = measure_speech(heard, transcriber="scripted")
    assert heard.duration_seconds == 10.0 and spoken.words == 5
    assert spoken.long_pauses == 1 and spoken.longest_pause_seconds == pytest.approx(3.1, abs=0.01)


# -- the model: pinned parts, joined once, checked ------------------------------------------------------------


def fake_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, tamper: bool = False) -> bytes:
    one, two = tmp_path / "p1", tmp_path / "p2"
    one.mkdir()
    two.mkdir()
    small = {name: f"{name} content".encode() for name in _model._SMALL_FILES}
    for name, content in small.items():
        (one / name).write_bytes(content)
    (one / "model.bin.part1").write_bytes(b"first half ")
    (two / "model.bin.part2").write_bytes(b"second half" + (b"!" if tamper else b""))
    joined = b"first half second half"
    monkeypatch.setattr(_model, "_part_data", lambda package: one if package.endswith("1") else two)
    monkeypatch.setattr(_model, "_SMALL_FILES", {n: hashlib.sha256(c).hexdigest() for n, c in small.items()})
    monkeypatch.setattr(_model, "_MODEL_SHA256", hashlib.sha256(joined).hexdigest())
    monkeypatch.setattr(_model, "_MODEL_SIZE", len(joined))
    monkeypatch.setattr(_model, "_cache", lambda: tmp_path / "cache" / "whisper")
    return joined


def test_the_parts_are_joined_once_into_the_cache_and_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    joined = fake_parts(tmp_path, monkeypatch)
    said: list[str] = []
    folder = _model.bundled_model_dir(echo=said.append)
    assert (folder / "model.bin").read_bytes() == joined
    assert {p.name for p in folder.iterdir()} == {"model.bin", "model.bin.verified", *_model._SMALL_FILES}
    assert any("Checked: SHA-256" in line for line in said)
    said.clear()
    assert _model.bundled_model_dir(echo=said.append) == folder and said == []  # once


def test_parts_that_do_not_match_the_pinned_hash_are_never_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_parts(tmp_path, monkeypatch, tamper=True)
    with pytest.raises(UsageError, match=r"SHA-256 .* not the pinned .*reinstall"):
        _model.bundled_model_dir()
    assert not (tmp_path / "cache" / "whisper" / "model.bin").exists()
    assert not list((tmp_path / "cache" / "whisper").glob("*.partial"))


def test_missing_parts_say_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(_model, "_part_data", lambda package: None)
    monkeypatch.setattr(_model, "_cache", lambda: tmp_path / "none")
    with pytest.raises(VoiceUnavailable, match=r"interviewer\[voice\]"):
        _model.bundled_model_dir()


def test_another_model_folder_must_hold_a_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_model.MODEL_ENV, str(tmp_path))
    with pytest.raises(UsageError, match=r"INTERVIEWER_WHISPER_MODEL=.* \(no model.bin in it\)") as caught:
        _model.model_dir()
    assert "--whisper-model" not in str(caught.value)  # there is no such option
    with pytest.raises(UsageError, match=r"the Whisper model folder .* \(no model.bin in it\)"):
        _model.model_dir(tmp_path / "other")
    (tmp_path / "model.bin").write_bytes(b"x")
    assert _model.model_dir() == tmp_path


def test_without_the_extra_transcribing_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from interviewer.voice import WhisperTranscriber, transcribe_answer

    monkeypatch.setitem(sys.modules, "faster_whisper", None)  # import fails as if not installed
    monkeypatch.setitem(sys.modules, "av", None)
    with pytest.raises(VoiceUnavailable, match=r"pip install 'interviewer\[voice\]'.*typed answers work"):
        WhisperTranscriber().load()
    monkeypatch.setattr("interviewer.voice._use.voice_available", lambda: False)
    for source in (Path("/dev/null"), b"", Path("/no/such/file.wav")):  # the install comes first, then the file
        with pytest.raises(VoiceUnavailable, match=r"interviewer\[voice\]"):
            transcribe_answer(source)
    with pytest.raises(VoiceUnavailable):  # a scripted transcriber still needs the decoder
        transcribe_answer(b"RIFF....", ScriptedTranscriber("hello"))


def test_the_model_is_loaded_and_run_on_one_long_lived_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CTranslate2 runs several times slower once the thread that loaded it has gone (docs/voice.md)."""
    import threading
    import types

    from interviewer.voice import WhisperTranscriber

    seen: list[tuple[str, str]] = []

    class Model:
        def __init__(self, *args: object, **kwargs: object) -> None:
            seen.append(("load", threading.current_thread().name))

        def transcribe(self, samples: object, **kwargs: object) -> tuple[list[object], object]:
            seen.append(("run", threading.current_thread().name))
            info = types.SimpleNamespace(language="en", language_probability=1.0, duration=1.0, all_language_probs=[])
            return [], info

    monkeypatch.setitem(sys.modules, "faster_whisper", types.SimpleNamespace(WhisperModel=Model))
    (tmp_path / "model.bin").write_bytes(b"x")
    whisper = WhisperTranscriber(tmp_path)
    loader = threading.Thread(target=whisper.load)  # a web server's worker thread, which then exits
    loader.start()
    loader.join()
    samples = np.zeros(SAMPLE_RATE, dtype=np.float32)
    whisper.transcribe(samples)
    runner = threading.Thread(target=whisper.transcribe, args=(samples,))
    runner.start()
    runner.join()
    assert [kind for kind, _ in seen] == ["load", "run", "run"]
    assert len({name for _, name in seen}) == 1 and seen[0][1].startswith("whisper")
    whisper.close()


# -- a measure stays with its own words (review of issue 14) --------------------------------------------------


def test_a_recordings_measure_is_dropped_once_the_draft_is_no_longer_its_transcript(
    corpus: Corpus, grader: OfflineGrader, tmp_path: Path
) -> None:
    store = SessionStore(tmp_path)
    options = SessionOptions(questions=1, seed=1, category="technical", follow_ups=0)
    interview, _ = Interview.start(corpus, "dpo", options, grader, store)
    interview.ask()
    interview.hold_recording(SLOW_APP, spoken_at(14.0, words=36))  # the record button
    corrected = SLOW_APP.replace("scrolling", "scrolling speed") + " And I would ask support."
    interview.save_draft(corrected)  # corrections and additions keep it
    assert interview.held_recording is not None
    interview.close()
    cli = Interview.resume(corpus, store, interview.session.id, grader)  # the terminal: /clear, then typing
    cli.save_draft("")
    cli.save_draft("A completely different answer, typed in the terminal.")
    assert cli.held_recording is None
    cli.close()


def test_typing_over_a_transcript_drops_its_measure(corpus: Corpus, grader: OfflineGrader, tmp_path: Path) -> None:
    options = SessionOptions(questions=1, seed=1, category="technical", follow_ups=0)
    interview, _ = Interview.start(corpus, "dpo", options, grader, SessionStore(tmp_path))
    interview.ask()
    interview.hold_recording(SLOW_APP, spoken_at(14.0, words=36))
    typed = "I would rank the requests by customer impact and effort, then agree the order with the team."
    interview.save_draft(typed)  # select all, type over: the box never emptied
    assert interview.held_recording is None
    step = interview.submit(typed, spoken=interview.held_recording)
    assert step.feedback is not None and step.feedback.delivery.spoken is None
    interview.close()


def test_a_second_recording_adds_to_the_first_and_a_typed_part_counts_in_the_time(
    corpus: Corpus, grader: OfflineGrader, tmp_path: Path
) -> None:
    options = SessionOptions(questions=1, seed=1, category="technical", follow_ups=0)
    interview, _ = Interview.start(corpus, "dpo", options, grader, SessionStore(tmp_path))
    interview.ask()
    first = spoken_at(14.0, words=36, transcript=SLOW_APP)
    text = interview.add_recording("", SLOW_APP, first)
    second = spoken_at(8.0, words=19, transcript=REPLY)
    text = interview.add_recording(text, REPLY, second)
    held = interview.held_recording
    assert text == f"{SLOW_APP}\n\n{REPLY}" and held is not None and held.recordings == 2
    assert held.transcript == f"{SLOW_APP}\n\n{REPLY}"
    # A recording added after typed text starts its own measure: the typed part was never spoken.
    typed = "Typed first: I would look at crash reports and app store reviews before anything else."
    fresh = interview.add_recording(typed, REPLY, second)
    assert interview.held_recording == second and fresh.startswith(typed)
    step = interview.submit(fresh, spoken=interview.held_recording)
    assert step.feedback is not None
    d = step.feedback.delivery
    typed_words = d.word_count - second.words
    assert d.speaking_seconds == round(second.speaking_seconds + typed_words * 60 / 140)
    assert d.time_aloud() == f"about {d.speaking_seconds} s aloud ({round(second.speaking_seconds)} s of it spoken)"
    interview.close()


def test_a_typed_reply_after_a_spoken_answer_counts_in_the_time_aloud(
    corpus: Corpus, grader: OfflineGrader, tmp_path: Path
) -> None:
    options = SessionOptions(questions=1, seed=1, category="technical")
    interview, _ = Interview.start(corpus, "dpo", options, grader, SessionStore(tmp_path))
    first = spoken_at(14.0, words=36)
    assert interview.submit(SLOW_APP, spoken=first).follow_up is not None
    long_reply = " ".join([REPLY] * 8)  # about 150 typed words: over a minute aloud by the estimate
    step = interview.submit(long_reply)
    assert step.feedback is not None
    delivery = step.feedback.delivery
    assert delivery.spoken == first  # the answer's own measure, the typed reply not in it
    assert delivery.speaking_seconds >= 14 + len(long_reply.split()) * 60 / 140 * 0.8
    assert "of it spoken" in delivery.time_aloud()
    interview.close()


@pytest.mark.parametrize("words", [[("Yes.", 0.0, 0.0)], [("Yes", 1.0, 1.2), ("I", 1.3, 1.4), ("did.", 1.5, 1.7)]])
def test_too_little_speech_gets_no_pace_and_no_advice_on_it(words: list[tuple[str, float, float]]) -> None:
    spoken = measure_speech(transcript(words, duration=2.0), transcriber="t")
    assert spoken.pace == "too-little-speech" and spoken.advice == []
    assert "too little speech to judge the pace" in spoken.describe() and "words a minute" not in spoken.describe()


def test_long_pauses_do_not_make_the_talking_look_slow() -> None:
    # 40 words at 150 a minute with 3, 6 and 8 s of silence between them: the talking is 150, not ~100.
    spoken = measure_speech(evenly(40, 150.0, pauses={9: 3.0, 19: 6.0, 29: 8.0}), transcriber="t")
    assert spoken.long_pauses == 3 and spoken.paused_seconds == pytest.approx(17.0 + 3 * 0.12, abs=0.05)
    assert spoken.words_per_minute == pytest.approx(150, rel=0.06) and spoken.pace == "comfortable"
    assert "of it in long pauses" in spoken.describe()
    assert any("stuck" in a for a in spoken.advice)  # the 8 s silence is still advice


def test_the_rate_is_over_the_answers_words_as_graded(corpus: Corpus, grader: OfflineGrader) -> None:
    """Corrected, the transcript has the count shown beside the rate ("108 words ... 164 words a minute" was
    a contradiction: 114 words were heard)."""
    role = corpus.role("dpo")
    q = role.question("dpo-prioritise-urgent")
    words = len(ANSWER.split())
    heard = spoken_at(30.0, words=words + 4, transcript=ANSWER)  # the transcriber split a few words
    feedback = grader.grade(GradeRequest(role.role, q, role.rubric(q.id), ANSWER, spoken=heard))
    spoken = feedback.delivery.spoken
    assert spoken is not None and spoken.words == feedback.delivery.word_count
    assert spoken.words_per_minute == pytest.approx(
        spoken.words * 60 / (spoken.speaking_seconds - spoken.paused_seconds), abs=0.1
    )


@pytest.mark.parametrize(("wpm", "says"), [(165.0, "just over"), (112.0, "just under")])
def test_a_rate_just_outside_the_range_is_a_nudge_not_a_verdict(wpm: float, says: str) -> None:
    # the measure is within 10% of the true rate (docs/voice.md): 165 may really be 150
    spoken = measure_speech(evenly(60, wpm), transcriber="t")
    assert spoken.pace in {"fast", "slow"} and len(spoken.advice) == 1
    assert says in spoken.advice[0] and "fine" in spoken.advice[0]


# -- the cached model is hashed once, then known by its stamp ---------------------------------------------------


def test_a_cached_model_of_the_right_size_and_other_bytes_is_joined_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    joined = fake_parts(tmp_path, monkeypatch)
    folder = _model.bundled_model_dir()
    model = folder / "model.bin"
    model.write_bytes(bytes(len(joined)))  # same size, other bytes
    said: list[str] = []
    assert _model.bundled_model_dir(echo=said.append) == folder
    assert model.read_bytes() == joined
    assert any("does not match its pinned SHA-256" in line for line in said)
    assert any("Checked: SHA-256" in line for line in said)


def test_a_cached_model_is_hashed_once_then_known_by_its_stamp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_parts(tmp_path, monkeypatch)
    folder = _model.bundled_model_dir()
    (folder / "model.bin.verified").unlink()  # a cache joined before the stamp existed
    hashed: list[Path] = []
    real = _model._sha256

    def counted(path: Path) -> str:
        hashed.append(path)
        return real(path)

    monkeypatch.setattr(_model, "_sha256", counted)
    for _ in range(3):
        assert _model.bundled_model_dir() == folder
    assert hashed == [folder / "model.bin"]  # once: then the stamp (hash, size, mtime) says it is unchanged
    stamp = json.loads((folder / "model.bin.verified").read_text())
    assert stamp["sha256"] == _model._MODEL_SHA256 and stamp["size"] == _model._MODEL_SIZE


def test_a_damaged_cached_model_without_the_parts_is_deleted_and_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    joined = fake_parts(tmp_path, monkeypatch)
    folder = _model.bundled_model_dir()
    model = folder / "model.bin"
    model.write_bytes(joined[::-1])  # the size of the stamp, not its bytes (and a newer mtime)
    monkeypatch.setattr(_model, "_part_data", lambda package: None)
    with pytest.raises(
        VoiceUnavailable, match=r"did not match its pinned SHA-256 and was deleted.*interviewer\[voice\]"
    ):
        _model.bundled_model_dir()
    assert not model.exists() and not (folder / "model.bin.verified").exists()


def test_the_transcriber_is_named_after_the_model_it_uses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from interviewer.voice import WhisperTranscriber

    monkeypatch.delenv(_model.MODEL_ENV, raising=False)
    assert WhisperTranscriber().name == "faster-whisper base (int8)"
    folder = tmp_path / "faster-whisper-large-v3"
    monkeypatch.setenv(_model.MODEL_ENV, str(folder))
    assert WhisperTranscriber().name == "faster-whisper faster-whisper-large-v3 (int8)"
    assert WhisperTranscriber(tmp_path / "small.en", compute_type="float32").name == "faster-whisper small.en (float32)"


@pytest.mark.parametrize("error", [RuntimeError("File model.bin is incomplete"), ValueError("bad"), OSError("gone")])
def test_a_model_folder_that_does_not_load_is_one_line_saying_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    import types

    from interviewer.voice import WhisperTranscriber

    def fails(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setitem(sys.modules, "faster_whisper", types.SimpleNamespace(WhisperModel=fails))
    (tmp_path / "model.bin").write_bytes(b"x")
    monkeypatch.setenv(_model.MODEL_ENV, str(tmp_path))
    whisper = WhisperTranscriber()
    try:
        with pytest.raises(UsageError, match=rf"INTERVIEWER_WHISPER_MODEL={tmp_path} does not load.*\({error}\)"):
            whisper.load()
        with pytest.raises(UsageError, match=r"unset INTERVIEWER_WHISPER_MODEL"):  # and again: nothing half-loaded
            whisper.transcribe(np.zeros(SAMPLE_RATE, dtype=np.float32))
    finally:
        whisper.close()


def test_the_bundled_model_that_does_not_load_says_to_delete_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import types

    from interviewer.voice import WhisperTranscriber

    def fails(*args: object, **kwargs: object) -> None:
        raise RuntimeError("Unsupported model binary version")

    fake_parts(tmp_path, monkeypatch)
    monkeypatch.delenv(_model.MODEL_ENV, raising=False)
    monkeypatch.setitem(sys.modules, "faster_whisper", types.SimpleNamespace(WhisperModel=fails))
    whisper = WhisperTranscriber()
    try:
        with pytest.raises(UsageError, match=r"the Whisper model in .*whisper does not load.*delete that folder"):
            whisper.load()
    finally:
        whisper.close()


@pytest.mark.voice
def test_a_damaged_model_file_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    """CTranslate2 itself on a model.bin cut short: its RuntimeError becomes the one line."""
    pytest.importorskip("faster_whisper")
    from interviewer.voice import WhisperTranscriber

    (tmp_path / "model.bin").write_text("x")
    whisper = WhisperTranscriber(tmp_path)
    try:
        with pytest.raises(UsageError, match=rf"the Whisper model folder {tmp_path} does not load .*incomplete"):
            whisper.load()
    finally:
        whisper.close()


# -- the transcriber's thread: it never holds up the end of the process --------------------------------------


class SlowModel:
    """A stand-in for WhisperModel whose transcription yields a segment per `step` seconds, for `windows` steps."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self.windows, self.step = 50, 0.1
        self.decoded = 0

    def transcribe(self, samples: object, **kwargs: object) -> tuple[object, object]:
        import time
        import types

        def segments() -> Iterator[object]:
            for i in range(self.windows):
                time.sleep(self.step)
                self.decoded += 1
                yield types.SimpleNamespace(text=f"w{i}", words=[])

        info = types.SimpleNamespace(language="en", language_probability=1.0, all_language_probs=[])
        return segments(), info


def slow_whisper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[WhisperTranscriber, SlowModel]:
    import types

    models: list[SlowModel] = []

    def make(*args: object, **kwargs: object) -> SlowModel:
        models.append(SlowModel())
        return models[-1]

    monkeypatch.setitem(sys.modules, "faster_whisper", types.SimpleNamespace(WhisperModel=make))
    (tmp_path / "model.bin").write_bytes(b"x")
    whisper = WhisperTranscriber(tmp_path)
    whisper.load()
    return whisper, models[0]


@pytest.mark.usefixtures("sigint_as_in_a_terminal")
def test_a_transcription_whose_caller_gave_up_stops_at_its_next_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while waiting for a long recording: the model stops at the next window, the thread is free."""
    import os
    import signal
    import threading
    import time

    from interviewer.voice import transcribing

    whisper, model = slow_whisper(tmp_path, monkeypatch)
    samples = np.zeros(SAMPLE_RATE, dtype=np.float32)
    threading.Timer(0.35, os.kill, (os.getpid(), signal.SIGINT)).start()  # Ctrl-C, 0.35 s in
    with pytest.raises(KeyboardInterrupt):
        whisper.transcribe(samples)
    assert transcribing()
    deadline = time.monotonic() + 2
    while transcribing() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not transcribing() and model.decoded < 10  # stopped after a window or so, not all 50
    model.windows = 2
    assert whisper.transcribe(samples).text == "w0 w1"
    whisper.close()


def test_the_model_thread_does_not_hold_up_the_exit(tmp_path: Path) -> None:
    """The process ends while a (fake) model transcribes on the thread: at once, quietly, and only once the
    model is between two windows (a real CTranslate2 crashes a process that ends while it computes)."""
    import subprocess

    script = f"""
import sys, threading, time, types
import numpy as np
from pathlib import Path
sys.path.insert(0, {str(Path(__file__).parent)!r})
import test_voice
sys.modules["faster_whisper"] = types.SimpleNamespace(WhisperModel=test_voice.SlowModel)
from interviewer.voice import WhisperTranscriber, transcribing
Path({str(tmp_path)!r}, "model.bin").write_bytes(b"x")
whisper = WhisperTranscriber({str(tmp_path)!r})
threading.Thread(target=whisper.transcribe, args=(np.zeros(16000, dtype=np.float32),), daemon=True).start()
while not transcribing():
    time.sleep(0.01)
time.sleep(0.2)
print("exiting", flush=True)
"""
    import time

    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and done.stdout == "exiting\n" and done.stderr == "", done.stderr
    assert time.monotonic() - started < 3  # not the 5 s the 50 windows take
