"""A lock file: one process at a time holds it, and a dead owner's lock is free again.

The lock is the operating system's (`fcntl.flock` on POSIX, `msvcrt.locking` on
Windows) on an open file, so it ends with its process, even one killed with
`kill -9`: a lock left by a dead process is never mistaken for a live one, and
there is no stale lock to break (nor a race between two processes breaking it).
The file itself says who holds the lock (pid, host, since when), for the message
of whoever is refused, and is removed when the lock is released.

    with FileLock(folder / ".lock", f"{folder} is in use by another eval run", "wait for it to finish"):
        ...
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from .exceptions import LockHeld, UsageError, UserError

__all__ = ["FileLock", "LockOwner", "read_owner"]

_WINDOWS_LOCK_OFFSET = 1 << 20
"""On Windows the locked byte lies past the owner's details, so that others can still read them."""


@dataclass(frozen=True)
class LockOwner:
    """Who holds a lock, as its lock file says."""

    pid: int
    host: str
    since: str
    """When the lock was taken, ISO 8601 in UTC."""

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host}, since {self.since}"


def read_owner(path: Path) -> LockOwner | None:
    """The owner a lock file names, or None if it names none (missing, being written, not ours)."""
    try:
        data = json.loads(path.read_bytes())
        return LockOwner(int(data["pid"]), str(data["host"]), str(data["since"]))
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _try_lock(fd: int) -> bool:
    """Take the lock on an open file without waiting; False if another process holds it."""
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        finally:
            os.lseek(fd, 0, os.SEEK_SET)
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _same_file(fd: int, path: Path) -> bool:
    """Whether `path` still names the open file (a releasing owner may have removed it meanwhile)."""
    try:
        here, there = os.fstat(fd), path.stat()
    except FileNotFoundError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def _lock_held(message: str, owner: LockOwner | None) -> UserError:
    return LockHeld(message, pid=owner.pid if owner else None, host=owner.host if owner else None)


class FileLock:
    """An exclusive lock on `path`, taken without waiting: `LockHeld` if a live process has it.

    The lock is per open file, so a second `FileLock` on the same path is refused in the same
    process too. `refuse` makes the error for a held lock (a kind of its own, such as `SessionLocked`).
    """

    def __init__(
        self,
        path: Path,
        what: str,
        fix: str,
        refuse: Callable[[str, LockOwner | None], UserError] = _lock_held,
    ) -> None:
        """`what` says what is locked and by whom ("runs/x is in use by another eval run"); `fix`, what to do."""
        self.path = path
        self.what = what
        self.fix = fix
        self._refuse = refuse
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        if self._fd is not None:
            raise RuntimeError(f"{self.path} is already locked by this FileLock")
        for _ in range(10):  # each retry follows an owner that released (and removed) the file we opened
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise UsageError(f"cannot create the lock file {self.path}: {exc.strerror or exc}") from None
            try:
                locked = _try_lock(fd)
            except OSError as exc:  # a file system without locks
                os.close(fd)
                raise UsageError(
                    f"cannot lock {self.path}: {exc.strerror or exc}; use a folder on a local disk"
                ) from None
            if not locked:
                os.close(fd)
                owner = read_owner(self.path)
                who = owner.describe() if owner else "its owner could not be read"
                raise self._refuse(f"{self.what} ({who}); {self.fix}", owner)
            if _same_file(fd, self.path):
                self._fd = fd
                self._write_owner()
                return
            os.close(fd)
        raise self._refuse(f"{self.what} (it keeps changing hands); {self.fix}", None)

    def _write_owner(self) -> None:
        assert self._fd is not None
        since = datetime.now(UTC).isoformat(timespec="seconds")
        details = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": since})
        with contextlib.suppress(OSError):  # the lock holds without them; they only name the owner
            os.ftruncate(self._fd, 0)
            os.write(self._fd, details.encode() + b"\n")

    def release(self) -> None:
        """Give the lock up and remove the file; a no-op if not held."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        if sys.platform == "win32":  # an open file cannot be removed there: close first
            os.close(fd)
            with contextlib.suppress(OSError):
                self.path.unlink()
            return
        with contextlib.suppress(OSError):  # still holding the lock: whoever opened this file retries
            self.path.unlink()
        os.close(fd)

    def __enter__(self) -> FileLock:
        if not self.held:  # `with FileLock(...)` takes it; `with store.lock(...)` holds it already
            self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.release()
