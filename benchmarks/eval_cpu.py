"""CPU per case of an eval run with a model grading, and how much of it is outside the OpenAI SDK.

    python benchmarks/eval_cpu.py [--runs 3] [--concurrency 8] [--delay 0.05] [--ref REV]

In a fresh process (PYTHONPATH = the tree under test), the golden set is graded by the LLM grader
through `run_eval` exactly as `interviewer eval run --grader llm --no-cache` does, against a server in
ANOTHER process (so its CPU is not counted) that answers every request after `--delay` seconds with
the package's fake judge. Measured with `time.process_time()` (this process's CPU, every thread):
- grading: from the run's start (graders built and warmed) to its last result, per case sent;
- the SDK alone: the same request bodies, captured during the run, posted again through the same
  SDK call our client makes (`AsyncOpenAI.post`, response parsed into a `ChatCompletion`), at the
  same concurrency, per request;
- outside the SDK: the difference (our screening, prompt, checks, feedback, results file).
Medians over `--runs` fresh processes; `--ref REV` runs another commit side by side, alternating.
Target (issue 12): at most 20 ms per case outside the SDK.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _trees import ROOT, side_by_side

SERVER = """
import json, sys, time
from interviewer.testing import Fault, FakeRequest, FaultServer, judge_everything
judge = judge_everything(status="partial", score=3)
with FaultServer([Fault.slow(float(sys.argv[1]))] * 100000, reply=lambda b: json.dumps(judge(FakeRequest(b, {})))) as s:
    print(s.base_url, flush=True)
    sys.stdin.read()
"""


def child(base_url: str, concurrency: int) -> None:
    """Grade the golden set, then post the captured requests through the SDK alone; print one JSON line."""
    from interviewer.corpus import load_corpus
    from interviewer.evals import EvalConfig, RunStore, load_dataset, run_eval
    from interviewer.llm import LLMClient, LLMSettings

    captured: list[dict[str, Any]] = []
    send_once = LLMClient._send_once

    async def capturing(self: LLMClient, request: dict[str, Any], listener: Any) -> Any:
        captured.append(request)
        return await send_once(self, request, listener)

    LLMClient._send_once = capturing  # type: ignore[method-assign]
    corpus = load_corpus()
    dataset = load_dataset(ROOT / "evals" / "golden", corpus)
    settings = LLMSettings(model="bench-model", base_url=base_url, timeout=30)
    marks: dict[str, float] = {}

    def started(_done: int, _total: int) -> None:
        marks["start"] = time.process_time()

    def result(_r: object) -> None:
        marks["end"] = time.process_time()

    with tempfile.TemporaryDirectory() as tmp:
        config = EvalConfig(grader="llm", settings=settings, concurrency=concurrency, cache=None)
        run_eval(dataset, corpus, config, RunStore(Path(tmp) / "run"), on_result=result, on_start=started)
    grading = marks["end"] - marks["start"]
    sent = len(captured)
    LLMClient._send_once = send_once  # type: ignore[method-assign]

    async def sdk_alone() -> float:
        import openai
        from openai.types.chat import ChatCompletion

        client = openai.AsyncOpenAI(api_key="sk-bench-not-a-key", base_url=base_url, max_retries=0, timeout=30)
        semaphore = asyncio.Semaphore(concurrency)

        async def post(request: dict[str, Any]) -> None:
            body = {k: v for k, v in request.items() if k not in {"extra_headers", "extra_body"}}
            body.update(request.get("extra_body") or {})
            async with semaphore:
                await client.post("/chat/completions", cast_to=ChatCompletion, body=body, options={})

        await post(captured[0])  # the first call pays lazy imports and the connection, as warm-up does above
        before = time.process_time()
        await asyncio.gather(*(post(r) for r in captured))
        spent = time.process_time() - before
        await client.close()
        return spent

    sdk = asyncio.run(sdk_alone())
    print(json.dumps({"cases": sent, "grading_ms": grading / sent * 1000, "sdk_ms": sdk / sent * 1000}))


def once(tree: Path, base_url: str, concurrency: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    command = [sys.executable, str(Path(__file__).resolve()), "--child", base_url, "--concurrency", str(concurrency)]
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{tree}: {done.stderr.strip()[-2000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--ref", help="also measure this git revision, side by side")
    parser.add_argument("--child", metavar="BASE_URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.concurrency)
        return
    with side_by_side(args.ref) as trees:
        run(trees, args)


def run(trees: dict[str, Path], args: argparse.Namespace) -> None:
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(args.delay)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().strip()
        samples: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
        for _ in range(args.runs):
            for name, tree in trees.items():
                samples[name].append(once(tree, base_url, args.concurrency))
        print(f"CPU per case, golden set, concurrency {args.concurrency}, delay {args.delay} s, {args.runs} runs:")
        print("| tree | cases sent | grading, per case | the SDK alone, per request | outside the SDK, per case |")
        print("|---|---|---|---|---|")
        for name, runs in samples.items():
            grading = statistics.median(r["grading_ms"] for r in runs)
            sdk = statistics.median(r["sdk_ms"] for r in runs)
            outside = statistics.median(r["grading_ms"] - r["sdk_ms"] for r in runs)
            print(f"| {name} | {runs[0]['cases']:.0f} | {grading:.1f} ms | {sdk:.1f} ms | {outside:.1f} ms |")
        print("target: at most 20 ms per case outside the SDK")
    finally:
        server.communicate(input="")


if __name__ == "__main__":
    main()
