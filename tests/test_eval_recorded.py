"""The committed eval runs, reproduced offline: the offline grader recomputed, the LLM runs replayed.

evals/runs/ holds real runs: the offline grader, and SmolLM2-135M on llama.cpp with feedback@v1 and
with the deliberately degraded feedback-degraded@v1 (generous, and an output budget too small for a
whole rubric), recorded into evals/fixtures/llama/ by tools/record_eval_fixtures.py. The harness must
reproduce their metrics exactly (timings aside), and the gate must catch the degraded prompt.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from interviewer.cli import app
from interviewer.evals._metrics import TIMING_KEYS

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from golden_original import write_original

ROOT = Path(__file__).resolve().parent.parent
RUNS = ROOT / "evals" / "runs"
FIXTURES = ROOT / "evals" / "fixtures" / "llama"
runner = CliRunner()
# Every test here grades the golden answers offline (the LLM grader runs the offline checks too), in
# process: with `--dist loadfile` the file runs on one worker and the sentence vectors are embedded
# once (worker processes each embed afresh; they are tested in test_evals.py).


def _comparable(summary: dict[str, Any]) -> dict[str, Any]:
    summary = {k: v for k, v in summary.items() if k != "run"}
    summary["operations"] = {k: v for k, v in summary["operations"].items() if k not in TIMING_KEYS}
    return summary


def _run(args: list[str], out: Path, dataset: Path = ROOT / "evals/golden") -> dict[str, Any]:
    result = runner.invoke(app, ["eval", "run", "--dataset", str(dataset), *args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return dict(json.loads((out / "summary.json").read_text()))


def _llm(prompt: str, fixtures: Path = FIXTURES, *extra: str) -> list[str]:
    """Replay `prompt` from a folder of recordings with its config."""
    config = str(fixtures / "config.toml")
    return [
        "--grader",
        "llm",
        "--prompt",
        prompt,
        "--config",
        config,
        "--replay",
        str(fixtures),
        "--concurrency",
        "8",
        *extra,
    ]


def test_offline_run_reproduces_the_committed_metrics(tmp_path: Path) -> None:
    committed = json.loads((RUNS / "offline" / "summary.json").read_text())
    assert _comparable(_run([], tmp_path / "offline")) == _comparable(committed)


@pytest.mark.parametrize("prompt", ["feedback@v1", "feedback-degraded@v1"])
def test_recorded_llm_runs_replay_to_the_committed_metrics(tmp_path: Path, prompt: str) -> None:
    committed = json.loads((RUNS / f"llama-{prompt.replace('@', '-')}" / "summary.json").read_text())
    # Recorded on the 84 cases the golden set had then; the cases added since have no recordings.
    recorded = tmp_path / "golden-84"
    write_original(recorded)
    replayed = _run(_llm(prompt), tmp_path / "run", recorded)
    assert _comparable(replayed) == _comparable(committed)
    assert committed["run"]["model"] == "SmolLM2-135M-Instruct.Q4_1"


def test_the_gate_catches_the_degraded_prompt(tmp_path: Path) -> None:
    dataset = tmp_path / "golden-84"
    write_original(dataset)
    result = runner.invoke(
        app,
        [
            "eval",
            "compare",
            str(RUNS / "llama-feedback-v1"),
            str(RUNS / "llama-feedback-degraded-v1"),
            "--dataset",
            str(dataset),
            "--tolerances",
            str(ROOT / "evals/gate.toml"),
            "--fail-on-regression",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 1, result.output
    payload = json.loads(result.stdout)
    # Its replies are cut off at its 400-token budget: schema-valid rate and in-band share collapse.
    assert "ops.schema_valid_rate" in payload["regressions"], payload["regressions"]
    assert payload["flips"], "cases that were in band with feedback@v1 and are not now"


QWEN = ROOT / "evals" / "fixtures" / "qwen"
sys.path.insert(0, str(ROOT / "tools"))
from golden_subset import write_subset  # noqa: E402


def _qwen(prompt: str) -> list[str]:
    return _llm(prompt, QWEN)


DEV_RUNS = sorted(p for p in (RUNS / "qwen-dev").glob("feedback-v*") if (p / "summary.json").is_file())
QWEN_RUNS = sorted(p for p in RUNS.glob("qwen-feedback-v*") if (p / "summary.json").is_file())  # finished runs


@pytest.mark.parametrize("run", DEV_RUNS, ids=[p.name for p in DEV_RUNS])
def test_qwen_prompt_iterations_replay_to_their_committed_metrics(tmp_path: Path, run: Path) -> None:
    """Each prompt version tried on the 20-case subset, recorded with Qwen2.5-1.5B, reproduces exactly."""
    committed = json.loads((run / "summary.json").read_text())
    subset = tmp_path / "subset"
    write_subset(subset)
    replayed = _run(_qwen(committed["run"]["prompt"]), tmp_path / "run", subset)
    assert _comparable(replayed) == _comparable(committed)
    assert committed["run"]["model"] == "qwen2.5-coder-1.5b-instruct-q4_k_m"


@pytest.mark.parametrize("run", QWEN_RUNS, ids=[p.name for p in QWEN_RUNS])
def test_the_qwen_golden_run_replays_to_its_committed_metrics(tmp_path: Path, run: Path) -> None:
    committed = json.loads((run / "summary.json").read_text())
    replayed = _run(_qwen(committed["run"]["prompt"]), tmp_path / "run")
    assert _comparable(replayed) == _comparable(committed)
    assert committed["completed"] == committed["cases"]
