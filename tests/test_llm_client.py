from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel

from interviewer.exceptions import ConfigError, LLMOutputError, LLMRejected, LLMUnavailable
from interviewer.llm import LLMClient, LLMSettings, RequestContext, load_settings
from interviewer.llm._schema import strict_json_schema
from interviewer.testing import FakeLLM, FakeReply, replying

CONTEXT = RequestContext("test@v1", "dpo-define-role")
MESSAGES = [{"role": "system", "content": "You judge."}, {"role": "user", "content": "Judge this."}]


class Verdict(BaseModel):
    status: Literal["good", "bad"]
    reason: str


def _call(client: LLMClient) -> Verdict:
    return client.structured(MESSAGES, Verdict, name="verdict", context=CONTEXT).value


def test_strict_schema_request_and_valid_reply() -> None:
    fake = FakeLLM([FakeReply.json({"status": "good", "reason": "fine"})])
    result = fake.llm_client().structured(MESSAGES, Verdict, name="verdict", context=CONTEXT)
    assert result.value == Verdict(status="good", reason="fine")
    assert (result.mode, result.tokens_in, result.tokens_out, result.retries, result.repaired) == (
        "json_schema",
        100,
        50,
        0,
        False,
    )
    [request] = fake.requests
    fmt = request.body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    schema = fmt["json_schema"]["schema"]
    assert schema["additionalProperties"] is False and schema["required"] == ["status", "reason"]
    assert request.body["temperature"] == 0.0 and request.body["seed"] == 7 and request.body["max_tokens"] == 1500
    assert request.context == "prompt=test@v1; question=dpo-define-role"


def test_invalid_reply_gets_one_repair_with_the_error() -> None:
    fake = FakeLLM(
        [FakeReply.json({"status": "maybe", "reason": "?"}), FakeReply.json({"status": "bad", "reason": "no"})]
    )
    result = fake.llm_client().structured(MESSAGES, Verdict, name="verdict", context=CONTEXT)
    assert result.value.status == "bad" and result.repaired
    repair = fake.requests[1].messages
    assert repair[-2] == {"role": "assistant", "content": '{"status": "maybe", "reason": "?"}'}
    assert "status" in repair[-1]["content"] and "corrected JSON" in repair[-1]["content"]
    assert result.tokens_in == 200  # both calls counted


def test_still_invalid_after_repair_is_a_clear_failure() -> None:
    fake = FakeLLM([FakeReply(content="not json"), FakeReply(content='{"status": "good"}')])
    with pytest.raises(LLMOutputError, match="still did not match the schema after one repair attempt: reason"):
        _call(fake.llm_client())


def test_truncated_reply_is_reported_not_parsed() -> None:
    fake = FakeLLM([FakeReply(content='{"status": "go', finish_reason="length")])
    with pytest.raises(LLMOutputError, match="cut off at max_tokens=1500"):
        _call(fake.llm_client())
    assert len(fake.requests) == 1


def test_a_prompt_budget_lowers_max_tokens_but_never_raises_it() -> None:
    cut = FakeReply(content='{"status": "go', finish_reason="length")
    fake = FakeLLM([cut, FakeReply.json({"status": "good", "reason": "ok"})])
    client = fake.llm_client()
    with pytest.raises(LLMOutputError, match="cut off at max_tokens=200"):
        client.structured(MESSAGES, Verdict, name="verdict", context=CONTEXT, max_tokens=200)
    client.structured(MESSAGES, Verdict, name="verdict", context=CONTEXT, max_tokens=9000)
    assert [r.body["max_tokens"] for r in fake.requests] == [200, 1500]


def test_server_without_json_schema_falls_back_to_json_mode() -> None:
    fake = FakeLLM(
        [
            FakeReply.http_error(400, "response_format type json_schema is not supported"),
            FakeReply.json({"status": "good", "reason": "ok"}),
            FakeReply.json({"status": "bad", "reason": "ok"}),
        ]
    )
    client = fake.llm_client()
    result = client.structured(MESSAGES, Verdict, name="verdict", context=CONTEXT)
    assert result.value.status == "good" and result.mode == "json_object" and result.notes
    second = fake.requests[1]
    assert second.body["response_format"] == {"type": "json_object"}
    assert "JSON Schema" in second.messages[1]["content"] and second.messages[-1] == MESSAGES[-1]
    _call(client)  # remembered: no second attempt at json_schema
    assert fake.requests[2].body["response_format"] == {"type": "json_object"}


