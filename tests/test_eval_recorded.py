"""The committed eval runs, reproduced offline: the offline grader recomputed, the LLM runs replayed.

evals/runs/ holds real runs: the offline grader, and SmolLM2-135M on llama.cpp with feedback@v1 and
with the deliberately degraded feedback-degraded@v1 (generous, and an output budget too small for a
whole rubric), recorded into evals/fixtures/llama/ by tools/record_eval_fixtures.py. The harness must
reproduce their metrics exactly (timings aside), and the gate must catch the degraded prompt.
"""

from __future__ import annotations

import json
import shutil
import sys
import warnings
from collections import Counter, defaultdict
from pathlib import Path
from statistics import mean
from typing import Any

import pytest
from typer.testing import CliRunner

from interviewer.cli import app
from interviewer.corpus import Corpus, load_corpus
from interviewer.embedders import arithmetic_fingerprint, default_embedder
from interviewer.evals import RunStore, compare_runs, load_dataset, load_tolerances
from interviewer.evals._dataset import Case
from interviewer.evals._metrics import TIMING_KEYS
from interviewer.evals._runner import request_for
from interviewer.graders import OfflineGrader
from interviewer.graders._policy import SCORE_LABELS
from interviewer.models import AdversarialKind, Feedback, KeyPointStatus, Tier

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from golden_original import write_original

ROOT = Path(__file__).resolve().parent.parent
RUNS = ROOT / "evals" / "runs"
FIXTURES = ROOT / "evals" / "fixtures" / "llama"
runner = CliRunner()
# Every test here grades the golden answers offline (the LLM grader runs the offline checks too), in
# process: with `--dist loadfile` the file runs on one worker and the sentence vectors are embedded
# once (worker processes each embed afresh; they are tested in test_evals.py). The properties every
# golden answer's offline feedback must have are at the end, for the same reason.


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


OFFLINE_RUN_ARITHMETIC = "c26775236d1a"
"""`arithmetic_fingerprint` of the machine evals/runs/offline was made on (2026-12-02, an Intel Xeon).
Re-make the run with `interviewer eval run --dataset evals/golden --no-cache --out evals/runs/offline`
(then `interviewer eval bless evals/runs/offline`) and set this to the fingerprint that machine prints:
`python -c "from interviewer.embedders import *; print(arithmetic_fingerprint(default_embedder()))"`."""

# How far a run on a CPU that rounds differently may drift from the committed one. Set from the one
# such pair seen (the run made on 2026-12-01's machine, replayed on 2026-12-02's): 0 of 114 scores and
# 2 of 799 key-point statuses differed, overall metrics by at most 0.003.
OTHER_CPU_SCORES_DIFFERENT = 2
OTHER_CPU_STATUSES_DIFFERENT = 0.01
OTHER_CPU_METRIC_DRIFT = 0.02


def _agrees_as_another_cpu_would(fresh: Path, committed: Path) -> list[str]:
    """What in `fresh` differs from `committed` by more than another CPU's rounding explains."""
    runs = [(RunStore(run).spec(), RunStore(run).results()) for run in (committed, fresh)]
    dataset = load_dataset(ROOT / "evals/golden", load_corpus())
    problems: list[str] = []
    old, new = ({r.case_id: r.feedback for r in results if r.feedback is not None} for _, results in runs)
    if set(new) != set(old):
        return [f"cases differ: {sorted(set(new) ^ set(old))}"]
    scores = [(case, old[case].score, new[case].score) for case in old if old[case].score != new[case].score]
    if len(scores) > OTHER_CPU_SCORES_DIFFERENT or any(abs(a - b) > 1 for _, a, b in scores):
        problems.append(f"scores differ in {len(scores)} cases: {scores[:5]}")
    statuses = [
        (case, a.id, a.status, b.status)
        for case in old
        for a, b in zip(old[case].key_points, new[case].key_points, strict=True)
        if a.status != b.status
    ]
    items = sum(len(feedback.key_points) for feedback in old.values())
    if len(statuses) > OTHER_CPU_STATUSES_DIFFERENT * items:
        problems.append(f"{len(statuses)} of {items} key-point statuses differ: {statuses[:5]}")
    tolerances = load_tolerances(ROOT / "evals/gate.toml")
    for baseline, candidate in (runs, runs[::-1]):
        comparison = compare_runs(dataset, baseline, candidate, tolerances)
        problems += [f"regression: {d.label} {d.baseline} -> {d.candidate}" for d in comparison.regressions]
        problems += [
            f"{d.label}: {d.baseline} -> {d.candidate}"
            for d in comparison.deltas
            if d.scope == "overall" and baseline is runs[0] and abs(d.delta) > OTHER_CPU_METRIC_DRIFT
        ]
    return problems


