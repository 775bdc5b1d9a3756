"""One lock file per open session, so two terminals cannot overwrite each other's turns.

`<id>.lock` holds the owner's pid, host and a random token. A second open of the
session is refused while that process lives; a lock left by a process that is
gone (kill -9, a power cut) is stale and taken over. Taking a lock, breaking a
stale one and releasing happen under a short `flock` on the folder's guard file
(POSIX), so two processes can never both break the same stale lock.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .exceptions import SessionError, SessionLocked
from .models import utcnow

__all__ = ["LockOwner", "SessionLock"]

log = logging.getLogger(__name__)

_GUARD = ".locks.guard"
_HELD: set[str] = set()
"""Tokens of the locks this process holds (a lock naming our pid but none of these is a previous process's)."""


@dataclass(frozen=True)
class LockOwner:
    """Who holds a session open: what the lock file says."""

    pid: int
    host: str
    token: str
    since: str

    @classmethod
    def me(cls) -> LockOwner:
        return cls(os.getpid(), socket.gethostname(), secrets.token_hex(8), utcnow().isoformat())

    @classmethod
    def parse(cls, text: str) -> LockOwner | None:
        try:
            data = json.loads(text)
            return cls(int(data["pid"]), str(data["host"]), str(data["token"]), str(data.get("since", "")))
        except (ValueError, KeyError, TypeError):
            return None

    def dumps(self) -> str:
        return json.dumps({"pid": self.pid, "host": self.host, "token": self.token, "since": self.since}) + "\n"

    @property
    def local(self) -> bool:
        return self.host == socket.gethostname()

    def alive(self) -> bool:
        """Whether the owner may still run (a process on another host is assumed to)."""
        if not self.local:
            return True
        if self.pid == os.getpid():
            return self.token in _HELD
        return _pid_alive(self.pid)

    def describe(self) -> str:
        where = "this machine" if self.local else f"host {self.host}"
        try:
            since = f", since {datetime.fromisoformat(self.since):%Y-%m-%d %H:%M} UTC"
        except ValueError:
            since = ""
        return f"pid {self.pid} on {where}{since}"


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return ctypes.get_last_error() == 5  # access denied: it exists
        code = ctypes.c_ulong()
        try:
            return bool(kernel32.GetExitCodeProcess(handle, ctypes.byref(code))) and code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


@contextlib.contextmanager
def _guard(folder: Path) -> Iterator[None]:
    """Serialise lock changes in `folder` between processes (a no-op where `fcntl` is missing)."""
    if sys.platform == "win32":
        yield
        return
    import fcntl

    fd = os.open(folder / _GUARD, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _read_owner(path: Path) -> LockOwner | None:
    """The owner named in the lock file; None when there is no file or it is unreadable (stale)."""
    try:
        return LockOwner.parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None


class SessionLock:
    """A held lock on one session; release it with `release()` or by leaving a `with` block."""

    def __init__(self, path: Path, session_id: str, owner: LockOwner) -> None:
        self.path = path
        self.session_id = session_id
        self.owner = owner

    @classmethod
    def acquire(cls, path: Path, session_id: str) -> SessionLock:
        """Lock the session, taking over a stale lock; raise `SessionLocked` if a live process holds it."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with _guard(path.parent):
                if path.exists():
                    current = _read_owner(path)
                    if current is not None and current.alive():
                        raise SessionLocked(
                            f"session {session_id} is open in another interviewer ({current.describe()}); "
                            f"finish or /quit it there first - if that process is gone or is not interviewer, "
                            f"delete {path} and try again",
                            session_id,
                            current.pid,
                            current.host,
                        )
                    log.info("taking over the stale lock of session %s (%s)", session_id, current)
                    path.unlink()
                owner = LockOwner.me()
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(owner.dumps())
                    handle.flush()
                    os.fsync(handle.fileno())
        except OSError as exc:
            raise SessionError(
                f"cannot lock session {session_id} ({path}): {exc.strerror or exc}; "
                "check that the sessions folder is writable"
            ) from None
        _HELD.add(owner.token)
        return cls(path, session_id, owner)

    def release(self) -> None:
        """Remove the lock file if it is still ours; safe to call twice."""
        if self.owner.token not in _HELD:
            return
        _HELD.discard(self.owner.token)
        with contextlib.suppress(OSError), _guard(self.path.parent):
            if _read_owner(self.path) == self.owner:
                self.path.unlink()

    def __enter__(self) -> SessionLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
