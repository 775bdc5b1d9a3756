"""Side by side with promptfoo: the same requests to the same fixed-latency server, caches off (issue 12).

    python benchmarks/vs_promptfoo.py [--runs 3] [--delay 0.5] [--concurrency 8] [--cases N]
                                      [--ref REV] [--skip-promptfoo] [--keep]

The server is `interviewer.testing.LatencyServer` in this process (asyncio, keep-alive, TCP_NODELAY, backlog
128): it answers every chat completion after exactly --delay seconds with the fake judge's reply. Both tools
run as subprocesses against a fresh server each run:

- ours: `python -m interviewer eval run --grader llm --no-cache -c C --model bench-model --base-url URL
  --out <fresh folder>` with cwd and PYTHONPATH the tree under test (this one, and with --ref another
  revision checked out into a scratch `git worktree add --detach`, removed at the end);
- promptfoo, pinned to PROMPTFOO_VERSION, installed with npm once into
  ~/.cache/interviewer-bench/promptfoo-<version>: `promptfoo eval -c config.yaml -j C --no-cache`, one
  `is-json` assertion per test, provider `openai:chat:bench-model` with `apiBaseUrl` our server.

The requests are ours. A first pass runs our harness against the server with no delay and keeps every request
body the server received: those are the golden set's model-bound cases (the empty and gibberish answers
never reach the model), exactly as our client sends them. promptfoo gets them as its tests: the prompt is
`{{ messages | dump }}` (promptfoo's documented way to send raw chat messages: a prompt that renders to a
JSON list of messages is sent as that list) and every other field of our body (response_format, max_tokens,
temperature, seed) goes into the test's `options`, which promptfoo merges over the provider's config. Every
run checks on the server side that the bodies received are ours (as a multiset: order aside) and says so.

Figures per run, in the clocks of this process: wall (spawn to exit), start-up (spawn to the first request's
arrival), serving span (first arrival to the last reply sent), after the last reply (to exit), and the
child's CPU (user + sys, from getrusage(RUSAGE_CHILDREN)), also per request. Wall and span are also given
over the lower bound ceil(N/C) x delay. For diagnosis: the connections used, and how long a connection sat
idle between a reply and its next request (median). Runs alternate between the tools (ours, [ref,] promptfoo, ours,
...) after one untimed warm-up each; the table gives medians.

Targets (issue 12, idle 2-core machine): our wall time at or below promptfoo's in the same run; serving span
at most 1.10 x the bound; at most 1 s after the last reply; start-up to the first request at most 2 s (and
CPU per case outside the SDK at most 20 ms: the CPU column includes the SDK, so it is an upper bound).

Other hosts: both tools run with HTTP(S)_PROXY set to a second LatencyServer that only records (NO_PROXY
covers 127.0.0.1), so every attempt to reach another host through the usual proxy settings is listed.
Observed with promptfoo 0.121.20: with PROMPTFOO_DISABLE_TELEMETRY=1 it still sends one event ("telemetry
disabled") to r.promptfoo.app on every eval (a CONNECT r.promptfoo.app:443 reaches the proxy); its update check
stays off with PROMPTFOO_DISABLE_UPDATE=1. Without `-o` it often (not always) exits 1 after "Eval complete": its
winston file logger (the debug log in PROMPTFOO_CONFIG_DIR/logs) throws "write after end" at exit; the
results are complete, so the run counts, and the table lists exit codes. It warns that Node 20 is no longer
supported (it runs). Ours makes no such attempt (tests/test_network_guard.py proves it for every socket).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _trees import ROOT, side_by_side

sys.path.insert(0, str(ROOT))

from interviewer.testing import LatencyServer, Served

PROMPTFOO_VERSION = "0.121.20"
MODEL = "bench-model"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "interviewer-bench"
# Never handed to the tools: a real key or endpoint of the person running the benchmark.
SCRUBBED = {"OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_API_BASE", "INTERVIEWER_MODEL", "INTERVIEWER_CONFIG"}


# -- the tools ---------------------------------------------------------------------------------------------


@dataclass
class Tool:
    name: str
    command: Callable[[str, Path], tuple[list[str], Path, dict[str, str]]]
    """(argv, cwd, extra env) for one run against a base URL, with a fresh folder of its own."""
    ours: bool


def base_env(proxy: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED and not k.lower().endswith("_proxy")}
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        env[name] = proxy
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


def ours(name: str, tree: Path, concurrency: int, dataset: Path | None) -> Tool:
    def command(base_url: str, folder: Path) -> tuple[list[str], Path, dict[str, str]]:
        argv = [sys.executable, "-m", "interviewer", "eval", "run", "--grader", "llm", "--no-cache"]
        argv += ["-c", str(concurrency), "--model", MODEL, "--base-url", base_url, "--out", str(folder / "out")]
        if dataset is not None:
            argv += ["--dataset", str(dataset)]
        env = {
            "PYTHONPATH": str(tree),
            "INTERVIEWER_HOME": str(folder / "home"),
            "INTERVIEWER_CACHE_DIR": str(folder / "cache"),
            "XDG_CONFIG_HOME": str(folder / "config"),  # no user config file
            "COLUMNS": "100",
        }
        return argv, tree, env

    return Tool(name, command, ours=True)


def install_promptfoo(version: str) -> Path:
    """The promptfoo executable, installed with npm into the cache folder the first time."""
    folder = CACHE / f"promptfoo-{version}"
    executable = folder / "node_modules" / ".bin" / "promptfoo"
    manifest = folder / "node_modules" / "promptfoo" / "package.json"
    if executable.exists() and manifest.exists() and json.loads(manifest.read_text())["version"] == version:
        return executable
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("promptfoo needs Node.js and npm (or pass --skip-promptfoo)")
    print(f"installing promptfoo {version} into {folder} (once) ...", flush=True)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "package.json").write_text('{"private": true}\n')
    env = {**os.environ, "PROMPTFOO_DISABLE_TELEMETRY": "1", "DISABLE_OPENCOLLECTIVE": "1", "ADBLOCK": "1"}
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", f"promptfoo@{version}"],
        cwd=folder,
        env=env,
        check=True,
    )
    return executable


def promptfoo_config(folder: Path, bodies: list[dict[str, Any]]) -> Path:
    """A promptfoo config whose tests are our request bodies; the API base URL is filled in per run."""
    tests = [
        {
            "description": f"request {i + 1}",
            "vars": {"messages": body["messages"]},
            "options": {k: v for k, v in body.items() if k not in {"model", "messages"}},
            "assert": [{"type": "is-json"}],
        }
        for i, body in enumerate(bodies)
    ]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tests.json").write_text(json.dumps(tests))
    config = {
        "description": "interviewer golden set, replayed (benchmarks/vs_promptfoo.py)",
        "prompts": ["{{ messages | dump }}"],
        "providers": [{"id": f"openai:chat:{MODEL}", "config": {"apiBaseUrl": "@BASE_URL@", "apiKey": "not-needed"}}],
        "tests": "file://tests.json",
    }
    template = folder / "config.template.json"
    template.write_text(json.dumps(config, indent=1))
    return template


def promptfoo(executable: Path, template: Path, concurrency: int, home: Path, limit: int | None = None) -> Tool:
    def command(base_url: str, folder: Path) -> tuple[list[str], Path, dict[str, str]]:
        folder.mkdir(parents=True, exist_ok=True)
        config = json.loads(template.read_text().replace("@BASE_URL@", base_url))
        config["tests"] = f"file://{template.parent / 'tests.json'}"
        if limit is not None:  # the warm-up: a few tests only
            tests = json.loads((template.parent / "tests.json").read_text())[:limit]
            (folder / "tests.json").write_text(json.dumps(tests))
            config["tests"] = f"file://{folder / 'tests.json'}"
        path = folder / "config.yaml"  # JSON is YAML
        path.write_text(json.dumps(config, indent=1))
        argv = [str(executable), "eval", "-c", str(path), "-j", str(concurrency), "--no-cache"]
        env = {
            "PROMPTFOO_DISABLE_TELEMETRY": "1",
            "PROMPTFOO_DISABLE_UPDATE": "1",
            "PROMPTFOO_DISABLE_SHARING": "1",
            "PROMPTFOO_CONFIG_DIR": str(home),  # its database and logs, away from ~/.promptfoo
            "COLUMNS": "100",
        }
        return argv, folder, env

    return Tool(f"promptfoo {PROMPTFOO_VERSION}", command, ours=False)


# -- one run -----------------------------------------------------------------------------------------------


@dataclass
class Sample:
    wall: float
    startup: float
    span: float
    after: float
    cpu: float
    requests: int
    connections: int
    idle: float
    """Median seconds a connection waited between a reply and its next request."""
    returncode: int
    bodies: list[dict[str, Any]] = field(repr=False)
    elsewhere: list[str] = field(default_factory=list)
    """Hosts the tool tried to reach through the proxy."""
    other_paths: list[str] = field(default_factory=list)
    """Requests to our server other than chat completions."""
    stderr: str = ""

    def cpu_per_request(self) -> float:
        return self.cpu / self.requests if self.requests else math.nan


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def idle_between_requests(served: list[Served]) -> float:
    """Median, over every connection, of the seconds from a reply to the next request on it."""
    by_peer: dict[tuple[str, int], list[Served]] = {}
    for record in served:
        by_peer.setdefault(record.peer, []).append(record)
    gaps = [
        later.arrived - earlier.replied
        for records in by_peer.values()
        for earlier, later in itertools.pairwise(sorted(records, key=lambda r: r.arrived))
        if earlier.replied is not None
    ]
    return statistics.median(gaps) if gaps else math.nan


def measure(tool: Tool, delay: float, folder: Path) -> Sample:
    folder.mkdir(parents=True, exist_ok=True)
    with LatencyServer(delay=delay, model=MODEL) as server, LatencyServer() as proxy:
        argv, cwd, extra = tool.command(server.base_url, folder)
        env = {**base_env(proxy.base_url.removesuffix("/v1")), **extra}
        with (folder / "stdout.txt").open("wb") as out, (folder / "stderr.txt").open("wb") as err:
            cpu_before = cpu_of_children()
            started = time.perf_counter()
            process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
            returncode = process.wait()
            ended = time.perf_counter()
            cpu = cpu_of_children() - cpu_before
        served = server.completions
        first, last = server.first_arrival, server.last_reply
        elsewhere = sorted({f"{r.method} {r.path}" for r in proxy.records})
        other_paths = sorted({f"{r.method} {r.path}" for r in server.records if r not in served})
    stderr = (folder / "stderr.txt").read_text(errors="replace")
    return Sample(
        wall=ended - started,
        startup=(first - started) if first is not None else math.nan,
        span=(last - first) if first is not None and last is not None else math.nan,
        after=(ended - last) if last is not None else math.nan,
        cpu=cpu,
        requests=len(served),
        connections=len({r.peer for r in served}),
        idle=idle_between_requests(served),
        returncode=returncode,
        bodies=[r.body or {} for r in served],
        elsewhere=elsewhere,
        other_paths=other_paths,
        stderr=stderr,
    )


def compare_bodies(sent: list[dict[str, Any]], expected: list[dict[str, Any]]) -> str:
    """One line: are the bodies the server received ours, as a multiset (== on the parsed JSON, so 0 == 0.0)?"""
    left = list(expected)
    unmatched: list[dict[str, Any]] = []
    for body in sent:
        for i, candidate in enumerate(left):
            if candidate == body:
                del left[i]
                break
        else:
            unmatched.append(body)
    keys = ", ".join(sorted({k for b in sent for k in b}))
    if not unmatched and not left:
        return f"identical: {len(sent)} of {len(expected)} bodies equal ours (fields: {keys})"
    detail = ""
    if unmatched and left:
        a, b = unmatched[0], left[0]
        same_messages = [x for x in left if x.get("messages") == a.get("messages")]
        b = same_messages[0] if same_messages else b
        diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        shown = {k: (str(a.get(k))[:60], str(b.get(k))[:60]) for k in diff if k != "messages"}
        detail = f"; first difference in {diff} (sent, ours): {shown}"
    return f"DIFFERENT: {len(sent) - len(unmatched)} of {len(expected)} bodies equal ours, {len(unmatched)} not{detail}"


# -- datasets, trees ---------------------------------------------------------------------------------------


def subset(tree: Path, cases: int, folder: Path) -> Path:
    """The first `cases` cases of the tree's golden set (file order), as a dataset folder of their own."""
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    left = cases
    for path in sorted((tree / "evals" / "golden").glob("*.yaml")):
        if left <= 0:
            break
        data = yaml.safe_load(path.read_text())
        kept: list[dict[str, Any]] = []
        for case in data["cases"]:
            refs = [case.get("translation_of"), case.get("variant_of")]
            if len(kept) < left and all(r is None or r in {c["id"] for c in kept} for r in refs):
                kept.append(case)
        if kept:
            (folder / path.name).write_text(
                yaml.safe_dump({**data, "cases": kept}, sort_keys=False, allow_unicode=True)
            )
            left -= len(kept)
    return folder


