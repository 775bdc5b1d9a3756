"""Progress: each competency's score over sessions, as an SVG chart, and the questions to practise next."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from ...interview import build_progress
from .._chart import chart
from .._state import WebState, get_state
from .._templates import render

router = APIRouter()

Web = Annotated[WebState, Depends(get_state)]


@router.get("/progress", response_class=HTMLResponse)
def progress_page(request: Request, state: Web, role: Annotated[str | None, Query()] = None) -> HTMLResponse:
    roles = list(state.corpus.roles.values())
    sessions = [r.session for r in state.store.list() if r.session is not None]
    if role is None or role not in state.corpus.roles:
        practised = [s.role for s in sorted(sessions, key=lambda s: s.updated_at, reverse=True) if s.turns]
        role = next((r for r in practised if r in state.corpus.roles), roles[0].id)
    result = build_progress(sessions, state.corpus.role(role))
    return render(request, "progress.html", roles=roles, role=role, progress=result, chart=chart(result))
