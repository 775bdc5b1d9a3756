"""The app factory: middleware, static files, routers and error pages over one `WebState`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.trustedhost import TrustedHostMiddleware

from ._errors import install_error_pages
from ._security import security_headers
from ._state import WebState
from ._voice import warm
from .routes import interview, progress, sessions, start, voice

__all__ = ["create_app"]


def create_app(state: WebState, *, warm_transcriber: bool = False) -> FastAPI:
    """The web app over `state`; closing it (the server stopping) releases every open session.

    `warm_transcriber`: load the transcriber's model in the background as the app starts (`interviewer
    serve` does), so the first recording does not wait for it.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if warm_transcriber:
            warm(state.transcriber)
        yield
        state.open.close_all()

    app = FastAPI(title="interviewer", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.web = state
    app.middleware("http")(security_headers)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(state.settings.allowed_hosts))
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    for router in (start.router, interview.router, voice.router, sessions.router, progress.router):
        app.include_router(router)
    install_error_pages(app)
    return app
