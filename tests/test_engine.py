from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from interviewer._sessions import SessionStore
from interviewer.corpus import Corpus
from interviewer.exceptions import SessionConflict, SessionError, SessionLocked, UsageError
from interviewer.graders import OfflineGrader
from interviewer.interview import Interview, choose_questions
from interviewer.models import Session, SessionOptions, TurnStatus

ANSWER = (
    "When everything is urgent I first agree with the requesters what urgent means, such as revenue or customers "
    "at risk. Then I score each item on impact and effort with RICE and check it against our goals. Last year "
    "I moved a checkout bug that hit 8% of orders ahead of a partner feature and told the partner why."
)


def test_choice_is_seeded_without_repeats_and_prefers_unpractised(corpus: Corpus) -> None:
    role = corpus.role("dpo")
    plan = choose_questions(role, 5, seed=7)
    assert plan.question_ids == choose_questions(role, 5, seed=7).question_ids
    assert len(set(plan.question_ids)) == 5
    assert choose_questions(role, 5, seed=8).question_ids != plan.question_ids
    practised = Counter(dict.fromkeys(plan.question_ids, 1))
    fresh = choose_questions(role, 5, seed=7, practised=practised).question_ids
    assert not set(fresh) & set(plan.question_ids)


def test_category_filter_and_short_pool(corpus: Corpus) -> None:
    role = corpus.role("dpo")
    plan = choose_questions(role, 10, category="technical", seed=1)
    assert len(plan.question_ids) == 4 and plan.shortened
    assert all(role.question(q).category == "technical" for q in plan.question_ids)
    with pytest.raises(UsageError, match=r"unknown category 'tech'.*common, behavioral, technical"):
        choose_questions(role, 3, category="tech")


def test_every_step_is_saved_and_resumes(corpus: Corpus, grader: OfflineGrader, tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    interview, _ = Interview.start(corpus, "dpo", SessionOptions(questions=3, seed=3), grader, store)
    sid = interview.session.id
    first = interview.ask()
    assert store.load(sid).draft is not None

    hint = interview.hint()
    assert hint is not None and hint.level == 1 and first.framework.name in hint.title
    assert interview.hint() is not None and interview.hint() is None  # two levels, then none
    interview.save_draft("half an answer")
    saved = store.load(sid)
    assert saved.draft is not None and saved.draft.text == "half an answer" and saved.draft.hints_used == 2

    # A crash here: a new process resumes with the draft.
    interview.close()  # the first process is gone: its lock with it
    again = Interview.resume(corpus, store, sid, grader)
    assert again.current == first and again.draft_text == "half an answer"
    step = again.submit(ANSWER)
    assert step.follow_up is None  # this answer fits another question: no follow-up
    feedback = step.feedback
    on_disk = store.load(sid)
    assert on_disk.turns[0].feedback == feedback and on_disk.turns[0].hints_used == 2
    assert on_disk.draft is None

    again.ask()
    again.skip()
    third = again.ask()
    assert third.id not in {t.question_id for t in store.load(sid).turns}
    again.submit(ANSWER)
    final = store.load(sid)
    assert final.status == "finished" and [t.status for t in final.turns] == [
        TurnStatus.answered,
        TurnStatus.skipped,
        TurnStatus.answered,
    ]
    report = again.report()
    assert [q.status for q in report.questions] == ["answered", "skipped", "answered"]
    assert report.practice_next
    with pytest.raises(UsageError, match="finished"):
        again.ask()


def test_answer_is_on_disk_before_grading(corpus: Corpus, tmp_path: Path) -> None:
    class Exploding(OfflineGrader):
        def grade(self, request):  # type: ignore[no-untyped-def]
            raise RuntimeError("grader crashed")

    store = SessionStore(tmp_path)
    interview, _ = Interview.start(corpus, "dpo", SessionOptions(questions=1), Exploding(), store)
    with pytest.raises(RuntimeError):
        interview.submit("my precious answer")
    draft = store.load(interview.session.id).draft
    assert draft is not None and draft.text == "my precious answer"


def test_a_second_resume_is_refused_while_the_first_is_open(
    corpus: Corpus, grader: OfflineGrader, tmp_path: Path
) -> None:
    store = SessionStore(tmp_path)
    started, _ = Interview.start(corpus, "dpo", SessionOptions(questions=2, follow_ups=0), grader, store)
    sid = started.session.id
    with pytest.raises(SessionLocked, match=rf"session {sid} is open in another interviewer"):
        Interview.resume(corpus, store, sid, grader)  # `practice` still runs in terminal A
    started.close()

    with Interview.resume(corpus, store, sid, grader) as a:  # terminal A resumes and waits
        a.ask()
        with pytest.raises(SessionLocked):  # terminal B
            Interview.resume(corpus, SessionStore(tmp_path), sid[:12], grader)
        a.save_draft("terminal A's line")
    assert not store.lock_path(sid).exists()  # released at the end of the block
    with Interview.resume(corpus, store, sid, grader) as b:
        assert b.draft_text == "terminal A's line"


def test_lock_is_released_when_resume_fails(corpus: Corpus, grader: OfflineGrader, tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    started, _ = Interview.start(corpus, "dpo", SessionOptions(questions=1), grader, store)
    started.close()
    sid = started.session.id
    saved = store.load(sid)
    saved.role = corpus.role("pom").id  # a session this corpus can no longer open
    store.save(saved)
    with pytest.raises(SessionError, match="that the corpus no longer has"):
        Interview.resume(corpus, store, sid, grader)
    assert not store.lock_path(sid).exists()


def test_a_save_never_erases_a_turn_saved_by_another_process(
    corpus: Corpus, grader: OfflineGrader, tmp_path: Path
) -> None:
    """The lost update: A waits, B answers and is graded, A types a line. B's turn stays; A's line is kept aside."""
    store = SessionStore(tmp_path)
    started, _ = Interview.start(corpus, "dpo", SessionOptions(questions=2, follow_ups=0), grader, store)
    started.close()
    sid = started.session.id
    a = Interview.resume(corpus, store, sid, grader)
    a.ask()
    store.lock_path(sid).unlink()  # someone deleted A's lock by hand, so B gets in
    with Interview.resume(corpus, SessionStore(tmp_path), sid, grader) as b:
        b.ask()
        assert b.submit(ANSWER).feedback is not None
    with pytest.raises(SessionConflict, match=rf"session {sid} was changed by another interviewer") as caught:
        a.save_draft("terminal A's precious line")
    assert "\n" not in str(caught.value)
    on_disk = store.load(sid)
    assert len(on_disk.turns) == 1 and on_disk.turns[0].answer == ANSWER  # B's graded turn is kept
    copy = caught.value.copy
    assert copy is not None and str(copy) in str(caught.value)
    kept = Session.model_validate_json(copy.read_text())
    assert kept.draft is not None and kept.draft.text == "terminal A's precious line"  # and so is A's line
    assert [row.id for row in store.list()] == [sid]  # the copy is not listed as a session
    a.close()
