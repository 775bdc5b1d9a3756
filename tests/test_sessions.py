from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from interviewer._sessions import SessionStore, atomic_write_text
from interviewer.exceptions import SessionError
from interviewer.models import Session, SessionOptions, Turn, TurnStatus


def _session(store: SessionStore, role: str = "digital-product-owner") -> Session:
    return Session(
        id=store.new_id(role),
        role=role,
        options=SessionOptions(questions=2),
        plan=["dpo-define-role", "dpo-agile-scrum"],
    )


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    session = _session(store)
    path = store.save(session)
    assert path.parent == tmp_path / "sessions"
    assert store.load(session.id) == session
    assert store.load(session.id[:16]).id == session.id  # unique prefix


def test_atomic_write_leaves_no_temporary_files(tmp_path: Path) -> None:
    target = tmp_path / "a" / "file.json"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["file.json"]


def test_missing_ambiguous_and_corrupt_sessions(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    with pytest.raises(SessionError, match="no session 'nope'"):
        store.load("nope")
    a, b = _session(store), _session(store)
    store.save(a)
    store.save(b)
    with pytest.raises(SessionError, match="ambiguous"):
        store.load(a.id[:4])
    store.path(a.id).write_text('{"id": "x", "role": 3}')
    with pytest.raises(SessionError, match=r"is corrupt .* it was left untouched"):
        store.load(a.id)
    assert store.path(a.id).read_text() == '{"id": "x", "role": 3}'
    rows = {r.id: r for r in store.list()}
    assert rows[a.id].session is None and rows[a.id].error
    assert rows[b.id].session == b


def test_practised_counts_answered_questions_of_the_role(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    session = _session(store)
    now = datetime.now(UTC)
    session.turns = [
        Turn(question_id="dpo-define-role", status=TurnStatus.answered, answer="x", started_at=now, finished_at=now),
        Turn(question_id="dpo-agile-scrum", status=TurnStatus.skipped, started_at=now, finished_at=now),
    ]
    store.save(session)
    other = _session(store, role="product-operations-manager")
    store.save(other)
    assert store.practised("digital-product-owner") == {"dpo-define-role": 1}


def test_unwritable_folder_gives_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    store = SessionStore(blocker)
    with pytest.raises(SessionError, match="cannot save the session"):
        store.save(_session(store))
