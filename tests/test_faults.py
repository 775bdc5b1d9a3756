"""Every fault a real server can throw at us, over real sockets on loopback."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interviewer._sessions import SessionStore
from interviewer._setup import build_grader
from interviewer.cli import app
from interviewer.corpus import Corpus
from interviewer.exceptions import LLMRejected, LLMUnavailable
from interviewer.graders import GradeRequest
from interviewer.graders.llm import LLMGrader
from interviewer.interview import Interview
from interviewer.llm import LLMClient, LLMSettings
from interviewer.models import SessionOptions
from interviewer.testing import FakeRequest, Fault, FaultServer, judge_everything

QID = "dpo-prioritise-urgent"
ANSWER = (
    "I agree with the requesters what urgent means, then I score each item on impact and effort with RICE "
    "and tell the people who lose out why. Last year I moved a checkout bug ahead of a partner feature."
)
_judge = judge_everything()


def reply(body: dict[str, object]) -> str:
    return json.dumps(_judge(FakeRequest(dict(body), {})))


def _settings(server: FaultServer, **overrides: object) -> LLMSettings:
    values: dict[str, object] = {
        "model": "fault-model",
        "base_url": server.base_url,
        "timeout": 1.0,
        "max_attempts": 3,
        "max_retry_seconds": 15.0,
    }
    values.update(overrides)
    return LLMSettings.model_validate(values)


def _request(corpus: Corpus) -> GradeRequest:
    role = corpus.find_question(QID)
    return GradeRequest(role.role, role.question(QID), role.rubric(QID), ANSWER)


@pytest.mark.parametrize(
    "fault",
    [
        Fault.status(429, retry_after=0.3),
        Fault.status(500),
        Fault.status(503),
        Fault.slow(1.5),
        Fault.drop(),
        Fault.malformed(),
        Fault.truncated(),
    ],
    ids=[
        "429-retry-after",
        "500",
        "503",
        "slow-past-timeout",
        "dropped-connection",
        "malformed-json",
        "truncated-json",
    ],
)
def test_transient_faults_are_retried(corpus: Corpus, fault: Fault) -> None:
    with FaultServer([fault], reply=reply) as server, LLMClient(_settings(server)) as client:
        feedback = LLMGrader(client).grade(_request(corpus))
        assert feedback.grader == "llm" and feedback.provenance.retries == 1
        assert [kind for _, kind in server.requests] == [fault.kind, "ok"]
        if fault.retry_after:
            (first, _), (second, _) = server.requests
            assert second - first >= fault.retry_after  # waited as long as the server asked


def test_retries_stop_at_the_attempt_limit(corpus: Corpus) -> None:
    with FaultServer([Fault.status(503)] * 5, reply=reply) as server, LLMClient(_settings(server)) as client:
        started = time.monotonic()
        with pytest.raises(LLMUnavailable, match=r"kept failing \(3 attempts"):
            LLMGrader(client).grade(_request(corpus))
        assert len(server.requests) == 3 and time.monotonic() - started < 15


def test_retries_stop_at_the_time_limit(corpus: Corpus) -> None:
    with (
        FaultServer([Fault.slow(1.2)] * 10, reply=reply) as server,
        LLMClient(_settings(server, max_attempts=10, max_retry_seconds=2.0)) as client,
    ):
        with pytest.raises(LLMUnavailable, match="APITimeoutError"):
            LLMGrader(client).grade(_request(corpus))
        assert len(server.requests) < 10


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (Fault.status(401, message="Incorrect API key provided: sk-canary-000000000"), "rejected the API key"),
        (Fault.status(429, error_code="insufficient_quota", message="quota"), "quota at"),
        (Fault.status(400, message="the request exceeds the available context size"), "too long for"),
    ],
    ids=["bad-key", "quota", "context-overflow"],
)
def test_unretryable_faults_are_reported_once(corpus: Corpus, fault: Fault, message: str) -> None:
    with (
        FaultServer([fault], reply=reply) as server,
        LLMClient(_settings(server, api_key="sk-canary-000000000")) as client,
    ):
        with pytest.raises(LLMRejected, match=message) as caught:
            LLMGrader(client).grade(_request(corpus))
        assert len(server.requests) == 1 and "sk-canary" not in str(caught.value)


def test_nothing_the_candidate_typed_is_lost_when_the_model_fails(corpus: Corpus, tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    with (
        FaultServer([Fault.status(503)] * 20, reply=reply) as server,
        build_grader(_settings(server, max_attempts=2)) as setup,
    ):
        interview, _ = Interview.start(
            corpus, "dpo", SessionOptions(questions=1, follow_ups=0), setup.grader, store, follow_ups=setup.follow_ups
        )
        interview.ask()
        interview.save_draft("first line")
        step = interview.submit("first line\nsecond line of my answer")
    assert step.feedback is not None and step.feedback.provenance.fallback is not None
    assert step.feedback.grader == "offline"
    [turn] = store.load(interview.session.id).turns
    assert turn.answer == "first line\nsecond line of my answer"
    assert turn.feedback is not None and turn.feedback.provenance.fallback


NOT_OBJECTS = [[{"id": "x"}], "ok", 5, None, {"choices": 5}, {"choices": [{"message": 3}]}]
NOT_OBJECT_IDS = ["list", "string", "number", "null", "choices-a-number", "message-a-number"]


def _config(tmp_path: Path, server: FaultServer, attempts: int) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(f'[llm]\nbase_url = "{server.base_url}"\nmax_attempts = {attempts}\n')
    return config


@pytest.mark.parametrize("value", NOT_OBJECTS, ids=NOT_OBJECT_IDS)
def test_a_reply_that_is_json_but_not_a_completion_falls_back_in_feedback(
    isolated_home: Path, tmp_path: Path, value: object
) -> None:
    attempts = 2 if isinstance(value, list) else 1  # a retry waits up to a second: once is enough
    with FaultServer([Fault.json(value)] * 2) as server:
        config = _config(tmp_path, server, attempts=attempts)
        result = CliRunner().invoke(
            app, ["feedback", "-r", "dpo", "-q", QID, "-a", ANSWER, "-m", "m", "--config", str(config)]
        )
        assert len(server.requests) == attempts  # malformed, so retried like a body that is not JSON
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "AttributeError" not in result.output
    said = " ".join(result.output.split())  # the terminal wraps the line
    assert "The model failed: 127.0.0.1" in said and f"kept failing ({attempts} attempt" in said
    assert "not a chat completion" in said and "offline feedback instead" in said
    assert "Feedback · offline grader" in said


def test_a_reply_that_is_a_json_list_keeps_the_answer_in_practice(isolated_home: Path, tmp_path: Path) -> None:
    answers = tmp_path / "answers.txt"
    answers.write_text(f"{ANSWER}\n\nMy follow-up reply.\n\n")
    with FaultServer([Fault.json([{"id": "x"}])] * 20) as server:
        config = _config(tmp_path, server, attempts=1)
        args = ["practice", "--role", "dpo", "-n", "1", "--seed", "3", "-m", "m", "--config", str(config)]
        result = CliRunner().invoke(app, [*args, "--answers", str(answers)])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "not a chat completion" in result.output
    [listing] = SessionStore(isolated_home).list()
    assert listing.session is not None
    [turn] = listing.session.turns
    assert turn.answer == ANSWER and turn.feedback is not None and turn.feedback.grader == "offline"
