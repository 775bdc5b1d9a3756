"""Library pieces the browser app added: progress across sessions, full report content, hints again, delete."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interviewer._sessions import SessionStore
from interviewer.cli import app
from interviewer.corpus import Corpus, RoleCorpus
from interviewer.exceptions import SessionLocked
from interviewer.graders import OfflineGrader
from interviewer.interview import Interview, build_progress
from interviewer.models import SessionOptions

ROLE = "digital-product-owner"


def _finished(corpus: Corpus, store: SessionStore, answers: list[str], seed: int) -> str:
    interview, _ = Interview.start(
        corpus, ROLE, SessionOptions(questions=len(answers), seed=seed, follow_ups=0), OfflineGrader(), store
    )
    with interview:
        for text in answers:
            interview.ask()
            interview.submit(text)
    return interview.session.id


def test_progress_follows_competencies_over_sessions_and_suggests_gaps(
    corpus: Corpus, dpo: RoleCorpus, tmp_path: Path
) -> None:
    store = SessionStore(tmp_path)
    first = _finished(corpus, store, ["We shipped in 6 weeks and cut churn by 12%."] * 2, seed=1)
    second = _finished(corpus, store, ["I interviewed 20 users, prioritised with RICE and hit a 40% target."] * 2, 2)
    sessions = [r.session for r in store.list() if r.session is not None]
    sessions[0].created_at += timedelta(seconds=1)  # the newest, whatever the clock's resolution
    progress = build_progress(sessions, dpo)
    assert progress.sessions == 2
    tested = [c for c in progress.competencies if c.points]
    assert tested and all(p.session_id in {first, second} for c in tested for p in c.points)
    assert all(c.points == sorted(c.points, key=lambda p: p.at) for c in tested)
    asked = {t.question_id for s in sessions for t in s.turns}
    never = [q for q in progress.practise_next if q.last_score is None]
    assert never and all(q.question_id not in asked and q.reason == "never practised" for q in never)
    assert len(progress.practise_next) <= 5
    assert build_progress([], dpo).sessions == 0
    # The CLI shows the same thing.
    runner = CliRunner()
    shown = runner.invoke(app, ["progress", "--role", ROLE, "--data-dir", str(tmp_path)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0 and "2 sessions with answers" in shown.stdout and "never practised" in shown.stdout
    data = runner.invoke(app, ["progress", "--role", ROLE, "--data-dir", str(tmp_path), "--json"])
    assert [q["question_id"] for q in json.loads(data.stdout)["practise_next"]] == [
        q.question_id for q in progress.practise_next
    ]


def test_report_gives_every_answer_follow_up_and_feedback(corpus: Corpus, tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    interview, _ = Interview.start(
        corpus, ROLE, SessionOptions(questions=1, seed=3, follow_ups=1), OfflineGrader(), store
    )
    with interview:
        interview.ask()
        step = interview.submit("I talked to 10 users and we ran a test.")
        if step.follow_up is not None:
            interview.submit("I would measure activation against a 40% target.")
    sid = interview.session.id
    runner = CliRunner()
    md = runner.invoke(app, ["report", sid, "--format", "md", "--data-dir", str(tmp_path)])
    assert md.exit_code == 0, md.output
    assert "**Your answer**" in md.stdout and "> I talked to 10 users and we ran a test." in md.stdout
    assert "**Key points**" in md.stdout and "*Delivery:" in md.stdout
    if step.follow_up is not None:
        assert f"**Follow-up:** {step.follow_up.question}" in md.stdout and "40% target" in md.stdout
    text = runner.invoke(app, ["report", sid, "--data-dir", str(tmp_path)], env={"COLUMNS": "200"})
    assert text.exit_code == 0 and "Your answer" in text.stdout and "I talked to 10 users" in text.stdout
    assert "Key points" in text.stdout


def test_hints_shown_again_without_using_another(corpus: Corpus, tmp_path: Path) -> None:
    interview, _ = Interview.start(corpus, ROLE, SessionOptions(questions=1), OfflineGrader(), SessionStore(tmp_path))
    with interview:
        interview.ask()
        assert interview.hints_shown() == []
        first = interview.hint()
        assert interview.hints_shown() == [first]
        second = interview.hint()
        assert interview.hints_shown() == [first, second] and interview.hint() is None
        assert interview.session.draft is not None and interview.session.draft.hints_used == 2


def test_delete_refuses_an_open_session(corpus: Corpus, tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    interview, _ = Interview.start(corpus, ROLE, SessionOptions(questions=1), OfflineGrader(), store)
    with pytest.raises(SessionLocked):
        store.delete(interview.session.id)
    interview.close()
    store.delete(interview.session.id)
    assert store.list() == [] and not any(store.folder.iterdir())
