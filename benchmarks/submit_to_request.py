"""The interview path with a model configured: time from submitting an answer to its request leaving.

    python benchmarks/submit_to_request.py [--answers 24] [--runs 3] [--ref REV]

Graders are built as the terminal builds them (`build_grader`: the LLM grader, offline fallback,
blocking calls), pointed at a local server (`FaultServer`) that notes when each request arrives and
answers at once. For each golden answer (the first `--answers` whose answers reach the model), the
time from `grade()` being called to the request arriving at the server, on one clock (the server runs
in the same process). The first answer of a process is reported apart (it pays the lazy imports);
then the median of the others, per run, and the median over `--runs` fresh processes.

`--ref REV` times another commit side by side (checked out into a scratch worktree, imported with
PYTHONPATH), alternating processes. Issue 12: before, the LLM grader ran the whole offline grader
(embedding coverage) before every request.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _trees import ROOT, side_by_side


def child(answers: int) -> None:
    """Runs in a fresh process with PYTHONPATH set to the tree under test; prints one JSON line."""
    from interviewer._setup import GradingOptions, build_grader
    from interviewer.corpus import load_corpus
    from interviewer.evals import load_dataset
    from interviewer.evals._runner import request_for
    from interviewer.llm import LLMSettings
    from interviewer.testing import FakeRequest, FaultServer, judge_everything

    corpus = load_corpus()
    dataset = load_dataset(ROOT / "evals" / "golden", corpus)
    cases = [c for c in dataset.cases if c.group not in {"empty", "gibberish"}][:answers]
    judge = judge_everything(status="partial", score=3)
    waits: list[float] = []
    with FaultServer(reply=lambda body: json.dumps(judge(FakeRequest(body, {})))) as server:
        settings = LLMSettings(model="bench-model", base_url=server.base_url)
        setup = build_grader(settings, GradingOptions())
        grader = setup.graders[0]
        for case in cases:
            request = request_for(case, corpus)
            before = len(server.requests)
            started = time.monotonic()
            feedback = grader.grade(request)
            if len(server.requests) == before or feedback.provenance.fallback:
                raise SystemExit(f"{case.id}: no request reached the server ({feedback.provenance.fallback})")
            waits.append(server.requests[before][0] - started)
        setup.close()
    print(json.dumps({"first": waits[0], "rest": statistics.median(waits[1:])}))


def once(tree: Path, answers: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", "--answers", str(answers)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{tree}: {done.stderr.strip()[-2000:] or done.stdout}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=24)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ref", help="also time this git revision, side by side")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.answers)
        return
    with side_by_side(args.ref) as trees:
        samples: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
        for _ in range(args.runs):
            for name, tree in trees.items():  # alternate the trees within each round
                samples[name].append(once(tree, args.answers))
    print(f"Submit to request leaving, {args.answers} golden answers per process, {args.runs} processes:")
    print("| tree | first answer, median | later answers, median of medians |")
    print("|---|---|---|")
    for name, runs in samples.items():
        first = statistics.median(r["first"] for r in runs) * 1000
        rest = statistics.median(r["rest"] for r in runs) * 1000
        print(f"| {name} | {first:.0f} ms | {rest:.1f} ms |")


if __name__ == "__main__":
    main()
