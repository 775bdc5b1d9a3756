"""`--ref REV` for the benchmarks: another commit checked out beside this tree, so both run in one sitting."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def side_by_side(ref: str | None, this: str = "this tree", name: str = "{ref}") -> Iterator[dict[str, Path]]:
    """{label: tree}: this tree, and `ref` in a scratch `git worktree` (removed on the way out) if given.

    Run a tree's code with `PYTHONPATH=<tree>` and `cwd=<tree>`; alternate the trees within each round.
    """
    trees = {this: ROOT}
    scratch: Path | None = None
    if ref:
        scratch = Path(tempfile.mkdtemp(prefix="bench-ref-")) / "tree"
        subprocess.run(["git", "worktree", "add", "--detach", str(scratch), ref], cwd=ROOT, check=True)
        trees[name.format(ref=ref)] = scratch
    try:
        yield trees
    finally:
        if scratch is not None:
            subprocess.run(["git", "worktree", "remove", "--force", str(scratch)], cwd=ROOT, check=False)
