"""Routes of `interviewer serve` through FastAPI's TestClient: every page, errors, escaping, CSRF, exports."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from interviewer._sessions import SessionStore
from interviewer._setup import GradingSetup, build_grader
from interviewer.corpus import Corpus
from interviewer.exceptions import GradingError
from interviewer.graders import GradeRequest, OfflineGrader
from interviewer.interview._followups import TemplateFollowUps
from interviewer.llm import LLMSettings
from interviewer.models import Feedback
from interviewer.web import WebSettings, WebState, create_app
from interviewer.web._security import CONTENT_SECURITY_POLICY
from interviewer.web._serve import bind, serve

XSS = ["<script>alert('x')</script>", "<img src=x onerror=alert(1)>", "</textarea><b>bold</b>"]
ROLE = "digital-product-owner"


def make_client(corpus: Corpus, tmp_path: Path, setup: GradingSetup | None = None) -> TestClient:
    state = WebState(WebSettings(("testserver",)), SessionStore(tmp_path), corpus, setup or build_grader(LLMSettings()))
    return TestClient(create_app(state), raise_server_exceptions=False)


@pytest.fixture
def client(corpus: Corpus, tmp_path: Path) -> Iterator[TestClient]:
    with make_client(corpus, tmp_path) as c:
        yield c


def start(client: TestClient, questions: int = 2, follow_ups: bool = False) -> tuple[str, str]:
    data = {"role": ROLE, "questions": str(questions), **({"follow_ups": "on"} if follow_ups else {})}
    r = client.post("/start", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    match = re.fullmatch(r"/session/([^?]+)\?tab=(.+)", r.headers["location"])
    assert match is not None
    return match[1], match[2]


def submit(client: TestClient, sid: str, tab: str, text: str) -> str:
    r = client.post(f"/session/{sid}/answer?tab={tab}", data={"text": text}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return str(r.headers["location"])


def answered(client: TestClient) -> str:
    sid, tab = start(client, 1)
    client.get(f"/session/{sid}?tab={tab}")
    submit(
        client, sid, tab, "I set 3 goals with the team, we shipped in 6 weeks and cut churn by 12%. " + " ".join(XSS)
    )
    return sid


def test_every_page_renders_with_the_csp(client: TestClient) -> None:
    sid = answered(client)
    for path in [
        "/",
        "/sessions",
        "/progress",
        f"/sessions/{sid}/summary",
        f"/sessions/{sid}/report",
        f"/session/{sid}/feedback/1",
        f"/sessions/{sid}/delete",
        f"/progress?role={ROLE}",
    ]:
        r = client.get(path)
        assert r.status_code == 200, (path, r.text[-500:])
        assert r.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert "default-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY
        assert "<script>" not in r.text  # no inline script anywhere
        assert "http://" not in r.text.replace("http://testserver", "")  # nothing from elsewhere
    assert client.get("/static/htmx.min.js").status_code == 200


def test_start_form_errors_are_shown_next_to_their_fields(client: TestClient) -> None:
    r = client.post("/start", data={"role": "astronaut", "questions": "0"})
    assert r.status_code == 422
    assert "Choose one of the roles listed." in r.text and "Give a whole number from 1 to 20." in r.text
    assert 'aria-invalid="true"' in r.text
    r = client.post("/start", data={"role": ROLE, "questions": "x", "category": "pricing-ops"})
    assert r.status_code == 422 and "has no such category" in r.text


def test_cross_origin_posts_are_refused(client: TestClient) -> None:
    data = {"role": ROLE, "questions": "1"}
    for headers in ({"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "null"}):
        r = client.post("/start", data=data, headers=headers, follow_redirects=False)
        assert r.status_code == 403, headers
        assert "came from another site" in r.text
    assert client.app.state.web.store.list() == []  # type: ignore[attr-defined]  # nothing was started
    same = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    assert client.post("/start", data=data, headers=same, follow_redirects=False).status_code == 303


def test_another_host_header_is_refused(client: TestClient) -> None:
    assert client.get("/", headers={"Host": "rebound.example"}).status_code == 400


def test_answers_are_escaped_everywhere(client: TestClient) -> None:
    sid, tab = start(client, 2)
    draft = client.post(f"/session/{sid}/draft?tab={tab}", data={"text": " ".join(XSS)})
    assert draft.status_code == 200
    page = client.get(f"/session/{sid}?tab={tab}").text
    assert "&lt;/textarea&gt;&lt;b&gt;bold&lt;/b&gt;" in page and "</textarea><b>" not in page
    submit(client, sid, tab, "I led discovery with 20 interviews and we cut churn by 12%. " + " ".join(XSS))
    for path in [f"/session/{sid}/feedback/1", f"/sessions/{sid}/report"]:
        text = client.get(path).text
        for raw in XSS:
            assert raw not in text, (path, raw)
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in text
        assert "&lt;img src=x onerror=alert(1)&gt;" in text


def test_evidence_is_marked_inside_the_escaped_answer(client: TestClient) -> None:
    sid, tab = start(client, 1)
    client.get(f"/session/{sid}?tab={tab}")
    question = client.app.state.web.open.get(sid).interview.current  # type: ignore[attr-defined]
    points = client.app.state.web.corpus.role(ROLE).rubric(question.id).key_points  # type: ignore[attr-defined]
    text = " ".join(f"In my last role I {p.covers}" for p in points[:3]) + " <b>x</b>"
    submit(client, sid, tab, text)
    page = client.get(f"/session/{sid}/feedback/1").text
    assert re.search(r'<mark title="Evidence: [^"]+">In my last role', page)
    assert "&lt;b&gt;x&lt;/b&gt;" in page


def test_a_whole_session_with_follow_up_hint_and_skip(client: TestClient) -> None:
    sid, tab = start(client, 2, follow_ups=True)
    assert client.get(f"/session/{sid}?tab={tab}").status_code == 200
    hint = client.post(f"/session/{sid}/hint?tab={tab}", headers={"HX-Request": "true"})
    assert "Hint 1: Structure it with" in hint.text
    assert "Hint 1" in client.get(f"/session/{sid}?tab={tab}").text  # shown again after a reload
    where = submit(client, sid, tab, "I talked to users about it and we ran a small test with 10 people.")
    if "/feedback/" not in where:  # a follow-up
        assert "Follow-up" in client.get(where).text
        where = submit(client, sid, tab, "I would measure activation against a 40% target.")
    assert "/feedback/1" in where and "Score" in client.get(where).text
    r = client.post(f"/session/{sid}/skip?tab={tab}", follow_redirects=False)
    assert r.headers["location"] == f"/session/{sid}?tab={tab}"
    assert client.get(r.headers["location"], follow_redirects=False).headers["location"] == f"/sessions/{sid}/summary"
    summary = client.get(f"/sessions/{sid}/summary").text
    assert "Mean score" in summary and "skipped" in summary


def test_htmx_submit_streams_progress_then_the_next_page(client: TestClient) -> None:
    sid, tab = start(client, 1)
    client.get(f"/session/{sid}?tab={tab}")
    r = client.post(
        f"/session/{sid}/answer?tab={tab}", data={"text": "We shipped in 6 weeks."}, headers={"HX-Request": "true"}
    )
    events = re.search(r'data-events="([^"]+)"', r.text)
    assert events is not None
    with client.stream("GET", events[1].replace("&amp;", "&")) as stream:
        body = "".join(stream.iter_text())
    assert "event: done" in body
    assert f"/session/{sid}/feedback/1" in body or f"/session/{sid}?tab={tab}" in body
    empty = client.post(f"/session/{sid}/answer?tab={tab}", data={"text": " "}, headers={"HX-Request": "true"})
    assert empty.status_code in {400, 422}


def test_an_empty_answer_is_refused_and_kept(client: TestClient) -> None:
    sid, tab = start(client, 1)
    r = client.post(f"/session/{sid}/answer?tab={tab}", data={"text": "   "})
    assert r.status_code == 422 and "Type your answer first" in r.text


def test_a_second_tab_is_told_and_may_take_over(client: TestClient) -> None:
    sid, tab = start(client, 2)
    r = client.get(f"/session/{sid}")
    assert r.status_code == 409 and "open in another tab or window" in r.text and "Continue here instead" in r.text
    taken = client.post(f"/session/{sid}/takeover", follow_redirects=False)
    new_tab = taken.headers["location"].split("tab=")[1]
    assert new_tab != tab
    old = client.post(
        f"/session/{sid}/draft?tab={tab}", data={"text": "from the old tab"}, headers={"HX-Request": "true"}
    )
    assert old.status_code == 409 and old.headers["HX-Retarget"] == "body"
    assert "from the old tab" in old.text  # the refused text comes back, to copy: nothing typed is lost


def test_no_other_spelling_of_an_open_session_gets_past_its_owner(client: TestClient) -> None:
    """Review of issue 13: a prefix, `.json` or a space resolved to the open session and handed out its token."""
    sid, tab = start(client, 2)
    client.get(f"/session/{sid}?tab={tab}")
    for alias in (sid[:-3], f"{sid}.json", f"{sid}%20"):
        page = client.get(f"/session/{alias}", follow_redirects=False)
        assert page.status_code == 409 and tab not in page.text and tab not in page.headers.get("location", "")
        draft = client.post(f"/session/{alias}/draft", data={"text": "someone else"})
        assert draft.status_code == 409
        stolen = client.get(f"/session/{alias}?tab=ATTACKERxxxxx", follow_redirects=False)
        assert stolen.status_code == 409
    assert client.get(f"/session/{sid}?tab={tab}").status_code == 200  # the owner still owns it
    assert "someone else" not in client.get(f"/session/{sid}?tab={tab}").text


def test_a_refused_answer_is_given_back(client: TestClient) -> None:
    sid, tab = start(client, 2)
    client.post(f"/session/{sid}/takeover")
    r = client.post(
        f"/session/{sid}/answer?tab={tab}", data={"text": "MY LONG CAREFUL ANSWER"}, headers={"HX-Request": "true"}
    )
    assert r.status_code == 409 and "MY LONG CAREFUL ANSWER" in r.text and "copy it" in r.text


def test_a_bad_address_is_one_message_not_json(client: TestClient) -> None:
    sid, tab = start(client, 2)
    r = client.get(f"/session/{sid}/feedback/abc?tab={tab}")
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html") and "not valid" in r.text
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert client.post("/").status_code == 405 and "Cannot do that" in client.post("/").text


def test_a_session_open_in_another_process_is_refused_with_a_message(client: TestClient) -> None:
    sid, tab = start(client, 2)
    client.post(f"/session/{sid}/end?tab={tab}")  # releases it here
    store: SessionStore = client.app.state.web.store  # type: ignore[attr-defined]
    with store.lock(sid):  # as a terminal `interviewer resume` would hold it
        r = client.get(f"/session/{sid}")
    assert r.status_code == 409 and "is open in another interviewer" in r.text
    assert "Traceback" not in r.text


def test_a_corrupt_session_file_is_one_message(client: TestClient) -> None:
    store: SessionStore = client.app.state.web.store  # type: ignore[attr-defined]
    store.folder.mkdir(parents=True, exist_ok=True)
    (store.folder / "broken.json").write_text("{not json")
    listing = client.get("/sessions")
    assert listing.status_code == 200 and "Unreadable" in listing.text and "is corrupt" in listing.text
    for path in ["/session/broken", "/sessions/broken/report", "/sessions/broken/summary"]:
        r = client.get(path)
        assert r.status_code == 400 and "is corrupt" in r.text and "Traceback" not in r.text
    assert (store.folder / "broken.json").read_text() == "{not json"  # left untouched
    assert 'href="/sessions/broken/delete"' in listing.text  # it says "delete it": it can be, from here
    assert client.post("/sessions/broken/delete", follow_redirects=False).status_code == 303
    assert not (store.folder / "broken.json").exists()


def test_a_failing_model_is_one_message_and_the_answer_is_kept(corpus: Corpus, tmp_path: Path) -> None:
    class Failing(OfflineGrader):
        name = "failing"

        def grade(self, request: GradeRequest) -> Feedback:
            raise GradingError("the model is down")

    setup = GradingSetup((Failing(),), TemplateFollowUps(), None, LLMSettings(), "a failing model")
    with make_client(corpus, tmp_path, setup) as c:
        sid, tab = start(c, 1)
        r = c.post(f"/session/{sid}/answer?tab={tab}", data={"text": "my precious answer"})
        assert r.status_code == 502 and "the model is down" in r.text and "Your answer is saved" in r.text
        assert "Traceback" not in r.text
        saved = SessionStore(tmp_path).load(sid)
        assert saved.draft is not None and saved.draft.text == "my precious answer"


def test_report_exports_hold_every_answer_and_feedback(client: TestClient) -> None:
    sid = answered(client)
    md = client.get(f"/sessions/{sid}/report.md")
    assert md.headers["content-type"].startswith("text/markdown")
    assert "**Your answer**" in md.text and "I set 3 goals" in md.text and "**Key points**" in md.text
    assert "<script>" not in md.text and "&lt;script&gt;" in md.text  # markup in an answer is text in Markdown too
    data = json.loads(client.get(f"/sessions/{sid}/report.json").text)
    question = data["questions"][0]
    assert question["answer"].startswith("I set 3 goals") and question["feedback"]["score"] >= 0
    assert data["turns"][0]["answer"] == question["answer"]


def test_history_lists_and_deletes_with_confirmation(client: TestClient) -> None:
    sid = answered(client)
    listing = client.get("/sessions").text
    assert "Digital Product Owner" in listing and "1 / 1 done" in listing
    assert "Delete it" in client.get(f"/sessions/{sid}/delete").text
    assert client.post(f"/sessions/{sid}/delete", follow_redirects=False).status_code == 303
    assert sid not in client.get("/sessions").text


def test_progress_shows_a_chart_and_what_to_practise(client: TestClient) -> None:
    answered(client)
    answered(client)
    page = client.get(f"/progress?role={ROLE}").text
    assert "<svg" in page and "<polyline" in page and "2 sessions with answers" in page
    assert "never practised" in page


def test_serve_prints_its_url_and_warns_off_loopback(
    corpus: Corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: None)
    state = WebState(WebSettings(), SessionStore(tmp_path), corpus, build_grader(LLMSettings()))
    said: list[str] = []
    with bind("127.0.0.1", 0) as sock:
        serve(state, sock, open_browser=False, say=said.append)
    assert said[0].startswith("Serving the mock interview at http://127.0.0.1:") and len(said) == 1
    said.clear()
    with bind("0.0.0.0", 0) as sock:
        serve(state, sock, open_browser=False, say=said.append)
    assert "anyone who can reach it on the network" in said[1]


def test_highlight_marks_only_the_quoted_words() -> None:
    from interviewer.models import KeyPointResult, KeyPointStatus
    from interviewer.web._highlight import highlight

    answer = "First I listened.\n\nThen I planned <b>it</b>. Unrelated."
    feedback = Feedback.model_construct(
        key_points=[
            KeyPointResult(
                id="a", label="Listens", status=KeyPointStatus.covered, evidence="I listened. Then I planned"
            ),
            KeyPointResult(id="b", label="Plans", status=KeyPointStatus.covered, evidence="Then I planned <b>it</b>"),
            KeyPointResult(id="c", label="Missing", status=KeyPointStatus.missed),
        ]
    )
    pieces = highlight(answer, feedback)
    assert "".join(p.text for p in pieces) == answer
    marked = [(p.text, p.evidence_for) for p in pieces if p.evidence_for]
    assert ("I listened.", ("Listens",)) in marked and ("Then I planned", ("Listens", "Plans")) in marked
    assert marked[-1][1] == ("Plans",) and marked[-1][0].startswith("<b>it</b")  # quotes match by words
    assert all(p.text.strip() for p in pieces if p.evidence_for)  # the blank line is not marked


def test_the_model_summary_is_written_once_and_never_by_a_get(corpus: Corpus, tmp_path: Path) -> None:
    """Review of issue 13: opening the summary page (a GET, which another site can make a browser send) made the
    paid summary call. The last answer's grading worker writes it; the page only shows it."""
    from interviewer.models import Narrative

    calls: list[str] = []

    class Narrator:
        def write(self, report: object) -> Narrative:
            calls.append("write")
            return Narrative(summary="A fair first attempt.", practice_next=[], model="fake", prompt="summary@v1")

    setup = GradingSetup((OfflineGrader(),), TemplateFollowUps(), Narrator(), LLMSettings(), "offline")  # type: ignore[arg-type]
    with make_client(corpus, tmp_path, setup) as c:
        sid, tab = start(c, 1)
        c.get(f"/session/{sid}?tab={tab}")
        submit(c, sid, tab, "I set 3 goals with the team, we shipped in 6 weeks and cut churn by 12%.")
        deadline = time.monotonic() + 5
        while SessionStore(tmp_path).load(sid).narrative is None and time.monotonic() < deadline:
            time.sleep(0.02)  # written by the grading worker, after the feedback: no page was asked for
        assert calls == ["write"]
        for _ in range(2):
            page = c.get(f"/sessions/{sid}/summary")
            assert page.status_code == 200 and "A fair first attempt." in page.text
    assert calls == ["write"]
