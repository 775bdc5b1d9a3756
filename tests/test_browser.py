"""`interviewer serve` in a real Chromium (Debian's), found by role and label as a person would.

One server per module for the journeys; the resume test kills its own server with kill -9.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _web_helpers import ROOT, Server, answer_for
from playwright.sync_api import Page, expect

from interviewer.testing import FakeRequest, LatencyServer, judge_everything

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "tests" / "artifacts"
XSS = [
    "<script>alert('x')</script> I led discovery",
    "<img src=x onerror=alert(1)> we shipped",
    "</textarea><b>bold</b>",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    path = shutil.which("chromium")
    if path is None:
        message = "Debian's chromium is needed for the browser tests (apt-get install chromium)"
        if os.environ.get("INTERVIEWER_REQUIRE_CHROMIUM"):
            pytest.fail(message)  # CI installs it, so there it must run
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": path, "args": ["--disable-background-networking"]}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("serve"))
    yield running
    running.stop()


def start(page: Page, url: str, questions: int, follow_ups: bool = True) -> None:
    page.goto(url + "/")
    page.get_by_label("Role").select_option("digital-product-owner")
    page.get_by_label("Number of questions").fill(str(questions))
    page.get_by_label("Follow-up questions when an answer misses a point").set_checked(follow_ups)
    page.get_by_role("button", name="Start the interview").click()
    expect(page.get_by_text(re.compile(r"Question 1 of \d"))).to_be_visible()


def question_text(page: Page) -> str:
    return page.locator("#question-text").inner_text()


def answer(page: Page, text: str) -> None:
    """Type into the answer box and submit with Ctrl+Enter, as a keyboard user would."""
    page.wait_for_load_state("domcontentloaded")  # the page's script (Ctrl+Enter) has run
    box = page.get_by_label(re.compile("Your (answer|reply to the follow-up)"))
    box.fill(text)
    box.press("Control+Enter")


def test_a_whole_interview_on_the_offline_grader(page: Page, server: Server) -> None:
    start(page, server.url, 4)
    # Question 1: a hint (both levels), an answer, its follow-up and the reply, feedback with the evidence marked.
    page.get_by_role("button", name="Hint").click()
    expect(page.get_by_text(re.compile("^Hint 1: Structure it with"))).to_be_visible()
    page.get_by_role("button", name="Hint").click()
    expect(page.get_by_text("Hint 2: Points a strong answer covers")).to_be_visible()
    first = question_text(page)
    answer(page, answer_for(first))
    expect(page.get_by_role("heading", name="Follow-up")).to_be_visible()
    expect(page.get_by_label("Your reply to the follow-up")).to_be_focused()
    answer(page, "I would measure it with the activation rate and a 30-day retention target of 40%.")
    expect(page.get_by_text(re.compile(r"^Score \d/5"))).to_be_visible()
    expect(page.get_by_role("heading", name="Key points")).to_be_visible()
    assert page.locator("mark").count() >= 1, "the candidate's own words are highlighted as evidence"
    assert page.locator("mark").first.inner_text() in answer_for(first)
    # Question 2: answer, then skip the follow-up: the answer's feedback stands.
    page.get_by_role("link", name="Next question").click()
    expect(page.get_by_text("Question 2 of 4")).to_be_visible()
    answer(page, answer_for(question_text(page)))
    page.get_by_role("button", name="Skip the follow-up").click()
    expect(page.get_by_text(re.compile(r"^Score \d/5"))).to_be_visible()
    # Question 3: skipped outright. Question 4: answered, and its follow-up replied to.
    page.get_by_role("link", name="Next question").click()
    page.get_by_role("button", name="Skip this question").click()
    expect(page.get_by_text("Question 4 of 4")).to_be_visible()
    answer(page, answer_for(question_text(page)))
    expect(page.get_by_role("heading", name="Follow-up")).to_be_visible()
    answer(page, "We tracked it weekly against a 15% target and I reported it to the steering group.")
    page.get_by_role("link", name="See your summary").click()
    expect(page.get_by_role("heading", name="Summary", exact=True)).to_be_visible()
    expect(page.get_by_text("Mean score:")).to_be_visible()
    expect(page.get_by_role("cell", name="skipped")).to_be_visible()
    # The full report: every answer, follow-up and feedback; the exports.
    page.get_by_role("link", name="Full report").click()
    expect(page.get_by_role("heading", name="Report", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Follow-up").first).to_be_visible()
    assert page.get_by_text(re.compile(r"^Score \d/5")).count() == 3
    with page.expect_download() as download:
        page.get_by_role("link", name="Export Markdown").click()
    markdown = Path(download.value.path()).read_text()
    assert "**Your answer**" in markdown and "**Follow-up:**" in markdown
    # History and progress.
    page.get_by_role("link", name="History").click()
    expect(page.get_by_role("cell", name="4 / 4 done")).to_be_visible()
    page.get_by_role("link", name="Progress").click()
    expect(page.get_by_role("img", name="Mean score per competency, session by session")).to_be_visible()
    expect(page.get_by_role("heading", name="Practise next")).to_be_visible()


def test_answers_that_look_like_markup_render_as_text(page: Page, server: Server) -> None:
    start(page, server.url, 3, follow_ups=False)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for text in XSS:
        answer(page, text)
        expect(page.get_by_text(re.compile(r"^Score \d/5"))).to_be_visible()
        expect(page.locator(".bubble.you .answer-text")).to_have_text(text)
        next_link = page.get_by_role("link", name=re.compile("Next question|See your summary"))
        next_link.click()
    page.get_by_role("link", name="Full report").click()
    for text in XSS:
        expect(page.get_by_text(text, exact=True)).to_be_visible()
    assert page.locator("main img, main b, main script").count() == 0
    assert dialogs == []


def test_draft_survives_a_reload_and_the_server_being_killed(page: Page, tmp_path: Path) -> None:
    first = Server(tmp_path)
    try:
        start(page, first.url, 2, follow_ups=False)
        answer(page, answer_for(question_text(page)))
        expect(page.get_by_text(re.compile(r"^Score \d/5"))).to_be_visible()
        page.get_by_role("link", name="Next question").click()
        box = page.get_by_label("Your answer")
        box.press_sequentially("Half an answer, typed and not submitted")
        # The save is sent 800 ms after the last key; with the other test process busy (Chromium and
        # Whisper in the browser voice tests) its reply took over the default 5 s twice in a full run.
        expect(page.get_by_text("Draft saved")).to_be_visible(timeout=20_000)
        page.reload()
        expect(page.get_by_label("Your answer")).to_have_value("Half an answer, typed and not submitted")
        url = page.url
    finally:
        first.kill()
    second = Server(tmp_path)  # the same data dir, a new port: resume from History
    try:
        page.goto(second.url + "/sessions")
        expect(page.get_by_role("cell", name="1 / 2")).to_be_visible()
        page.get_by_role("link", name=re.compile("^Resume")).click()
        expect(page.get_by_text("Question 2 of 2")).to_be_visible()
        expect(page.get_by_label("Your answer")).to_have_value("Half an answer, typed and not submitted")
        assert "/session/" in url
    finally:
        second.stop()


def test_a_second_tab_is_told_the_session_is_open_elsewhere(page: Page, server: Server) -> None:
    start(page, server.url, 2, follow_ups=False)
    session_url = page.url.split("?")[0]
    other = page.context.new_page()
    other.goto(session_url)
    expect(other.get_by_text(re.compile("is open in another tab or window"))).to_be_visible()
    other.get_by_role("button", name="Continue here instead").click()
    expect(other.get_by_label("Your answer")).to_be_visible()
    answer(page, "An answer from the first tab, which no longer owns the session.")
    expect(page.get_by_text(re.compile("is open in another tab or window"))).to_be_visible()
    other.close()


def test_at_phone_width_with_a_screenshot(page: Page, server: Server) -> None:
    page.set_viewport_size({"width": 360, "height": 780})
    start(page, server.url, 2)
    page.get_by_role("button", name="Hint").click()
    answer(page, answer_for(question_text(page)))
    expect(page.get_by_role("heading", name="Follow-up")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways at 360 px ({width} px wide)"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "interview-360.png", full_page=True)
    answer(page, "I would track activation weekly against a 40% target.")
    expect(page.get_by_text(re.compile(r"^Score \d/5"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=ARTIFACTS / "feedback-360.png", full_page=True)


def test_the_model_path_with_a_scripted_fake_llm(page: Page, tmp_path: Path) -> None:
    judge = judge_everything(status="partial", score=3)
    # A second per reply: long enough to see the model's progress streamed into the page.
    with LatencyServer(delay=1.0, reply=lambda body: json.dumps(judge(FakeRequest(body, {}))), model="fake") as llm:
        served = Server(tmp_path, "--model", "fake", "--base-url", llm.base_url)
        try:
            page.goto(served.url + "/")
            expect(page.get_by_text("fake at 127.0.0.1")).to_be_visible()
            start(page, served.url, 1)
            answer(page, answer_for(question_text(page)))
            expect(page.get_by_role("status")).to_contain_text("fake")  # "Sent to fake; waiting…", from the stream
            expect(page.get_by_role("heading", name="Follow-up")).to_be_visible()
            expect(page.get_by_text("Could you say more about how you would measure the result?")).to_be_visible()
            answer(page, "With a 30-day retention target of 40%, reviewed every week.")
            expect(page.get_by_text(re.compile(r"^Score \d/5"))).to_be_visible()
            expect(page.get_by_text(re.compile("llm grader · fake"))).to_be_visible()
            page.get_by_role("link", name="See your summary").click()
            expect(page.get_by_text("A fake summary.")).to_be_visible()
        finally:
            served.stop()
        assert len(llm.completions) >= 3  # grade, follow-up, grade with the reply (and the summary)
