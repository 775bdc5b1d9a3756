"""The interactive loop as a person uses it: a real terminal (tmux), typing, a kill, a resume."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from interviewer._sessions import SessionStore

pytestmark = pytest.mark.tmux
ROOT = Path(__file__).resolve().parent.parent


class Terminal:
    """A tmux window running one command, driven by send-keys and read with capture-pane."""

    def __init__(self, name: str) -> None:
        self.name = name
        # A tmux server of its own: killing the last session makes a server exit, and a new session
        # asked of that server while it shuts down fails ("server exited unexpectedly").
        self.socket = Path(tempfile.gettempdir()) / f"{name}.tmux"
        self.tmux = ["tmux", "-S", str(self.socket)]

    def start(self, command: list[str], env: dict[str, str]) -> None:
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        shell = f"cd {shlex.quote(str(ROOT))} && env {exports} {shlex.join(command)}; sleep 30"
        subprocess.run([*self.tmux, "new-session", "-d", "-s", self.name, "-x", "110", "-y", "50", shell], check=True)

    def type(self, text: str, enter: bool = True) -> None:
        subprocess.run([*self.tmux, "send-keys", "-t", self.name, "-l", text], check=True)
        if enter:
            subprocess.run([*self.tmux, "send-keys", "-t", self.name, "Enter"], check=True)

    def screen(self) -> str:
        out = subprocess.run(
            [*self.tmux, "capture-pane", "-p", "-J", "-S", "-400", "-t", self.name],
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout

    def wait_for(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} did not appear; screen was:\n{self.screen()}")

    def pane_pid(self) -> int:
        out = subprocess.run(
            [*self.tmux, "list-panes", "-t", self.name, "-F", "#{pane_pid}"], capture_output=True, text=True, check=True
        )
        return int(out.stdout.split()[0])

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], capture_output=True, check=False)
        self.socket.unlink(missing_ok=True)


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    if shutil.which("tmux") is None:
        message = "tmux is needed for the interactive test (apt-get install tmux)"
        if os.environ.get("INTERVIEWER_REQUIRE_TMUX"):
            pytest.fail(message)  # CI installs tmux, so there it must run
        pytest.skip(message)
    term = Terminal(f"interviewer-test-{uuid.uuid4().hex[:8]}")
    yield term
    term.close()


def _interviewer_pids(shell_pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(shell_pid)], capture_output=True, text=True, check=False).stdout
    children = [int(p) for p in out.split()]
    found = []
    for pid in children:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        if "interviewer" in cmdline:
            found.append(pid)
        found += _interviewer_pids(pid)
    return found


def test_type_answers_get_killed_and_resume(terminal: Terminal, tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {"INTERVIEWER_HOME": str(home), "PYTHONPATH": str(ROOT), "TERM": "xterm-256color", "COLUMNS": "110"}
    command = [
        sys.executable,
        "-m",
        "interviewer",
        "practice",
        "--role",
        "digital-product-owner",
        "-n",
        "2",
        "--seed",
        "5",
    ]
    terminal.start(command, env)
    terminal.wait_for("Question 1 of 2")
    terminal.wait_for("> ")

    terminal.type("/hint")
    terminal.wait_for("Hint 1")
    terminal.type("I would start by agreeing what success means for this with the people who asked for it.")
    terminal.type("Then I would look at the numbers every week, and at 8% adoption after a month I would act.")
    terminal.type("")  # an empty line submits
    terminal.wait_for("Feedback · offline grader")
    terminal.wait_for("Question 2 of 2")

    terminal.type("A first line of my second answer that must survive a crash.")
    store = SessionStore(home)
    deadline = time.monotonic() + 10
    while True:  # the line is saved as soon as Enter is pressed
        [row] = store.list()
        if row.session and row.session.draft and "survive a crash" in row.session.draft.text:
            break
        assert time.monotonic() < deadline, "the typed line was not saved"
        time.sleep(0.1)
    for pid in _interviewer_pids(terminal.pane_pid()):
        os.kill(pid, 9)  # no chance to clean up
    terminal.close()

    session = store.load(row.id)
    assert len(session.turns) == 1 and session.turns[0].hints_used == 1
    assert (
        session.draft is not None
        and session.draft.text == "A first line of my second answer that must survive a crash."
    )

    resumed = Terminal(terminal.name + "-resume")
    try:
        resumed.start([sys.executable, "-m", "interviewer", "resume", row.id], env)
        resumed.wait_for("Your saved answer so far")
        resumed.wait_for("must survive a crash")
        resumed.type("And a second line typed after the resume, with a result: churn fell by 3 points.")
        resumed.type("")
        resumed.wait_for("Summary")
        screen = resumed.wait_for("Session saved")
        assert "Traceback" not in screen
    finally:
        resumed.close()
    final = store.load(row.id)
    assert final.status == "finished"
    assert final.turns[1].answer.startswith("A first line of my second answer")
    assert final.turns[1].answer.endswith("churn fell by 3 points.")


def test_ctrl_c_saves_and_says_how_to_resume(terminal: Terminal, tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {"INTERVIEWER_HOME": str(home), "PYTHONPATH": str(ROOT), "TERM": "xterm-256color"}
    terminal.start([sys.executable, "-m", "interviewer", "practice", "--role", "pom", "-n", "1"], env)
    terminal.wait_for("> ")
    terminal.type("Half of an answer")
    terminal.wait_for("… ")
    terminal.type("and a line without Enter", enter=False)
    terminal.wait_for("without Enter")
    subprocess.run([*terminal.tmux, "send-keys", "-t", terminal.name, "C-c"], check=True)
    screen = terminal.wait_for("interviewer resume")
    assert "Interrupted" in screen and "the unfinished line too" in screen and "Traceback" not in screen
    [row] = SessionStore(home).list()
    assert row.session is not None and row.session.draft is not None
    assert row.session.draft.text == "Half of an answer\nand a line without Enter"
    assert not list((home / "sessions").glob("*.lock"))  # the lock went with the run


@pytest.mark.llama
def test_a_model_shows_its_progress_while_it_grades(terminal: Terminal, tmp_path: Path) -> None:
    """A slow model never looks frozen: the status line says what it is doing, point by point."""
    from interviewer.exceptions import UsageError
    from interviewer.testing import LocalLlamaServer

    try:
        server = LocalLlamaServer().start()
    except UsageError as exc:
        if os.environ.get("INTERVIEWER_REQUIRE_LLAMA"):
            pytest.fail(f"the local llama.cpp server must run here: {exc}")
        pytest.skip(str(exc))
    home = tmp_path / "home"
    env = {"INTERVIEWER_HOME": str(home), "PYTHONPATH": str(ROOT), "TERM": "xterm-256color", "COLUMNS": "110"}
    command = [sys.executable, "-m", "interviewer", "practice", "--role", "dpo", "-n", "1", "--seed", "5"]
    terminal.start([*command, "--follow-ups", "0", "--base-url", server.base_url], env)
    terminal.wait_for("> ", timeout=60)
    terminal.type("I would agree what success means with the people who asked, then check the numbers every week.")
    terminal.type("")
    seen: set[str] = set()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        screen = terminal.screen()
        for sign in ("Sent to", "is writing feedback", "key point", "tokens ·"):
            if sign in screen:
                seen.add(sign)
        if "Feedback · " in screen:
            break
        time.sleep(0.1)
    screen = terminal.screen()
    # The program is writing its summary now. End it before the server: llama.cpp's server waits for an
    # open request's client to hang up before it stops, and this client would wait out its read timeout.
    terminal.close()
    server.stop()
    assert "Feedback · llm grader" in screen, screen
    assert {"is writing feedback", "key point", "tokens ·"} <= seen, (seen, screen)
    assert "Traceback" not in screen
