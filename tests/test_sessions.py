from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from interviewer._sessions import SessionStore, atomic_write_text
from interviewer.exceptions import SessionError, SessionLocked
from interviewer.models import Session, SessionOptions, Turn, TurnStatus

ROOT = Path(__file__).resolve().parent.parent


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


# -- one open at a time: the session lock -----------------------------------------------------------


def _lock_file(store: SessionStore, session_id: str, pid: int) -> Path:
    """A lock file as a killed `interviewer` process leaves it (the file stays; its lock died with it)."""
    path = store.lock_path(session_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": pid, "host": socket.gethostname(), "since": "2026-01-02T03:04:05"}))
    return path


def _dead_pid() -> int:
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()  # reaped: the pid names no process now
    return finished.pid


def test_a_session_is_locked_while_open_and_released_after(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    session = _session(store)
    store.save(session)
    with store.lock(session.id):
        held = json.loads(store.lock_path(session.id).read_text())
        assert held["pid"] == os.getpid() and held["host"] == socket.gethostname()
        mine = rf"session {session.id} is open in another interviewer \(pid {os.getpid()} on {socket.gethostname()}"
        with pytest.raises(SessionLocked, match=mine) as caught:
            store.lock(session.id)  # a second open in the same process
        assert "finish or /quit it there first" in str(caught.value) and "\n" not in str(caught.value)
        assert caught.value.pid == os.getpid() and caught.value.session_id == session.id
    assert not store.lock_path(session.id).exists()
    with store.lock(session.id):  # free again
        pass


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    session = _session(store)
    store.save(session)
    _lock_file(store, session.id, _dead_pid())
    with store.lock(session.id):
        assert json.loads(store.lock_path(session.id).read_text())["pid"] == os.getpid()
    _lock_file(store, session.id, os.getpid())  # our own pid, from an earlier process (a container restart)
    # What counts is the operating system's lock, not what a left-over file says.
    with store.lock(session.id):
        pass
    store.lock_path(session.id).write_text("")  # torn by a power cut
    with store.lock(session.id):
        pass


def test_a_lock_held_by_another_process_is_refused_until_it_dies(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    session = _session(store)
    store.save(session)
    script = (
        "import sys, time; sys.path.insert(0, sys.argv[1]); from interviewer._sessions import SessionStore; "
        "lock = SessionStore(__import__('pathlib').Path(sys.argv[2])).lock(sys.argv[3]); print('locked', flush=True); "
        "time.sleep(60)"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script, str(ROOT), str(tmp_path), session.id], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(SessionLocked, match=rf"pid {holder.pid} on "):
            store.lock(session.id)
    finally:
        holder.kill()  # kill -9: no chance to remove its lock
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    assert store.lock_path(session.id).exists()
    with store.lock(session.id):  # stale now: taken over
        pass


# -- ids are names, never paths or patterns ----------------------------------------------------------


@pytest.mark.parametrize("bad", ["../../x", "/abs/path", "*", "2026*", "a[b", "a?", "", " ", "a/b", "a\\b", "..", "-x"])
def test_ids_that_are_not_names_are_refused(tmp_path: Path, bad: str) -> None:
    store = SessionStore(tmp_path)
    store.save(_session(store))
    with pytest.raises(SessionError, match=r"invalid session id .*: ids are names of letters, digits"):
        store.load(bad)
    with pytest.raises(SessionError, match="invalid session id"):
        store.lock(bad)


def test_a_stored_id_that_is_a_path_is_refused(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "home")
    session = _session(store)
    path = store.save(session)
    data = json.loads(path.read_text())
    data["id"] = "../../dir/evil"
    path.write_text(json.dumps(data))
    with pytest.raises(SessionError, match=r"is corrupt \(id: String should match pattern"):
        store.load(session.id)
    [row] = store.list()
    assert row.session is None and row.error is not None
    assert not (tmp_path / "dir").exists()


def test_a_stored_id_must_be_its_file_name(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    session = _session(store)
    path = store.save(session)
    path.rename(store.path("copied"))
    with pytest.raises(SessionError, match=rf"holds session id '{session.id}', not 'copied'.*rename the file"):
        store.load("copied")


def test_prefixes_match_names_only(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    session = _session(store)
    store.save(session)
    (store.folder / f"{session.id}.lock").write_text("")  # not a session
    (store.folder / "notes.txt").write_text("")
    assert store.load(session.id[:10]).id == session.id
    assert store.resolve(session.id + ".json") == session.id
