"""Errors as one clear message in the page: never a stack trace, and never a lost answer."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException  # FastAPI's is a subclass; unknown routes raise this one

from ..exceptions import GradingError, InterviewerError, SessionLocked, UserError
from ._open import OpenElsewhere
from ._templates import is_htmx, render

__all__ = ["Kept", "install_error_pages", "keeping"]

log = logging.getLogger(__name__)


def _page(request: Request, status: int, title: str, message: str, **extra: object) -> HTMLResponse:
    response = render(request, "message.html", status, title=title, message=message, **extra)
    if is_htmx(request):  # a fragment was asked for: the message replaces the whole page instead
        response.headers["HX-Retarget"] = "body"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def _refused(request: Request, exc: Exception, **extra: object) -> HTMLResponse:
    """The page for a step refused: open in another tab, open in another process, or not possible now."""
    if isinstance(exc, OpenElsewhere):
        return _page(request, 409, "Open in another tab", str(exc), take_over=exc.session_id, **extra)
    if isinstance(exc, SessionLocked):
        return _page(request, 409, "Open elsewhere", str(exc), **extra)
    return _page(request, 400, "Cannot do that", str(exc), **extra)


class Kept(Exception):
    """A post refused (open in another tab, locked, finished...): its page shows the text that was sent."""

    def __init__(self, cause: Exception, text: str) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.text = text


@contextmanager
def keeping(text: str) -> Iterator[None]:
    """Around an answer or draft post: if it is refused, the message page gives the typed text back."""
    try:
        yield
    except (OpenElsewhere, SessionLocked, UserError) as exc:
        if not text.strip():
            raise
        raise Kept(exc, text) from exc


def install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(Kept)
    async def kept(request: Request, exc: Kept) -> Response:
        return _refused(request, exc.cause, kept=exc.text)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'the request'}: {e.get('msg', 'not valid')}"
            for e in exc.errors()[:3]
        )
        return _page(request, 422, "Cannot do that", f"This page's address or form is not valid ({problems}).")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            return _page(request, 404, "Not found", "There is no such page here.")
        return _page(request, exc.status_code, "Cannot do that", str(exc.detail))

    @app.exception_handler(OpenElsewhere)
    @app.exception_handler(SessionLocked)
    @app.exception_handler(UserError)
    async def refused(request: Request, exc: Exception) -> Response:
        return _refused(request, exc)

    @app.exception_handler(GradingError)
    async def grading_error(request: Request, exc: GradingError) -> Response:
        return _page(request, 502, "The model failed", f"{exc} Your answer is saved.")

    @app.exception_handler(InterviewerError)
    async def failed(request: Request, exc: InterviewerError) -> Response:
        return _page(request, 500, "Failed", str(exc))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        return _page(
            request,
            500,
            "Something went wrong",
            "Something went wrong on our side. Everything you submitted is saved; the log has the details.",
        )
