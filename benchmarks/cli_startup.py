"""How long the `interviewer` command takes before it does anything. Medians of several fresh processes.

    python benchmarks/cli_startup.py [--runs 11]

Targets (issue 11, idle 2-core machine): `--help` and `--version` in at most 0.3 s. For scale it also
times bare Python and `import typer` (the floor every typer CLI pays), and the help of two subcommands.
Pass `--ref REV` to time another commit side by side in the same run (checked out into a scratch
worktree, imported with PYTHONPATH), alternating runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _trees import side_by_side

TARGET_S = 0.3

CASES: dict[str, list[str]] = {
    "python -c pass": ["-c", "pass"],
    "python -c 'import typer'": ["-c", "import typer"],
    "interviewer --version": ["-m", "interviewer", "--version"],
    "interviewer --help": ["-m", "interviewer", "--help"],
    "interviewer eval --help": ["-m", "interviewer", "eval", "--help"],
    "interviewer practice --help": ["-m", "interviewer", "practice", "--help"],
}


def once(args: list[str], tree: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree), "COLUMNS": "100"}
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], env=env, cwd=tree, capture_output=True, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--ref", help="also time this git revision, side by side")
    args = parser.parse_args()
    with side_by_side(args.ref) as trees:
        samples: dict[tuple[str, str], list[float]] = {(t, c): [] for t in trees for c in CASES}
        for tree in trees.values():  # warm the file cache (and .pyc files) first
            for case in CASES.values():
                once(case, tree)
        for _ in range(args.runs):
            for case_name, case in CASES.items():
                for name, tree in trees.items():  # alternate the trees within each round
                    samples[(name, case_name)].append(once(case, tree))
        print(f"median of {args.runs} fresh processes; target for --help/--version: {TARGET_S:.2f} s")
        header = f"{'':32}" + "".join(f"{n:>14}" for n in trees)
        print(header)
        for case_name in CASES:
            row = "".join(f"{statistics.median(samples[(n, case_name)]):13.3f}s" for n in trees)
            print(f"{case_name:32}{row}")


if __name__ == "__main__":
    main()
