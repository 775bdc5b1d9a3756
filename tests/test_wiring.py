"""One wiring of graders for every front end, typed failures, and worker processes that die with their parent."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from interviewer._setup import GradingOptions, build_grader
from interviewer.corpus import Corpus
from interviewer.evals import EvalConfig, RunStore, load_dataset, run_eval
from interviewer.exceptions import (
    ConfigError,
    CorpusError,
    FailureKind,
    GradingError,
    LLMRejected,
    LLMReplyCutOff,
    LLMUnavailable,
    Problem,
)
from interviewer.graders import FallbackGrader, Grader, GradeRequest, OfflineGrader
from interviewer.graders.offline import FeedbackCache
from interviewer.llm import LLMSettings, RequestContext
from interviewer.models import Feedback
from interviewer.testing import FakeLLM, FakeReply, Fault, FaultServer, judge_everything, replying

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "evals" / "golden"
CONTEXT = RequestContext("test@v1", "dpo-define-role")


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
    with FaultServer(slow, reply=replying(judge)) as server:
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


# -- typed failures: the kind is decided once, in the retry layer, and survives pickling ------------------


class _Verdict(BaseModel):
    status: Literal["good", "bad"]


def _fail(reply: FakeReply, **settings: Any) -> GradingError:
    fake = FakeLLM(handler=lambda _r: reply)
    client = fake.llm_client(max_attempts=2, **settings)
    with pytest.raises(GradingError) as caught:
        client.structured([{"role": "user", "content": "x"}], _Verdict, name="verdict", context=CONTEXT)
    return caught.value


@pytest.mark.parametrize(
    ("reply", "kind", "status"),
    [
        (FakeReply.http_error(401, "Incorrect API key provided"), FailureKind.AUTH, 401),
        (FakeReply.http_error(403, "no access to this model"), FailureKind.AUTH, 403),
        (FakeReply.http_error(429, "You exceeded your quota", code="insufficient_quota"), FailureKind.QUOTA, 429),
        (FakeReply.http_error(404, "The model `nope` does not exist"), FailureKind.MODEL_NOT_FOUND, 404),
        (FakeReply.http_error(400, "maximum context length is 8192 tokens"), FailureKind.BAD_REQUEST, 400),
        (FakeReply.http_error(422, "bad temperature"), FailureKind.BAD_REQUEST, 422),
        (
            FakeReply.http_error(400, "response_format json_schema is not supported"),
            FailureKind.UNSUPPORTED_FORMAT,
            400,
        ),
        (FakeReply.http_error(503, "overloaded"), FailureKind.UNAVAILABLE, 503),
        (FakeReply.http_error(429, "slow down"), FailureKind.UNAVAILABLE, 429),
        (FakeReply.json({"status": "good"}, finish_reason="length"), FailureKind.OUTPUT, None),
    ],
)
def test_the_retry_layer_gives_every_failure_its_kind(reply: FakeReply, kind: FailureKind, status: int | None) -> None:
    failure = _fail(reply, structured_output="json_schema")
    assert (failure.kind, failure.status) == (kind, status)
    assert failure.kind.permanent == (kind in {FailureKind.AUTH, FailureKind.QUOTA, FailureKind.MODEL_NOT_FOUND})


def test_failures_survive_pickling_with_message_status_and_kind() -> None:
    rejected = _fail(FakeReply.http_error(401, "Incorrect API key provided"))
    again = pickle.loads(pickle.dumps(rejected))
    assert type(again) is LLMRejected and str(again) == str(rejected)
    assert (again.status, again.kind) == (401, FailureKind.AUTH)
    cut = pickle.loads(pickle.dumps(LLMReplyCutOff("cut off at max_tokens=200", 200)))
    assert (cut.max_tokens, cut.kind, str(cut)) == (200, FailureKind.OUTPUT, "cut off at max_tokens=200")
    problems = [Problem("a.yaml", "id", "missing", line=3), Problem("b.yaml", "", "empty")]
    corpus = pickle.loads(pickle.dumps(CorpusError(problems)))
    assert corpus.problems == tuple(problems) and str(corpus) == str(CorpusError(problems))


def test_json_mode_is_chosen_by_the_kind_not_by_words(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client switches to JSON mode for an unsupported format, whatever the words of the message."""
    import interviewer.llm._client as client_module

    assert not hasattr(client_module, "_about_format")  # the server's text is read once, in the retry layer
    fake = FakeLLM([FakeReply.http_error(400, "response_format is not supported"), FakeReply.json({"status": "good"})])
    result = fake.llm_client().structured([{"role": "user", "content": "x"}], _Verdict, name="v", context=CONTEXT)
    assert result.mode == "json_object"
    assert _fail(FakeReply.http_error(400, "temperature must be at most 2")).kind is FailureKind.BAD_REQUEST


