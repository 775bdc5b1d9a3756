"""History, the end-of-session summary, the full report and its exports, and deleting a session."""

from __future__ import annotations

import json
from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ...interview import build_report, report_json, report_markdown
from ...models import Session
from .._highlight import highlight
from .._state import WebState, get_state
from .._templates import render

router = APIRouter()

Web = Annotated[WebState, Depends(get_state)]


@router.get("/sessions", response_class=HTMLResponse)
def history(request: Request, state: Web) -> HTMLResponse:
    rows = []
    for row in state.store.list():
        s = row.session
        mean = None
        title = s.role if s is not None else ""
        if s is not None and s.role in state.corpus.roles:
            role = state.corpus.role(s.role)
            title = role.role.title
            try:
                mean = build_report(s, role, Counter()).mean_score
            except Exception:  # a question the corpus no longer has: listed, without a mean
                mean = None
        rows.append({"row": row, "title": title, "mean": mean})
    return render(request, "sessions.html", rows=rows)


def _session(state: WebState, session_id: str) -> Session:
    opened = state.open.get(state.store.resolve(session_id))
    return opened.interview.session if opened is not None else state.store.load(session_id)


@router.get("/sessions/{session_id}/summary", response_class=HTMLResponse)
def summary(request: Request, state: Web, session_id: str) -> HTMLResponse:
    opened = state.open.get(state.store.resolve(session_id))
    if opened is not None and opened.interview.finished:
        with opened.mutex:  # a summary still being written (after the last answer, or on End) is waited for
            pass
        state.open.close(opened.id)
    session = _session(state, session_id)
    role = state.corpus.role(session.role)
    report = build_report(session, role, state.store.practised(role.id))
    return render(request, "summary.html", s=session, report=report, narrative=session.narrative)


@router.get("/sessions/{session_id}/report", response_class=HTMLResponse)
def report_page(request: Request, state: Web, session_id: str) -> HTMLResponse:
    session = _session(state, session_id)
    role = state.corpus.role(session.role)
    report = build_report(session, role, state.store.practised(role.id))
    pieces = [highlight(q.answer, q.feedback) for q in report.questions]
    replies = [[highlight(f.answer or "", q.feedback) for f in q.follow_ups] for q in report.questions]
    return render(
        request,
        "report.html",
        s=session,
        report=report,
        narrative=session.narrative,
        pieces=pieces,
        reply_pieces=replies,
    )


@router.get("/sessions/{session_id}/report.md")
def report_md(state: Web, session_id: str) -> Response:
    session = _session(state, session_id)
    role = state.corpus.role(session.role)
    text = report_markdown(build_report(session, role, state.store.practised(role.id)), session.narrative)
    return Response(
        text,
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{session.id}.md"'},
    )


@router.get("/sessions/{session_id}/report.json")
def report_export_json(state: Web, session_id: str) -> Response:
    session = _session(state, session_id)
    role = state.corpus.role(session.role)
    data = report_json(build_report(session, role, state.store.practised(role.id)), session)
    return Response(
        json.dumps(data, indent=2, ensure_ascii=False),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{session.id}.json"'},
    )


@router.get("/sessions/{session_id}/delete", response_class=HTMLResponse)
def confirm_delete(request: Request, state: Web, session_id: str) -> HTMLResponse:
    session_id = state.store.resolve(session_id)
    return render(request, "delete.html", session_id=session_id)


@router.post("/sessions/{session_id}/delete")
def delete(state: Web, session_id: str) -> RedirectResponse:
    session_id = state.store.resolve(session_id)
    opened = state.open.get(session_id)
    if opened is not None and not opened.grading:
        state.open.close(session_id)
    state.store.delete(session_id)
    return RedirectResponse("/sessions", status_code=303)
