from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

from interviewer._sessions import SessionStore
from interviewer.cli import app
from interviewer.cli._input import LineSource
from interviewer.cli._practice import EXIT_INTERRUPTED, run_practice
from interviewer.corpus import load_corpus
from interviewer.graders import OfflineGrader
from interviewer.interview import Interview
from interviewer.models import Feedback, Session, SessionOptions

runner = CliRunner()

ANSWER = (
    "I start by agreeing with the requesters what urgent really means, like revenue or customers at risk. "
    "Then I score each item on impact and effort with RICE and check it against our quarterly goals. "
    "Last year I moved a checkout bug that hit 8% of orders ahead of a partner feature and told the partner why."
)


def test_roles_and_questions_json() -> None:
    roles = json.loads(runner.invoke(app, ["roles", "--json"]).stdout)
    assert [r["id"] for r in roles] == ["digital-product-owner", "product-operations-manager"]
    result = runner.invoke(app, ["questions", "--role", "pom", "--json"])
    questions = json.loads(result.stdout)
    assert len(questions) == 9 and questions[7]["id"] == "pom-pricing-config-error"
    behavioral = json.loads(runner.invoke(app, ["questions", "-r", "dpo", "-c", "behavioral", "--json"]).stdout)
    assert len(behavioral) == 7


def test_feedback_json_from_option_file_and_stdin(tmp_path: Path) -> None:
    args = ["feedback", "--role", "dpo", "--question", "dpo-prioritise-urgent", "--json"]
    by_option = runner.invoke(app, [*args, "--answer", ANSWER])
    assert by_option.exit_code == 0, by_option.output
    feedback = Feedback.model_validate_json(by_option.stdout)
    assert 0 <= feedback.score <= 5 and len(feedback.key_points) == 7
    file = tmp_path / "answer.txt"
    file.write_text(ANSWER)
    by_file = Feedback.model_validate_json(runner.invoke(app, [*args, "--answer-file", str(file)]).stdout)
    by_stdin = Feedback.model_validate_json(runner.invoke(app, args, input=ANSWER).stdout)
    assert by_file.score == by_stdin.score == feedback.score


def test_feedback_rendered_for_people() -> None:
    result = runner.invoke(app, ["feedback", "-r", "dpo", "-q", "dpo-prioritise-urgent", "-a", ANSWER])
    assert result.exit_code == 0
    assert "Score" in result.stdout and "Key points" in result.stdout and "To improve" in result.stdout


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (
            ["questions", "--role", "astronaut"],
            None,
            "unknown role 'astronaut'; known roles: digital-product-owner, product-operations-manager",
        ),
        (
            ["feedback", "-r", "dpo", "-q", "dpo-nope", "-a", "x"],
            None,
            "unknown question id 'dpo-nope' for role 'digital-product-owner'",
        ),
        (["feedback", "-r", "dpo", "-q", "dpo-define-role"], "", "the answer from stdin is empty"),
        (
            ["feedback", "-r", "dpo", "-q", "dpo-define-role", "-f", "/no/such/file.txt"],
            None,
            "cannot read answer file /no/such/file.txt",
        ),
        (
            ["feedback", "-r", "dpo", "-q", "dpo-define-role", "-a", "x", "-f", "y"],
            None,
            "give either --answer or --answer-file",
        ),
        (
            ["practice", "--role", "dpo", "--category", "sales", "--answers", "/dev/null"],
            None,
            "unknown category 'sales'",
        ),
        (["practice", "--role", "dpo", "--answers", "/no/such/answers.txt"], None, "cannot read answers file"),
        (["report", "nothing-here"], None, "no session 'nothing-here'"),
        (["report", "x", "--format", "pdf"], None, "unknown --format 'pdf'"),
    ],
)
def test_user_errors_are_one_line_with_exit_code_2(args: list[str], stdin: str | None, message: str) -> None:
    result = runner.invoke(app, args, input=stdin)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) <= 2