def test_rate_limit_honours_retry_after_then_succeeds() -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    fake = FakeLLM(
        [
            FakeReply.http_error(429, "slow down", retry_after=7),
            FakeReply.http_error(503),
            FakeReply.json({"status": "good", "reason": "x"}),
        ]
    )
    client = LLMClient(fake.settings(), transport=fake.transport, sleep=sleep)
    result = client.structured(MESSAGES, Verdict, name="verdict", context=CONTEXT)
    assert result.retries == 2
    assert waits[0] == 7.0  # the server's Retry-After
    assert 0 <= waits[1] <= 8  # backoff with jitter


def test_retries_are_bounded() -> None:
    fake = FakeLLM(handler=lambda _r: FakeReply.http_error(500, "boom"))
    with pytest.raises(LLMUnavailable, match=r"kept failing \(4 attempts"):
        _call(fake.llm_client())
    assert len(fake.requests) == 4
    fake = FakeLLM(handler=lambda _r: FakeReply.http_error(502))
    with pytest.raises(LLMUnavailable, match=r"\(2 attempts"):
        _call(fake.llm_client(max_attempts=2))


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (
            FakeReply.http_error(401, "Incorrect API key provided: sk-canary-1234567890"),
            "rejected the API key (401); check OPENAI_API_KEY",
        ),
        (
            FakeReply.http_error(429, "You exceeded your current quota", code="insufficient_quota"),
            "quota at fake-llm.invalid is exhausted",
        ),
        (FakeReply.http_error(404, "The model `nope` does not exist"), "has no model 'fake-model'"),
        (FakeReply.http_error(400, "This model's maximum context length is 8192 tokens"), "too long for 'fake-model'"),
        (FakeReply.http_error(422, "bad temperature"), "rejected the request (422): bad temperature"),
    ],
)
def test_unretryable_errors_are_one_line_and_tried_once(reply: FakeReply, message: str) -> None:
    fake = FakeLLM([reply])
    with pytest.raises(LLMRejected) as caught:
        _call(fake.llm_client(api_key="sk-canary-1234567890"))
    assert message in str(caught.value)
    assert "sk-canary" not in str(caught.value)
    assert "\n" not in str(caught.value)
    assert len(fake.requests) == 1


def test_sdk_retries_are_off() -> None:
    client = FakeLLM().llm_client()
    assert client._client.max_retries == 0


def test_bounded_schema_for_small_models() -> None:
    schema = strict_json_schema(Verdict, max_string_length=40)
    assert schema["properties"]["reason"]["maxLength"] == 40
    assert "maxLength" not in schema["properties"]["status"]  # enums are bounded already
    assert "maxLength" not in json.dumps(strict_json_schema(Verdict))


def test_settings_precedence_and_errors(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[llm]\nmodel = "from-config"\ntemperature = 0.3\nbase_url = "http://config/v1"\n'
        '[prices."from-config"]\ninput = 1.0\noutput = 2.0\n'
    )
    settings = load_settings({}, env={}, config_file=config)
    assert (settings.model, settings.temperature, settings.host) == ("from-config", 0.3, "config")
    assert settings.prices["from-config"].output == 2.0 and "gpt-4o-mini" in settings.prices
    env = {"INTERVIEWER_MODEL": "from-env", "OPENAI_API_KEY": "sk-env-0000000000"}
    assert load_settings({}, env=env, config_file=config).model == "from-env"
    flagged = load_settings({"model": "from-flag", "base_url": None}, env=env, config_file=config)
    assert flagged.model == "from-flag" and flagged.base_url == "http://config/v1"
    assert "sk-env" not in repr(flagged) and "sk-env" not in flagged.model_dump_json()

    config.write_text("[llm]\ntemperature = 9\n")
    with pytest.raises(ConfigError, match="invalid LLM setting 'temperature'"):
        load_settings({}, env={}, config_file=config)
    config.write_text("[llm\n")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_settings({}, env={}, config_file=config)
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    with pytest.raises(ConfigError, match=r"no API key for api\.openai\.com"):
        load_settings({"model": "gpt-4o-mini"}, env={}, config_file=empty).key_or_placeholder()
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings({}, env={"INTERVIEWER_CONFIG": str(tmp_path / "missing.toml")})


