from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from interviewer._sessions import SessionStore
from interviewer.cli import app
from interviewer.corpus import Corpus
from interviewer.graders import OfflineGrader
from interviewer.interview import Interview
from interviewer.interview._followups import ModelFollowUps
from interviewer.models import SessionOptions
from interviewer.testing import FakeLLM, FakeReply, FaultServer, judge_everything, replying

# For dpo-slow-mobile-app (technical, seed 1): on topic, but only two of its seven points.
ANSWER = (
    "First I'd find out what slow actually means for our users: the launch, scrolling, or certain screens, "
    "and on which devices. Then I'd measure how many sessions are affected before we change anything."
)


def test_follow_up_probes_a_missed_core_point_and_is_graded_with_the_answer(corpus: Corpus, tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    interview, _ = Interview.start(
        corpus, "dpo", SessionOptions(questions=1, seed=1, category="technical"), OfflineGrader(), store
    )
    question = interview.ask()
    step = interview.submit(ANSWER)
    assert step.feedback is None and step.follow_up is not None
    follow_up = step.follow_up
    rubric = corpus.role("dpo").rubric(question.id)
    probed = next(p for p in rubric.key_points if p.id == follow_up.key_point_id)
    draft = store.load(interview.session.id).draft
    assert draft is not None and draft.initial_feedback is not None
    missed = [k.id for k in draft.initial_feedback.key_points if k.status.value == "missed"]
    missed_core = [p.id for p in rubric.key_points if p.core and p.id in missed]
    assert probed.id in missed and (probed.core or not missed_core)  # missed core points first
    assert follow_up.source == "template" and probed.label.lower() in follow_up.question
    assert probed.label in follow_up.reason

    # A crash while the follow-up is open: it comes back on resume.
    interview.close()  # the crashed process's lock goes with it
    again = Interview.resume(corpus, store, interview.session.id, OfflineGrader())
    assert again.open_follow_up == follow_up
    final = again.submit("Another point: " + probed.covers)
    assert final.feedback is not None and final.follow_up is None  # one follow-up per question by default
    [turn] = store.load(interview.session.id).turns
    assert turn.answer == ANSWER and turn.follow_ups[0].answer.startswith("Another point")
    assert turn.initial_feedback is not None
    status = {k.id: k.status.value for k in turn.feedback.key_points}  # type: ignore[union-attr]
    assert status[probed.id] != "missed"  # the reply counts as evidence


def test_follow_ups_off_and_skipping_a_follow_up(corpus: Corpus, tmp_path: Path) -> None:
    # Each session its own store: questions already practised are avoided, which would make `on` depend on `off`.
    off, _ = Interview.start(
        corpus, "dpo", SessionOptions(questions=1, follow_ups=0), OfflineGrader(), SessionStore(tmp_path / "off")
    )
    off.ask()
    assert off.submit(ANSWER).feedback is not None
    store = SessionStore(tmp_path / "on")
    on, _ = Interview.start(
        corpus, "dpo", SessionOptions(questions=1, seed=1, category="technical"), OfflineGrader(), store
    )
    on.ask()
    assert on.submit(ANSWER).follow_up is not None
    kept = on.skip()
    assert kept is not None and on.finished
    [turn] = store.load(on.session.id).turns
    assert turn.feedback == kept and turn.follow_ups[0].answer is None


def test_model_writes_the_follow_up_and_falls_back_to_the_template(corpus: Corpus) -> None:
    from interviewer.graders import GradeRequest

    role = corpus.role("dpo")
    question = role.question("dpo-prioritise-urgent")
    point = role.rubric(question.id).key_points[0]
    request = GradeRequest(role.role, question, role.rubric(question.id), ANSWER)
    feedback = OfflineGrader().grade(request)
    fake = FakeLLM([FakeReply.json({"question": "  How do you tie requests to the goals?  "})])
    written = ModelFollowUps(fake.llm_client()).write(request, point, feedback)
    assert (written.question, written.source, written.key_point_id) == (
        "How do you tie requests to the goals?",
        "model",
        point.id,
    )
    assert fake.requests[0].context == "prompt=follow-up@v2; question=dpo-prioritise-urgent"
    broken = FakeLLM(handler=lambda _r: FakeReply.http_error(500))
    assert ModelFollowUps(broken.llm_client(max_attempts=1)).write(request, point, feedback).source == "template"


def test_cli_interview_with_a_model_follow_ups_and_summary(isolated_home: Path, tmp_path: Path) -> None:
    judge = judge_everything(status="missed", score=2)
    answers = tmp_path / "answers.txt"
    answers.write_text(f"{ANSWER}\n\n")  # the input ends while the follow-up is open
    with FaultServer(reply=replying(judge)) as server:
        model_args = ["--model", "m", "--base-url", server.base_url]
        first = CliRunner().invoke(
            app,
            [
                "practice",
                "-r",
                "dpo",
                "-n",
                "1",
                "-c",
                "technical",
                "--seed",
                "1",
                *model_args,
                "--answers",
                str(answers),
            ],
        )
        assert first.exit_code == 0, first.output
        assert "Follow-up" in first.stdout and "Could you say more" in first.stdout
        [row] = SessionStore(isolated_home).list()
        assert row.session is not None and row.session.status == "in-progress"
        assert row.session.draft is not None and row.session.draft.follow_ups[0].source == "model"

        replies = tmp_path / "replies.txt"
        replies.write_text("I would measure it with a clear target and check it every week.\n\n")
        second = CliRunner().invoke(app, ["resume", row.id, *model_args, "--answers", str(replies)])
    assert second.exit_code == 0, second.output
    assert "Follow-up" in second.stdout and "Feedback · llm grader" in second.stdout
    assert "Summary by m" in second.stdout and "A fake summary." in second.stdout
    session = SessionStore(isolated_home).load(row.id)
    assert session.status == "finished" and session.narrative is not None
    turn = session.turns[0]
    assert turn.feedback is not None and turn.feedback.grader == "llm" and len(turn.follow_ups) == 1
    contexts = [kind for _, kind in server.requests]
    assert len(contexts) == 4  # grade, follow-up question, grade with the reply, summary