def test_scripted_practice_saves_and_reports(isolated_home: Path, tmp_path: Path) -> None:
    answers = tmp_path / "answers.txt"
    answers.write_text(f"{ANSWER}\n\n/hint\n/skip\n{ANSWER}\nsecond line of the same answer\n\n")
    result = runner.invoke(
        app,
        [
            "practice",
            "--role",
            "dpo",
            "--questions",
            "3",
            "--seed",
            "4",
            "--follow-ups",
            "0",
            "--answers",
            str(answers),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Summary" in result.stdout and "Practise next" in result.stdout
    [row] = SessionStore(isolated_home).list()
    session = row.session
    assert session is not None and session.status == "finished"
    assert [t.status.value for t in session.turns] == ["answered", "skipped", "answered"]
    assert session.turns[1].hints_used == 1
    assert session.turns[2].answer == f"{ANSWER}\nsecond line of the same answer"

    listing = json.loads(runner.invoke(app, ["sessions", "--json"]).stdout)
    assert listing[0]["id"] == session.id and listing[0]["answered"] == 3
    md = runner.invoke(app, ["report", session.id[:20], "--format", "md"])
    assert md.exit_code == 0 and md.stdout.startswith("# Mock interview: Digital Product Owner")
    payload = json.loads(runner.invoke(app, ["report", session.id, "--format", "json"]).stdout)
    assert payload["session_id"] == session.id and len(payload["turns"]) == 3


def test_end_of_input_mid_session_then_resume(isolated_home: Path, tmp_path: Path) -> None:
    first = tmp_path / "first.txt"
    first.write_text(f"{ANSWER}\n\nA half-typed second answer")  # input ends mid-answer: graded as given
    runner.invoke(
        app, ["practice", "-r", "pom", "-n", "3", "--seed", "1", "--follow-ups", "0", "--answers", str(first)]
    )
    [row] = SessionStore(isolated_home).list()
    assert row.session is not None and len(row.session.turns) == 2 and row.session.status == "in-progress"

    rest = tmp_path / "rest.txt"
    rest.write_text(f"{ANSWER}\n\n")
    resumed = runner.invoke(app, ["resume", row.id, "--answers", str(rest)])
    assert resumed.exit_code == 0, resumed.output
    assert "Resuming" in resumed.stdout and "question 3 of 3" in resumed.stdout
    done = SessionStore(isolated_home).load(row.id)
    assert done.status == "finished" and len(done.turns) == 3


def test_quit_keeps_the_session_resumable(isolated_home: Path, tmp_path: Path) -> None:
    answers = tmp_path / "a.txt"
    answers.write_text("I'd start with\n/quit\n")
    result = runner.invoke(app, ["practice", "-r", "dpo", "-n", "2", "--answers", str(answers)])
    assert result.exit_code == 0
    assert "interviewer resume" in result.stdout
    [row] = SessionStore(isolated_home).list()
    assert row.session is not None and row.session.draft is not None
    assert row.session.draft.text == "I'd start with"


def test_corrupt_session_is_reported_not_crashed(isolated_home: Path) -> None:
    folder = isolated_home / "sessions"
    folder.mkdir(parents=True)
    (folder / "broken.json").write_text("{not json")
    result = runner.invoke(app, ["resume", "broken"])
    assert result.exit_code == 2 and "is corrupt" in result.output and "Traceback" not in result.output
    listing = runner.invoke(app, ["sessions"])
    assert listing.exit_code == 0 and "unreadable" in listing.stdout


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("interviewer ")


def test_session_file_is_valid_json_schema(isolated_home: Path, tmp_path: Path) -> None:
    answers = tmp_path / "a.txt"
    answers.write_text(f"{ANSWER}\n\n")
    runner.invoke(app, ["practice", "-r", "dpo", "-n", "1", "--follow-ups", "0", "--answers", str(answers)])
    [path] = (isolated_home / "sessions").glob("*.json")
    assert Session.model_validate_json(path.read_text()).turns[0].feedback is not None


def _saved_session(store: SessionStore, session_id: str | None = None) -> Session:
    session = Session(
        id=session_id or store.new_id("digital-product-owner"),
        role="digital-product-owner",
        options=SessionOptions(questions=2, follow_ups=0),
        plan=["dpo-define-role", "dpo-agile-scrum"],
    )
    store.save(session)
    return session


def _one_error_line(result: Result, *parts: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "Traceback" not in result.output and "╭" not in result.output
    for part in parts:
        assert part in lines[0], result.output


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["practice", "-r", "dpo", "--questions", "0"], "--questions"),
        (["practice", "-r", "dpo", "--questions", "-3"], "--questions"),
        (["practice", "-r", "dpo", "-n", "many"], "--questions"),
        (["practice", "-r", "dpo", "--follow-ups", "9"], "--follow-ups"),
        (["practice", "-r", "dpo", "--seed", "x"], "--seed"),
        (["local-server", "--threads", "0"], "--threads"),
        (["local-server", "--port", "http"], "--port"),
        (["eval", "run", "--workers", "0"], "--workers"),
        (["eval", "run", "--repeat", "99"], "--repeat"),
        (["practice"], "--role"),
        (["practice", "-r", "dpo", "--bogus"], "--bogus"),
        (["--bogus"], "--bogus"),
        (["nosuch"], "nosuch"),
    ],
)
def test_bad_option_values_are_one_error_line(args: list[str], names: str) -> None:
    _one_error_line(runner.invoke(app, args), names, "--help")


