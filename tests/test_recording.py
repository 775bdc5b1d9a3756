from __future__ import annotations

import gzip
import json
from pathlib import Path

import httpx2
import pytest
from typer.testing import CliRunner

from interviewer.cli import app
from interviewer.corpus import Corpus
from interviewer.exceptions import FixtureMissing, UsageError
from interviewer.graders import GradeRequest
from interviewer.graders.llm import LLMGrader
from interviewer.llm import LLMClient
from interviewer.prompts import load_prompt
from interviewer.recording import RecordingTransport, ReplayTransport
from interviewer.testing import FakeLLM, FakeRequest, FaultServer, judge_everything

LATEST = load_prompt("feedback").ref
"""The default feedback prompt: the latest version."""

QID = "dpo-prioritise-urgent"
ANSWER = "I agree with the requesters what urgent means, then I score each item on impact and effort with RICE. " * 2
CANARY = "sk-canary-DO-NOT-LEAK-4f1c2e9a7b"


def _request(corpus: Corpus, answer: str = ANSWER) -> GradeRequest:
    role = corpus.find_question(QID)
    return GradeRequest(role.role, role.question(QID), role.rubric(QID), answer)


def _record(corpus: Corpus, folder: Path, fake: FakeLLM) -> LLMGrader:
    transport = RecordingTransport(folder, {"server": "FakeLLM (synthetic)"}, inner=fake.transport)
    client = LLMClient(fake.settings(api_key=CANARY), transport=transport)
    grader = LLMGrader(client)
    grader.grade(_request(corpus))
    return grader


def test_record_then_replay_gives_the_same_feedback(corpus: Corpus, tmp_path: Path) -> None:
    fake = FakeLLM(handler=judge_everything())
    recorded = _record(corpus, tmp_path, fake).grade(_request(corpus))
    replayed = LLMGrader(LLMClient(fake.settings(), transport=ReplayTransport(tmp_path))).grade(_request(corpus))
    assert replayed.model_dump(exclude={"provenance"}) == recorded.model_dump(exclude={"provenance"})
    assert replayed.provenance.prompt_hash == recorded.provenance.prompt_hash
    # One request: grading the same answer again while recording was answered from the recording
    # (a stopped recording resumes without paying twice), and replay never reached the fake.
    assert len(fake.requests) == 1


def test_recording_into_a_fresh_folder_or_without_reuse_asks_the_server(corpus: Corpus, tmp_path: Path) -> None:
    fake = FakeLLM(handler=judge_everything())
    transport = RecordingTransport(tmp_path, inner=fake.transport, reuse=False)
    grader = LLMGrader(LLMClient(fake.settings(), transport=transport))
    grader.grade(_request(corpus))
    grader.grade(_request(corpus))
    assert len(fake.requests) == 2 and transport.reused == []


def test_fixture_files_are_readable_json_without_secrets(corpus: Corpus, tmp_path: Path) -> None:
    _record(corpus, tmp_path, FakeLLM(handler=judge_everything()))
    [path] = tmp_path.glob("*.json")
    text = path.read_text()
    assert CANARY not in text and "authorization" not in text.lower() and "bearer" not in text.lower()
    data = json.loads(text)
    assert data["context"] == f"prompt={LATEST}; question={QID}"
    assert data["recorded_with"]["server"] == "FakeLLM (synthetic)" and data["recorded_with"]["model"] == "fake-model"
    body = data["request"]["body"]
    assert isinstance(body, dict) and body["messages"][-1]["role"] == "user"  # a JSON object, not a string
    assert isinstance(data["response"]["body"], dict) and data["response"]["body"]["object"] == "chat.completion"
    assert data["response"]["headers"] == {"content-type": "application/json"}


def test_compressed_responses_are_stored_decoded(tmp_path: Path) -> None:
    payload = json.dumps({"ok": True}).encode()
    inner = httpx2.MockTransport(
        lambda _r: httpx2.Response(
            200,
            headers={"content-encoding": "gzip", "content-type": "application/json"},
            content=gzip.compress(payload),
        )
    )
    with httpx2.Client(transport=RecordingTransport(tmp_path, inner=inner)) as client:
        assert client.post("http://x.invalid/v1/thing", json={"a": 1}).json() == {"ok": True}
    [path] = tmp_path.glob("*.json")
    assert json.loads(path.read_text())["response"]["body"] == {"ok": True}


def test_a_missing_recording_fails_loudly_and_says_how_to_record(corpus: Corpus, tmp_path: Path) -> None:
    client = LLMClient(FakeLLM().settings(), transport=ReplayTransport(tmp_path))
    with pytest.raises(FixtureMissing) as caught:
        LLMGrader(client).grade(_request(corpus))
    message = str(caught.value)
    assert f"prompt={LATEST}; question={QID}" in message and "model fake-model" in message
    assert "nothing was recorded for it" in message and f"--record {tmp_path}" in message