def test_local_servers_need_no_key() -> None:
    settings = load_settings({"model": "m", "base_url": "http://127.0.0.1:8080/v1"}, env={})
    assert settings.key_or_placeholder() == "not-needed" and settings.host == "127.0.0.1:8080"


def test_our_fast_post_sends_the_same_request_as_the_sdks_create() -> None:
    """Clients we build post the body directly; an injected client goes through `create`: same bytes."""
    import httpx2
    import openai

    seen: list[httpx2.Request] = []
    reply = {
        "id": "x",
        "object": "chat.completion",
        "created": 0,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": '{"status": "good", "reason": "ok"}'},
            }
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
    }

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json=reply)

    settings = load_settings({"model": "m", "base_url": "http://127.0.0.1:9/v1"}, config_file=None)
    ours = LLMClient(settings, transport=httpx2.MockTransport(handler), asynchronous=True)
    injected = LLMClient(
        settings,
        client=openai.AsyncOpenAI(
            api_key="sk-test",
            base_url=settings.endpoint,
            max_retries=0,
            http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler)),
        ),
    )
    for client in (ours, injected):
        assert client.structured(MESSAGES, Verdict, name="verdict", context=CONTEXT).value.status == "good"
    fast, sdk = seen
    assert json.loads(fast.content) == json.loads(sdk.content)
    assert (fast.method, fast.url.path) == (sdk.method, sdk.url.path) == ("POST", "/v1/chat/completions")
    assert fast.headers["x-interviewer-context"] == sdk.headers["x-interviewer-context"]
    assert fast.headers["content-type"] == sdk.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("base_url", "local", "timeout"),
    [
        ("http://127.0.0.1:8080/v1", True, 375.0),
        ("http://localhost:11434/v1", True, 375.0),
        ("http://192.168.1.20:8000/v1", True, 375.0),
        ("http://gpu-box.local/v1", True, 375.0),
        ("https://api.openai.com/v1", False, 60.0),
        ("https://openrouter.ai/api/v1", False, 60.0),
    ],
)
def test_a_local_server_gets_time_for_a_cpu_model_to_write(base_url: str, local: bool, timeout: float) -> None:
    settings = LLMSettings(model="m", base_url=base_url)
    assert settings.is_local is local
    assert settings.read_timeout == timeout  # max_tokens 1500 at 4 tokens a second, or 60 s hosted
    assert LLMSettings(model="m", base_url=base_url, timeout=12).read_timeout == 12


def test_a_base_url_without_a_model_asks_the_server_which_to_use(isolated_home: Path) -> None:
    import httpx2

    from interviewer._setup import with_discovered_model
    from interviewer.exceptions import ConfigError

    def served(*ids: str) -> httpx2.MockTransport:
        return httpx2.MockTransport(
            lambda request: httpx2.Response(200, json={"object": "list", "data": [{"id": i} for i in ids]})
        )

    from interviewer.llm._discovery import discover_model

    settings = LLMSettings(base_url="http://127.0.0.1:9/v1")
    assert discover_model(settings, transport=served("qwen2.5-coder-1.5b-instruct-q4_k_m")) == (
        "qwen2.5-coder-1.5b-instruct-q4_k_m"
    )
    with pytest.raises(ConfigError, match=r"serves 2 models \(a, b\); pick one with --model NAME"):
        discover_model(settings, transport=served("a", "b"))
    with pytest.raises(ConfigError, match="lists no models"):
        discover_model(settings, transport=served())
    with pytest.raises(ConfigError, match=r"cannot reach 127\.0\.0\.1:9 .*is the server running\? Or pass --model"):
        with_discovered_model(settings, base_url_given=True)
    # A URL left in the environment for other tools does not make an offline run call out.
    assert with_discovered_model(settings, base_url_given=False).model is None


