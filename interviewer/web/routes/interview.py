"""The interview page: the question, the answer box, hints, skip, end; grading in a worker, relayed as events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent

from ...exceptions import UsageError
from ...interview import Interview
from ...voice import MAX_SECONDS
from .._errors import keeping
from .._highlight import highlight
from .._open import OpenSession
from .._state import WebState, get_state
from .._templates import is_htmx, render
from .._voice import held_for, recording_token, unavailable_message, voice_ready

router = APIRouter()

Web = Annotated[WebState, Depends(get_state)]
Tab = Annotated[str | None, Query()]
Recorded = Annotated[str, Form()]
"""The token of the recording whose transcript the answer box holds (`_voice.recording_token`), or empty."""
TICK = 0.2
"""Seconds between progress lines from a grading job's event stream (the end is sent at once)."""


def _to(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _here(opened: OpenSession) -> str:
    return f"/session/{opened.id}?tab={opened.tab}"


def _interview_page(
    request: Request,
    opened: OpenSession,
    status: int = 200,
    error: str | None = None,
    text: str | None = None,
    template: str = "interview.html",
) -> HTMLResponse:
    interview = opened.interview
    question = interview.current
    assert question is not None
    number, total = interview.position
    labels = {c.id: c.label for c in interview.role.role.categories}
    draft = interview.session.draft
    return render(
        request,
        template,
        status,
        s=interview.session,
        tab=opened.tab,
        question=question,
        number=number,
        total=total,
        category=labels.get(question.category, question.category),
        answer=draft.answer if draft is not None else None,
        follow_ups=draft.follow_ups if draft is not None else [],
        open_follow_up=interview.open_follow_up,
        text=interview.draft_text if text is None else text,
        hints=interview.hints_shown(),
        job=opened.job if opened.grading else None,
        error=error,
        recorded=recording_token(interview.held_recording),
        voice_ready=voice_ready(),
        voice_install=unavailable_message(),
        max_seconds=MAX_SECONDS,
    )


@router.get("/session/{session_id}", response_class=HTMLResponse, response_model=None)
def interview_page(request: Request, state: Web, session_id: str, tab: Tab = None) -> Response:
    opened = state.open.owned(session_id, tab)
    if opened.interview.finished:
        state.open.close(opened.id)
        return _to(f"/sessions/{opened.id}/summary")
    if tab != opened.tab:
        return _to(_here(opened))
    if not opened.grading:  # while grading, the worker holds the engine: the question is asked already
        with opened.mutex:
            opened.interview.ask()
    return _interview_page(request, opened)


@router.post("/session/{session_id}/takeover")
def take_over(state: Web, session_id: str) -> RedirectResponse:
    return _to(_here(state.open.take_over(session_id)))


def _ready(state: WebState, session_id: str, tab: str | None) -> OpenSession:
    return state.open.ready(session_id, tab)


def _save(interview: Interview, text: str, recorded: str) -> None:
    """Save the draft; a held recording is forgotten once the form no longer names it (the box was emptied)."""
    if interview.held_recording is not None and held_for(interview, recorded) is None:
        interview.hold_recording(text, None)
    else:
        interview.save_draft(text)


@router.post("/session/{session_id}/draft", response_class=HTMLResponse)
def save_draft(
    request: Request,
    state: Web,
    session_id: str,
    text: Annotated[str, Form()] = "",
    recorded: Recorded = "",
    tab: Tab = None,
) -> HTMLResponse:
    with keeping(text):
        opened = _ready(state, session_id, tab)
    with opened.mutex:
        _save(opened.interview, text, recorded)
    return render(request, "_saved.html")


@router.post("/session/{session_id}/hint", response_model=None)
def hint(request: Request, state: Web, session_id: str, tab: Tab = None) -> Response:
    opened = _ready(state, session_id, tab)
    with opened.mutex:
        given = opened.interview.hint()
        shown = opened.interview.hints_shown()
    if not is_htmx(request):
        return _to(_here(opened))
    return render(request, "_hints.html", hints=shown, none_left=given is None)


@router.post("/session/{session_id}/answer", response_model=None)
def answer(
    request: Request,
    state: Web,
    session_id: str,
    text: Annotated[str, Form()] = "",
    recorded: Recorded = "",
    tab: Tab = None,
) -> Response:
    """Grade the answer; with the held recording's measure only while the form names it (`recorded`)."""
    with keeping(text):
        opened = _ready(state, session_id, tab)
    if not text.strip():
        with opened.mutex:
            _save(opened.interview, text, "")
        form = "_answer_form.html" if is_htmx(request) else "interview.html"
        return _interview_page(request, opened, 422, "Type your answer first (or skip the question).", text, form)
    with opened.mutex:
        spoken = held_for(opened.interview, recorded)
    if is_htmx(request):
        job = state.open.grade(opened, text, opened.tab, spoken)
        return render(request, "_grading.html", s=opened.interview.session, tab=opened.tab, job=job)
    job = state.open.grade(opened, text, opened.tab, spoken)  # without JavaScript: wait for it here
    job.done.wait()
    if job.error is not None:
        return _interview_page(request, opened, 502, job.error)
    assert job.next_url is not None
    return _to(job.next_url)


@router.get("/session/{session_id}/events", response_class=EventSourceResponse)
async def events(state: Web, session_id: str, job: str, tab: Tab = None) -> AsyncIterator[ServerSentEvent]:
    opened = state.open.get(session_id)
    current = opened.job if opened is not None else None
    if opened is None or current is None or current.id != job or tab != opened.tab:
        yield ServerSentEvent(event="failed", data="This grading is not running here any more: reload the page.")
        return
    said = ""
    while not current.done.is_set():
        status = current.status()
        if status != said:
            said = status
            yield ServerSentEvent(event="progress", data=status)
        await asyncio.to_thread(current.done.wait, TICK)  # back at once when grading ends
    if current.error is not None:
        yield ServerSentEvent(event="failed", data=current.error)
    else:
        yield ServerSentEvent(event="done", data=current.next_url)


@router.post("/session/{session_id}/skip")
def skip(state: Web, session_id: str, tab: Tab = None) -> RedirectResponse:
    opened = _ready(state, session_id, tab)
    with opened.mutex:
        feedback = opened.interview.skip()
    if feedback is not None:  # a follow-up skipped: the answer's feedback stands
        return _to(f"/session/{opened.id}/feedback/{len(opened.interview.session.turns)}?tab={opened.tab}")
    return _to(_here(opened))


@router.post("/session/{session_id}/end")
def end(state: Web, session_id: str, tab: Tab = None) -> RedirectResponse:
    opened = _ready(state, session_id, tab)
    state.open.close(opened.id)
    return _to(f"/sessions/{opened.id}/summary")


@router.get("/session/{session_id}/feedback/{number}", response_class=HTMLResponse)
def feedback_page(request: Request, state: Web, session_id: str, number: int, tab: Tab = None) -> HTMLResponse:
    opened = state.open.get(state.store.resolve(session_id))
    session = opened.interview.session if opened is not None else state.store.load(session_id)
    if not 1 <= number <= len(session.turns):
        raise UsageError(f"session {session.id} has no finished question {number}")
    turn = session.turns[number - 1]
    role = state.corpus.role(session.role)
    return render(
        request,
        "feedback.html",
        s=session,
        tab=tab,
        number=number,
        turn=turn,
        question=role.question(turn.question_id),
        pieces=highlight(turn.answer, turn.feedback),
        replies=[highlight(f.answer or "", turn.feedback) for f in turn.follow_ups],
        finished=session.current_question_id is None,
    )
