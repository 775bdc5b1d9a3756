"""The start page: role, category, number of questions, follow-ups, and which grader is active."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ...interview import Interview
from ...models import SessionOptions
from .._state import WebState, get_state
from .._templates import render

router = APIRouter()

Web = Annotated[WebState, Depends(get_state)]
MAX_QUESTIONS = 20


def _page(
    request: Request,
    state: Web,
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    roles = list(state.corpus.roles.values())
    chosen = (values or {}).get("role") or roles[0].id
    return render(
        request,
        "start.html",
        status,
        roles=roles,
        grader=state.settings.grader_description,
        errors=errors or {},
        values={"role": chosen, "questions": "5", "category": "", "follow_ups": "on", **(values or {})},
        max_questions=MAX_QUESTIONS,
    )


@router.get("/", response_class=HTMLResponse)
def start_page(request: Request, state: Web) -> HTMLResponse:
    return _page(request, state)


@router.post("/start", response_model=None)
def start(
    request: Request,
    state: Web,
    role: Annotated[str, Form()] = "",
    category: Annotated[str, Form()] = "",
    questions: Annotated[str, Form()] = "5",
    follow_ups: Annotated[str, Form()] = "",
) -> Response:
    values = {"role": role, "category": category, "questions": questions, "follow_ups": follow_ups}
    errors: dict[str, str] = {}
    corpus_role = state.corpus.roles.get(role)
    if corpus_role is None:
        errors["role"] = "Choose one of the roles listed."
    elif category and category not in {c.id for c in corpus_role.role.categories}:
        errors["category"] = f"{corpus_role.role.title} has no such category; choose one of its categories or any."
    try:
        count = int(questions)
        if not 1 <= count <= MAX_QUESTIONS:
            raise ValueError
    except ValueError:
        errors["questions"] = f"Give a whole number from 1 to {MAX_QUESTIONS}."
        count = 0
    if errors:
        return _page(request, state, 422, errors, values)
    setup = state.setup
    options = SessionOptions(
        questions=count,
        category=category or None,
        grader=setup.grader.name,
        model=setup.settings.model,
        follow_ups=1 if follow_ups else 0,
    )
    interview, _ = Interview.start(
        state.corpus, role, options, setup.grader, state.store, follow_ups=setup.follow_ups, narrator=setup.narrator
    )
    opened = state.open.start(interview)
    return RedirectResponse(f"/session/{opened.id}?tab={opened.tab}", status_code=303)