class _Failing(Grader):
    name = "failing"

    def __init__(self, error: GradingError) -> None:
        self.error = error
        self.calls = 0

    def grade(self, request: GradeRequest) -> Feedback:
        self.calls += 1
        raise self.error

    async def agrade(self, request: GradeRequest) -> Feedback:
        return self.grade(request)


@pytest.mark.parametrize(
    ("error", "for_good"),
    [
        (LLMRejected("the plan ran out", 429, kind=FailureKind.QUOTA), True),  # no "insufficient_quota" in it
        (LLMRejected("the key is wrong", kind=FailureKind.AUTH), True),  # no status at all
        (LLMRejected("x rejected: insufficient_quota said the proxy", 400, kind=FailureKind.BAD_REQUEST), False),
        (LLMUnavailable("x kept failing: 401 from a proxy", 401), False),
    ],
)
def test_the_fallback_gives_up_by_the_kind(
    corpus: Corpus, grader: OfflineGrader, error: GradingError, for_good: bool
) -> None:
    primary = _Failing(error)
    fallback = FallbackGrader(primary, grader)
    role = corpus.role("digital-product-owner")
    question = role.questions[0]
    request = GradeRequest(role.role, question, role.rubric(question.id), "I would ask the team.")
    for _ in range(2):
        assert fallback.grade(request).provenance.fallback is not None
    assert (fallback.given_up is not None) == for_good
    assert primary.calls == (1 if for_good else 2)


def test_a_worker_process_sees_the_kind_and_status(small: Path, tmp_path: Path, corpus: Corpus) -> None:
    dataset = load_dataset(small, corpus)
    with FaultServer([Fault.status(401, message="bad key")] * 40) as server:
        settings = LLMSettings(model="judge", base_url=server.base_url)
        config = EvalConfig(grader="llm", settings=settings, cache=FeedbackCache(tmp_path / "cache"))
        with pytest.raises(LLMRejected) as caught:
            run_eval(dataset, corpus, config, RunStore(tmp_path / "run"), workers=2)
    assert (caught.value.kind, caught.value.status) == (FailureKind.AUTH, 401)
    assert "rejected the API key (401)" in str(caught.value)


# -- one wiring: every front end builds its graders with `build_grader` -----------------------------------


def test_build_grader_offline_without_a_model() -> None:
    setup = build_grader(LLMSettings())
    assert isinstance(setup.grader, OfflineGrader) and setup.clients == () and setup.description == "offline grader"
    with pytest.raises(ConfigError, match="--record and --replay need --model"):
        build_grader(LLMSettings(), GradingOptions(record=Path("x")))


def test_record_and_replay_are_exclusive_wherever_the_grader_is_built(tmp_path: Path) -> None:
    both = {"record": tmp_path / "a", "replay": tmp_path / "b"}
    with pytest.raises(ConfigError, match="either --record or --replay, not both"):
        GradingOptions(**both)
    with pytest.raises(ConfigError, match="either --record or --replay, not both"):
        EvalConfig(grader="llm", settings=LLMSettings(model="m"), **both)  # before any run folder is made
    assert not (tmp_path / "a").exists()


def test_a_session_gets_one_fallback_grader_and_replay_needs_no_key(tmp_path: Path) -> None:
    heard: list[str] = []
    hosted = LLMSettings(model="gpt-4o-mini")  # api.openai.com, and no key anywhere
    with build_grader(hosted, GradingOptions(replay=tmp_path), on_fallback=heard.append) as setup:
        assert isinstance(setup.grader, FallbackGrader) and setup.grader.on_fallback == heard.append
        assert len(setup.graders) == len(setup.clients) == 1 and setup.narrator is not None
        assert setup.description == f"gpt-4o-mini, replaying {tmp_path}"  # no host: nothing is asked of one
        [client] = setup.clients
        assert (
            client.settings.api_key is not None and client.settings.api_key.get_secret_value() == "replay-needs-no-key"
        )
    with pytest.raises(ConfigError, match="no such folder of recordings"):
        build_grader(hosted, GradingOptions(replay=tmp_path / "missing"))