def test_offline_run_reproduces_the_committed_metrics(tmp_path: Path) -> None:
    committed = json.loads((RUNS / "offline" / "summary.json").read_text())
    fresh = _run([], tmp_path / "offline")
    here = arithmetic_fingerprint(default_embedder())
    if here == OFFLINE_RUN_ARITHMETIC:
        assert _comparable(fresh) == _comparable(committed)
        return
    # This CPU rounds the embedding engine's arithmetic differently (see interviewer/embedders/_fingerprint.py):
    # near-threshold items may flip, nothing more.
    assert _agrees_as_another_cpu_would(tmp_path / "offline", RUNS / "offline") == []
    warnings.warn(
        f"embedding arithmetic {here} is not the committed run's {OFFLINE_RUN_ARITHMETIC}: "
        "checked the offline run within another CPU's rounding, not exactly",
        stacklevel=1,
    )


def test_a_grading_change_is_more_than_another_cpu_explains(tmp_path: Path) -> None:
    """The check used on other CPUs still catches a change in what the grader decides."""
    run = tmp_path / "changed"
    shutil.copytree(RUNS / "offline", run)
    lines = []
    for number, line in enumerate((run / "results.jsonl").read_text(encoding="utf-8").splitlines()):
        record = json.loads(line)
        if number % 10 == 0:  # one case in ten loses a covered point, as a raised threshold would do
            covered = [p for p in record["feedback"]["key_points"] if p["status"] == "covered"]
            if covered:
                covered[0].update(status="missed", evidence="")
        lines.append(json.dumps(record))
    (run / "results.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert runner.invoke(app, ["eval", "report", str(run), "--save"]).exit_code == 0
    assert _agrees_as_another_cpu_would(run, RUNS / "offline") != []
    assert _agrees_as_another_cpu_would(RUNS / "offline", RUNS / "offline") == []


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


# -- the offline grader over every golden answer ------------------------------------------------------
# Here, not in test_trust.py: this file already embeds every golden answer (the offline run above, and
# the LLM grader's own offline checks), and a file's tests share one process (`--dist loadfile`).


@pytest.fixture(scope="module")
def golden_cases(corpus: Corpus) -> dict[str, Case]:
    return {c.id: c for c in load_dataset(ROOT / "evals" / "golden", corpus).cases}


@pytest.fixture(scope="module")
def golden_feedback(
    corpus: Corpus, grader: OfflineGrader, golden_cases: dict[str, Case]
) -> list[tuple[str, str, Feedback]]:
    """Every golden answer graded offline, once for the module (the tests below read it)."""
    return [(c.id, c.case.answer, grader.grade(request_for(c, corpus))) for c in golden_cases.values()]


def test_strong_answers_score_above_weak_ones(
    golden_feedback: list[tuple[str, str, Feedback]], golden_cases: dict[str, Case]
) -> None:
    scores: dict[str, dict[Tier, int]] = defaultdict(dict)
    for case_id, _, feedback in golden_feedback:
        case = golden_cases[case_id]
        if case.case.tier is not None and not case.case.variant_of:
            scores[case.question.id][case.case.tier] = feedback.score
    ranked = {q: s for q, s in scores.items() if {Tier.strong, Tier.weak} <= s.keys()}
    assert len(ranked) >= 10
    for qid, by_tier in ranked.items():
        assert by_tier[Tier.strong] > by_tier[Tier.weak], (qid, by_tier)
    full = [s for s in ranked.values() if len(s) == len(Tier)]
    means = {tier: mean(s[tier] for s in full) for tier in Tier}
    assert means[Tier.strong] > means[Tier.adequate] > means[Tier.weak], means


def test_adversarial_answers_stay_at_or_below_the_weak_band(
    golden_feedback: list[tuple[str, str, Feedback]], golden_cases: dict[str, Case]
) -> None:
    checked = 0
    for case_id, _, feedback in golden_feedback:
        kind = golden_cases[case_id].case.adversarial
        if kind in {None, AdversarialKind.prompt_injection, AdversarialKind.evasive}:
            continue
        assert feedback.score <= 2, (case_id, feedback.score, feedback.guards)
        # A guard, or for recited and padded answers a rule of the scoring policy, says why.
        assert feedback.guards or any(a.effect in {"max 1", "max 2"} for a in feedback.score_adjustments), case_id
        assert feedback.strengths == [], case_id  # no praise for what is not there
        checked += 1
    assert checked >= 12


def test_the_headline_is_made_from_the_counts_shown(golden_feedback: list[tuple[str, str, Feedback]]) -> None:
    for case_id, _, feedback in golden_feedback:
        covered = sum(k.status is KeyPointStatus.covered for k in feedback.key_points)
        assert feedback.headline.startswith(SCORE_LABELS[feedback.score]), (case_id, feedback.headline)
        if not any(g.cap <= 1 for g in feedback.guards):
            assert f"covers {covered} of {len(feedback.key_points)} key points" in feedback.headline, case_id
        if feedback.score >= 4:
            assert covered * 2 >= len(feedback.key_points), (case_id, feedback.score, covered)


def test_no_sentence_backs_more_than_two_points(golden_feedback: list[tuple[str, str, Feedback]]) -> None:
    for case_id, _, feedback in golden_feedback:
        counts = Counter(k.evidence for k in feedback.key_points if k.evidence)
        assert not counts or max(counts.values()) <= 2, (case_id, counts)


def test_every_cap_and_adjustment_is_listed(golden_feedback: list[tuple[str, str, Feedback]]) -> None:
    for case_id, _, feedback in golden_feedback:
        assert feedback.score_from_coverage is not None
        if feedback.score != feedback.score_from_coverage:
            assert feedback.score_adjustments, case_id
        for adjustment in feedback.score_adjustments:
            assert adjustment.effect.startswith(("max ", "+", "-")), adjustment


def test_translations_score_within_one_and_say_what_was_not_assessed(
    golden_feedback: list[tuple[str, str, Feedback]], corpus: Corpus
) -> None:
    dataset = {c.id: c for c in load_dataset(ROOT / "evals" / "golden", corpus).cases}
    scores = {case_id: feedback for case_id, _, feedback in golden_feedback}
    translated = [c for c in dataset.values() if c.case.translation_of]
    assert len(translated) >= 4
    # Measured (docs/offline-grader.md): not always within one of English, so the feedback says so plainly.
    for case in translated:
        english = scores[case.case.translation_of or ""]
        assert abs(scores[case.id].score - english.score) <= 2, (case.id, scores[case.id].score, english.score)
        notice = [n for n in scores[case.id].not_assessed if "not in English" in n]
        assert notice and "answer in English" in notice[0], case.id
        assert not any("STAR" in tip for tip in scores[case.id].improvements), case.id
        assert not any("not in English" in n for n in english.not_assessed)


def test_not_assessed_reads_as_sentences(golden_feedback: list[tuple[str, str, Feedback]]) -> None:
    for _, _, feedback in golden_feedback:
        for line in feedback.not_assessed:
            assert ".;" not in line and ".." not in line, line