# -- the report --------------------------------------------------------------------------------------------


def median(samples: list[Sample], key: Callable[[Sample], float]) -> float:
    return statistics.median(key(s) for s in samples)


def report(results: dict[str, list[Sample]], tools: list[Tool], delay: float, concurrency: int) -> None:
    print()
    print(f"Medians of {len(next(iter(results.values())))} runs; server delay {delay} s, concurrency {concurrency}.")
    print()
    print(
        "| | requests | wall | ÷ bound | start-up to first request | serving span | ÷ bound "
        "| after the last reply | CPU | CPU per request | connections | idle between requests | exit codes |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for tool in tools:
        samples = results[tool.name]
        n = statistics.median(s.requests for s in samples)
        bound = math.ceil(n / concurrency) * delay
        wall, span = median(samples, lambda s: s.wall), median(samples, lambda s: s.span)

        def ratio(x: float, bound: float = bound) -> str:
            return f"{x / bound:.2f}×" if bound else "-"

        print(
            f"| {tool.name} | {n:.0f} | {wall:.2f} s | {ratio(wall)} | {median(samples, lambda s: s.startup):.2f} s "
            f"| {span:.2f} s | {ratio(span)} | {median(samples, lambda s: s.after):.2f} s "
            f"| {median(samples, lambda s: s.cpu):.1f} s | {1000 * median(samples, Sample.cpu_per_request):.0f} ms "
            f"| {statistics.median(s.connections for s in samples):.0f} "
            f"| {median(samples, lambda s: s.idle):.2f} s "
            f"| {', '.join(str(s.returncode) for s in samples)} |"
        )
    print()
    theirs = next((results[t.name] for t in tools if not t.ours), None)
    for tool in tools:
        if not tool.ours:
            continue
        samples = results[tool.name]
        n = statistics.median(s.requests for s in samples)
        bound = math.ceil(n / concurrency) * delay
        checks = []
        wall = median(samples, lambda s: s.wall)
        if theirs is not None:
            pf_wall = median(theirs, lambda s: s.wall)
            checks.append((f"wall {wall:.2f} s ≤ promptfoo's {pf_wall:.2f} s", wall <= pf_wall))
        span = median(samples, lambda s: s.span)
        checks.append((f"serving span {span:.2f} s ≤ 1.10 × {bound:.2f} s = {1.1 * bound:.2f} s", span <= 1.1 * bound))
        after = median(samples, lambda s: s.after)
        checks.append((f"after the last reply {after:.2f} s ≤ 1 s", after <= 1.0))
        startup = median(samples, lambda s: s.startup)
        checks.append((f"start-up {startup:.2f} s ≤ 2 s", startup <= 2.0))
        print(f"Targets for {tool.name}:")
        for text, met in checks:
            print(f"  {'met    ' if met else 'NOT met'}  {text}")


def show(tool: Tool, i: int, sample: Sample, check: str) -> None:
    print(
        f"  {tool.name} run {i}: wall {sample.wall:.2f} s, start-up {sample.startup:.2f} s, "
        f"span {sample.span:.2f} s, after {sample.after:.2f} s, CPU {sample.cpu:.1f} s, "
        f"{sample.requests} requests on {sample.connections} connections (idle between requests: median "
        f"{sample.idle:.2f} s), exit {sample.returncode}",
        flush=True,
    )
    print(f"    requests: {check}", flush=True)
    if sample.elsewhere:
        print(f"    tried to reach other hosts (through the proxy): {', '.join(sample.elsewhere)}", flush=True)
    if sample.other_paths:
        print(f"    other requests to the server: {', '.join(sample.other_paths)}", flush=True)
    if sample.returncode != 0:
        errors = [line.strip() for line in sample.stderr.splitlines() if "Error" in line and " at " not in line]
        print(f"    exited {sample.returncode}: {errors[0] if errors else sample.stderr.strip()[-300:]}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--delay", type=float, default=0.5, help="seconds the server takes to answer (default 0.5)")
    parser.add_argument("--concurrency", "-c", type=int, default=8)
    parser.add_argument("--cases", type=int, help="only the first N golden cases (quick runs)")
    parser.add_argument("--ref", help="also run our harness at this git revision, side by side")
    parser.add_argument("--skip-promptfoo", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder (run folders, logs)")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="vs-promptfoo-"))
    try:
        with side_by_side(args.ref, "interviewer (this tree)", "interviewer @ {ref}") as trees:
            compare(trees, scratch, args)
    finally:
        if args.keep:
            print(f"scratch folder kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def compare(trees: dict[str, Path], scratch: Path, args: argparse.Namespace) -> None:
    """The recording pass, promptfoo's install and warm-up, then the alternating timed runs and the table."""
    tools = [
        ours(name, tree, args.concurrency, subset(tree, args.cases, scratch / f"dataset-{i}") if args.cases else None)
        for i, (name, tree) in enumerate(trees.items())
    ]

    # The recording pass (and our warm-up): our own requests, as the server receives them.
    expected: dict[str, list[dict[str, Any]]] = {}
    for i, tool in enumerate(tools):
        sample = measure(tool, 0.0, scratch / f"record-{i}")
        if sample.returncode != 0 or not sample.requests:
            show(tool, 0, sample, "-")
            raise SystemExit(f"{tool.name}: the recording pass failed")
        expected[tool.name] = sample.bodies
        cases = sum(1 for _ in (scratch / f"record-{i}" / "out" / "results.jsonl").open())
        print(f"{tool.name}: {sample.requests} of {cases} golden cases reach the model (recording pass)")
    bodies = expected[tools[0].name]
    if not args.skip_promptfoo:
        executable = install_promptfoo(PROMPTFOO_VERSION)
        template = promptfoo_config(scratch / "promptfoo", bodies)
        home = scratch / "promptfoo-home"
        warm = promptfoo(executable, template, args.concurrency, home, limit=args.concurrency)
        sample = measure(warm, 0.0, scratch / "promptfoo-warm-up")
        if sample.requests < args.concurrency:
            show(warm, 0, sample, "-")
            raise SystemExit("promptfoo: the warm-up failed")
        tool = promptfoo(executable, template, args.concurrency, home)
        tools.append(tool)
        expected[tool.name] = bodies

    results: dict[str, list[Sample]] = {t.name: [] for t in tools}
    for i in range(1, args.runs + 1):
        for j, tool in enumerate(tools):
            sample = measure(tool, args.delay, scratch / f"run-{i}-{j}")
            results[tool.name].append(sample)
            show(tool, i, sample, compare_bodies(sample.bodies, expected[tool.name]))
    report(results, tools, args.delay, args.concurrency)


if __name__ == "__main__":
    main()
