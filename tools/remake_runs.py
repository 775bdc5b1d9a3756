"""Re-derive the committed LLM runs from their recordings, after a change to the checks in code.

    python tools/remake_runs.py [RUN ...]      # default: every committed LLM run

A recorded run's replies never change, but what the code makes of them does (quote matching, the
scoring policy). This replays each run from its fixtures with the current code, offline, and
rewrites its results, summary and reports; each case keeps the latency measured live (a replay's is
milliseconds), run.json keeps the live run's host and a dataset name that says which cases it covers.
tests/test_eval_recorded.py then checks the replay reproduces them (timings aside).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from golden_original import write_original  # noqa: E402
from golden_subset import write_subset  # noqa: E402

RUNS = ROOT / "evals" / "runs"
FIXTURES = {"llama": ROOT / "evals" / "fixtures" / "llama", "qwen": ROOT / "evals" / "fixtures" / "qwen"}


def _runs() -> list[Path]:
    found = [*RUNS.glob("llama-*"), *RUNS.glob("qwen-feedback-*"), *(RUNS / "qwen-dev").glob("feedback-v*")]
    return sorted(p for p in found if (p / "run.json").is_file() and not p.name.endswith("-partial"))


def _dataset(run: Path, scratch: Path) -> tuple[Path, str]:
    """The cases the run was recorded on, written to a folder, and how run.json names them."""
    if run.name.startswith("llama-"):
        write_original(scratch / "golden-84")
        return scratch / "golden-84", "evals/golden (84 recorded cases)"
    if run.parent.name == "qwen-dev":
        write_subset(scratch / "subset")
        return scratch / "subset", "evals/golden, the 20-case subset of tools/golden_subset.py"
    return ROOT / "evals" / "golden", "evals/golden"


def _keep_live_latency(live: Path, replayed: Path) -> None:
    """Each case keeps the latency measured live.

    A case added since whose request the live run made (an injection case whose filtered answer is its
    clean twin's: the same prompt, hence the same recording) takes that request's.
    """
    measured: dict[tuple[str, int], float] = {}
    by_prompt: dict[str, float] = {}
    for line in live.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        provenance = (record.get("feedback") or {}).get("provenance") or {}
        if provenance.get("latency_ms") is not None:
            measured[(record["case_id"], record.get("repeat", 0))] = provenance["latency_ms"]
            if provenance.get("prompt_hash"):
                by_prompt.setdefault(provenance["prompt_hash"], provenance["latency_ms"])
    lines = []
    for line in replayed.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        key = (record["case_id"], record.get("repeat", 0))
        provenance = (record.get("feedback") or {}).get("provenance") or {}
        if key in measured:
            provenance["latency_ms"] = measured[key]
        elif provenance.get("prompt_hash") in by_prompt:
            provenance["latency_ms"] = by_prompt[provenance["prompt_hash"]]
        lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
    replayed.write_text("\n".join(lines) + "\n", encoding="utf-8")


def remake(run: Path) -> None:
    spec = json.loads((run / "run.json").read_text(encoding="utf-8"))
    fixtures = FIXTURES["llama" if run.name.startswith("llama-") else "qwen"]
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        dataset, name = _dataset(run, scratch)
        out = scratch / "run"
        command = [
            sys.executable, "-m", "interviewer", "eval", "run", "--dataset", str(dataset), "--grader", "llm",
            "--prompt", spec["prompt"], "--config", str(fixtures / "config.toml"), "--replay", str(fixtures),
            "--concurrency", "8", "--workers", "2", "--out", str(out),
        ]  # fmt: skip
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
        _keep_live_latency(run / "results.jsonl", out / "results.jsonl")
        report = [sys.executable, "-m", "interviewer", "eval", "report", str(out), "--dataset", str(dataset), "--save"]
        subprocess.run(report, cwd=ROOT, check=True, capture_output=True)
        new = json.loads((out / "run.json").read_text(encoding="utf-8"))
        new["dataset"], new["host"] = name, spec["host"]
        (run / "run.json").write_text(json.dumps(new, indent=2) + "\n", encoding="utf-8")
        for file in ("results.jsonl", "summary.json", "report.md", "junit.xml"):
            text = (out / file).read_text(encoding="utf-8")
            text = text.replace(str(dataset), name).replace(str(out), str(run.relative_to(ROOT)))
            (run / file).write_text(text, encoding="utf-8")
    print(f"remade {run.relative_to(ROOT)}")


def main(args: list[str]) -> None:
    for run in [Path(a).resolve() for a in args] or _runs():
        remake(run)


if __name__ == "__main__":
    main(sys.argv[1:])
