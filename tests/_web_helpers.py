"""Shared by the web tests: a real `interviewer serve` in a subprocess, and answers that fit any question."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from interviewer.corpus import load_corpus

ROOT = Path(__file__).resolve().parent.parent


class Server:
    """`python -m interviewer serve --port 0` on a data dir; `url` is the one it printed."""

    def __init__(self, data_dir: Path, *extra: str) -> None:
        env = {
            k: v for k, v in os.environ.items() if k not in {"OPENAI_API_KEY", "OPENAI_BASE_URL", "INTERVIEWER_MODEL"}
        }
        env |= {"PYTHONPATH": str(ROOT), "COLUMNS": "300", "XDG_CONFIG_HOME": str(data_dir / "config")}
        argv = [
            sys.executable,
            "-m",
            "interviewer",
            "serve",
            "--port",
            "0",
            "--no-browser",
            "--data-dir",
            str(data_dir),
        ]
        self.log = data_dir / f"serve-{time.monotonic_ns()}.log"
        self._out = self.log.open("w")  # a file, not a pipe: a pipe nobody reads would block the server
        self.proc = subprocess.Popen([*argv, *extra], cwd=ROOT, env=env, stdout=self._out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            text = self.log.read_text()
            if "Serving the mock interview at " in text:
                self.url = text.split("Serving the mock interview at ", 1)[1].split()[0].rstrip("/")
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("interviewer serve did not start:\n" + self.log.read_text())

    def kill(self) -> None:
        """kill -9: no shutdown, no cleanup; what was saved is all there is."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self._close()

    def _close(self) -> None:
        self._out.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close()


def answer_for(question_text: str) -> str:
    """A first-person answer that covers half the question's key points (so a follow-up comes)."""
    for role in load_corpus().roles.values():
        for q in role.questions:
            if q.question == question_text:
                points = role.rubric(q.id).key_points
                kept = points[: len(points) // 2]  # half the points: the rest are missed, a follow-up probes one
                parts = [f"In my last role I {p.covers[0].lower()}{p.covers[1:]}" for p in kept]
                return " ".join(parts) + " We cut churn by 12% in one quarter."
    raise AssertionError(f"no such question in the corpus: {question_text!r}")
