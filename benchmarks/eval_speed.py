"""Eval harness speed: replay throughput, and live efficiency against a server with a fixed delay.

    python benchmarks/eval_speed.py [--delay 0.5] [--concurrency 8] [--runs 3]

0. A CPU reference: a fixed pure-Python workload, so that figures taken on
   different machines can be read side by side.
1. Replay: the golden set is recorded once from a local fake model (FakeLLM's
   judge, served over HTTP by FaultServer), then replayed through `run_eval`
   exactly as `interviewer eval run --replay` does. Throughput counts cases
   from the first case starting to the last one finishing ("after start-up":
   not counting Python, the corpus, the dataset and the model loading). No
   cache: the LLM grader computes no offline coverage (issue 12).
2. Live: N cases at concurrency C against a server that answers every request
   after a fixed delay L; the target is at most 1.10 x ceil(N/C) x L (issue 12),
   caches off. `benchmarks/vs_promptfoo.py` sets the same against promptfoo.

Medians of --runs runs.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _cpu import cpu_reference_ms  # noqa: E402

from interviewer.corpus import load_corpus  # noqa: E402
from interviewer.evals import EvalConfig, RunStore, load_dataset, run_eval  # noqa: E402
from interviewer.llm import LLMSettings  # noqa: E402
from interviewer.testing import FakeRequest, Fault, FaultServer, judge_everything  # noqa: E402


class Clock:
    def __init__(self) -> None:
        self.first: float | None = None
        self.last = 0.0
        self.count = 0

    def start(self, _done: int, _total: int) -> None:
        self.first = time.perf_counter()

    def tick(self, _result: object) -> None:
        self.last = time.perf_counter()
        self.count += 1

    @property
    def seconds(self) -> float:
        return self.last - (self.first or self.last)


def reference(runs: int) -> None:
    """A fixed pure-Python workload, so figures from different machines can be set side by side."""
    median = cpu_reference_ms(runs)
    print(f"0. CPU reference (2,000 JSON round trips of a 10 KB reply): median {median:.0f} ms (lower is faster)")


def replay(runs: int, workers: int, repeat: int) -> None:
    corpus = load_corpus()
    dataset = load_dataset(ROOT / "evals/golden", corpus)
    judge = judge_everything(status="partial", score=3)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = LLMSettings(model="bench-model", base_url="http://127.0.0.1:9/v1")
        with FaultServer(reply=lambda body: json.dumps(judge(FakeRequest(body, {})))) as server:
            record = EvalConfig(
                grader="llm",
                settings=settings.model_copy(update={"base_url": server.base_url}),
                record=folder / "fixtures",
                concurrency=4,
                repeat=repeat,
            )
            run_eval(dataset, corpus, record, RunStore(folder / "recording"))
        rates = []
        for i in range(runs):
            clock = Clock()
            config = EvalConfig(
                grader="llm", settings=settings, replay=folder / "fixtures", concurrency=8, repeat=repeat
            )
            run_eval(
                dataset,
                corpus,
                config,
                RunStore(folder / f"replay-{i}"),
                on_result=clock.tick,
                on_start=clock.start,
                workers=workers,
            )
            rates.append(clock.count / clock.seconds)
        print(
            f"1. Replay: {len(dataset.cases)} cases x {repeat} repeats, {workers} worker(s), "
            f"median {statistics.median(rates):.0f} cases/s "
            f"(runs: {', '.join(f'{r:.0f}' for r in rates)}; target 500)"
        )


def live(delay: float, concurrency: int, runs: int, n: int) -> None:
    corpus = load_corpus()
    dataset = load_dataset(ROOT / "evals/golden", corpus)
    cases = [c for c in dataset.cases if c.group not in {"empty", "gibberish"}][:n]  # both reach the model
    subset = type(dataset)(dataset.path, tuple(cases), dataset.hash)
    judge = judge_everything(status="partial", score=3)
    bound = 1.10 * math.ceil(len(cases) / concurrency) * delay
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        times = []
        for i in range(runs):
            script = [Fault.slow(delay)] * len(cases)
            with FaultServer(script, reply=lambda body: json.dumps(judge(FakeRequest(body, {})))) as server:
                settings = LLMSettings(model="bench-model", base_url=server.base_url, timeout=delay * 10)
                config = EvalConfig(grader="llm", settings=settings, concurrency=concurrency)
                clock = Clock()
                run_eval(
                    subset, corpus, config, RunStore(folder / f"live-{i}"), on_result=clock.tick, on_start=clock.start
                )
                times.append(clock.seconds)
        median = statistics.median(times)
        print(
            f"2. Live: N={len(cases)} C={concurrency} L={delay} s: median {median:.2f} s "
            f"(runs: {', '.join(f'{t:.2f}' for t in times)}); ideal ceil(N/C) x L = "
            f"{math.ceil(len(cases) / concurrency) * delay:.2f} s, bound 1.10 x that = {bound:.2f} s: "
            f"{'met' if median <= bound else 'NOT met'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--delay", type=float, default=0.5)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--cases", type=int, default=64)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="processes for the replay (default: both cores)")
    parser.add_argument("--repeat", type=int, default=6, help="replay the golden set this many times (more cases)")
    args = parser.parse_args()
    reference(args.runs)
    replay(args.runs, args.workers, args.repeat)
    live(args.delay, args.concurrency, args.runs, args.cases)


if __name__ == "__main__":
    main()