@pytest.mark.parametrize(
    "args",
    [["report", "../../x"], ["report", "{abs}"], ["resume", "../../x"], ["resume", "*"], ["report", "20*"]],
)
def test_session_ids_cannot_reach_outside_the_data_folder(isolated_home: Path, args: list[str]) -> None:
    store = SessionStore(isolated_home)
    _saved_session(store)
    outside = _saved_session(SessionStore(isolated_home.parent / "elsewhere"), "x")  # tmp/elsewhere/sessions/x.json
    target = isolated_home.parent / "x.json"  # where ../../x points from the sessions folder
    target.write_text(SessionStore(isolated_home.parent / "elsewhere").path(outside.id).read_text())
    args = [a.replace("{abs}", str(target.with_suffix(""))) for a in args]
    _one_error_line(runner.invoke(app, args), "invalid session id")


def test_a_stored_id_cannot_make_resume_write_outside(isolated_home: Path, tmp_path: Path) -> None:
    store = SessionStore(isolated_home)
    session = _saved_session(store)
    path = store.path(session.id)
    data = json.loads(path.read_text())
    data["id"] = "../../dir/evil"
    path.write_text(json.dumps(data))
    outside = tmp_path / "dir" / "evil.json"  # where that id points from the sessions folder
    outside.parent.mkdir()
    outside.write_text(json.dumps(data))
    answers = tmp_path / "a.txt"
    answers.write_text(f"{ANSWER}\n\n")
    result = runner.invoke(app, ["resume", session.id, "--answers", str(answers)])
    _one_error_line(result, "is corrupt (id:")
    assert json.loads(outside.read_text()) == data  # not touched
    assert [p.name for p in outside.parent.iterdir()] == ["evil.json"]


def test_an_empty_enter_before_any_text_says_why(isolated_home: Path, tmp_path: Path) -> None:
    answers = tmp_path / "a.txt"
    answers.write_text(f"\n{ANSWER}\n\n")
    result = runner.invoke(app, ["practice", "-r", "dpo", "-n", "1", "--follow-ups", "0", "--answers", str(answers)])
    assert result.exit_code == 0, result.output
    assert "Nothing to submit yet: type your answer, then an empty line submits it" in result.stdout
    [row] = SessionStore(isolated_home).list()
    assert row.session is not None and row.session.turns[0].answer == ANSWER


