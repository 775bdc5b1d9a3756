"""Against a real OpenAI-compatible server nobody here wrote: llama.cpp with SmolLM2-135M, on loopback.

Its judgement is poor; these tests are about the contract: strict schemas,
the SDK's parse and streaming, truncation, context overflow, a whole interview.
CI sets INTERVIEWER_REQUIRE_LLAMA=1 so a server that cannot start fails the run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

from interviewer._sessions import SessionStore
from interviewer.cli import app
from interviewer.exceptions import LLMOutputError, LLMRejected, UsageError
from interviewer.llm import LLMClient, LLMSettings, RequestContext
from interviewer.prompts import load_prompt
from interviewer.testing import LOCAL_MODEL_NAME, LOCAL_SETTINGS, LocalLlamaServer

pytestmark = pytest.mark.llama
CONTEXT = RequestContext("contract@v1")


class YesNo(BaseModel):
    answer: Literal["yes", "no"]
    why: str


@pytest.fixture(scope="module")
def server() -> Iterator[LocalLlamaServer]:
    try:
        running = LocalLlamaServer().start()
    except UsageError as exc:
        if os.environ.get("INTERVIEWER_REQUIRE_LLAMA"):
            pytest.fail(f"the local llama.cpp server must run here: {exc}")
        pytest.skip(str(exc))
    yield running
    running.stop()


@pytest.fixture
def settings(server: LocalLlamaServer) -> LLMSettings:
    return LLMSettings(model=LOCAL_MODEL_NAME, base_url=server.base_url, **LOCAL_SETTINGS)


MESSAGES = [
    {"role": "system", "content": "Answer the question with yes or no and a short reason."},
    {"role": "user", "content": "Is a roadmap a plan?"},
]


def test_strict_json_schema_is_honoured(settings: LLMSettings) -> None:
    with LLMClient(settings.model_copy(update={"max_tokens": 120})) as client:
        result = client.structured(MESSAGES, YesNo, name="yes_no", context=CONTEXT)
    assert result.value.answer in {"yes", "no"} and result.mode == "json_schema"
    assert result.tokens_in > 10 and not result.tokens_estimated  # usage reported by the server


def test_sdk_parse_and_streaming_work(server: LocalLlamaServer) -> None:
    import openai

    with openai.OpenAI(api_key="not-needed", base_url=server.base_url, max_retries=0) as client:
        parsed = client.chat.completions.parse(
            model=LOCAL_MODEL_NAME,
            messages=MESSAGES,
            response_format=YesNo,
            max_tokens=120,  # type: ignore[arg-type]
            temperature=0,
            extra_body={"cache_prompt": False},
        )
        assert parsed.choices[0].message.parsed is not None
        stream = client.chat.completions.create(
            model=LOCAL_MODEL_NAME,
            messages=MESSAGES,
            max_tokens=12,
            stream=True,  # type: ignore[arg-type]
        )
        pieces = [
            chunk.choices[0].delta.content for chunk in stream if chunk.choices and chunk.choices[0].delta.content
        ]
    assert len(pieces) > 1


def test_truncated_reply_is_handled(settings: LLMSettings) -> None:
    short = settings.model_copy(update={"max_tokens": 16, "max_string_length": None})
    with LLMClient(short) as client, pytest.raises(LLMOutputError, match="cut off at max_tokens=16"):
        client.structured(MESSAGES, YesNo, name="yes_no", context=CONTEXT)


def test_context_overflow_is_one_clear_line(settings: LLMSettings) -> None:
    huge = [{"role": "user", "content": "word " * 6000}]
    with LLMClient(settings) as client, pytest.raises(LLMRejected, match="too long for") as caught:
        client.structured(huge, YesNo, name="yes_no", context=CONTEXT)
    assert caught.value.status == 400 and "\n" not in str(caught.value)


def test_a_whole_interview_with_follow_ups_against_the_local_server(
    server: LocalLlamaServer, isolated_home: Path, tmp_path: Path
) -> None:
    """`practice --base-url URL` and nothing else: the model is found, the defaults suit it, no fallback."""
    answers = tmp_path / "answers.txt"
    answers.write_text(
        "First I'd find out what slow means for our users: the launch, scrolling or certain screens, and on which "
        "devices. Then I'd measure how many sessions are affected before we change anything.\n\n"
        "I would set a target such as two seconds to first content and check retention moves with it.\n\n"
    )
    result = CliRunner().invoke(
        app,
        [
            "practice",
            "--role",
            "dpo",
            "-n",
            "1",
            "-c",
            "technical",
            "--seed",
            "1",
            "--base-url",
            server.base_url,
            "--answers",
            str(answers),
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"Using {LOCAL_MODEL_NAME}" in result.output
    [row] = SessionStore(isolated_home).list()
    session = row.session
    assert session is not None and session.status == "finished" and session.options.model == LOCAL_MODEL_NAME
    turn = session.turns[0]
    assert len(turn.follow_ups) == 1 and turn.follow_ups[0].answer is not None
    assert turn.feedback is not None
    provenance = turn.feedback.provenance
    assert provenance.fallback is None, provenance.fallback  # the model's judgement, checked: not a fallback
    assert turn.feedback.grader == "llm" and provenance.model and provenance.prompt == load_prompt("feedback").ref
    assert turn.feedback.checks is not None
    assert provenance.tokens_out is not None and provenance.tokens_out <= 700
    assert "Summary" in result.stdout


def test_feedback_with_only_model_and_base_url_is_the_models(server: LocalLlamaServer, isolated_home: Path) -> None:
    answer = (
        "I score every urgent request with RICE, check it against this quarter's goals, and tell the people "
        "whose request waits why and when. Last month that put a checkout bug ahead of a partner report."
    )
    result = CliRunner().invoke(
        app,
        [
            "feedback",
            "-r",
            "dpo",
            "-q",
            "dpo-prioritise-urgent",
            "--answer",
            answer,
            "--model",
            LOCAL_MODEL_NAME,
            "--base-url",
            server.base_url,
            "--json",
            "--no-fallback",
        ],
    )
    assert result.exit_code == 0, result.output
    feedback = json.loads(result.stdout)
    assert feedback["grader"] == "llm" and feedback["provenance"]["prompt"] == load_prompt("feedback").ref
    assert feedback["provenance"]["tokens_out"] <= 700


@pytest.mark.usefixtures("sigint_as_in_a_terminal")
def test_ctrl_c_stops_the_local_server_while_it_is_writing_a_reply(isolated_home: Path) -> None:
    """`interviewer local-server` ends at Ctrl-C, not when the reply in progress is done (minutes on a CPU)."""
    import signal
    import subprocess
    import sys
    import threading
    import time

    import httpx2

    command = [sys.executable, "-m", "interviewer", "local-server", "--port", "0"]
    env = {**os.environ, "INTERVIEWER_HOME": str(isolated_home)}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    assert process.stdout is not None
    try:
        base_url = next(line.split("Base URL:")[1].split()[0] for line in process.stdout if "Base URL:" in line)
        streaming = threading.Event()

        def ask_for_a_long_reply() -> None:
            body = {
                "model": LOCAL_MODEL_NAME,
                "messages": [{"role": "user", "content": "Tell a very long story about a product owner."}],
                "max_tokens": 1500,
                "stream": True,
            }
            try:
                with httpx2.stream("POST", f"{base_url}/chat/completions", json=body, timeout=120) as reply:
                    for _ in reply.iter_lines():
                        streaming.set()
            except httpx2.HTTPError:
                pass  # the server went away mid-reply, as it should

        threading.Thread(target=ask_for_a_long_reply, daemon=True).start()
        assert streaming.wait(60), "the server never started its reply"
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
        took = time.monotonic() - started
        rest = process.stdout.read()
    finally:
        process.kill()
        process.stdout.close()
    assert process.returncode == 0 and "Stopped." in rest, rest
    assert took < 5, f"Ctrl-C took {took:.1f} s"  # 1,500 tokens take about 30 s to write here
