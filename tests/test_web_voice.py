"""Answering by voice in `interviewer serve`, through FastAPI's TestClient with `ScriptedTranscriber`.

The upload route, the held measure and the hidden field that carries it, every bad recording, the size
limit, cross-origin refusal, kept recordings (only on opt-in, served only by name, deleted with the
session) and the page without the voice extra. Tests that decode audio are marked `voice` (PyAV comes
with the extra); the real transcriber in a real browser is in test_browser_voice.py.
"""

from __future__ import annotations

import io
import os
import re
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx
import numpy as np
import pytest
from _web_helpers import answer_for
from fastapi.testclient import TestClient

from interviewer._sessions import SessionStore
from interviewer._setup import build_grader
from interviewer.corpus import Corpus
from interviewer.exceptions import VoiceUnavailable
from interviewer.llm import LLMSettings
from interviewer.models import Session, SpokenDelivery
from interviewer.testing import ScriptedTranscriber
from interviewer.voice import MAX_SECONDS, VOICE_INSTALL, Samples, Transcript, voice_available
from interviewer.web import WebSettings, WebState, create_app
from interviewer.web._security import PERMISSIONS_POLICY

ROLE = "digital-product-owner"
SPOKEN = (
    "In my last role I led discovery with twenty customer interviews and set three goals with the team. "
    "We shipped the new onboarding in six weeks and cut churn by twelve percent in one quarter."
)
WPM = 100.0


@pytest.fixture
def decodes() -> None:
    """Tests that decode audio need PyAV, which the voice extra brings (CI installs it: there they must run)."""
    if not voice_available():
        if os.environ.get("INTERVIEWER_REQUIRE_VOICE"):
            pytest.fail("the voice extra is needed here: pip install -e '.[voice]'")
        pytest.skip("needs the voice extra (pip install -e '.[voice]')")


@pytest.fixture
def extra_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """For tests refused before any decoding: as if the voice extra were installed, whether or not it is."""
    import interviewer.web._voice as voice_module

    monkeypatch.setattr(voice_module, "voice_available", lambda: True)


def tone_wav(seconds: float = 2.0, rate: int = 16_000, *, width: int = 2, amplitude: float = 0.3) -> bytes:
    """A WAV of a quiet 220 Hz tone (or silence, amplitude 0): real audio for the decoder."""
    wave_form = amplitude * np.sin(2 * np.pi * 220 * np.arange(int(seconds * rate)) / rate)
    if width == 1:  # 8-bit WAV is unsigned
        data = (128 + 127 * wave_form).astype(np.uint8).tobytes()
    else:
        data = (32767 * wave_form).astype("<i2").tobytes()
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(data)
    return out.getvalue()


