"""One wiring of graders for every front end, typed failures, and worker processes that die with their parent."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from interviewer.testing import FakeRequest, Fault, FaultServer, judge_everything

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "evals" / "golden"


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """Ten cases of two questions (the first five of each file)."""
    folder = tmp_path / "dataset"
    folder.mkdir()
    for name in ("dpo-prioritise-urgent.yaml", "pom-pricing-config-error.yaml"):
        shutil.copy(GOLDEN / name, folder / name)
    path = folder / "dpo-prioritise-urgent.yaml"
    text = path.read_text()
    path.write_text(text[: text.index("  - id: dpo-prioritise-urgent-rice-applied")])
    return folder


# -- worker processes die with their parent (defect 9) ----------------------------------------------------


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(p) for p in (task / "children").read_text().split()}
        except OSError:
            continue
    return found


def _alive(pid: int) -> bool:
    """Running or sleeping: not gone and not a zombie waiting for init to reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_for(condition: object, seconds: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(step)
    return bool(condition())  # type: ignore[operator]


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finds the workers through /proc")
def test_eval_workers_exit_when_the_parent_is_killed(small: Path, tmp_path: Path) -> None:
    judge = judge_everything(status="partial", score=3)
    # Every reply takes longer than the test: the workers are busy grading when the parent dies.
    slow = [Fault.slow(20)] * 40
    with FaultServer(slow, reply=lambda body: json.dumps(judge(FakeRequest(body, {})))) as server:
        args = ["eval", "run", "-d", str(small), "--grader", "llm", "-m", "judge", "--base-url", server.base_url]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        parent = subprocess.Popen(
            [sys.executable, "-m", "interviewer", *args, "--workers", "2", "--out", str(tmp_path / "run")],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            # Both workers have started grading once the server holds a request from each.
            assert _wait_for(lambda: len(server.requests) >= 2 or parent.poll() is not None, 120)
            assert parent.poll() is None, "the eval run ended before it could be killed"
            workers = _children(parent.pid)
            assert len(workers) >= 2
        finally:
            parent.send_signal(signal.SIGKILL)
            parent.wait()
        started = time.monotonic()
        gone = _wait_for(lambda: not any(_alive(pid) for pid in workers), 5)
        left = [pid for pid in workers if _alive(pid)]
        for pid in left:  # do not leave them behind when the test fails
            os.kill(pid, signal.SIGKILL)
        assert gone, f"{len(left)} worker(s) outlived their parent by {time.monotonic() - started:.1f} s"


_ORPHAN = """
import os, subprocess, sys, time
code = "import sys, time; from interviewer.evals._workers import _watch_parent; " \\
    "_watch_parent(int(sys.argv[1])); print('watching', flush=True); time.sleep(60)"
child = subprocess.Popen([sys.executable, "-c", code, str(os.getpid())], stdout=subprocess.PIPE, text=True)
assert child.stdout.readline() == "watching\\n"
print(child.pid, flush=True)
time.sleep(60)
"""


def test_the_watchdog_alone_ends_an_orphan() -> None:
    """Where the kernel has no parent-death signal (macOS), the worker's own watchdog ends it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    middle = subprocess.Popen([sys.executable, "-c", _ORPHAN], env=env, stdout=subprocess.PIPE, text=True)
    assert middle.stdout is not None
    with middle.stdout:
        child = int(middle.stdout.readline())
    middle.kill()
    middle.wait()
    started = time.monotonic()
    gone = _wait_for(lambda: not _alive(child), 3)
    if not gone:
        os.kill(child, signal.SIGKILL)
    assert gone, f"the orphan lived on for {time.monotonic() - started:.1f} s"
