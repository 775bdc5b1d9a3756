from __future__ import annotations

import base64
import gzip
import json
import time
from pathlib import Path

import httpx2
import pytest
from pydantic import BaseModel, SecretStr
from typer.testing import CliRunner

from interviewer.cli import app
from interviewer.corpus import Corpus
from interviewer.exceptions import FixtureMissing, GradingError, LLMRejected, LLMUnavailable, UsageError
from interviewer.graders import GradeRequest
from interviewer.graders.llm import LLMGrader
from interviewer.llm import LLMClient, LLMSettings, RequestContext
from interviewer.prompts import load_prompt
from interviewer.recording import RecordingTransport, ReplayTransport
from interviewer.testing import FakeLLM, FakeRequest, Fault, FaultServer, judge_everything, replying

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
    with FaultServer(reply=replying(handler)) as server:
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


# -- secrets a server echoes back ------------------------------------------------------------------

QUERY_SECRET = "q-secret-5d1e0c77aa"
CONFIG_KEY = "local-key-3f9e77d2b1c0"  # not shaped like an OpenAI key


def _files_hold(folder: Path, *secrets: str) -> list[str]:
    """Every file under `folder` (gzip'd ones decoded) that holds one of `secrets`, with the secret."""
    found = []
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        found += [f"{path}: {s}" for s in secrets if s.encode() in data]
    return found