class Web:
    """A TestClient on a temporary sessions folder, with the transcriber the test gives."""

    def __init__(self, corpus: Corpus, folder: Path, transcriber: Any) -> None:
        self.store = SessionStore(folder)
        self.state = WebState(WebSettings(("testserver",)), self.store, corpus, build_grader(LLMSettings()))
        self.state.transcriber = transcriber
        self.client = TestClient(create_app(self.state), raise_server_exceptions=False)

    def start(self, questions: int = 2, follow_ups: bool = False) -> tuple[str, str]:
        data = {"role": ROLE, "questions": str(questions), **({"follow_ups": "on"} if follow_ups else {})}
        r = self.client.post("/start", data=data, follow_redirects=False)
        assert r.status_code == 303, r.text
        match = re.fullmatch(r"/session/([^?]+)\?tab=(.+)", r.headers["location"])
        assert match is not None
        sid, tab = match[1], match[2]
        assert self.client.get(f"/session/{sid}?tab={tab}").status_code == 200
        return sid, tab

    def record(
        self,
        sid: str,
        tab: str,
        audio: bytes | None = None,
        *,
        text: str = "",
        recorded: str = "",
        keep: bool = False,
        content_type: str = "audio/wav",
        filename: str = "recording.wav",
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        data = {"text": text, "recorded": recorded, **({"keep": "on"} if keep else {})}
        body = tone_wav() if audio is None else audio
        files = {"audio": (filename, body, content_type)}
        return self.client.post(f"/session/{sid}/recording?tab={tab}", data=data, files=files, headers=headers)

    def answer(self, sid: str, tab: str, text: str, recorded: str = "") -> httpx.Response:
        return self.client.post(
            f"/session/{sid}/answer?tab={tab}", data={"text": text, "recorded": recorded}, follow_redirects=False
        )

    def draft(self, sid: str, tab: str, text: str, recorded: str = "") -> None:
        r = self.client.post(f"/session/{sid}/draft?tab={tab}", data={"text": text, "recorded": recorded})
        assert r.status_code == 200, r.text

    def session(self, sid: str) -> Session:
        opened = self.state.open.get(sid)
        assert opened is not None
        return opened.interview.session

    def held(self, sid: str) -> SpokenDelivery | None:
        opened = self.state.open.get(sid)
        assert opened is not None
        return opened.interview.held_recording

    def page(self, sid: str, tab: str) -> str:
        r = self.client.get(f"/session/{sid}?tab={tab}")
        assert r.status_code == 200, r.text
        return r.text


@pytest.fixture
def scripted() -> ScriptedTranscriber:
    return ScriptedTranscriber(SPOKEN, words_per_minute=WPM, pauses={10: 2.5})


@pytest.fixture
def web(corpus: Corpus, tmp_path: Path, scripted: ScriptedTranscriber) -> Iterator[Web]:
    running = Web(corpus, tmp_path / "sessions", scripted)
    with running.client:
        yield running


def textarea(page: str) -> str:
    match = re.search(r"<textarea id=\"answer\"[^>]*>(.*?)</textarea>", page, re.S)
    assert match is not None
    return match[1]


def hidden_token(page: str) -> str:
    match = re.search(r'<input type="hidden" name="recorded" value="([^"]*)"', page)
    assert match is not None
    return match[1]


def test_the_interview_page_has_a_record_button_and_the_microphone_policy(web: Web) -> None:
    sid, tab = web.start()
    r = web.client.get(f"/session/{sid}?tab={tab}")
    assert r.headers["permissions-policy"] == PERMISSIONS_POLICY and "microphone=(self)" in PERMISSIONS_POLICY
    page = r.text
    assert ">Record your answer</button>" in page and ">Stop recording</button>" in page
    assert f'data-url="/session/{sid}/recording?tab={tab}"' in page and f'data-max-seconds="{MAX_SECONDS}"' in page
    assert "data-unavailable" not in page
    keep = re.search(r"<input type=\"checkbox\" id=\"keep-recording\"[^>]*>", page)
    assert keep is not None and "checked" not in keep[0]  # off unless the candidate ticks it
    assert "Keep my recording with this session" in page
    assert hidden_token(page) == ""
    assert '<script src="/static/voice.js" defer></script>' in page and "Read the question aloud" in page
    assert web.client.get("/static/voice.js").status_code == 200


@pytest.mark.voice
@pytest.mark.usefixtures("decodes")
def test_a_recording_is_held_as_the_draft_and_graded_with_its_pace(web: Web) -> None:
    words = len(SPOKEN.split())
    measured = (words - 1) * 60 / WPM + 0.8 * 60 / WPM + 2.5  # first word to last, the 2.5 s pause included
    paused = 2.5 + 0.2 * 60 / WPM  # the long pause (its gap includes the usual one between words)
    wpm = round(words * 60 / (measured - paused))  # the rate while talking
    sid, tab = web.start()
    r = web.record(sid, tab, tone_wav(30.0))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["text"] == body["transcript"] == SPOKEN
    assert body["recorded"] and f"{wpm} words a minute" in body["spoken"] and body["kept"] is None
    held = web.held(sid)
    assert held is not None and round(held.words_per_minute) == wpm and held.long_pauses == 1
    # A reload keeps the transcript and the measure: the form names it again.
    page = web.page(sid, tab)
    assert textarea(page) == SPOKEN and hidden_token(page) == body["recorded"]
    # Corrected by hand (still the transcript): graded with the measured pace and time.
    corrected = SPOKEN.replace("twenty", "20")
    web.draft(sid, tab, corrected, body["recorded"])
    assert web.held(sid) is not None
    r = web.answer(sid, tab, corrected, body["recorded"])
    assert r.status_code == 303, r.text
    turn = web.session(sid).turns[0]
    assert turn.answer == corrected and turn.feedback is not None
    delivery = turn.feedback.delivery
    assert delivery.spoken is not None and delivery.spoken.words == delivery.word_count
    wpm = round(delivery.word_count * 60 / (measured - paused))  # over the corrected answer's words
    assert round(delivery.spoken.words_per_minute) == wpm
    assert delivery.speaking_seconds == round(measured) != round(words * 60 / 140)  # not the typed estimate
    feedback = web.client.get(r.headers["location"]).text
    assert f"{wpm} words a minute" in feedback and "1 pause of 2 s or more, longest 2.6 s" in feedback
    assert web.held(sid) is None


@pytest.mark.voice
@pytest.mark.usefixtures("decodes")
def test_emptying_the_box_drops_the_measure(web: Web) -> None:
    sid, tab = web.start()
    token = web.record(sid, tab).json()["recorded"]
    # The page clears the hidden field when the box is emptied; the autosave then forgets the measure.
    web.draft(sid, tab, "", "")
    assert web.held(sid) is None
    assert hidden_token(web.page(sid, tab)) == ""
    typed = "I set 3 goals with the team, we shipped in 6 weeks and cut churn by 12%."
    web.draft(sid, tab, typed, "")
    assert web.answer(sid, tab, typed, token).status_code == 303  # a stale token names nothing held
    fb = web.session(sid).turns[0].feedback
    assert fb is not None and fb.delivery.spoken is None
    # Submitted without the field (the box was emptied and retyped before the autosave): graded as typed too.
    sid, tab = web.start()
    web.record(sid, tab)
    assert web.answer(sid, tab, typed).status_code == 303
    fb = web.session(sid).turns[0].feedback
    assert fb is not None and fb.delivery.spoken is None and "about" in fb.delivery.time_aloud()


@pytest.mark.voice
@pytest.mark.usefixtures("decodes")
def test_a_second_recording_is_appended_and_measured_with_the_first(web: Web) -> None:
    sid, tab = web.start()
    first = web.record(sid, tab).json()
    second = web.record(sid, tab, text=first["text"], recorded=first["recorded"]).json()
    assert second["text"] == f"{SPOKEN}\n\n{SPOKEN}"
    held = web.held(sid)
    assert held is not None and held.recordings == 2 and held.words == 2 * len(SPOKEN.split())
    # After typed text (no held recording named), the transcript is appended and measured alone.
    sid, tab = web.start()
    r = web.record(sid, tab, text="My typed start.\n").json()
    assert r["text"] == f"My typed start.\n\n{SPOKEN}"
    held = web.held(sid)
    assert held is not None and held.recordings == 1
    assert textarea(web.page(sid, tab)) == f"My typed start.\n\n{SPOKEN}"


@pytest.mark.voice
@pytest.mark.usefixtures("decodes")
def test_a_spoken_follow_up_reply_is_measured(web: Web) -> None:
    sid, tab = web.start(1, follow_ups=True)
    question = web.state.corpus.role(ROLE).question(web.session(sid).current_question_id or "")
    r = web.answer(sid, tab, answer_for(question.question))  # half the points: a follow-up asks about another
    assert r.status_code == 303 and "/feedback/" not in r.headers["location"]  # a follow-up came
    assert ">Record your reply</button>" in web.page(sid, tab)
    token = web.record(sid, tab).json()["recorded"]
    r = web.answer(sid, tab, SPOKEN, token)
    assert "/feedback/1" in r.headers["location"], r.headers["location"]
    turn = web.session(sid).turns[0]
    assert turn.follow_ups[0].spoken is not None and turn.feedback is not None
    assert turn.feedback.delivery.spoken is not None and turn.feedback.delivery.spoken.recordings == 1


@dataclass(frozen=True)
class Bad:
    """A recording that cannot be graded, and what the page is told."""

    audio: Callable[[], bytes]
    status: int
    problem: str
    message: str
    content_type: str = "audio/wav"
    heard: Callable[[], ScriptedTranscriber] | None = None
    """Who hears it (the default scripted transcriber when None)."""


BAD = [
    pytest.param(Bad(lambda: b"", 422, "empty", "Your recording is empty (0 bytes)", "audio/webm"), id="empty"),
    pytest.param(
        Bad(lambda: b"RIFF\x00garbage" * 50, 422, "unreadable", "Cannot decode your recording", "audio/webm"),
        id="corrupt",
    ),
    pytest.param(
        Bad(
            lambda: tone_wav(2.0, amplitude=0.0),
            422,
            "silent",
            "No speech found in your recording",
            heard=lambda: ScriptedTranscriber(""),
        ),
        id="silence",
    ),
    pytest.param(
        Bad(
            tone_wav,
            422,
            "language",
            "sounds like Spanish (97% sure)",
            heard=lambda: ScriptedTranscriber("Hola, soy product owner", language="es", language_probability=0.97),
        ),
        id="language",
    ),
    pytest.param(
        Bad(
            lambda: tone_wav(MAX_SECONDS + 5, rate=8000, width=1, amplitude=0.0),
            422,
            "too-long",
            "Your recording is longer than 10 minutes",
        ),
        id="too-long",
    ),
    pytest.param(
        Bad(lambda: b"plain text", 415, "unreadable", "sent the recording as text/plain", "text/plain"), id="type"
    ),
]


@pytest.mark.voice
@pytest.mark.usefixtures("decodes")
@pytest.mark.parametrize("bad", BAD)
def test_a_bad_recording_is_one_message_and_the_answer_is_untouched(web: Web, bad: Bad) -> None:
    if bad.heard is not None:
        web.state.transcriber = bad.heard()
    sid, tab = web.start()
    web.draft(sid, tab, "What I typed so far")
    r = web.record(sid, tab, bad.audio(), text="What I typed so far", content_type=bad.content_type)
    assert r.status_code == bad.status, r.text
    body = r.json()
    assert body["problem"] == bad.problem and bad.message in body["error"], body
    assert "sox" not in body["error"] and "\n" not in body["error"]
    opened = web.state.open.get(sid)
    assert opened is not None and opened.interview.draft_text == "What I typed so far" and web.held(sid) is None
    assert not web.store.audio_folder(sid).exists()
    # The typed path still works.
    assert web.answer(sid, tab, "I set 3 goals with the team and cut churn by 12%.").status_code == 303


@pytest.mark.usefixtures("extra_installed")
def test_the_upload_size_is_limited(web: Web, monkeypatch: pytest.MonkeyPatch, scripted: ScriptedTranscriber) -> None:
    import interviewer.web.routes.voice as route

    sid, tab = web.start()
    limit = route.MAX_UPLOAD_BYTES
    monkeypatch.setattr(route, "MAX_UPLOAD_BYTES", 4000)
    r = web.record(sid, tab, b"\x00" * 10_000)  # read, then refused: more than the limit
    assert r.status_code == 413 and "the most this page takes is 0 MB" in r.json()["error"]
    r = web.record(sid, tab, b"\x00" * 600_000)  # refused on its Content-Length, before it is read
    assert r.status_code == 413 and r.json()["problem"] == "too-long"
    monkeypatch.setattr(route, "MAX_UPLOAD_BYTES", limit)
    big = web.client.post(
        f"/session/{sid}/recording?tab={tab}",
        content=b"x",
        headers={"Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(41 * 1024 * 1024)},
    )
    assert big.status_code == 413 and "The recording is 41 MB; the most this page takes is 40 MB" in big.json()["error"]
    chunked = web.client.post(f"/session/{sid}/recording?tab={tab}", content=iter([b"--x\r\n"]))
    assert chunked.status_code == 411
    assert scripted.calls == 0 and web.held(sid) is None


def test_a_recording_from_another_site_is_refused(web: Web, scripted: ScriptedTranscriber) -> None:
    sid, tab = web.start()
    for headers in ({"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "null"}):
        r = web.record(sid, tab, headers=headers)
        assert r.status_code == 403 and "came from another site" in r.text, headers
    assert scripted.calls == 0 and web.held(sid) is None


@pytest.mark.usefixtures("extra_installed")
def test_a_recording_for_a_tab_that_lost_the_session_is_refused(web: Web, scripted: ScriptedTranscriber) -> None:
    sid, tab = web.start()
    web.client.post(f"/session/{sid}/takeover")
    r = web.record(sid, tab)
    assert r.status_code == 409 and "open in another tab" in r.json()["error"]
    assert scripted.calls == 0


@pytest.mark.voice
@pytest.mark.usefixtures("decodes")
def test_a_recording_is_kept_only_when_asked_and_served_only_by_name(web: Web) -> None:
    sid, tab = web.start(2)
    web.record(sid, tab)
    assert not web.store.audio_folder(sid).exists()  # not asked: nothing kept
    held = web.held(sid)
    assert held is not None and held.audio_files == []
    audio = tone_wav(3.0)
    body = web.record(sid, tab, audio, keep=True).json()
    question = web.session(sid).current_question_id
    assert body["kept"] == f"{sid}.audio/{question}-1.wav"
    assert (web.store.folder / body["kept"]).read_bytes() == audio
    assert web.answer(sid, tab, body["text"], body["recorded"]).status_code == 303
    fb = web.session(sid).turns[0].feedback
    assert fb is not None and fb.delivery.spoken is not None and fb.delivery.spoken.audio_files == [body["kept"]]
    url = f"/sessions/{sid}/recordings/{question}-1.wav"
    for page in (f"/sessions/{sid}/report", f"/session/{sid}/feedback/1"):
        assert f'<audio controls preload="metadata" src="{url}"' in web.client.get(page).text
    served = web.client.get(url)
    assert served.status_code == 200 and served.content == audio and served.headers["content-type"] == "audio/wav"
    # Only this session's recordings, only by the name it was given.
    other, other_tab = web.start(1)
    web.record(other, other_tab, keep=True)
    other_name = sorted(p.name for p in web.store.audio_folder(other).iterdir())[0]
    (web.store.folder / "secret.wav").write_bytes(b"not yours")
    for bad in [
        f"/sessions/{sid}/recordings/{other_name}",
        f"/sessions/{sid}/recordings/..%2Fsecret.wav",
        f"/sessions/{sid}/recordings/..%2F{sid}.json",
        f"/sessions/{sid}/recordings/%2E%2E%2Fsecret.wav",
        f"/sessions/{sid}/recordings/{question}-1.json",
        f"/sessions/{sid}/recordings/.hidden.wav",
        f"/sessions/{sid}/recordings/{question}-9.wav",
    ]:
        r = web.client.get(bad)
        assert r.status_code == 404, (bad, r.status_code)
        assert b"not yours" not in r.content
    assert web.client.get(f"/sessions/{sid}/recordings/../../secret.wav").status_code == 404
    # Deleting the session deletes its recordings.
    web.client.post(f"/session/{sid}/end?tab={tab}")
    assert web.client.post(f"/sessions/{sid}/delete", follow_redirects=False).status_code == 303
    assert not web.store.audio_folder(sid).exists() and web.store.audio_folder(other).exists()
    assert web.client.get(url).status_code == 404


def test_without_the_extra_the_button_says_how_to_install(
    web: Web, monkeypatch: pytest.MonkeyPatch, scripted: ScriptedTranscriber
) -> None:
    import interviewer.web._voice as voice_module

    monkeypatch.setattr(voice_module, "voice_available", lambda: False)
    sid, tab = web.start()
    page = web.page(sid, tab)
    match = re.search(r'data-unavailable="([^"]*)"', page)
    assert match is not None and VOICE_INSTALL.replace("'", "&#39;") in match[1]
    assert ">Record your answer</button>" in page and "keep-recording" not in page
    r = web.record(sid, tab)
    assert r.status_code == 503 and VOICE_INSTALL in r.json()["error"] and r.json()["problem"] == "unavailable"
    assert scripted.calls == 0
    assert web.answer(sid, tab, "I set 3 goals with the team and cut churn by 12%.").status_code == 303


class _NoWhisper:
    name = "missing"

    def transcribe(self, samples: Samples, *, language: str | None = None) -> Transcript:
        raise VoiceUnavailable(f"spoken answers need the voice extra: {VOICE_INSTALL}")


@pytest.mark.voice
@pytest.mark.usefixtures("decodes")
def test_a_transcriber_that_is_not_installed_says_how_to_install(web: Web) -> None:
    web.state.transcriber = _NoWhisper()
    sid, tab = web.start()
    r = web.record(sid, tab, text="kept")
    assert r.status_code == 503 and r.json()["error"].startswith("Spoken answers need the voice extra")
    assert VOICE_INSTALL in r.json()["error"] and web.held(sid) is None


class _MovesOn(ScriptedTranscriber):
    """Hears the answer while, in another tab of the same owner, the question is skipped."""

    def __init__(self, web: Web, sid: str) -> None:
        super().__init__(SPOKEN)
        self.web, self.sid = web, sid

    def transcribe(self, samples: Samples, *, language: str | None = None) -> Transcript:
        opened = self.web.state.open.get(self.sid)
        assert opened is not None
        with opened.mutex:
            opened.interview.skip()
        return super().transcribe(samples, language=language)


@pytest.mark.voice
@pytest.mark.usefixtures("decodes")
def test_a_transcript_for_a_question_that_moved_on_is_given_back_not_saved(web: Web) -> None:
    sid, tab = web.start(2)
    web.state.transcriber = _MovesOn(web, sid)
    r = web.record(sid, tab)
    assert r.status_code == 409 and r.json()["problem"] == "moved"
    assert r.json()["error"].endswith(f"Here it is: {SPOKEN}")  # to copy: nothing heard is lost
    assert web.session(sid).turns[0].status == "skipped"
    opened = web.state.open.get(sid)
    assert opened is not None and opened.interview.draft_text == "" and web.held(sid) is None


@pytest.mark.voice
def test_typing_over_the_transcript_is_graded_as_typed(corpus: Corpus, tmp_path: Path) -> None:
    """Select-all and type (or paste) over the transcript: the box never empties, so the page keeps naming the
    recording; the server still grades the typed answer as typed (found in the issue-14 review)."""
    web = Web(corpus, tmp_path / "sessions", ScriptedTranscriber(SPOKEN, words_per_minute=100.0))
    with web.client:
        sid, tab = web.start()
        token = web.record(sid, tab, tone_wav(30.0)).json()["recorded"]
        typed = "I would rank the requests by customer impact and effort, then agree the order with the team."
        web.draft(sid, tab, typed, token)  # the autosave posts the field, which still names the recording
        assert web.answer(sid, tab, typed, token).status_code == 303
        feedback = web.session(sid).turns[0].feedback
        assert feedback is not None and feedback.delivery.spoken is None