@pytest.mark.usefixtures("isolated_home")
def test_cli_with_only_a_base_url_uses_the_servers_model_or_says_what_to_pass() -> None:
    from typer.testing import CliRunner

    from interviewer.cli import app
    from interviewer.testing import FaultServer, judge_everything

    judge = judge_everything(score=3)
    with FaultServer(reply=replying(judge)) as server:
        result = CliRunner().invoke(
            app,
            [
                "feedback",
                "-r",
                "dpo",
                "-q",
                "dpo-prioritise-urgent",
                "--answer",
                "I rank by RICE.",
                "--base-url",
                server.base_url,
            ],
        )
    assert result.exit_code == 0, result.output
    assert "Using " in result.stderr and "Feedback · llm grader" in result.stdout
    down = CliRunner().invoke(
        app,
        [
            "feedback",
            "-r",
            "dpo",
            "-q",
            "dpo-prioritise-urgent",
            "--answer",
            "x",
            "--base-url",
            "http://127.0.0.1:9/v1",
        ],
    )
    assert down.exit_code == 2 and "pass --model NAME" in down.output and "Traceback" not in down.output


@pytest.mark.parametrize(
    "body",
    [[{"id": "x"}], "ok", 5, None, {"choices": 5}, {"choices": [5]}, {"choices": [{"message": {"content": 3}}]}],
    ids=["list", "string", "number", "null", "choices-a-number", "choice-a-number", "content-a-number"],
)
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "asked-to-stream"])
@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
def test_a_reply_that_is_json_but_not_a_completion_is_malformed(body: object, stream: bool, asynchronous: bool) -> None:
    """Retried as a malformed reply, then one clear line; never an AttributeError. Streaming or not."""
    import httpx2

    from interviewer.llm._progress import ModelProgress, reporting_progress

    sent: list[object] = []

    def handle(request: httpx2.Request) -> httpx2.Response:
        sent.append(json.loads(request.content))
        return httpx2.Response(200, headers={"content-type": "application/json"}, content=json.dumps(body).encode())

    async def no_sleep(_seconds: float) -> None:
        return None

    settings = FakeLLM().settings(max_attempts=2, stream=stream)
    seen: list[ModelProgress] = []
    with (
        LLMClient(
            settings, transport=httpx2.MockTransport(handle), sleep=no_sleep, asynchronous=asynchronous
        ) as client,
        reporting_progress(seen.append),
        pytest.raises(LLMUnavailable) as caught,
    ):
        _call(client)
    message = str(caught.value)
    assert "kept failing (2 attempts" in message and "not a chat completion" in message and "\n" not in message
    assert len(sent) == 2 and all(isinstance(s, dict) and s.get("stream", False) == stream for s in sent)


def test_asking_for_the_models_keeps_the_base_urls_query_and_says_none_of_its_secrets() -> None:
    import httpx2

    from interviewer.exceptions import ConfigError
    from interviewer.llm._discovery import discover_model

    asked: list[httpx2.URL] = []

    def listed(request: httpx2.Request) -> httpx2.Response:
        asked.append(request.url)
        return httpx2.Response(200, json={"object": "list", "data": [{"id": "only"}]})

    def refused(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError(f"cannot connect to {request.url} as {request.headers['authorization']}")

    settings = LLMSettings(base_url="http://127.0.0.1:9/v1?api-key=q-secret-77aa01", api_key="plain-key-5b4c3d")
    assert discover_model(settings, transport=httpx2.MockTransport(listed)) == "only"
    assert asked[0].path == "/v1/models" and asked[0].params["api-key"] == "q-secret-77aa01"
    with pytest.raises(ConfigError) as caught:
        discover_model(settings, transport=httpx2.MockTransport(refused))
    assert "cannot reach 127.0.0.1:9" in str(caught.value)
    assert "q-secret-77aa01" not in str(caught.value) and "plain-key-5b4c3d" not in str(caught.value)


def test_a_query_in_the_base_url_is_sent_as_a_query_and_kept_out_of_errors() -> None:
    """The SDK alone would glue the path after the query (`/v1?key=...chat/completions`)."""
    import httpx2

    seen: list[httpx2.URL] = []

    def rejecting(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.url)
        return httpx2.Response(400, json={"error": {"message": f"no thanks, {request.url}"}})

    settings = LLMSettings(model="m", base_url="http://127.0.0.1:9/v1?key=q-secret-77aa01&api-version=2024-06-01")
    with LLMClient(settings, transport=httpx2.MockTransport(rejecting)) as client, pytest.raises(LLMRejected) as caught:
        _call(client)
    [url] = seen
    assert url.path == "/v1/chat/completions" and dict(url.params) == {
        "key": "q-secret-77aa01",
        "api-version": "2024-06-01",
    }
    assert "rejected the request (400): no thanks" in str(caught.value) and "q-secret-77aa01" not in str(caught.value)