def _feedback(folder: Path, answer: str, *extra: str) -> str:
    result = CliRunner().invoke(
        app, ["feedback", "-r", "dpo", "-q", QID, "-a", answer, "--model", "m", "--record", str(folder), *extra]
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_a_key_the_server_echoes_never_reaches_the_recordings(
    isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 400 and a 200 that quote the Authorization header and the query, key from the environment."""
    handler = judge_everything()
    monkeypatch.setenv("OPENAI_API_KEY", CANARY)
    folder = tmp_path / "recorded"
    faults = [Fault.echo(400), Fault.echo(200)]
    with FaultServer(faults, reply=replying(handler)) as server:
        base_url = f"{server.base_url}?key={QUERY_SECRET}"
        rejected = _feedback(folder, ANSWER, "--base-url", base_url)
        echoed = _feedback(folder, ANSWER + " Another sentence.", "--base-url", base_url)
        assert [kind for _, kind in server.requests] == ["echo", "echo"]
    recordings = [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
    assert sorted(r["response"]["status"] for r in recordings) == [200, 400]
    for recording in recordings:  # the echo really was recorded, with the secrets taken out
        assert recording["request"]["path"] == "/v1/chat/completions?key=[redacted]"
        assert "[redacted]" in json.dumps(recording["response"]["body"])
    assert _files_hold(folder, CANARY, QUERY_SECRET) == []
    [log] = isolated_home.rglob("*.log")
    assert "rejected the request (400)" in log.read_text()  # the echo was logged, redacted
    assert _files_hold(isolated_home, CANARY, QUERY_SECRET) == []
    for output in (rejected, echoed):
        assert CANARY not in output and QUERY_SECRET not in output
    assert "rejected the request (400)" in rejected  # fell back to offline feedback, saying why


def test_a_key_from_the_config_file_and_an_api_key_query_are_redacted(
    isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    folder = tmp_path / "recorded"
    handler = judge_everything()
    with FaultServer([Fault.echo(400), Fault.echo(200)], reply=lambda b: json.dumps(handler(FakeRequest(b, {})))) as s:
        config = tmp_path / "config.toml"
        config.write_text(f'[llm]\napi_key = "{CONFIG_KEY}"\nbase_url = "{s.base_url}?api-key={QUERY_SECRET}"\n')
        rejected = _feedback(folder, ANSWER, "--config", str(config))
        echoed = _feedback(folder, ANSWER + " More.", "--config", str(config))
    assert len(list(folder.glob("*.json"))) == 2
    assert _files_hold(folder, CONFIG_KEY, QUERY_SECRET) == []
    assert _files_hold(isolated_home, CONFIG_KEY, QUERY_SECRET) == []
    assert CONFIG_KEY not in rejected + echoed and QUERY_SECRET not in rejected + echoed


def test_userinfo_in_the_base_url_is_redacted_from_recordings_and_errors(corpus: Corpus, tmp_path: Path) -> None:
    password = "pw-secret-31337"
    with FaultServer([Fault.echo(400)]) as server:
        base_url = server.base_url.replace("http://", f"http://someone:{password}@")
        settings = LLMSettings(model="m", base_url=base_url, max_attempts=1)
        with (
            LLMClient(settings, transport=RecordingTransport(tmp_path)) as client,
            pytest.raises(LLMRejected) as caught,
        ):
            LLMGrader(client).grade(_request(corpus))
    basic = base64.b64encode(f"someone:{password}".encode()).decode()
    [path] = tmp_path.glob("*.json")
    assert "authorization: [redacted]" in path.read_text()  # the server did echo it
    assert _files_hold(tmp_path, password, basic) == []
    assert password not in str(caught.value) and basic not in str(caught.value)


def test_recorded_secrets_are_redacted_inside_json_and_replay_still_finds_them(tmp_path: Path) -> None:
    """The key, JSON-escaped in a body, in a kept header, and a query that replay keys the same way."""
    secret = 'sk-"quoted"\\and/slash-0042'  # JSON escapes it, a URL percent-encodes it

    def echo(request: httpx2.Request) -> httpx2.Response:
        said = {"you_sent": request.headers["authorization"], "url": str(request.url), "nested": [{secret: secret}]}
        return httpx2.Response(200, headers={"retry-after": secret}, content=json.dumps(said).encode())

    url = f"http://x.invalid/v1/thing?token={secret}"
    headers = {"Authorization": f"Bearer {secret}"}
    with httpx2.Client(transport=RecordingTransport(tmp_path, inner=httpx2.MockTransport(echo))) as client:
        live = client.post(url, json={"a": 1}, headers=headers)
    [path] = tmp_path.glob("*.json")
    text = path.read_text()
    assert secret not in text and json.dumps(secret)[1:-1] not in text and secret not in live.text
    assert json.loads(text)["response"]["body"]["nested"] == [{"[redacted]": "[redacted]"}]
    with httpx2.Client(transport=ReplayTransport(tmp_path)) as client:
        assert client.post(url, json={"a": 1}, headers=headers).json() == live.json()


# -- replies that are JSON but not a completion, and replay's wording ------------------------------


class _Verdict(BaseModel):
    status: str


CONTEXT = RequestContext("test@v1", QID)
MESSAGES = [{"role": "user", "content": "Judge this."}]


def _recorded_reply(folder: Path, settings: LLMSettings, body: object, status: int = 200) -> None:
    """A recording whose reply is `body`, made by recording a server that sends it."""
    reply = httpx2.MockTransport(lambda _r: httpx2.Response(status, json=body))
    client = LLMClient(settings, transport=RecordingTransport(folder, inner=reply))
    with pytest.raises(GradingError):
        client.structured(MESSAGES, _Verdict, name="verdict", context=CONTEXT)


def test_a_replayed_reply_that_is_a_json_list_is_a_malformed_reply(tmp_path: Path) -> None:
    settings = FakeLLM().settings(max_attempts=3)
    _recorded_reply(tmp_path, settings.model_copy(update={"max_attempts": 1}), [{"id": "x"}])
    [path] = tmp_path.glob("*.json")
    assert json.loads(path.read_text())["response"]["body"] == [{"id": "x"}]
    replay = LLMClient(settings, transport=ReplayTransport(tmp_path))
    started = time.monotonic()
    with pytest.raises(LLMUnavailable, match=r"\(3 attempts .*not a chat completion"):
        replay.structured(MESSAGES, _Verdict, name="verdict", context=CONTEXT)
    assert time.monotonic() - started < 1  # replay has no server to wait for: retries do not sleep


def test_replay_errors_name_the_recordings_not_a_host(tmp_path: Path) -> None:
    settings = LLMSettings(model="fake-model", api_key=SecretStr("k"), max_attempts=1)  # no base URL: OpenAI's
    _recorded_reply(tmp_path, settings, {"error": {"message": "nope"}}, status=400)
    client = LLMClient(settings, transport=ReplayTransport(tmp_path))
    with pytest.raises(LLMRejected) as caught:
        client.structured(MESSAGES, _Verdict, name="verdict", context=CONTEXT)
    assert "api.openai.com" not in str(caught.value)
    assert f"the recordings in {tmp_path} rejected the request (400)" in str(caught.value)


def test_redaction_leaves_ordinary_words_and_placeholder_keys_alone() -> None:
    # A recorded reply is what the grader reads: "A/B test" became "A/B [redacted]" under a key "test",
    # and "the bearer instrument" matched the bearer-token pattern.
    from interviewer._redact import redact, secrets_in_header

    text = "We ran an A/B test; the bearer instrument is not-needed here."
    assert redact(text, (*secrets_in_header("Bearer not-needed"), "test")) == text
    assert redact("echo: Bearer abc123def456 and sk-proj-abcdef123", ()) == "echo: [redacted] and [redacted]"