def test_an_eval_run_builds_its_graders_through_the_same_builder(small: Path, tmp_path: Path, corpus: Corpus) -> None:
    from interviewer.evals._runner import grading_for, spec_for
    from interviewer.graders.llm import LLMGrader

    dataset = load_dataset(small, corpus)
    cache = FeedbackCache(tmp_path / "cache")
    # The config file asks for feedback@v3; the run's spec names the prompt, and every repeat uses it.
    settings = LLMSettings(model="judge", base_url="http://127.0.0.1:9/v1", prompts={"feedback": "v3"})
    config = EvalConfig(grader="llm", settings=settings, record=tmp_path / "rec", repeat=3, cache=cache)
    spec = spec_for(dataset, config)
    grading = grading_for(config, spec)
    try:
        assert all(isinstance(g, LLMGrader) for g in grading.graders)  # no fallback: a failed case is recorded
        assert [c.settings.seed for c in grading.clients] == [7, 8, 9]  # repeat k samples with seed + k
        assert {g.template.ref for g in grading.graders if isinstance(g, LLMGrader)} == {spec.prompt}
        assert all(g.offline._cache is cache for g in grading.graders if isinstance(g, LLMGrader))
        assert all(type(c._client).__name__ == "AsyncOpenAI" for c in grading.clients)
        assert (tmp_path / "rec").is_dir()
    finally:
        grading.close()
    offline = grading_for(EvalConfig(repeat=2, cache=cache), spec_for(dataset, EvalConfig(repeat=2, cache=cache)))
    assert len(offline.graders) == 2 and all(
        isinstance(g, OfflineGrader) and g._cache is cache for g in offline.graders
    )


def test_only_the_builder_wires_transports_and_model_graders() -> None:
    """No front end (CLI, eval runner, worker) builds a transport, an LLM grader or a fallback of its own."""
    import ast

    wiring = {"ReplayTransport", "RecordingTransport", "LLMClient", "LLMGrader", "FallbackGrader"}
    package = ROOT / "interviewer"
    builders: dict[str, set[str]] = {}
    for path in package.rglob("*.py"):
        if path.is_relative_to(package / "testing"):  # the test doubles wire their own fakes
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in wiring:
                builders.setdefault(node.func.id, set()).add(str(path.relative_to(package)))
    assert builders == {name: {"_setup.py"} for name in wiring}


def test_the_builder_needs_no_front_end() -> None:
    """A web app builds its grader as the CLI does, without loading the CLI's stack."""
    code = (
        "import sys; from interviewer import build_grader; from interviewer.llm import LLMSettings; "
        "build_grader(LLMSettings(model='m', base_url='http://127.0.0.1:9/v1')); "
        "print(sorted(m for m in ('typer', 'rich', 'interviewer.cli') if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == "[]" and out.stderr == ""


def test_a_key_from_a_config_file_is_scrubbed_from_the_log(isolated_home: Path) -> None:
    # The log filter knew only OPENAI_API_KEY; a key from a config file or a token in the URL's query
    # reached the log whenever a message quoted it.
    import logging

    from interviewer.cli._logging import setup_logging

    settings = LLMSettings(model="m", api_key="plain-config-secret", base_url="http://127.0.0.1:9/v1?token=qtoken42")
    build_grader(settings).close()
    setup_logging(False)
    logging.getLogger("interviewer.test").warning("server said: key plain-config-secret, token qtoken42")
    for handler in logging.getLogger("interviewer").handlers:
        handler.flush()
    text = (isolated_home / "logs" / "interviewer.log").read_text()
    assert "server said" in text
    assert "plain-config-secret" not in text
    assert "qtoken42" not in text


def test_replay_without_a_base_url_names_no_host(tmp_path: Path) -> None:
    (tmp_path / "rec").mkdir()
    setup = build_grader(LLMSettings(model="m"), GradingOptions(replay=tmp_path / "rec"))
    assert "api.openai.com" not in setup.description
    assert str(tmp_path / "rec") in setup.description


def test_record_to_a_file_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from interviewer.cli import app

    taken = tmp_path / "a-file"
    taken.write_text("mine")
    args = ["feedback", "-r", "dpo", "-q", "dpo-define-role", "-a", "An answer.", "-m", "m", "--record", str(taken)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and f"--record {taken}" in " ".join(result.output.split())
    assert taken.read_text() == "mine"


def test_an_eval_run_uses_the_prompt_the_settings_pin_as_the_cli_does(tmp_path: Path, corpus: Corpus) -> None:
    # `prompts = {feedback = "v1"}` in a config: practice graded with v1, `eval run` with the latest.
    from interviewer.evals._runner import spec_for
    from interviewer.graders.llm import LLMGrader
    from interviewer.llm import LLMClient

    settings = LLMSettings(model="m", api_key="k", prompts={"feedback": "v1"})
    dataset = load_dataset(GOLDEN / "dpo-define-role.yaml", corpus)
    spec = spec_for(dataset, EvalConfig(grader="llm", settings=settings))
    with LLMClient(settings) as client:
        assert spec.prompt == LLMGrader(client).template.ref == "feedback@v1"
