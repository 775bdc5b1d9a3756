"""Sessions open in the browser: one engine per session, owned by one tab at a time.

The server holds each open session's `Interview` (and so its `SessionStore`
lock: a terminal or a second server is refused with `SessionLocked`). Inside
the server, the tab that opened a session owns it through a token in its URL;
another tab is told the session is open elsewhere and may take it over, after
which the first tab's actions are refused the same way. Every step is saved by
the engine as it happens, so nothing submitted is ever only in memory.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
import time
from dataclasses import dataclass, field

from .._sessions import SessionStore
from .._setup import GradingSetup
from ..corpus import Corpus
from ..exceptions import InterviewerError, UsageError, UserError
from ..interview import Interview
from ..llm._progress import ModelProgress, describe, reporting_progress
from ..models import SpokenDelivery

__all__ = ["GradingJob", "OpenElsewhere", "OpenSession", "OpenSessions"]

log = logging.getLogger(__name__)


class OpenElsewhere(UserError):
    """The session is open in another tab of this server."""

    exit_code = 2

    def __init__(self, session_id: str) -> None:
        super().__init__(
            f"Session {session_id} is open in another tab or window. Continue there, or take it over here "
            "(the other tab will then be told the same)."
        )
        self.session_id = session_id


@dataclass
class GradingJob:
    """An answer being graded in a worker thread; the event stream relays its progress."""

    id: str
    started: float = field(default_factory=time.monotonic)
    done: threading.Event = field(default_factory=threading.Event)
    progress: ModelProgress | None = None
    sent_at: float = 0.0
    next_url: str | None = None
    """Where the page goes once graded: the follow-up (the interview page) or the feedback."""
    error: str | None = None

    def status(self) -> str:
        """One line on where grading stands."""
        if self.progress is None:
            return "Grading your answer…"
        return describe(self.progress, time.monotonic() - self.sent_at)


@dataclass
class OpenSession:
    interview: Interview
    tab: str
    mutex: threading.Lock = field(default_factory=threading.Lock)
    """Held by each step on the engine (a grading worker holds it for the whole grading)."""
    job: GradingJob | None = None

    @property
    def id(self) -> str:
        return self.interview.session.id

    @property
    def grading(self) -> bool:
        return self.job is not None and not self.job.done.is_set()


def _token() -> str:
    return secrets.token_urlsafe(9)


_TOKEN = re.compile(r"[A-Za-z0-9_-]{12}")
"""What `_token` makes."""


class OpenSessions:
    """The registry of open sessions (thread-safe)."""

    def __init__(self, store: SessionStore, corpus: Corpus, setup: GradingSetup) -> None:
        self.store = store
        self.corpus = corpus
        self.setup = setup
        self._lock = threading.Lock()
        self._open: dict[str, OpenSession] = {}

    def start(self, interview: Interview) -> OpenSession:
        with self._lock:
            opened = OpenSession(interview, _token())
            self._open[interview.session.id] = opened
            return opened

    def get(self, session_id: str) -> OpenSession | None:
        with self._lock:
            return self._open.get(session_id)

    def open(self, session_id: str) -> tuple[OpenSession, bool]:
        """The open session, resuming it from disk if needed; True when this call opened it (a new owner)."""
        session_id = self.store.resolve(session_id)
        with self._lock:
            opened = self._open.get(session_id)
            if opened is not None:
                return opened, False
            interview = Interview.resume(
                self.corpus,
                self.store,
                session_id,
                self.setup.grader,
                follow_ups=self.setup.follow_ups,
                narrator=self.setup.narrator,
            )
            opened = OpenSession(interview, _token())
            self._open[session_id] = opened
            return opened, True

    def owned(self, session_id: str, tab: str | None) -> OpenSession:
        """The open session if `tab` owns it; `OpenElsewhere` if another tab does.

        The id is resolved first (a unique start of it, as the terminal accepts), so no other spelling
        of an open session's id gets past its owner's token. A session not open here yet (the server
        restarted) is opened for the tab that comes back first, if its token is one we could have made.
        """
        session_id = self.store.resolve(session_id)
        opened = self.get(session_id)
        if opened is None:
            opened, _ = self.open(session_id)
            if tab is None:
                return opened
            if not _TOKEN.fullmatch(tab):
                raise OpenElsewhere(session_id)
            with self._lock:
                opened.tab = tab
            return opened
        if tab != opened.tab:
            raise OpenElsewhere(session_id)
        return opened

    def ready(self, session_id: str, tab: str | None) -> OpenSession:
        """The open session, owned by `tab`, ready for a step: not being graded, not finished."""
        opened = self.owned(session_id, tab)
        if opened.grading:
            raise UsageError("Your answer is still being graded; wait for the feedback.")
        if opened.interview.finished:
            raise UsageError("This session is finished; see its summary in History.")
        return opened

    def take_over(self, session_id: str) -> OpenSession:
        opened, _ = self.open(session_id)
        with self._lock:
            opened.tab = _token()
        return opened

    def close(self, session_id: str) -> None:
        with self._lock:
            opened = self._open.pop(session_id, None)
        if opened is not None:
            with opened.mutex:
                opened.interview.close()

    def close_all(self) -> None:
        with self._lock:
            ids = list(self._open)
        for session_id in ids:
            self.close(session_id)

    def summarise(self, opened: OpenSession) -> None:
        """The model's end-of-session summary, written once and saved (a POST or the grading worker: never a GET)."""
        try:
            with opened.mutex:
                opened.interview.finish_summary()
        except InterviewerError as exc:  # the summary page shows the report without it
            log.warning("no model summary for session %s: %s", opened.id, exc)

    def grade(self, opened: OpenSession, text: str, tab: str, spoken: SpokenDelivery | None = None) -> GradingJob:
        """Grade in a worker thread (the engine blocks); the job says how it goes and where to go next.

        `spoken`: the held recording's measure, when `text` is its (perhaps corrected) transcript.
        """
        job = GradingJob(_token())
        opened.job = job

        def listener(progress: ModelProgress) -> None:
            job.sent_at = time.monotonic() - progress.elapsed
            job.progress = progress

        def run() -> None:
            try:
                with opened.mutex, reporting_progress(listener):
                    step = opened.interview.submit(text, spoken=spoken)
                session = opened.interview.session
                if step.feedback is not None:
                    job.next_url = f"/session/{session.id}/feedback/{len(session.turns)}?tab={tab}"
                else:
                    job.next_url = f"/session/{session.id}?tab={tab}"
            except InterviewerError as exc:
                job.error = f"{exc} Your answer is saved: reload the page to try again."
            except Exception:
                log.exception("grading failed in session %s", opened.id)
                job.error = "Grading failed unexpectedly. Your answer is saved: reload the page to try again."
            finally:
                job.done.set()
            if opened.interview.finished:  # the last answer: the model's summary, while they read its feedback
                self.summarise(opened)

        threading.Thread(target=run, name=f"grade-{opened.id}", daemon=True).start()
        return job
