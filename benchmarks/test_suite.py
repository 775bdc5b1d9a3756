"""Wall time of the test suite as a developer runs it. Medians of several runs.

    python benchmarks/test_suite.py [--runs 3] [--full]

Targets (issue 11, idle 2-core machine): `make test-fast` at most 60 s, `make test` (the real
llama.cpp server and terminal tests too) at most 4 minutes. Each run is a fresh `make` process, so
start-up, collection and the worker processes count.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"test-fast": 60.0, "test": 240.0}


def once(target: str) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(["make", target], cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    tail = [line for line in done.stdout.splitlines() if re.search(r"\d+ passed", line)]
    if done.returncode != 0:
        raise SystemExit(f"make {target} failed:\n{done.stdout[-3000:]}{done.stderr[-2000:]}")
    return wall, tail[-1].strip("= ") if tail else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--full", action="store_true", help="also time `make test`")
    args = parser.parse_args()
    subprocess.run(["make", "install"], cwd=ROOT, check=True, capture_output=True)
    for target in ["test-fast", *(["test"] if args.full else [])]:
        walls = []
        for _ in range(args.runs):
            wall, summary = once(target)
            walls.append(wall)
            print(f"make {target}: {wall:6.1f} s  ({summary})", flush=True)
        median = statistics.median(walls)
        verdict = "ok" if median <= TARGETS[target] else "over"
        print(f"make {target}: median {median:.1f} s of {args.runs} (target {TARGETS[target]:.0f} s: {verdict})")


if __name__ == "__main__":
    main()
