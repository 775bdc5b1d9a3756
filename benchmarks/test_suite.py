"""Wall time of the test suite as a developer runs it. Medians of several runs.

    python benchmarks/test_suite.py [--runs 3] [--full] [--against OTHER_CHECKOUT]

Targets (issue 11, idle 2-core machine): `make test-fast` at most 60 s, `make test` (the real
llama.cpp server, terminal, browser and voice tests too) at most 4 minutes. Each run is a fresh
`make` process, so start-up, collection and the worker processes count.

`--against` times another checkout (an older commit, with its own `make install` done) in the same
sitting: the runs alternate between the two, so a machine that speeds up or slows down meanwhile
(this one varies) weighs on both alike. Beside each run: a CPU reference, a fixed pure-Python
workload timed just before it (lower is a faster machine at that moment).
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import time
from pathlib import Path

from _cpu import cpu_reference_ms

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"test-fast": 60.0, "test": 240.0}


def once(root: Path, target: str) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(["make", target], cwd=root, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    tail = [line for line in done.stdout.splitlines() if re.search(r"\d+ passed", line)]
    summary = tail[-1].strip("= ") if tail else ""
    if done.returncode != 0:
        failed = [line for line in done.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
        summary = f"FAILED: {summary} {' '.join(failed)[:300]}"
    return wall, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--full", action="store_true", help="also time `make test`")
    parser.add_argument("--against", type=Path, help="another checkout to time in the same sitting")
    args = parser.parse_args()
    roots = [ROOT, *([args.against.resolve()] if args.against else [])]
    for root in roots:
        subprocess.run(["make", "install"], cwd=root, check=True, capture_output=True)
    for target in ["test-fast", *(["test"] if args.full else [])]:
        walls: dict[Path, list[float]] = {root: [] for root in roots}
        for _ in range(args.runs):
            for root in roots:
                reference = cpu_reference_ms()
                wall, summary = once(root, target)
                walls[root].append(wall)
                print(
                    f"{root.name}: make {target}: {wall:6.1f} s  (CPU reference {reference:.0f} ms; {summary})",
                    flush=True,
                )
        for root in roots:
            median = statistics.median(walls[root])
            verdict = "ok" if median <= TARGETS[target] else "over"
            print(
                f"{root.name}: make {target}: median {median:.1f} s of {args.runs} "
                f"(target {TARGETS[target]:.0f} s: {verdict})"
            )


if __name__ == "__main__":
    main()
