"""Saving and loading practice sessions: one JSON file each, written atomically."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from ._paths import user_data_dir
from .exceptions import SessionError
from .models import Session, TurnStatus, utcnow

__all__ = ["SessionListing", "SessionStore", "atomic_write_text"]


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
    """Sessions under `<data dir>/sessions/<id>.json`."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = (root or user_data_dir()).expanduser()
        self.folder = self.root / "sessions"

    def new_id(self, role: str) -> str:
        """A readable, sortable, unique id such as `20261123-1530-digital-product-owner-3f9a`."""
        stamp = utcnow().strftime("%Y%m%d-%H%M%S")
        return f"{stamp}-{role}-{secrets.token_hex(2)}"

    def path(self, session_id: str) -> Path:
        return self.folder / f"{session_id}.json"

    def save(self, session: Session) -> Path:
        """Write the session atomically, stamping `updated_at`."""
        session.updated_at = utcnow()
        path = self.path(session.id)
        try:
            atomic_write_text(path, session.model_dump_json(indent=2) + "\n")
        except OSError as exc:
            raise SessionError(
                f"cannot save the session to {path}: {exc.strerror or exc}; "
                "free some space or set INTERVIEWER_HOME to a writable folder"
            ) from None
        return path

    def _read(self, path: Path) -> Session:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise SessionError(f"cannot read session file {path}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise SessionError(f"session file {path} is not UTF-8 text; it was left untouched") from None
        try:
            return Session.model_validate_json(text)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"]) or "the file"
            raise SessionError(
                f"session file {path} is corrupt ({where}: {first['msg']}); it was left untouched - "
                "restore it from a backup or delete it to hide it from `interviewer sessions`"
            ) from None

    def load(self, session_id: str) -> Session:
        """Load by id or by a unique prefix of one."""
        session_id = session_id.strip().removesuffix(".json")
        exact = self.path(session_id)
        if exact.is_file():
            return self._read(exact)
        matches = sorted(self.folder.glob(f"{session_id}*.json")) if session_id and self.folder.is_dir() else []
        if len(matches) == 1:
            return self._read(matches[0])
        if len(matches) > 1:
            names = ", ".join(p.stem for p in matches[:5])
            raise SessionError(f"session id {session_id!r} is ambiguous: it matches {names}; give more of it")
        raise SessionError(f"no session {session_id!r} in {self.folder}; run `interviewer sessions` to list them")

    def list(self) -> list[SessionListing]:
        """All sessions, newest first; unreadable files are listed with their error."""
        if not self.folder.is_dir():
            return []
        rows: list[SessionListing] = []
        for path in sorted(self.folder.glob("*.json"), reverse=True):
            try:
                rows.append(SessionListing(path.stem, path, self._read(path)))
            except SessionError as exc:
                rows.append(SessionListing(path.stem, path, None, str(exc)))
        return rows

    def practised(self, role: str) -> Counter[str]:
        """How many times each question of a role was answered in saved sessions."""
        counts: Counter[str] = Counter()
        for row in self.list():
            if row.session is not None and row.session.role == role:
                counts.update(t.question_id for t in row.session.turns if t.status is TurnStatus.answered)
        return counts
