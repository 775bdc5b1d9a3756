"""What every route needs: settings, session store, corpus, graders, transcriber and the open sessions."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request

from .._sessions import SessionStore
from .._setup import GradingSetup
from ..corpus import Corpus
from ..voice import Transcriber, default_transcriber
from ._open import OpenSessions

__all__ = ["LOOPBACK_HOSTS", "WebSettings", "WebState", "get_state"]

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


@dataclass(frozen=True)
class WebSettings:
    """How the app was started."""

    allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS
    """Host header values accepted (DNS rebinding guard); `*` accepts any (a server bound to all interfaces)."""
    grader_description: str = "offline grader"
    """One line for the start page: which grader is active."""


@dataclass
class WebState:
    """One per app: built by `create_app`, handed to each route by `get_state` (tests override it)."""

    settings: WebSettings
    store: SessionStore
    corpus: Corpus
    setup: GradingSetup
    transcriber: Transcriber = field(default_factory=default_transcriber)
    """Transcribes recorded answers (the shared faster-whisper one; tests pass `ScriptedTranscriber`)."""
    open: OpenSessions = field(init=False)

    def __post_init__(self) -> None:
        self.open = OpenSessions(self.store, self.corpus, self.setup)


def get_state(request: Request) -> WebState:
    """The app's state (a FastAPI dependency)."""
    state: WebState = request.app.state.web
    return state