def test_a_changed_rubric_or_answer_is_a_miss_not_a_stale_replay(corpus: Corpus, tmp_path: Path) -> None:
    fake = FakeLLM(handler=judge_everything())
    _record(corpus, tmp_path, fake)
    replay = LLMGrader(LLMClient(fake.settings(), transport=ReplayTransport(tmp_path)))
    request = _request(corpus)
    changed_rubric = request.rubric.model_copy(update={"look_for": [*request.rubric.look_for, "Something new."]})
    with pytest.raises(FixtureMissing, match="exist but were made for a different request"):
        replay.grade(GradeRequest(request.role, request.question, changed_rubric, ANSWER))
    with pytest.raises(FixtureMissing, match="exist but were made for a different request"):
        replay.grade(_request(corpus, ANSWER + " One more sentence."))
    other_model = LLMGrader(LLMClient(fake.settings(model="another-model"), transport=ReplayTransport(tmp_path)))
    with pytest.raises(FixtureMissing, match="model another-model"):
        other_model.grade(_request(corpus))


def test_replay_reads_the_folder_once_and_still_finds_recordings_made_later(corpus: Corpus, tmp_path: Path) -> None:
    fake = FakeLLM(handler=judge_everything())
    early, late = tmp_path / "early", tmp_path / "late"
    _record(corpus, early, fake)
    transport = ReplayTransport(early)
    [path] = early.glob("*.json")
    path.rename(tmp_path / "moved.json")  # gone from disk: the replay answers from what it read at the start
    assert LLMGrader(LLMClient(fake.settings(), transport=transport)).grade(_request(corpus)).score is not None
    later = ReplayTransport(late)  # an empty folder at construction
    _record(corpus, late, fake)
    assert LLMGrader(LLMClient(fake.settings(), transport=later)).grade(_request(corpus)).score is not None


def test_a_damaged_recording_names_the_file_and_the_fix(corpus: Corpus, tmp_path: Path) -> None:
    fake = FakeLLM(handler=judge_everything())
    _record(corpus, tmp_path, fake)
    [path] = tmp_path.glob("*.json")
    path.write_text(path.read_text()[:200])
    with pytest.raises(UsageError, match=rf"fixture {path} is not a valid recording .*delete it and record again"):
        LLMGrader(LLMClient(fake.settings(), transport=ReplayTransport(tmp_path))).grade(_request(corpus))


def test_canary_key_never_reaches_fixtures_sessions_or_logs(
    isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = judge_everything()
    monkeypatch.setenv("OPENAI_API_KEY", CANARY)
    answers = tmp_path / "answers.txt"
    answers.write_text(f"{ANSWER}\n\nMy follow-up reply mentions my team.\n\n")
    fixtures = tmp_path / "fixtures"
    with FaultServer(reply=lambda body: json.dumps(handler(FakeRequest(body, {})))) as server:
        result = CliRunner().invoke(
            app,
            [
                "--verbose",
                "practice",
                "--role",
                "dpo",
                "-n",
                "1",
                "--seed",
                "3",
                "--model",
                "m",
                "--base-url",
                server.base_url,
                "--record",
                str(fixtures),
                "--answers",
                str(answers),
            ],
        )
        bad_key = CliRunner().invoke(
            app,
            [
                "feedback",
                "-r",
                "dpo",
                "-q",
                QID,
                "-a",
                ANSWER,
                "--model",
                "m",
                "--base-url",
                server.base_url,
            ],
        )
    assert result.exit_code == 0, result.output
    assert bad_key.exit_code == 0
    written = [p for p in [*fixtures.rglob("*"), *isolated_home.rglob("*")] if p.is_file()]
    assert any(p.suffix == ".log" for p in written) and any(p.parent.name == "sessions" for p in written)
    assert len(list(fixtures.glob("*.json"))) >= 2
    for path in written:
        assert CANARY not in path.read_text(errors="replace"), path
    assert CANARY not in result.output and CANARY not in bad_key.output


def test_cli_replay_needs_a_model_and_a_folder(tmp_path: Path) -> None:
    runner = CliRunner()
    no_model = runner.invoke(app, ["feedback", "-r", "dpo", "-q", QID, "-a", "x", "--replay", str(tmp_path)])
    assert no_model.exit_code == 2 and "--record and --replay need --model" in no_model.output
    missing = runner.invoke(
        app, ["feedback", "-r", "dpo", "-q", QID, "-a", "x", "-m", "m", "--replay", str(tmp_path / "no")]
    )
    assert missing.exit_code == 2 and "no such folder of recordings" in missing.output
    miss = runner.invoke(app, ["feedback", "-r", "dpo", "-q", QID, "-a", ANSWER, "-m", "m", "--replay", str(tmp_path)])
    assert miss.exit_code == 2 and f"no recording for prompt={LATEST}" in miss.output
    assert "Traceback" not in miss.output
