"""Saving and loading practice sessions: one JSON file each, written atomically."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from ._lockfile import FileLock, LockOwner
from ._paths import user_data_dir
from ._validation import first_problem
from .exceptions import SessionConflict, SessionError, SessionLocked, UserError
from .models import SESSION_ID_PATTERN, Session, TurnStatus, utcnow

__all__ = ["SessionListing", "SessionStore", "atomic_write_text", "check_session_id"]

_ID = re.compile(SESSION_ID_PATTERN)
_AUDIO_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,120}\.(?:webm|ogg|wav|mp3|m4a|flac)")
"""A kept recording's file name: made by us from the question id and a counter, never a path."""


def check_session_id(session_id: str) -> str:
    """The id itself, if it is a valid session id (a file name, never a path or a pattern); else `SessionError`."""
    if not _ID.fullmatch(session_id):
        raise SessionError(
            f"invalid session id {session_id!r}: ids are names of letters, digits, '-' and '_' "
            "(not paths or patterns); run `interviewer sessions` to list them"
        )
    return session_id


def _revision(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def atomic_write_text(path: Path, text: str) -> None:
    """Write `text` to `path` so that a crash leaves either the old or the new file, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise
    with contextlib.suppress(OSError):  # persist the rename itself (POSIX only)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


@dataclass(frozen=True)
class SessionListing:
    """One row of `interviewer sessions`: a session, or why its file could not be read."""

    id: str
    path: Path
    session: Session | None
    error: str | None = None


class SessionStore:
    """Sessions under `<data dir>/sessions/<id>.json`, each with a `<id>.lock` while it is open."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = (root or user_data_dir()).expanduser()
        self.folder = self.root / "sessions"

    def new_id(self, role: str) -> str:
        """A readable, sortable, unique id such as `20261123-153000-digital-product-owner-3f9a`."""
        stamp = utcnow().strftime("%Y%m%d-%H%M%S")
        while True:
            session_id = check_session_id(f"{stamp}-{role}-{secrets.token_hex(2)}")
            if not self.path(session_id).exists():
                return session_id

    def path(self, session_id: str) -> Path:
        return self.folder / f"{check_session_id(session_id)}.json"

    def audio_folder(self, session_id: str) -> Path:
        """Where the recordings a candidate chose to keep with a session are saved (`<id>.audio/`)."""
        return self.folder / f"{check_session_id(session_id)}.audio"

    def keep_audio(self, session_id: str, name: str, data: bytes) -> str:
        """Save a recording with the session; returns its path relative to the sessions folder."""
        if not _AUDIO_NAME.fullmatch(name):
            raise SessionError(f"not a recording name: {name!r}")
        folder = self.audio_folder(session_id)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(data)
        partial.replace(path)
        return path.relative_to(self.folder).as_posix()

    def audio_path(self, session_id: str, name: str) -> Path:
        """A kept recording of a session, by the file name `keep_audio` gave it (never a path)."""
        if not _AUDIO_NAME.fullmatch(name):
            raise SessionError(f"not a recording name: {name!r}")
        path = self.audio_folder(session_id) / name
        if not path.is_file():
            raise SessionError(f"session {session_id} has no recording {name}")
        return path

    def lock_path(self, session_id: str) -> Path:
        return self.folder / f"{check_session_id(session_id)}.lock"

    def lock(self, session_id: str) -> FileLock:
        """Hold the session open (release it, or leave the `with` block); `SessionLocked` if another has it open.

        The operating system's lock: it ends with its process, so a session left by a killed
        `interviewer` is free again, and a second open in the same process is refused too.
        """
        path = self.lock_path(session_id)

        def refuse(message: str, owner: LockOwner | None) -> UserError:
            return SessionLocked(message, session_id, owner.pid if owner else None, owner.host if owner else None)

        what = f"session {session_id} is open in another interviewer"
        lock = FileLock(path, what, "finish or /quit it there first", refuse)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SessionError(f"cannot create the sessions folder {self.folder}: {exc.strerror or exc}") from None
        lock.acquire()
        return lock

    def save(self, session: Session) -> Path:
        """Write the session atomically, stamping `updated_at` (no check for changes by others: see `commit`)."""
        session.updated_at = utcnow()
        path = self.path(session.id)
        self._write(path, session.model_dump_json(indent=2) + "\n")
        return path

    def commit(self, session: Session, since: str | None) -> str:
        """Save over revision `since` (None: a new session); return the new revision.

        If the file changed since (another process saved it), nothing is
        overwritten: this version goes to a `.conflict` file next to it and
        `SessionConflict` says where.
        """
        session.updated_at = utcnow()
        path = self.path(session.id)
        text = session.model_dump_json(indent=2) + "\n"
        try:
            current: str | None = _revision(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            current = None
        except (OSError, UnicodeDecodeError):
            current = "unreadable"
        if current is not None and current != since:
            copy = path.with_name(f"{session.id}.{utcnow():%Y%m%d-%H%M%S}-{os.getpid()}.conflict")
            self._write(copy, text)
            raise SessionConflict(
                f"session {session.id} was changed by another interviewer while this one had it open, so it "
                f"was not overwritten; this terminal's version (with what you typed) is in {copy}; "
                f"`interviewer resume {session.id}` continues from the saved one",
                session.id,
                copy,
            )
        self._write(path, text)
        return _revision(text)

    def _write(self, path: Path, text: str) -> None:
        try:
            atomic_write_text(path, text)
        except OSError as exc:
            raise SessionError(
                f"cannot save the session to {path}: {exc.strerror or exc}; "
                "free some space or set INTERVIEWER_HOME to a writable folder"
            ) from None

    def _read(self, path: Path) -> tuple[Session, str]:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise SessionError(f"cannot read session file {path}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise SessionError(f"session file {path} is not UTF-8 text; it was left untouched") from None
        try:
            session = Session.model_validate_json(text)
        except ValidationError as exc:
            raise SessionError(
                f"session file {path} is corrupt ({first_problem(exc)}); it was left untouched - "
                "restore it from a backup or delete it to hide it from `interviewer sessions`"
            ) from None
        if session.id != path.stem:
            raise SessionError(
                f"session file {path} holds session id {session.id!r}, not {path.stem!r}; it was left untouched - "
                f"rename the file to {session.id}.json or set its id to {path.stem!r}"
            )
        return session, _revision(text)

    def resolve(self, session_id: str) -> str:
        """The full id of a session given by its id or a unique prefix of one."""
        session_id = check_session_id(session_id.strip().removesuffix(".json"))
        if self.path(session_id).is_file():
            return session_id
        try:
            names = sorted(p.stem for p in self.folder.iterdir() if p.suffix == ".json")
        except OSError:
            names = []
        matches = [name for name in names if name.startswith(session_id)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            shown = ", ".join(matches[:5])
            raise SessionError(f"session id {session_id!r} is ambiguous: it matches {shown}; give more of it")
        raise SessionError(f"no session {session_id!r} in {self.folder}; run `interviewer sessions` to list them")

    def load(self, session_id: str) -> Session:
        """Load by id or by a unique prefix of one."""
        return self.read(self.resolve(session_id))[0]

    def read(self, session_id: str) -> tuple[Session, str]:
        """The session with this exact id and its revision (what `commit` checks against)."""
        return self._read(self.path(session_id))

    def list(self) -> list[SessionListing]:
        """All sessions, newest first; unreadable files are listed with their error."""
        if not self.folder.is_dir():
            return []
        rows: list[SessionListing] = []
        for path in sorted(self.folder.glob("*.json"), reverse=True):
            try:
                rows.append(SessionListing(path.stem, path, self._read(path)[0]))
            except SessionError as exc:
                rows.append(SessionListing(path.stem, path, None, str(exc)))
        return rows

    def delete(self, session_id: str) -> None:
        """Delete a saved session (exact id); `SessionLocked` while it is open anywhere."""
        path = self.path(session_id)
        with self.lock(session_id):
            try:
                path.unlink()
            except FileNotFoundError:
                raise SessionError(f"no session {session_id!r} in {self.folder}") from None
            except OSError as exc:
                raise SessionError(f"cannot delete {path}: {exc.strerror or exc}") from None
            shutil.rmtree(self.audio_folder(session_id), ignore_errors=True)

    def practised(self, role: str) -> Counter[str]:
        """How many times each question of a role was answered in saved sessions."""
        counts: Counter[str] = Counter()
        for row in self.list():
            if row.session is not None and row.session.role == role:
                counts.update(t.question_id for t in row.session.turns if t.status is TurnStatus.answered)
        return counts
