"""Answering by voice in a real Chromium (Debian's) with its fake microphone, and the real transcriber.

Chromium plays a WAV file as the microphone (`--use-fake-device-for-media-stream
--use-file-for-fake-audio-capture=FILE.wav%noloop`: once, then silence); the server transcribes it with
faster-whisper. The spoken answer is a committed fixture (tests/fixtures/voice/, made by
tools/make_voice_fixtures.py). Microphone permission is granted per browser
context, so a context without it is a candidate who refused the microphone.
"""

from __future__ import annotations

import os
import re
import shutil
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from _web_helpers import ROOT, Server
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright, expect

from interviewer.voice import VOICE_INSTALL, voice_available

pytestmark = [pytest.mark.browser, pytest.mark.voice]

FIXTURES = ROOT / "tests" / "fixtures" / "voice"
ARTIFACTS = ROOT / "tests" / "artifacts"


def _needed(what: str, env: str) -> None:
    if os.environ.get(env):
        pytest.fail(what)  # CI installs it, so there it must run
    pytest.skip(what)


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        _needed(
            "Debian's chromium is needed for the browser tests (apt-get install chromium)",
            "INTERVIEWER_REQUIRE_CHROMIUM",
        )
    if not voice_available():
        _needed("the voice extra is needed here: pip install -e '.[voice]'", "INTERVIEWER_REQUIRE_VOICE")
    assert path is not None
    return path


@pytest.fixture(scope="module")
def speech() -> Path:
    """About nine seconds of a spoken answer (tests/fixtures/voice/manifest.json says what it says)."""
    return FIXTURES / "en_clean_150.wav"


def seconds_of(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


@pytest.fixture(scope="module")
def silence() -> Path:
    return FIXTURES / "silence_5s.wav"


def _launch(playwright: Playwright, chromium: str, wav: Path) -> Browser:
    # No --use-fake-ui-for-media-stream: each context is granted the microphone, or refuses it.
    args = [
        "--disable-background-networking",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}%noloop",
    ]
    return playwright.chromium.launch(executable_path=chromium, args=args)


@pytest.fixture(scope="module")
def speaking(playwright: Playwright, chromium: str, speech: Path) -> Iterator[Browser]:
    browser = _launch(playwright, chromium, speech)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def silent(playwright: Playwright, chromium: str, silence: Path) -> Iterator[Browser]:
    browser = _launch(playwright, chromium, silence)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, chromium: str) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("serve"))
    yield running
    running.stop()


