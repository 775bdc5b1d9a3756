"""The interview engine: asks, grades, saves after every turn. No terminal I/O here."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .._lockfile import FileLock
from .._sessions import SessionStore
from ..corpus import Corpus, RoleCorpus
from ..exceptions import SessionError, UsageError
from ..graders import Exchange, Grader, GradeRequest
from ..models import (
    Draft,
    Feedback,
    FollowUp,
    Narrative,
    Question,
    Session,
    SessionOptions,
    SpokenDelivery,
    Turn,
    TurnStatus,
    utcnow,
)
from ..voice import combine_speech, still_spoken
from ._followups import FollowUpWriter, TemplateFollowUps, choose_point
from ._narrative import ModelNarrator
from ._report import SessionReport, build_report
from ._selection import Plan, choose_questions

__all__ = ["MAX_HINTS", "Hint", "Interview", "Step"]

MAX_HINTS = 2


@dataclass(frozen=True)
class Step:
    """What follows a submitted answer: final feedback, or a follow-up question to answer first."""

    feedback: Feedback | None = None
    follow_up: FollowUp | None = None


@dataclass(frozen=True)
class Hint:
    """A hint for the current question; later levels reveal more."""

    level: int
    title: str
    lines: list[str]


class Interview:
    """A running practice session.

    Every change (a question asked, a line typed, a hint, an answer graded, a
    skip) is saved to the store at once, so a crash or Ctrl-C loses nothing.

    An interview from `start` or `resume` holds its session's lock until
    `close()` (or the end of a `with` block): a second open of the session is
    refused meanwhile, and a save never overwrites a change made by another
    process (`SessionConflict`).
    """

    def __init__(
        self,
        session: Session,
        role: RoleCorpus,
        grader: Grader,
        store: SessionStore | None = None,
        *,
        follow_ups: FollowUpWriter | None = None,
        narrator: ModelNarrator | None = None,
        lock: FileLock | None = None,
        revision: str | None = None,
    ) -> None:
        if session.role != role.id:
            raise SessionError(f"session {session.id} is for role {session.role!r}, not {role.id!r}")
        known = {q.id for q in role.questions}
        missing = [qid for qid in session.plan if qid not in known]
        if missing:
            raise SessionError(
                f"session {session.id} asks question(s) {', '.join(missing)} that the corpus no longer has; "
                "start a new session with `interviewer practice`"
            )
        self.session = session
        self.role = role
        self.grader = grader
        self.store = store
        self.follow_up_writer: FollowUpWriter = follow_ups or TemplateFollowUps()
        self.narrator = narrator
        self._lock = lock
        self._revision = revision
        """The file's revision as last read or written here; None for a session not saved yet."""

    @classmethod
    def start(
        cls,
        corpus: Corpus,
        role_id: str,
        options: SessionOptions,
        grader: Grader,
        store: SessionStore | None = None,
        *,
        practised: Counter[str] | None = None,
        follow_ups: FollowUpWriter | None = None,
        narrator: ModelNarrator | None = None,
    ) -> tuple[Interview, Plan]:
        """Choose the questions and create (and save) a new session."""
        role = corpus.role(role_id)
        if practised is None and store is not None:
            practised = store.practised(role.id)
        plan = choose_questions(
            role, options.questions, category=options.category, seed=options.seed, practised=practised
        )
        if not plan.question_ids:
            raise UsageError(f"role {role.id!r} has no questions to ask with these options")
        session_id = store.new_id(role.id) if store is not None else f"session-{role.id}"
        session = Session(id=session_id, role=role.id, options=options, plan=plan.question_ids)
        lock = store.lock(session_id) if store is not None else None
        try:
            interview = cls(session, role, grader, store, follow_ups=follow_ups, narrator=narrator, lock=lock)
            interview._save()
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        return interview, plan

    @classmethod
    def resume(
        cls,
        corpus: Corpus,
        store: SessionStore,
        session_id: str,
        grader: Grader,
        *,
        follow_ups: FollowUpWriter | None = None,
        narrator: ModelNarrator | None = None,
    ) -> Interview:
        """Continue a saved session where it stopped, draft and open follow-up included.

        Raises `SessionLocked` while another live process has the session open.
        """
        session_id = store.resolve(session_id)
        lock = store.lock(session_id)
        try:
            session, revision = store.read(session_id)
            return cls(
                session,
                corpus.role(session.role),
                grader,
                store,
                follow_ups=follow_ups,
                narrator=narrator,
                lock=lock,
                revision=revision,
            )
        except BaseException:
            lock.release()
            raise

    def close(self) -> None:
        """Release the session's lock (everything is saved already); safe to call twice."""
        if self._lock is not None:
            self._lock.release()

    def __enter__(self) -> Interview:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- state ---------------------------------------------------------------

    @property
    def finished(self) -> bool:
        return self.session.current_question_id is None

    @property
    def current(self) -> Question | None:
        qid = self.session.current_question_id
        return self.role.question(qid) if qid is not None else None

    @property
    def position(self) -> tuple[int, int]:
        """(number of the current question, questions planned)."""
        return len(self.session.turns) + 1, len(self.session.plan)

    @property
    def draft_text(self) -> str:
        draft = self.session.draft
        return draft.text if draft is not None and draft.question_id == self.session.current_question_id else ""

    @property
    def open_follow_up(self) -> FollowUp | None:
        """The follow-up waiting for a reply, if any (also after a resume)."""
        draft = self.session.draft
        if draft is None or draft.question_id != self.session.current_question_id or not draft.follow_ups:
            return None
        last = draft.follow_ups[-1]
        return last if last.answer is None else None

    # -- actions -------------------------------------------------------------

    def ask(self) -> Question:
        """The question to answer now; records that it was asked."""
        question = self.current
        if question is None:
            raise UsageError(f"session {self.session.id} is finished; start a new one with `interviewer practice`")
        draft = self.session.draft
        if draft is None or draft.question_id != question.id:
            self.session.draft = Draft(question_id=question.id)
            self._save()
        self.grader.prepare([self.role.rubric(question.id)])
        return question

    def save_draft(self, text: str) -> None:
        """Save what the candidate has typed so far for the current question.

        A held recording's measure is forgotten once the text is no longer its transcript (cleared, or typed
        or pasted over; corrections and additions keep it: `interviewer.voice.still_spoken`).
        """
        draft = self._draft()
        if draft.text != text:
            draft.text = text
            if draft.recorded is not None and not still_spoken(draft.recorded, text):
                draft.recorded = None
            self._save()

    def hold_recording(self, text: str, spoken: SpokenDelivery | None) -> None:
        """Save a transcript as the draft with how its recording sounded, until it is submitted or discarded.

        The browser puts the transcript in the answer box for the candidate to correct; `held_recording`
        gives the measure back at submit (after a reload too) while the draft is still that transcript.
        `None` forgets it.
        """
        draft = self._draft()
        if spoken is not None and not spoken.transcript:
            spoken = spoken.model_copy(update={"transcript": text})
        draft.text = text
        draft.recorded = spoken
        self._save()

    def add_recording(self, box: str, transcript: str, spoken: SpokenDelivery) -> str:
        """A recording made while the answer box holds `box`: its transcript goes after what is there.

        The measure held for an earlier recording still in the box is combined with this one; returns the
        new draft text (saved, with the measure held).
        """
        held = self._draft().recorded
        earlier = held if held is not None and box.strip() and still_spoken(held, box) else None
        text = f"{box.rstrip()}\n\n{transcript}" if box.strip() else transcript
        self.hold_recording(text, combine_speech([earlier, spoken]))
        return text

    @property
    def held_recording(self) -> SpokenDelivery | None:
        """The measure of the recording whose transcript is in the draft, if any (and the draft still is it)."""
        draft = self.session.draft
        if draft is None or draft.question_id != self.session.current_question_id or draft.recorded is None:
            return None
        return draft.recorded if still_spoken(draft.recorded, draft.text) else None

    def hint(self) -> Hint | None:
        """The next hint for the current question, or None when none are left."""
        draft = self._draft()
        if draft.hints_used >= MAX_HINTS:
            return None
        draft.hints_used += 1
        self._save()
        self.ask()
        return self._hint(draft.hints_used)

    def hints_shown(self) -> list[Hint]:
        """The hints already shown for the current question (to show them again after a reload)."""
        if self.finished:
            return []
        return [self._hint(level) for level in range(1, min(self._draft().hints_used, MAX_HINTS) + 1)]

    def _hint(self, level: int) -> Hint:
        question = self.current
        assert question is not None
        if level == 1:
            steps = [f"{i}. {step}" for i, step in enumerate(question.framework.steps, 1)]
            return Hint(1, f"Structure it with {question.framework.name}", steps)
        rubric = self.role.rubric(question.id)
        return Hint(2, "Points a strong answer covers", [f"- {p.label}" for p in rubric.key_points])

    def submit(self, text: str, *, spoken: SpokenDelivery | None = None) -> Step:
        """Grade the answer (or the reply to the open follow-up); save; return what comes next.

        `spoken`: how it sounded, when the text is the (perhaps corrected) transcript of a recording
        (`interviewer.voice.transcribe_answer`); the feedback then reports the measured pace and pauses.

        The text is on disk (as the draft) before grading starts, so a grader
        failure or a crash loses nothing: it is still there on resume. If the
        answer misses a key point and follow-ups are left, the next step is a
        follow-up question; its reply is graded together with the answer.
        """
        question = self.ask()
        rubric = self.role.rubric(question.id)
        draft = self._draft()
        draft.text = text
        self._save()  # on disk before grading: a failure or a crash here loses nothing
        open_follow_up = self.open_follow_up
        answer = draft.answer if open_follow_up is not None and draft.answer is not None else text
        exchanges = tuple(
            Exchange(f.question, text if f is open_follow_up else (f.answer or ""), f.key_point_id)
            for f in draft.follow_ups
            if f.answer is not None or f is open_follow_up
        )
        if open_follow_up is not None:
            speech = [draft.spoken, *(f.spoken if f is not open_follow_up else spoken for f in draft.follow_ups)]
        else:
            speech = [spoken]
        request = GradeRequest(self.role.role, question, rubric, answer, exchanges, spoken=combine_speech(speech))
        feedback = self.grader.grade(request)
        if open_follow_up is not None:
            open_follow_up.answer = text
            open_follow_up.spoken = spoken
        else:
            draft.answer = text
            draft.spoken = spoken
        draft.text = ""
        draft.recorded = None
        if len(draft.follow_ups) < self.session.options.follow_ups:
            point = choose_point(feedback, rubric.key_points, [f.key_point_id for f in draft.follow_ups])
            if point is not None:
                follow_up = self.follow_up_writer.write(request, point, feedback)
                if draft.initial_feedback is None:
                    draft.initial_feedback = feedback
                draft.latest_feedback = feedback
                draft.follow_ups.append(follow_up)
                self._save()
                return Step(follow_up=follow_up)
        self._finish_answered(draft, feedback)
        return Step(feedback=feedback)

    def skip(self) -> Feedback | None:
        """Skip the current question, or the open follow-up (keeping the feedback on the answer)."""
        question = self.ask()
        draft = self._draft()
        if self.open_follow_up is not None and draft.latest_feedback is not None:
            latest = draft.latest_feedback
            self._finish_answered(draft, latest)
            return latest
        self._finish(
            Turn(
                question_id=question.id,
                status=TurnStatus.skipped,
                answer=draft.text,
                hints_used=draft.hints_used,
                started_at=draft.started_at,
                finished_at=utcnow(),
            )
        )
        return None

    def finish_summary(self) -> Narrative | None:
        """Once the session is finished: the model's summary, written once and saved with the session."""
        if self.narrator is None or not self.finished or self.session.narrative is not None:
            return self.session.narrative
        self.session.narrative = self.narrator.write(self.report())
        self._save()
        return self.session.narrative

    def report(self) -> SessionReport:
        """Scores so far, competencies and what to practise next."""
        practised = self.store.practised(self.role.id) if self.store is not None else Counter()
        return build_report(self.session, self.role, practised)

    # -- internals -------------------------------------------------------------

    def _draft(self) -> Draft:
        question = self.current
        if question is None:
            raise UsageError(f"session {self.session.id} is finished")
        if self.session.draft is None or self.session.draft.question_id != question.id:
            self.session.draft = Draft(question_id=question.id)
        return self.session.draft

    def _finish_answered(self, draft: Draft, feedback: Feedback) -> None:
        assert draft.answer is not None
        self._finish(
            Turn(
                question_id=draft.question_id,
                status=TurnStatus.answered,
                answer=draft.answer,
                hints_used=draft.hints_used,
                feedback=feedback,
                follow_ups=draft.follow_ups,
                initial_feedback=draft.initial_feedback,
                started_at=draft.started_at,
                finished_at=utcnow(),
            )
        )

    def _finish(self, turn: Turn) -> None:
        self.session.turns.append(turn)
        self.session.draft = None
        if self.finished:
            self.session.status = "finished"
        self._save()

    def _save(self) -> None:
        if self.store is not None:
            self._revision = self.store.commit(self.session, self._revision)
