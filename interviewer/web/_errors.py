"""Errors as one clear message in the page: never a stack trace, and never a lost answer."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from ..exceptions import GradingError, InterviewerError, SessionLocked, UserError
from ._open import OpenElsewhere
from ._templates import is_htmx, render

__all__ = ["install_error_pages"]

log = logging.getLogger(__name__)


def _page(request: Request, status: int, title: str, message: str, **extra: object) -> HTMLResponse:
    response = render(request, "message.html", status, title=title, message=message, **extra)
    if is_htmx(request):  # a fragment was asked for: the message replaces the whole page instead
        response.headers["HX-Retarget"] = "body"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(OpenElsewhere)
    async def open_elsewhere(request: Request, exc: OpenElsewhere) -> Response:
        return _page(request, 409, "Open in another tab", str(exc), take_over=exc.session_id)

    @app.exception_handler(SessionLocked)
    async def locked(request: Request, exc: SessionLocked) -> Response:
        return _page(request, 409, "Open elsewhere", str(exc))

    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError) -> Response:
        return _page(request, 400, "Cannot do that", str(exc))

    @app.exception_handler(GradingError)
    async def grading_error(request: Request, exc: GradingError) -> Response:
        return _page(request, 502, "The model failed", f"{exc} Your answer is saved.")

    @app.exception_handler(InterviewerError)
    async def failed(request: Request, exc: InterviewerError) -> Response:
        return _page(request, 500, "Failed", str(exc))

    @app.exception_handler(404)
    async def not_found(request: Request, exc: Exception) -> Response:
        return _page(request, 404, "Not found", "There is no such page here.")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        return _page(
            request,
            500,
            "Something went wrong",
            "Something went wrong on our side. Everything you submitted is saved; the log has the details.",
        )