class Console:
    """Errors the page logs (a refused fetch logs its status: `allowed` says which are expected)."""

    def __init__(self, page: Page) -> None:
        self.errors: list[str] = []
        page.on("console", self._message)
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))

    def _message(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def check(self, *allowed: str) -> None:
        unexpected = [e for e in self.errors if not any(a in e for a in allowed)]
        assert unexpected == [], unexpected


def page_in(context: BrowserContext) -> tuple[Page, Console]:
    page = context.new_page()
    return page, Console(page)


def shoot(page: Page, name: str) -> None:
    """A screenshot for people to look at (tests/artifacts/), and nothing wider than the window."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{name}: wider than the page"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / name, full_page=True)


def start(page: Page, url: str) -> None:
    page.goto(url + "/")
    page.get_by_label("Role").select_option("digital-product-owner")
    page.get_by_label("Number of questions").fill("1")
    page.get_by_label("Follow-up questions when an answer misses a point").set_checked(False)
    page.get_by_role("button", name="Start the interview").click()
    expect(page.get_by_text("Question 1 of 1")).to_be_visible()
    page.wait_for_load_state("domcontentloaded")  # voice.js has run: the recorder is shown


def test_a_spoken_answer_from_the_microphone_to_feedback_and_the_report(
    speaking: Browser, server: Server, speech: Path
) -> None:
    context = speaking.new_context(permissions=["microphone"], viewport={"width": 360, "height": 780})
    page, console = page_in(context)
    start(page, server.url)
    box = page.get_by_label("Your answer")
    page.get_by_label("Keep my recording with this session").check()  # at a phone's width, for the screenshots
    page.get_by_role("button", name="Record your answer").click()
    stop = page.get_by_role("button", name="Stop recording")
    expect(stop).to_be_focused()
    expect(page.get_by_role("timer")).to_have_text(re.compile(r"^0:0\d of 10:00$"))
    page.wait_for_timeout(1000 * (seconds_of(speech) + 1.0))  # the file plays once, then silence
    stop.click()
    stopped = time.monotonic()
    expect(page.get_by_text("Transcribing…")).to_be_visible()
    expect(box).to_have_value(re.compile("checkout", re.I), timeout=60_000)
    transcribed = time.monotonic() - stopped
    print(f"\nstop to transcript in the box: {transcribed:.2f} s for {seconds_of(speech):.1f} s of speech")
    expect(page.get_by_text(re.compile("^Transcribed. Check the text in the box"))).to_be_visible()
    expect(page.get_by_text("Your recording is kept with this session.", exact=False)).to_be_visible()
    transcript = box.input_value()
    expect(page.get_by_role("button", name="Read the question aloud")).to_be_visible()  # Chromium speaks
    shoot(page, "voice-transcribed-360.png")
    assert re.search(r"conversion", transcript, re.I) and re.search(r"4|four", transcript, re.I), transcript
    # A reload keeps the transcript (the draft) and its measure (the hidden field names it again).
    page.reload()
    expect(box).to_have_value(transcript)
    assert page.locator("[data-recorded]").input_value() != ""
    box.press("Control+Enter")
    expect(page.get_by_text(re.compile(r"^Score \d/5"))).to_be_visible()
    spoken = page.get_by_text(re.compile(r"^\d+ words a minute, (slower than|a comfortable pace|faster than)"))
    expect(spoken).to_be_visible()
    expect(page.locator("dd", has_text=re.compile(r"^\d+ words, \d+ s spoken$"))).to_be_visible()
    shoot(page, "voice-feedback-360.png")
    page.get_by_role("link", name="See your summary").click()
    page.get_by_role("link", name="Full report").click()
    player = page.get_by_label("Your recording")
    expect(player).to_be_visible()
    state = player.evaluate(
        """audio => new Promise(resolve => {
            const done = () => resolve({ready: audio.readyState, error: audio.error && audio.error.code});
            if (audio.readyState >= 1) return done();
            audio.addEventListener("loadedmetadata", done);
            audio.addEventListener("error", done);
            audio.load();
        })"""
    )
    assert state["error"] is None and state["ready"] >= 1, state
    source = player.get_attribute("src")
    assert source is not None and re.fullmatch(r"/sessions/[^/]+/recordings/[A-Za-z0-9_-]+-1\.webm", source)
    shoot(page, "voice-report-360.png")
    console.check()
    context.close()


def test_a_recording_stops_by_itself_at_the_limit(speaking: Browser, server: Server) -> None:
    context = speaking.new_context(permissions=["microphone"])
    page, console = page_in(context)
    start(page, server.url)
    page.locator("[data-recorder]").evaluate("r => { r.dataset.maxSeconds = '4'; }")  # ten minutes, shortened
    page.get_by_role("button", name="Record your answer").click()
    expect(page.get_by_role("button", name="Stop recording")).to_be_visible()
    expect(page.get_by_role("button", name="Stop recording")).to_be_hidden(timeout=10_000)
    expect(page.get_by_label("Your answer")).to_have_value(re.compile(r"\w"), timeout=60_000)
    expect(page.get_by_text(re.compile(r"^Transcribed\."))).to_be_visible()
    held = page.locator("[data-recorded]").input_value()
    assert held != ""
    # Emptying the box clears the field that names the recording: the answer would be graded as typed.
    page.get_by_label("Your answer").fill("")
    assert page.locator("[data-recorded]").input_value() == ""
    console.check()
    context.close()


def test_a_refused_microphone_says_so_and_typing_still_works(silent: Browser, server: Server) -> None:
    context = silent.new_context()  # the microphone is not granted: the candidate said no
    page, console = page_in(context)
    start(page, server.url)
    box = page.get_by_label("Your answer")
    box.fill("My typed answer so far")
    page.get_by_role("button", name="Record your answer").click()
    expect(page.get_by_role("alert")).to_have_text(
        re.compile("^The microphone was not allowed, so nothing was recorded")
    )
    expect(box).to_have_value("My typed answer so far")
    expect(page.get_by_role("button", name="Record your answer")).to_be_enabled()
    box.fill("I set 3 goals with the team, we shipped in 6 weeks and cut churn by 12%.")
    box.press("Control+Enter")
    expect(page.get_by_text(re.compile(r"^Score \d/5"))).to_be_visible()
    expect(page.locator("dd", has_text=re.compile(r"^\d+ words, about \d+ s aloud$"))).to_be_visible()  # typed
    console.check()
    context.close()


def test_a_silent_recording_is_one_message_and_the_box_is_untouched(silent: Browser, server: Server) -> None:
    context = silent.new_context(permissions=["microphone"])
    page, console = page_in(context)
    start(page, server.url)
    box = page.get_by_label("Your answer")
    box.fill("Typed before recording")
    expect(page.get_by_text("Draft saved")).to_be_visible()
    page.get_by_role("button", name="Record your answer").click()
    page.wait_for_timeout(3000)  # longer than MIN_SECONDS: a short one is "cut off"
    page.get_by_role("button", name="Stop recording").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile("^No speech found in your recording"), timeout=60_000)
    expect(box).to_have_value("Typed before recording")
    page.reload()
    expect(box).to_have_value("Typed before recording")  # the draft too
    console.check("status of 422")
    context.close()


def test_without_the_extra_the_button_says_how_to_install_and_asks_for_nothing(silent: Browser, server: Server) -> None:
    context = silent.new_context(permissions=["microphone"])
    page, console = page_in(context)
    start(page, server.url)
    # As the page is rendered without the extra (the TestClient tests check the server renders it so).
    page.evaluate(
        """message => {
            window.asked = 0;
            navigator.mediaDevices.getUserMedia = () => { window.asked += 1; return Promise.reject(new Error("no")); };
            document.querySelector("[data-recorder]").dataset.unavailable = message;
        }""",
        f"Spoken answers need the voice extra: {VOICE_INSTALL}",
    )
    page.get_by_role("button", name="Record your answer").click()
    expect(page.get_by_role("alert")).to_contain_text(VOICE_INSTALL)
    assert page.evaluate("window.asked") == 0
    console.check()
    context.close()