def test_resume_is_refused_while_the_session_is_open_elsewhere(isolated_home: Path, tmp_path: Path) -> None:
    store = SessionStore(isolated_home)
    session = _saved_session(store)
    answers = tmp_path / "a.txt"
    answers.write_text(f"{ANSWER}\n\n")
    with store.lock(session.id):  # terminal A has it open
        result = runner.invoke(app, ["resume", session.id[:15], "--answers", str(answers)])
        _one_error_line(result, f"session {session.id} is open in another interviewer", f"pid {os.getpid()}")
    assert store.load(session.id).turns == []  # B changed nothing
    resumed = runner.invoke(app, ["resume", session.id, "--answers", str(answers)])
    assert resumed.exit_code == 0, resumed.output
    assert len(store.load(session.id).turns) == 1 and not store.lock_path(session.id).exists()


@pytest.mark.parametrize("failure", [KeyboardInterrupt, RuntimeError])
def test_the_lock_is_released_however_the_run_ends(
    isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: type[BaseException]
) -> None:
    store = SessionStore(isolated_home)
    session = _saved_session(store)

    def fail(*args: object) -> int:
        raise failure()

    monkeypatch.setattr("interviewer.cli._practice._loop", fail)
    answers = tmp_path / "a.txt"
    answers.write_text("")
    result = runner.invoke(app, ["resume", session.id, "--answers", str(answers)])
    assert result.exit_code == (130 if failure is KeyboardInterrupt else 1)
    assert not store.lock_path(session.id).exists()
    started = runner.invoke(app, ["practice", "-r", "dpo", "-n", "1", "--answers", str(answers)])
    assert started.exit_code != 0 and not list(store.folder.glob("*.lock"))


def test_ctrl_c_keeps_the_unfinished_line_too(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = SessionStore(isolated_home)
    interview, _ = Interview.start(
        load_corpus(), "dpo", SessionOptions(questions=1, follow_ups=0), OfflineGrader(), store
    )
    typed = iter(["My first line."])

    def keyboard(prompt: str) -> str:
        line = next(typed, None)
        if line is None:
            raise KeyboardInterrupt
        return line

    monkeypatch.setattr("builtins.input", keyboard)
    out = io.StringIO()
    console = Console(file=out, width=100)
    source = LineSource(None, console, line_buffer=lambda: "and half of a second")
    with interview:
        assert run_practice(interview, source, console) == EXIT_INTERRUPTED
    draft = store.load(interview.session.id).draft
    assert draft is not None and draft.text == "My first line.\nand half of a second"
    assert "Everything you typed is saved, the unfinished line too." in out.getvalue()


def test_sessions_table_is_readable_at_80_columns(isolated_home: Path) -> None:
    store = SessionStore(isolated_home)
    ids = [f"20261123-153000-product-operations-manager-3f9{c}" for c in "ab"]
    for sid in ids:
        session = Session(id=sid, role="product-operations-manager", options=SessionOptions(questions=1), plan=["x"])
        store.save(session)
    (store.folder / "broken.json").write_text("{not json")
    result = runner.invoke(app, ["sessions"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if not line.startswith("unreadable:")]
    assert max(len(line) for line in lines) <= 80  # the table; the notes under it are soft-wrapped messages
    for sid in ids:  # whole, on one line: what `resume` needs
        assert any(line.split()[:1] == [sid] for line in lines), result.stdout
    assert "0/1" in result.stdout and "unreadable" in result.stdout and "broken.json is corrupt" in result.stdout


def test_roles_table_keeps_ids_whole_at_80_columns() -> None:
    result = runner.invoke(app, ["roles"], env={"COLUMNS": "80"})
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    for name in ["values-and-motivation", "product-operations-manager", "digital-product-owner"]:
        assert name in result.stdout
    assert "…" not in result.stdout
