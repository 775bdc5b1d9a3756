from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interviewer._sessions import SessionStore
from interviewer.cli import app
from interviewer.models import Feedback, Session

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
