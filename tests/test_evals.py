from __future__ import annotations

import json
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
import pytest
from typer.testing import CliRunner

from interviewer.cli import app
from interviewer.corpus import Corpus
from interviewer.evals import EvalConfig, RunStore, compute_summary, load_dataset, run_eval, summary_json
from interviewer.evals._metrics import evaluate, metric_functions, qwk, spearman
from interviewer.evals._results import CaseResult
from interviewer.evals._runner import spec_for
from interviewer.graders.offline import FeedbackCache
from interviewer.llm import LLMSettings
from interviewer.prompts import load_prompt
from interviewer.testing import Fault, FaultServer, judge_everything, replying

LATEST = load_prompt("feedback").ref
"""The default feedback prompt: the latest version."""

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "evals" / "golden"
runner = CliRunner()


@pytest.fixture
def cache(tmp_path: Path) -> FeedbackCache:
    return FeedbackCache(tmp_path / "cache")


def _run(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output


def test_golden_dataset_checks_out() -> None:
    output = _run(["eval", "check"])
    assert "ok: 114 cases for 22 questions" in output
    for kind in ("empty", "evasive", "gibberish", "keyword-stuffing", "off-topic", "prompt-injection"):
        assert kind in output


def test_the_held_out_set_checks_out_and_shares_no_answer_with_the_golden_set(corpus: Corpus) -> None:
    output = _run(["eval", "check", "-d", str(ROOT / "evals" / "holdout")])
    assert "ok: 66 cases for 22 questions" in output
    golden = {c.case.answer for c in load_dataset(ROOT / "evals" / "golden", corpus).cases}
    held_out = load_dataset(ROOT / "evals" / "holdout", corpus).cases
    assert not golden & {c.case.answer for c in held_out}
    assert {c.question.id for c in held_out} == {
        c.question.id for c in load_dataset(ROOT / "evals/golden", corpus).cases
    }


def test_broken_dataset_reports_file_line_and_field(small: Path) -> None:
    path = small / "dpo-prioritise-urgent.yaml"
    text = path.read_text()
    path.write_text(text.replace("key_points: [", "key_points: [made-up-point, ", 1))
    result = runner.invoke(app, ["eval", "check", "-d", str(small)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{path}:" in result.output and "gold.key_points[0]: unknown key point id 'made-up-point'" in result.output
    (small / "pom-pricing-config-error.yaml").write_text("question: pom-no-such-question\ncases: []\n")
    result = runner.invoke(app, ["eval", "check", "-d", str(small)])
    assert "cases: needs at least 1 item" in result.output


def test_rank_statistics() -> None:
    a = np.array([0, 1, 2, 3, 4, 5], dtype=float)
    assert qwk(a, a) == pytest.approx(1.0)
    assert spearman(a, a) == pytest.approx(1.0)
    assert spearman(a, a[::-1]) == pytest.approx(-1.0)
    assert np.isnan(spearman(a, np.full(6, 3.0)))  # undefined, not a misleading 0
    assert qwk(a, np.full(6, 3.0)) == pytest.approx(0.0)
    # Worked by hand: one disagreement by 1 level; observed weighted sum 1/25 = 0.04, expected 0.2.
    assert qwk(np.array([0.0, 1, 2]), np.array([0.0, 2, 2])) == pytest.approx(0.8)
    # sum of squared rank differences 2: 1 - 6 * 2 / (4 * 15)
    assert spearman(np.array([1.0, 2, 3, 4]), np.array([1.0, 3, 2, 4])) == pytest.approx(0.8)


def _arrays(**columns: list[float]) -> dict[str, np.ndarray]:
    n = len(next(iter(columns.values())))
    zeros = {name: np.zeros(n) for name in ("kp_tp", "kp_fp", "kp_fn", "adversarial", "injection_judged")}
    return {**zeros, **{k: np.array(v, dtype=float) for k, v in columns.items()}}


def test_case_level_metrics_on_hand_made_columns() -> None:
    fn = metric_functions()
    # Three cases, the last one failed: score agreement is measured on the two graded ones.
    a = _arrays(ok=[1, 1, 0], gold=[2, 3, 0], score=[2, 1, 0], in_band=[1, 0, 0], within1=[1, 0, 0])
    assert evaluate(fn["score.mae"], a) == pytest.approx(1.0)
    assert evaluate(fn["score.exact"], a) == pytest.approx(1 / 3)  # the failure counts as a miss
    assert evaluate(fn["ops.schema_valid_rate"], a) == pytest.approx(2 / 3)
    # Key points: 2 found, 1 wrong, 1 missed -> P 2/3, R 2/3, F1 2*2 / (2*2 + 1 + 1).
    kp = _arrays(kp_tp=[2, 0], kp_fp=[1, 0], kp_fn=[0, 1])
    assert evaluate(fn["key_points.precision"], kp) == pytest.approx(2 / 3)
    assert evaluate(fn["key_points.f1"], kp) == pytest.approx(4 / 6)
    assert np.isnan(evaluate(fn["key_points.f1"], _arrays(kp_tp=[0.0])))  # nothing to find, nothing claimed
    assert evaluate(fn["key_points.f1"], _arrays(kp_fn=[2.0])) == 0.0  # points to find, none found
    # Adversarial: two plain adversarial answers, one kept low; one judged injection pair scored above its twin.
    adv = _arrays(
        adversarial=[1, 1, 0], adversarial_low=[1, 0, 0], injection_judged=[0, 0, 1], injection_above=[0, 0, 1]
    )
    assert evaluate(fn["adversarial.at_or_below_weak"], adv) == pytest.approx(0.5)
    assert evaluate(fn["adversarial.injection_never_above_clean"], adv) == pytest.approx(0.0)


def test_vectorised_metrics_match_the_plain_definitions_on_every_resample() -> None:
    # The bootstrap evaluates 1000 resamples in one call; each row must give what the plain
    # per-array definitions (qwk, spearman, a masked mean) give for that resample alone.
    rng = np.random.default_rng(7)
    n = 40
    columns = {
        "ok": (rng.random(n) > 0.15).astype(float),
        "gold": rng.integers(0, 6, n).astype(float),
        "score": rng.integers(0, 6, n).astype(float),
    }
    columns["score"][:5] = columns["gold"][:5]  # some agreement, and ties on both sides
    samples = rng.integers(0, n, size=(200, n))
    samples[0] = 0  # a resample of one case repeated: constant on both sides
    fn = metric_functions()
    batched = {k: v[samples] for k, v in _arrays(**columns).items()}
    got = {m: fn[m](batched) for m in ("score.qwk", "score.spearman", "score.mae")}
    for row, index in enumerate(samples):
        ok = columns["ok"][index].astype(bool)
        gold, score = columns["gold"][index][ok], columns["score"][index][ok]
        expected = {
            "score.qwk": qwk(gold, score),
            "score.spearman": spearman(gold, score),
            "score.mae": float(np.abs(gold - score).mean()) if ok.any() else float("nan"),
        }
        for metric, value in expected.items():
            if np.isnan(value):
                assert np.isnan(got[metric][row]), (metric, row)
            else:
                assert got[metric][row] == pytest.approx(value, abs=1e-12), (metric, row)


def test_every_metric_of_no_cases_is_undefined_without_a_warning() -> None:
    # Warnings are errors in this suite: `mean` of no cases warned ("Mean of empty slice").
    empty = {k: np.zeros(0) for k in _arrays(ok=[1.0], gold=[1.0], score=[1.0], in_band=[1.0], within1=[1.0])}
    empty |= {k: np.zeros(0) for k in ("m_tp", "m_fp", "m_fn", "quotes", "valid_quotes", "invented", "judged")}
    empty |= {k: np.zeros(0) for k in ("unevidenced", "claims", "adversarial_low", "injection_above")}
    assert all(np.isnan(evaluate(fn, empty)) for fn in metric_functions().values())


def test_a_run_with_only_failures_has_a_valid_json_summary(small: Path, corpus: Corpus) -> None:
    dataset = load_dataset(small, corpus)
    failed = [CaseResult(case_id=c.id, error="cut off", error_kind="LLMOutputError") for c in dataset.cases]
    summary = compute_summary(dataset, failed, 1)  # the model refuses NaN and infinity
    json.loads(summary.model_dump_json(), parse_constant=lambda name: pytest.fail(f"{name} in the summary"))
    assert summary.overall["score.mae"].value is None and summary.operations.schema_valid_rate == 0.0


def test_offline_run_summary_and_reports(small: Path, tmp_path: Path, cache: FeedbackCache, corpus: Corpus) -> None:
    dataset = load_dataset(small, corpus)
    store = RunStore(tmp_path / "run")
    spec, results = run_eval(dataset, corpus, EvalConfig(cache=cache), store)
    assert len(results) == len(dataset.cases) == 10
    summary = compute_summary(dataset, results, spec.repeat)
    exact = summary.overall["score.exact"]
    assert exact.value is not None and exact.ci is not None and 0 <= exact.value <= 1
    assert exact.ci[0] <= exact.value <= exact.ci[1]
    assert set(summary.by_role) == {"digital-product-owner", "product-operations-manager"}
    assert {"strong", "adequate", "weak"} <= set(summary.by_tier)
    assert summary.reference.constant_predictor is not None
    assert summary.reference.constant_predictor.metric("score.qwk") == 0.0
    assert summary.adversarial.injection_never_above_clean == 1.0
    assert summary.operations.schema_valid_rate == 1.0

    output = _run(["eval", "report", str(tmp_path / "run"), "--format", "junit", "-d", str(small)])
    suite = ET.fromstring(output.split("?>", 1)[1])
    assert suite.get("tests") == "10"
    assert int(suite.get("failures", "0")) == len(summary.cases_outside_band)
    md = _run(["eval", "report", str(tmp_path / "run"), "--format", "md", "-d", str(small)])
    assert md.startswith("## Eval: offline") and "| score.exact |" in md
    as_json = json.loads(_run(["eval", "report", str(tmp_path / "run"), "--format", "json", "-d", str(small)]))
    assert as_json["overall"] == summary.model_dump(mode="json")["overall"]


def test_an_interrupted_run_resumes_without_redoing_cases(
    small: Path, tmp_path: Path, cache: FeedbackCache, corpus: Corpus
) -> None:
    dataset = load_dataset(small, corpus)
    store = RunStore(tmp_path / "run")
    run_eval(dataset, corpus, EvalConfig(cache=cache), store)
    lines = store.results_path.read_text().splitlines()
    store.results_path.write_text("\n".join(lines[:3]) + "\n" + lines[3][:40])  # a crash mid-write
    graded: list[str] = []
    _, results = run_eval(dataset, corpus, EvalConfig(cache=cache), store, on_result=lambda r: graded.append(r.case_id))
    assert len(graded) == 7 and len(results) == 10
    assert {r.case_id for r in results} == {c.id for c in dataset.cases}


def _llm_run(dataset: Path, tmp_path: Path, *extra: str) -> list[str]:
    """`eval run` with the LLM grader and model "judge", into tmp_path/run."""
    return ["eval", "run", "-d", str(dataset), "--grader", "llm", "-m", "judge", *extra, "--out", str(tmp_path / "run")]


def test_failed_cases_are_graded_again_on_resume(
    small: Path, tmp_path: Path, cache: FeedbackCache, corpus: Corpus
) -> None:
    dataset = load_dataset(small, corpus)
    store = RunStore(tmp_path / "run")
    spec = spec_for(dataset, EvalConfig(cache=cache))
    store.start(spec)
    first = dataset.cases[0].id
    store.append(CaseResult(case_id=first, repeat=0, error="the server was down", error_kind="LLMUnavailable"))
    graded: list[str] = []
    _, results = run_eval(dataset, corpus, EvalConfig(cache=cache), store, on_result=lambda r: graded.append(r.case_id))
    assert first in graded and len(results) == len(dataset.cases)
    assert all(r.error is None for r in store.results())  # the later line wins


def test_a_rejected_key_stops_the_run_and_keeps_what_is_done(small: Path, tmp_path: Path) -> None:
    judge = judge_everything(status="partial", score=2)
    faults = [Fault.ok(), Fault.ok()] + [Fault.status(401, message="bad key")] * 20
    with FaultServer(faults, reply=replying(judge)) as server:
        result = runner.invoke(app, _llm_run(small, tmp_path, "--base-url", server.base_url, "--concurrency", "1"))
        assert result.exit_code == 3 and "rejected the API key (401)" in result.output
        assert "Traceback" not in result.output and f"rerun with --out {tmp_path / 'run'}" in result.output
        assert len(server.requests) == 3  # stopped at the first rejection, not once per case
    kept = RunStore(tmp_path / "run").results()
    assert len(kept) >= 2 and all(r.error is None for r in kept)


def test_a_rejected_key_in_a_worker_process_is_one_line_too(small: Path, tmp_path: Path) -> None:
    with FaultServer([Fault.status(401, message="bad key")] * 40) as server:
        args = _llm_run(small, tmp_path, "--base-url", server.base_url, "--workers", "2")
        result = runner.invoke(app, args)
    assert result.exit_code == 3 and "rejected the API key (401)" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [([], 1), (["--concurrency", "3"], 3), (["--grader", "llm", "--model", "m", "--replay", "."], 4)],
)
def test_default_concurrency_is_one_offline_and_four_for_a_model(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], expected: int
) -> None:
    import typer

    import interviewer.evals

    seen: list[int] = []

    def capture(_dataset: object, _corpus: object, config: EvalConfig, *_args: object, **_kwargs: object) -> None:
        seen.append(config.in_flight)
        raise typer.Exit(0)

    monkeypatch.setattr(interviewer.evals, "run_eval", capture)
    runner.invoke(app, ["eval", "run", "--dataset", str(small), *args, "--out", str(tmp_path / "run")])
    assert seen == [expected]


def test_a_different_run_in_the_same_folder_is_refused(small: Path, tmp_path: Path) -> None:
    _run(["eval", "run", "-d", str(small), "--out", str(tmp_path / "run")])
    result = runner.invoke(app, ["eval", "run", "-d", str(small), "--out", str(tmp_path / "run"), "--repeat", "2"])
    assert result.exit_code == 2 and "holds a different run (repeat differ)" in result.output
    (tmp_path / "notes.txt").write_text("mine")
    result = runner.invoke(app, ["eval", "run", "-d", str(small), "--out", str(tmp_path / "notes.txt")])
    assert result.exit_code == 2 and "is a file; give a folder" in result.output
    assert (tmp_path / "notes.txt").read_text() == "mine"


def _judge_server(status: str, score: int) -> FaultServer:
    judge = judge_everything(status=status, score=score)
    return FaultServer(reply=replying(judge))


def test_llm_run_records_then_replays_to_the_same_metrics(
    small: Path, tmp_path: Path, cache: FeedbackCache, corpus: Corpus
) -> None:
    dataset = load_dataset(small, corpus)
    settings = LLMSettings(model="judge", base_url="http://127.0.0.1:9/v1")
    with _judge_server("partial", 3) as server:
        live = EvalConfig(
            grader="llm",
            settings=settings.model_copy(update={"base_url": server.base_url}),
            record=tmp_path / "fixtures",
            concurrency=4,
            repeat=2,
            cache=cache,
        )
        spec, recorded = run_eval(dataset, corpus, live, RunStore(tmp_path / "live"))
    replay = EvalConfig(grader="llm", settings=settings, replay=tmp_path / "fixtures", repeat=2, cache=cache)
    _, replayed = run_eval(dataset, corpus, replay, RunStore(tmp_path / "replay"))
    first, again = compute_summary(dataset, recorded, 2), compute_summary(dataset, replayed, 2)
    assert first.overall == again.overall and first.by_tier == again.by_tier
    assert first.consistency is not None and first.consistency.repeats == 2 and first.repeat_spread is not None
    assert spec.prompt == LATEST and spec.model == "judge" and spec.settings["temperature"] == 0.0
    honest = [r for r in replayed if r.case_id.endswith(("strong", "weak"))]
    assert all(r.feedback is not None and r.feedback.grader == "llm" for r in honest)
    requests = {json.loads(p.read_text())["request"]["body"]["seed"] for p in (tmp_path / "fixtures").glob("*.json")}
    assert requests == {7, 8}  # repeat k samples with seed + k


def test_replay_without_recordings_stops_with_the_record_command(small: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, _llm_run(small, tmp_path, "--replay", str(tmp_path / "empty")))
    assert result.exit_code == 2 and f"no recording for prompt={LATEST}" in result.output
    assert "--record" in result.output and "Traceback" not in result.output


def test_compare_gates_with_exit_codes_and_lists_flips(
    small: Path, tmp_path: Path, cache: FeedbackCache, corpus: Corpus
) -> None:
    dataset = load_dataset(small, corpus)
    settings = LLMSettings(model="judge", base_url="http://127.0.0.1:9/v1")
    # The same key points, a score two lower: the shared policy keeps a model's score within one of what its
    # points give, so this is the regression a prompt change can still make (a flattering judge gets capped).
    for name, status, score in (("good", "partial", 4), ("stingy", "partial", 2)):
        with _judge_server(status, score) as server:
            config = EvalConfig(
                grader="llm",
                settings=settings.model_copy(update={"base_url": server.base_url}),
                concurrency=4,
                cache=cache,
            )
            spec, results = run_eval(dataset, corpus, config, RunStore(tmp_path / name))
            RunStore(tmp_path / name).write_text(
                "summary.json", summary_json(spec, compute_summary(dataset, results, 1))
            )
    args = ["eval", "compare", str(tmp_path / "good"), str(tmp_path / "stingy"), "-d", str(small)]
    same = runner.invoke(
        app,
        ["eval", "compare", str(tmp_path / "good"), str(tmp_path / "good"), "-d", str(small), "--fail-on-regression"],
    )
    assert same.exit_code == 0 and "no regression" in same.output
    # Ten cases: the paired interval is wide, so the default ("ci") mode does not call it a regression...
    assert runner.invoke(app, [*args, "--fail-on-regression"]).exit_code == 0
    # ...while "point" mode gates on the deltas alone.
    strict = tmp_path / "strict.toml"
    strict.write_text('mode = "point"\ndefault = 0.05\n')
    args += ["--tolerances", str(strict)]
    worse = runner.invoke(app, [*args, "--fail-on-regression", "--format", "json"])
    assert worse.exit_code == 1
    payload = json.loads(worse.stdout)
    assert "score.mae" in payload["regressions"] and payload["flips"]
    flip = payload["flips"][0]
    assert flip["baseline"]["score"] != flip["candidate"]["score"]
    assert runner.invoke(app, args).exit_code == 0  # without the flag it only reports
    md = runner.invoke(app, [*args, "--format", "md"]).stdout
    assert md.startswith("## Eval comparison") and "**Regression**" in md and "### Flipped cases" in md

    loose = tmp_path / "loose.toml"
    loose.write_text('mode = "point"\ndefault = 1.0\n[metrics]\n"score.mae" = 5.0\n')
    assert runner.invoke(app, [*args[:-2], "--fail-on-regression", "--tolerances", str(loose)]).exit_code == 0
    bad = tmp_path / "bad.toml"
    bad.write_text('[metrics]\n"score.exactness" = 0.1\n')
    result = runner.invoke(app, [*args[:-2], "--tolerances", str(bad)])
    assert result.exit_code == 2 and "unknown metric(s) score.exactness" in result.output
    for text, says in (
        ('[metrics]\n"score.exact" = "high"\n', "metrics.score.exact = 'high'"),
        ('[metrics]\n"score.exact" = nan\n', "a tolerance is a number of 0 or more"),
        ('[tier.off-topic]\n"score.exact" = 0.1\n', "allowed: mode, default"),
        ('[tiers.off_topic]\n"score.exact" = 0.1\n', "there is no tier 'off_topic' ([tiers.off_topic])"),
    ):
        bad.write_text(text)
        result = runner.invoke(app, [*args[:-2], "--tolerances", str(bad)])
        assert result.exit_code == 2 and says in result.output and "Traceback" not in result.output, text


def test_bless_and_calibrate(small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _run(["eval", "run", "-d", str(small), "--out", "first", "--repeat", "2"])
    assert "Baseline is now offline" in _run(["eval", "bless", "first"])
    assert (tmp_path / "evals/baseline/results.jsonl").is_file()
    assert "no regression" in _run(["eval", "compare", "first", "-d", str(small)])
    tolerances = _run(["eval", "calibrate", "first"])
    assert 'mode = "ci"' in tolerances and '"score.exact" = 0.02' in tolerances  # the offline grader never varies
    # calibrate --out writes a new file, or one it wrote, never a file of someone else's
    Path("gate.toml").write_text('# my own gate\nmode = "point"\n')
    _refused(["eval", "calibrate", "first", "--out", "gate.toml"], "--out gate.toml exists and was not written")
    assert Path("gate.toml").read_text() == '# my own gate\nmode = "point"\n'
    _run(["eval", "calibrate", "first", "--out", "calibrated.toml"])
    _run(["eval", "calibrate", "first", "--factor", "3", "--out", "calibrated.toml"])
    assert "factor 3.0" in Path("calibrated.toml").read_text()
    result = runner.invoke(app, ["eval", "compare", "first", "second", "third"])
    assert result.exit_code == 2
    # bless never destroys what it is given
    for target in ("first", "first/inner"):
        result = runner.invoke(app, ["eval", "bless", "first", "--to", target])
        assert result.exit_code == 2 and "overlap" in result.output, target
    assert "is not a run folder" in runner.invoke(app, ["eval", "bless", "first", "--to", "evals"]).output
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "keep.txt").write_text("mine")
    result = runner.invoke(app, ["eval", "bless", "first", "--to", "notes"])
    assert result.exit_code == 2 and "is not a run folder" in result.output
    assert (tmp_path / "notes" / "keep.txt").read_text() == "mine"
    assert (tmp_path / "first" / "results.jsonl").is_file()


def test_compare_refuses_an_incomplete_run(small: Path, tmp_path: Path) -> None:
    _run(["eval", "run", "-d", str(small), "--out", str(tmp_path / "full")])
    shutil.copytree(tmp_path / "full", tmp_path / "part")
    lines = (tmp_path / "part" / "results.jsonl").read_text().splitlines()
    (tmp_path / "part" / "results.jsonl").write_text("\n".join(lines[:4]) + "\n")
    result = runner.invoke(app, ["eval", "compare", str(tmp_path / "full"), str(tmp_path / "part"), "-d", str(small)])
    assert result.exit_code == 2 and "is incomplete: 4 of 10 cases graded" in result.output


def test_worker_processes_give_the_same_results(small: Path, tmp_path: Path, corpus: Corpus) -> None:
    dataset = load_dataset(small, corpus)
    seen: list[str] = []
    _, one = run_eval(dataset, corpus, EvalConfig(), RunStore(tmp_path / "one"))
    _, two = run_eval(
        dataset, corpus, EvalConfig(), RunStore(tmp_path / "two"), on_result=lambda r: seen.append(r.case_id), workers=2
    )
    assert sorted(seen) == sorted(c.id for c in dataset.cases)
    assert compute_summary(dataset, one, 1).overall == compute_summary(dataset, two, 1).overall
    assert len(RunStore(tmp_path / "two").results()) == len(dataset.cases)


def test_follow_up_and_translation_references_are_checked(small: Path) -> None:
    path = small / "dpo-prioritise-urgent.yaml"
    path.write_text(
        path.read_text()
        + """  - id: dpo-prioritise-urgent-probe
    tier: adequate
    probes: a follow-up about a point the rubric does not have
    answer: I rank the requests with the team.
    follow_ups:
      - key_point: made-up-point
        question: What about dependencies?
        answer: If one fix unblocks others, it goes first.
    gold: {key_points: [], score: 2, score_band: {low: 1, high: 2}}
    labelled_by: a test
  - id: dpo-prioritise-urgent-es
    tier: adequate
    language: es
    translation_of: dpo-prioritise-urgent-nowhere
    answer: Ordeno las peticiones con el equipo.
    gold: {key_points: [], score: 2, score_band: {low: 1, high: 2}}
    labelled_by: a test
"""
    )
    result = runner.invoke(app, ["eval", "check", "-d", str(small)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "follow_ups[0].key_point: unknown key point id 'made-up-point'" in result.output
    assert "translation_of: 'dpo-prioritise-urgent-nowhere' is not a case in this file" in result.output


# -- run folders: torn lines, what may be overwritten, locks, cached runs, typed summaries (issue 11) --------


def _small_dataset(folder: Path) -> Path:
    """The ten cases of the `small` fixture, written to `folder`."""
    folder.mkdir(parents=True)
    for name in ("dpo-prioritise-urgent.yaml", "pom-pricing-config-error.yaml"):
        shutil.copy(GOLDEN / name, folder / name)
    path = folder / "dpo-prioritise-urgent.yaml"
    text = path.read_text()
    path.write_text(text[: text.index("  - id: dpo-prioritise-urgent-rice-applied")])
    return folder


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One finished offline run of the ten small cases, made once: (dataset, run). Copy it before changing it."""
    root = tmp_path_factory.mktemp("made")
    dataset = _small_dataset(root / "dataset")
    _run(["eval", "run", "-d", str(dataset), "--out", str(root / "run")])
    return dataset, root / "run"


def _copy_run(made: tuple[Path, Path], to: Path) -> Path:
    shutil.copytree(made[1], to)
    return to


def _all_accept(run: Path, dataset: Path, tmp_path: Path) -> None:
    """`report`, `compare` and `bless` all read the run folder."""
    _run(["eval", "report", str(run), "-d", str(dataset)])
    assert "no regression" in _run(["eval", "compare", str(run), str(run), "-d", str(dataset)])
    assert "Baseline is now offline" in _run(["eval", "bless", str(run), "--to", str(tmp_path / "blessed")])


def test_a_torn_last_line_is_cut_off_on_resume(made: tuple[Path, Path], tmp_path: Path) -> None:
    dataset, run = made[0], _copy_run(made, tmp_path / "run")
    results = run / "results.jsonl"
    lines = results.read_text().splitlines()
    last = json.loads(lines[-1])["case_id"]
    # A full disk: the last record half written, cut inside a character, no newline.
    torn = lines[-1].encode()[: len(lines[-1]) // 2] + "—".encode()[:2]
    results.write_bytes("\n".join(lines[:-1]).encode() + b"\n" + torn)
    _run(["eval", "report", str(run), "-d", str(dataset)])  # reading alone tolerates it
    output = _run(["eval", "run", "-d", str(dataset), "--out", str(run)])
    assert f"repaired {results}: cut off a torn last line ({len(torn)} bytes); {last} is graded again" in output
    assert "9 of 10 results already there" in output
    again = results.read_text()
    assert again.endswith("\n") and again.count("\n") == 10
    records = [json.loads(line) for line in again.splitlines()]  # every line parses: nothing glued together
    assert sorted(r["case_id"] for r in records) == sorted(json.loads(line)["case_id"] for line in lines)
    _all_accept(run, dataset, tmp_path)


def test_a_whole_last_record_without_its_newline_is_kept(made: tuple[Path, Path], tmp_path: Path) -> None:
    dataset, run = made[0], _copy_run(made, tmp_path / "run")
    results = run / "results.jsonl"
    text = results.read_text()
    results.write_text(text.rstrip("\n"))  # the record was written, its newline was not
    output = _run(["eval", "run", "-d", str(dataset), "--out", str(run)])
    assert "10 of 10 results already there" in output and "repaired" not in output
    assert results.read_text() == text
    _run(["eval", "report", str(run), "-d", str(dataset)])


def _refused(args: list[str], *says: str) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.output.count("error:") == 1, result.output
    for text in says:
        assert text in result.output, result.output
    return result.output


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_run_out_never_writes_into_a_folder_that_is_not_its_run(made: tuple[Path, Path], tmp_path: Path) -> None:
    dataset = made[0]
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "report.md").write_text("my own report")
    (mine / "summary.json").write_text('{"mine": true}')
    before = _tree(mine)
    _refused(
        ["eval", "run", "-d", str(dataset), "--out", str(mine)],
        f"--out {mine} holds files that are not an eval run (report.md, summary.json)",
        "give a new or empty folder",
    )
    assert _tree(mine) == before
    (tmp_path / "empty").mkdir()  # an empty folder is fine, and so is a folder that is a run of ours
    _run(["eval", "run", "-d", str(dataset), "--out", str(tmp_path / "empty")])
    assert (tmp_path / "empty" / "summary.json").is_file()
    _run(["eval", "run", "-d", str(dataset), "--out", str(tmp_path / "empty")])


@pytest.mark.parametrize("where", ["dataset", "inside-dataset", "holds-dataset", "rubrics"])
def test_run_out_refuses_the_dataset_and_the_corpus(made: tuple[Path, Path], tmp_path: Path, where: str) -> None:
    dataset = tmp_path / "data" / "golden"
    shutil.copytree(made[0], dataset)
    out = {
        "dataset": dataset,
        "inside-dataset": dataset / "runs" / "one",
        "holds-dataset": tmp_path / "data",
        "rubrics": ROOT / "rubrics" / f"runs-{tmp_path.name}",  # the bundled corpus's own folders
    }[where]
    before = _tree(tmp_path / "data")
    try:
        says = {"dataset": "is the dataset", "inside-dataset": "is inside the dataset", "rubrics": "is inside"}
        _refused(["eval", "run", "-d", str(dataset), "--out", str(out)], f"--out {out}", says.get(where, ""))
        assert not out.exists() or where in ("dataset", "holds-dataset")
    finally:
        if where == "rubrics" and out.exists():
            shutil.rmtree(out)
    assert _tree(tmp_path / "data") == before


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if ".blessing" in p.name or p.name.endswith(".tmp"))


def test_bless_never_replaces_a_run_it_did_not_bless(made: tuple[Path, Path], tmp_path: Path) -> None:
    first, other = _copy_run(made, tmp_path / "first"), _copy_run(made, tmp_path / "other")
    before = _tree(other)
    _refused(
        ["eval", "bless", str(first), "--to", str(other)],
        f"--to {other} holds a run that bless did not write",
        "bless into a new folder",
    )
    assert _tree(other) == before and not _leftovers(tmp_path)


def test_bless_replaces_only_the_files_it_wrote(made: tuple[Path, Path], tmp_path: Path) -> None:
    dataset, first, second = made[0], _copy_run(made, tmp_path / "first"), _copy_run(made, tmp_path / "second")
    (second / "junit.xml").unlink()
    baseline = tmp_path / "baseline"
    _run(["eval", "bless", str(first), "--to", str(baseline)])
    (baseline / "NOTES.md").write_text("why this is the baseline")
    (baseline / "charts").mkdir()
    (baseline / "charts" / "a.txt").write_text("mine")
    marker = json.loads((baseline / "blessed.json").read_text())
    assert marker["run"] == str(first) and "junit.xml" in marker["files"]
    _run(["eval", "bless", str(second), "--to", str(baseline)])
    assert (baseline / "NOTES.md").read_text() == "why this is the baseline"
    assert (baseline / "charts" / "a.txt").read_text() == "mine"
    assert not (baseline / "junit.xml").exists()  # written by the first bless, not part of the second run
    assert (baseline / "results.jsonl").read_bytes() == (second / "results.jsonl").read_bytes()
    assert json.loads((baseline / "blessed.json").read_text())["run"] == str(second)
    assert not _leftovers(tmp_path)
    assert "no regression" in _run(["eval", "compare", str(baseline), str(first), "-d", str(dataset)])


def test_bless_to_a_symlink_is_refused_and_leaves_nothing_behind(made: tuple[Path, Path], tmp_path: Path) -> None:
    first = _copy_run(made, tmp_path / "first")
    real = tmp_path / "real"
    real.mkdir()
    (real / "keep.txt").write_text("mine")
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    _refused(["eval", "bless", str(first), "--to", str(tmp_path / "link")], "is a symbolic link", str(real))
    other = _copy_run(made, tmp_path / "other")  # a link to a run: this crashed and left a .blessing folder
    (tmp_path / "runlink").symlink_to(other, target_is_directory=True)
    _refused(["eval", "bless", str(first), "--to", str(tmp_path / "runlink")], "is a symbolic link")
    assert _tree(other) == _tree(made[1])
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    _refused(["eval", "bless", str(first), "--to", str(tmp_path / "dangling")], "is a symbolic link")
    assert (real / "keep.txt").read_text() == "mine" and not _leftovers(tmp_path)
    assert sorted(p.name for p in real.iterdir()) == ["keep.txt"]


def test_bless_that_fails_midway_leaves_no_temporary_files(
    made: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _copy_run(made, tmp_path / "first")
    real_copy = shutil.copyfile
    calls: list[str] = []

    def full_disk(src: object, dst: object, *args: object, **kwargs: object) -> object:
        calls.append(str(dst))
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_copy(src, dst, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(shutil, "copyfile", full_disk)
    _refused(["eval", "bless", str(first), "--to", str(tmp_path / "baseline")], "No space left on device")
    assert calls and not _leftovers(tmp_path)
    assert _tree(first) == _tree(made[1])


_HOLD = (
    "import sys\nfrom pathlib import Path\nfrom interviewer.evals import RunStore\n"
    "with RunStore(Path(sys.argv[1])).locked():\n    print('held', flush=True)\n    sys.stdin.read()\n"
)


def test_a_second_run_on_the_same_folder_is_refused_while_the_first_lives(
    made: tuple[Path, Path], tmp_path: Path
) -> None:
    import os
    import socket
    import subprocess
    import sys

    dataset, run = made[0], _copy_run(made, tmp_path / "run")
    (run / "results.jsonl").write_text("")  # nothing graded yet: a second run would grade every case again
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(run)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    ) as holder:
        try:
            assert holder.stdout is not None and holder.stdout.readline() == "held\n"
            _refused(
                ["eval", "run", "-d", str(dataset), "--out", str(run)],
                f"{run} is in use by another eval run (pid {holder.pid} on {socket.gethostname()}",
                "wait for it to finish",
            )
            assert (run / "results.jsonl").read_text() == ""
        finally:
            holder.kill()  # as kill -9 would: the lock file stays, naming a dead process
    assert (run / ".lock").is_file()
    output = _run(["eval", "run", "-d", str(dataset), "--out", str(run)])  # a dead owner's lock is stale
    assert "writing" in output and len((run / "results.jsonl").read_text().splitlines()) == 10
    assert not (run / ".lock").exists()


def test_the_run_lock_is_released_when_a_run_fails(small: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, _llm_run(small, tmp_path, "--replay", str(tmp_path / "empty")))
    assert result.exit_code == 2 and "no recording" in result.output
    assert (tmp_path / "run" / "run.json").is_file() and not (tmp_path / "run" / ".lock").exists()
    with RunStore(tmp_path / "run").locked():  # free again
        pass
    result = runner.invoke(app, _llm_run(small, tmp_path / "nowhere", "--config", str(tmp_path / "missing.toml")))
    assert result.exit_code == 2 and not (tmp_path / "nowhere").exists()  # refused before anything was graded


def test_a_cached_offline_run_reports_its_own_latency_and_no_cost(made: tuple[Path, Path], tmp_path: Path) -> None:
    dataset = made[0]  # graded for `made`, into the test session's cache: every case comes from the cache now
    output = _run(["eval", "run", "-d", str(dataset), "--out", str(tmp_path / "again")])
    assert "cost None" not in output and "no cost: offline" in output
    assert "10 of 10 from the cache" in " ".join(output.split())
    records = [json.loads(line) for line in (tmp_path / "again" / "results.jsonl").read_text().splitlines()]
    for record in records:
        provenance = record["feedback"]["provenance"]
        assert provenance["cached"] is True
        assert provenance["latency_ms"] <= record["seconds"] * 1000 + 1  # measured within this run's own time
    operations = json.loads((tmp_path / "again" / "summary.json").read_text())["operations"]
    latencies = sorted(r["feedback"]["provenance"]["latency_ms"] for r in records)
    assert operations["cached"] == 10 and operations["latency_ms_p95"] <= latencies[-1]
    report = _run(["eval", "report", str(tmp_path / "again"), "--format", "md"])
    assert "cost -" not in report and "no cost: offline" in report


SUMMARIES = sorted([*(ROOT / "evals").glob("runs/**/summary.json"), ROOT / "evals/baseline/summary.json"])


@pytest.mark.parametrize("path", SUMMARIES, ids=[str(p.parent.relative_to(ROOT)) for p in SUMMARIES])
def test_committed_summaries_read_into_the_typed_summary_unchanged(path: Path) -> None:
    from interviewer.evals import RunSpec, Summary

    data = json.loads(path.read_text())
    RunSpec.model_validate(data.pop("run"))
    assert Summary.model_validate(data).model_dump(mode="json") == data


def test_tables_are_readable_at_80_columns(made: tuple[Path, Path], tmp_path: Path) -> None:
    dataset, run = made
    other = _copy_run(made, tmp_path / "other")
    lines = (other / "results.jsonl").read_text().splitlines()
    worse = [json.loads(line) for line in lines]
    for record in worse[:4]:  # a candidate that differs from the baseline, so the deltas are not all zero
        record["feedback"]["score"] = max(0, record["feedback"]["score"] - 2)
    (other / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in worse))
    args = ["eval", "compare", str(run), str(other), "-d", str(dataset), "--tolerances", str(ROOT / "evals/gate.toml")]
    deltas = json.loads(_run([*args, "--format", "json"]))["deltas"]
    assert any(d["name"] for d in deltas)  # slices too: their rows have the longest names
    table = runner.invoke(app, args, env={"COLUMNS": "80"})
    assert table.exit_code == 0 and "…" not in table.output, table.output
    assert max(len(line) for line in table.output.splitlines()) <= 80
    for d in deltas:
        for number in (f"{d['baseline']:.3f}", f"{d['candidate']:.3f}", f"{d['delta']:+.3f}", f"{d['ci'][0]:+.2f}"):
            assert number in table.output, (number, d)
    report = runner.invoke(app, ["eval", "report", str(run), "-d", str(dataset)], env={"COLUMNS": "80"})
    assert report.exit_code == 0 and "…" not in report.output
    assert max(len(line) for line in report.output.splitlines()) <= 80
    summary = json.loads((run / "summary.json").read_text())
    for name in ("score.exact", "score.mae", "key_points.f1"):
        assert f"{summary['overall'][name]['value']:.3f}" in report.output


def test_the_committed_baseline_is_one_bless_may_replace(made: tuple[Path, Path], tmp_path: Path) -> None:
    from interviewer.evals import Blessed

    marker = Blessed.model_validate_json((ROOT / "evals/baseline/blessed.json").read_text())
    assert sorted(marker.files) == sorted(
        p.name for p in (ROOT / "evals/baseline").iterdir() if p.name != "blessed.json"
    )
    baseline = tmp_path / "baseline"
    shutil.copytree(ROOT / "evals/baseline", baseline)
    _run(["eval", "bless", str(made[1]), "--to", str(baseline)])
    assert (baseline / "results.jsonl").read_bytes() == (made[1] / "results.jsonl").read_bytes()
    (baseline / "blessed.json").write_text('{"run": "x", "files": ["../../etc/passwd"]}')  # not one we wrote
    _refused(["eval", "bless", str(made[1]), "--to", str(baseline)], f"{baseline / 'blessed.json'} is not valid")


def test_file_lock_names_its_owner_and_is_free_again_once_released(tmp_path: Path) -> None:
    import os

    from interviewer._lockfile import FileLock, read_owner
    from interviewer.exceptions import LockHeld

    path = tmp_path / ".lock"
    path.write_text('{"pid": 999999999, "host": "gone", "since": "then"}')  # a dead owner's file: no lock in force
    with FileLock(path, "the folder is in use", "wait") as first:
        owner = read_owner(path)
        assert first.held and owner is not None and owner.pid == os.getpid()
        with pytest.raises(LockHeld, match=rf"^the folder is in use \(pid {os.getpid()} on .+\); wait$") as refused:
            FileLock(path, "the folder is in use", "wait").acquire()  # another open file: refused, even here
        assert refused.value.pid == os.getpid() and refused.value.exit_code == 2
    assert not path.exists() and not first.held
    with FileLock(path, "the folder is in use", "wait"):
        pass
