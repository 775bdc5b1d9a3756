"""Live eval throughput under a provider's rate limit, next to what a --batch run costs us locally.

The fake provider (`interviewer.testing.BatchServer`) allows `--budget` live requests per
`--window` seconds and answers each after `--latency` seconds; past the window's budget it
answers 429 with Retry-After (the seconds left in the window), as OpenAI does. A provider's
limit of R requests a minute is this setting with the window scaled to 60 s and the budget to R:
the share of the limit the harness reaches carries over unchanged, as long as the run stays
bound by the limit or by `concurrency / latency`, not by our CPU (the last row measures that
ceiling: no limit, no latency).

Then the same cases through `run_batch` against the same fake: the batch's turnaround is the
provider's (minutes to 24 h, not measured here); what is measured is our side, the time to
plan and submit every request and to score every reply.

    python benchmarks/batch_vs_live.py                 # golden set, 10 requests/s, 0.25 s replies
    python benchmarks/batch_vs_live.py --budget 20 --window 2 --concurrency 1 4 16
"""

from __future__ import annotations

import argparse
import logging
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from interviewer.corpus import load_corpus
from interviewer.evals import BatchOptions, EvalConfig, RunStore, load_dataset, run_batch, run_eval
from interviewer.llm import LLMSettings
from interviewer.testing import BatchServer, RateLimit, judge_everything

ROOT = Path(__file__).resolve().parent.parent


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _live(
    dataset: Any, corpus: Any, scratch: Path, *, name: str, concurrency: int, server: BatchServer
) -> tuple[float, int, int, int]:
    """(wall seconds, model calls answered, 429s, failed cases) of one live run."""
    with server:
        settings = LLMSettings(model="judge", base_url=server.base_url)
        config = EvalConfig(grader="llm", settings=settings, concurrency=concurrency)
        started = time.perf_counter()
        _, results = run_eval(dataset, corpus, config, RunStore(scratch / name))
        wall = time.perf_counter() - started
    answered = len(server.chat_requests) - server.limited
    return wall, answered, server.limited, sum(1 for r in results if r.error)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=ROOT / "evals" / "golden")
    parser.add_argument("--budget", type=int, default=10, help="live requests allowed per window")
    parser.add_argument("--window", type=float, default=1.0, help="seconds of the rate-limit window")
    parser.add_argument("--latency", type=float, default=0.25, help="seconds each live reply takes")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2, 4, 8, 16])
    parser.add_argument("--runs", type=int, default=3, help="runs per setting (medians are shown)")
    args = parser.parse_args()
    logging.getLogger("interviewer").setLevel(logging.ERROR)  # one retry line per 429 otherwise

    corpus = load_corpus()
    dataset = load_dataset(args.dataset, corpus)
    judge = judge_everything(status="partial", score=3)
    limit = args.budget / args.window
    print(
        f"{len(dataset.cases)} cases; limit {args.budget} requests per {args.window:g} s "
        f"({limit * 60:.0f} a minute); replies after {args.latency:g} s"
    )
    print()
    print("| concurrency | wall | model calls | 429s | failed | calls/s | ceiling min(limit, c/latency) | of ceiling |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as scratch:
        rows: list[tuple[str, int, float, float]] = [(f"{c}", c, args.latency, args.budget) for c in args.concurrency]
        rows.append(("8, no limit, no latency (our CPU)", 8, 0.0, 0))
        for label, concurrency, latency, budget in rows:
            runs = []
            for run in range(args.runs):
                server = BatchServer(
                    judge,
                    rate_limit=RateLimit(int(budget), args.window) if budget else None,
                    chat_latency=latency,
                )
                runs.append(
                    _live(
                        dataset,
                        corpus,
                        Path(scratch),
                        name=f"live-{len(rows)}-{concurrency}-{latency}-{run}",
                        concurrency=concurrency,
                        server=server,
                    )
                )
            wall = statistics.median(r[0] for r in runs)
            calls = statistics.median(r[1] for r in runs)
            rate = calls / wall
            bounds = [b for b in (limit if budget else None, concurrency / latency if latency else None) if b]
            ceiling = min(bounds) if bounds else None
            print(
                f"| {label} | {wall:.1f} s | {calls:.0f} | {statistics.median(r[2] for r in runs):.0f} | "
                f"{max(r[3] for r in runs)} | {rate:.1f} | {f'{ceiling:.1f}' if ceiling else '-'} | "
                f"{f'{rate / ceiling:.0%}' if ceiling else '-'} |"
            )

        server = BatchServer(judge, polls=1)
        with server:
            settings = LLMSettings(model="judge", base_url=server.base_url)
            config = EvalConfig(grader="llm", settings=settings, concurrency=8)
            store = RunStore(Path(scratch) / "batch")
            cpu, started = _cpu(), time.perf_counter()
            submitted = run_batch(dataset, corpus, config, store, BatchOptions())
            submit_wall, submit_cpu = time.perf_counter() - started, _cpu() - cpu
            cpu, started = _cpu(), time.perf_counter()
            outcome = run_batch(dataset, corpus, config, store, BatchOptions(submit=False))
            collect_wall, collect_cpu = time.perf_counter() - started, _cpu() - cpu
        sent = sum(s.requests for s in submitted.pending)
        print()
        print(
            f"batch: {sent} requests in {len(server.created)} batch; submit {submit_wall:.2f} s "
            f"({submit_cpu / max(sent, 1) * 1000:.1f} ms CPU per request, start-up included), collect and score "
            f"{collect_wall:.2f} s ({collect_cpu / max(sent, 1) * 1000:.1f} ms CPU per reply); "
            f"{len(outcome.results)} results, {sum(1 for r in outcome.results if r.error)} errors"
        )


if __name__ == "__main__":
    main()
