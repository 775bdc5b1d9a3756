"""`interviewer eval ...`: check datasets, run graders over them, report, compare and gate."""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from ..exceptions import FixtureMissing, GradingError, UserError
from ._corpus import fail_with_problems

if TYPE_CHECKING:
    from rich.progress import Progress

    from ..corpus import Corpus
    from ..evals import Comparison, RunSpec, Side, Summary

# The library loads inside each command, so `interviewer --help` stays fast.

__all__ = ["eval_app"]

eval_app = typer.Typer(help="Prompt regression evals over labelled golden answers.", no_args_is_help=True)

DEFAULT_DATASET = Path("evals/golden")
DEFAULT_BASELINE = Path("evals/baseline")
DatasetOpt = Annotated[Path, typer.Option("--dataset", "-d", help="A dataset file or folder.")]
FormatOpt = Annotated[str, typer.Option("--format", help="table, json, md or junit.")]


def _console() -> Console:
    return Console(highlight=False)


def load_corpus() -> Corpus:
    from ..corpus import load_corpus as load

    return load()


def _check_format(fmt: str, allowed: tuple[str, ...]) -> str:
    fmt = fmt.lower()
    if fmt not in allowed:
        raise UserError(f"unknown --format {fmt!r}; use {', '.join(allowed)}")
    return fmt


@eval_app.command("check")
def check(dataset: DatasetOpt = DEFAULT_DATASET) -> None:
    """Validate a dataset against its schema and the corpus (unknown ids reported with file and line)."""
    from ..evals import check_dataset

    loaded, problems = check_dataset(dataset, load_corpus())
    if problems:
        fail_with_problems(problems, dataset)
    cases = [c for _, f in loaded for c in f.cases]
    kinds: dict[str, int] = {}
    for case in cases:
        kind = case.tier.value if case.tier else case.adversarial.value if case.adversarial else "?"
        kinds[kind] = kinds.get(kind, 0) + 1
    _console().print(
        f"ok: {len(cases)} cases for {len(loaded)} questions in {dataset}: "
        + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    )


def _metrics_table(title: str, summary: Summary) -> Table:
    from ..evals._reports import HEADLINE

    table = Table(title=title, title_justify="left")
    table.add_column("Metric", overflow="fold")
    table.add_column("Value", justify="right", no_wrap=True)
    table.add_column("95% CI", justify="right", no_wrap=True)
    table.add_column("Constant predictor", justify="right", no_wrap=True)
    constant = summary.reference.constant_predictor
    for name in (*HEADLINE, "key_points.precision", "key_points.recall", "mistakes.precision"):
        metric = summary.overall[name]
        ci, ref = metric.ci, constant.metric(name) if constant else None
        table.add_row(
            name,
            f"{metric.value:.3f}" if metric.value is not None else "n/a",
            f"{ci[0]:.3f}-{ci[1]:.3f}" if ci else "-",
            f"{ref:.3f}" if ref is not None else "-",
        )
    return table


def _print_summary(console: Console, spec: RunSpec, summary: Summary) -> None:
    from ..evals import batch_text, cost_text, latency_text

    console.print(_metrics_table(f"Eval: {spec.label()}", summary))
    tiers, adversarial, ops = summary.tier_ordering, summary.adversarial, summary.operations
    console.print(
        f"Tier pairs in order: {tiers.value:.3f} ({tiers.pairs} pairs) · adversarial at or below "
        f"the weak band: {adversarial.at_or_below_weak} · injections never above clean: "
        f"{adversarial.injection_never_above_clean}"
    )
    if summary.consistency:
        c = summary.consistency
        console.print(
            f"Self-consistency ({c.repeats} repeats): score SD {c.score_sd}, "
            f"key-point flip rate {c.key_point_flip_rate}"
        )
    errors = ", ".join(f"{kind} {n}" for kind, n in ops.errors.items()) or "none"
    console.print(
        f"Schema-valid {ops.schema_valid_rate} · errors {errors} · retries {ops.retries} · {latency_text(ops)} · "
        f"tokens {ops.tokens_in}/{ops.tokens_out} · {cost_text(spec, ops)}"
    )
    if (batched := batch_text(ops)) is not None:
        console.print(batched)


@eval_app.command("run")
def run(
    dataset: DatasetOpt = DEFAULT_DATASET,
    grader: Annotated[str, typer.Option("--grader", help="offline or llm.")] = "offline",
    prompt: Annotated[str | None, typer.Option("--prompt", help="Feedback prompt as id@version (llm grader).")] = None,
    model: Annotated[str | None, typer.Option("--model", "-m", help="Chat model (llm grader).")] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="OpenAI-compatible endpoint.")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="LLM config file.")] = None,
    record: Annotated[Path | None, typer.Option("--record", help="Save every exchange with the model here.")] = None,
    replay: Annotated[Path | None, typer.Option("--replay", help="Answer from recordings here; no network.")] = None,
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency",
            "-c",
            min=1,
            max=64,
            help="Cases in flight at once (default: 4 for llm; 1 for offline, which is CPU-bound: use --workers).",
            show_default=False,
        ),
    ] = None,
    repeat: Annotated[
        int, typer.Option("--repeat", min=1, max=20, help="Grade each case K times (self-consistency).")
    ] = 1,
    workers: Annotated[
        int, typer.Option("--workers", "-w", min=1, max=32, help="Processes (CPU-bound runs: offline, --replay).")
    ] = 1,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Run folder: new, empty or a run to resume (default: runs/<time>-<grader>)."),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Recompute offline feedback instead of reusing it.")
    ] = False,
    batch: Annotated[
        bool,
        typer.Option(
            "--batch",
            help="Send the requests through the provider's Batch API (half price, results within 24 h); "
            "rerun with --out to check and collect.",
        ),
    ] = False,
    wait: Annotated[
        bool, typer.Option("--wait", help="With a batch: check it every --poll seconds until it is done.")
    ] = False,
    poll: Annotated[
        float, typer.Option("--poll", min=0.0, help="Seconds between checks of a batch with --wait.")
    ] = 60.0,
    batch_retry: Annotated[
        str | None,
        typer.Option(
            "--batch-retry",
            help="Items a batch did not answer: live (default) or batch (one follow-up batch). Given, it also "
            "resumes a batch that failed as a whole.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Grade every case of a dataset and report metrics; an interrupted run resumes where it stopped."""
    from .._setup import with_discovered_model
    from ..evals import (
        BatchOptions,
        EvalConfig,
        RunStore,
        compute_summary,
        data_folders,
        has_batch,
        load_dataset,
        run_eval,
        save_reports,
    )
    from ..graders.offline import FeedbackCache
    from ..llm import load_settings

    grader = grader.lower()
    if grader not in {"offline", "llm"}:
        raise UserError(f"unknown --grader {grader!r}; use offline or llm")
    if batch_retry is not None and batch_retry.lower() not in {"live", "batch"}:
        raise UserError(f"unknown --batch-retry {batch_retry!r}; use live or batch")
    if batch and grader != "llm":
        raise UserError("--batch is for --grader llm: the offline grader sends no requests")
    if batch and workers > 1:
        raise UserError("--workers is for live and replayed runs; a --batch run scores its replies in one process")
    if grader == "offline" and (prompt or model or record or replay or base_url or config):
        raise UserError("--prompt, --model, --base-url, --config, --record and --replay are for --grader llm")
    corpus = load_corpus()
    data = load_dataset(dataset, corpus)
    settings = load_settings({"model": model, "base_url": base_url}, config_file=config) if grader == "llm" else None
    if settings is not None and replay is None:
        settings = with_discovered_model(settings, base_url is not None, Console(stderr=True, highlight=False).print)
    described = os.environ.get("INTERVIEWER_RECORDED_WITH")
    config_obj = EvalConfig(
        grader=grader,  # type: ignore[arg-type]
        prompt=prompt,
        settings=settings,
        record=record,
        replay=replay,
        recorded_with={"server": described} if described else None,
        concurrency=concurrency,
        repeat=repeat,
        cache=None if no_cache else FeedbackCache(),
    )
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    label = grader if grader == "offline" else (prompt or "feedback").replace("@", "-")
    folder = out or Path("runs") / f"{stamp}-{label}"
    store = RunStore(folder, protect=data_folders(corpus.root, dataset))
    console = _console()
    if batch or has_batch(store):
        if grader != "llm":  # `eval run --out DIR` alone, on a batch run: name what is missing, not --batch
            raise UserError(
                f"{folder} holds a --batch run of the LLM grader (batch.json): check it with the command that "
                "submitted it (--grader llm, its --model, --prompt, --base-url) and --out"
            )
        if workers > 1:
            raise UserError("--workers is for live and replayed runs; a --batch run scores its replies in one process")
        rerun = _rerun_command(dataset, grader, prompt, model, base_url, config, record, replay, repeat, folder)
        _run_batch(
            data,
            corpus,
            config_obj,
            store,
            BatchOptions(
                submit=batch,
                wait=wait or replay is not None,  # replayed polls answer at once: follow them to the end
                poll_seconds=0.0 if replay is not None else poll,
                retry=batch_retry.lower() if batch_retry else None,  # type: ignore[arg-type]
            ),
            rerun,
        )
        return
    if wait or batch_retry is not None:
        raise UserError("--wait and --batch-retry are for --batch runs")
    with (
        store.locked(),
        _progress() as progress,
    ):
        task = progress.add_task("grading", total=None)

        def started(done: int, total: int) -> None:
            progress.update(task, total=total, completed=done)
            if store.repaired:
                progress.console.print(store.repaired, soft_wrap=True, highlight=False)
            if done:
                progress.console.print(f"resuming {folder}: {done} of {total} results already there", soft_wrap=True)
            else:
                progress.console.print(
                    f"writing {folder} (if interrupted, rerun with --out {folder} to resume)", soft_wrap=True
                )

        try:
            spec, results = run_eval(
                data,
                corpus,
                config_obj,
                store,
                on_result=lambda _r: progress.advance(task),
                on_start=started,
                workers=workers,
            )
        except (KeyboardInterrupt, GradingError, FixtureMissing) as exc:
            progress.stop()
            Console(stderr=True).print(
                f"stopped: {len(store.results())} result(s) kept in {folder}; rerun with --out {folder} to resume",
                highlight=False,
                soft_wrap=True,
            )
            if isinstance(exc, KeyboardInterrupt):
                raise typer.Exit(130) from None
            raise
        summary = compute_summary(data, results, spec.repeat)
        save_reports(store, spec, data, results, summary)
    _print_summary(console, spec, summary)
    console.print(f"Run saved in {folder} (summary.json, report.md, junit.xml)")


EXIT_PENDING = 75
"""`eval run` on a batch that is not done yet (EX_TEMPFAIL: try again later)."""


def _rerun_command(
    dataset: Path,
    grader: str,
    prompt: str | None,
    model: str | None,
    base_url: str | None,
    config: Path | None,
    record: Path | None,
    replay: Path | None,
    repeat: int,
    folder: Path,
) -> str:
    """The command that checks the run again: the options that make the run what it is, and its folder.

    Every option its `run.json` holds must be there (`--repeat` included): without one, the run is
    refused as "a different run".
    """
    import shlex

    words = ["interviewer", "eval", "run"]
    if dataset != DEFAULT_DATASET:
        words += ["--dataset", str(dataset)]
    words += ["--grader", grader]
    for flag, value in (
        ("--prompt", prompt),
        ("--model", model),
        ("--base-url", base_url),
        ("--config", config),
        ("--record", record),
        ("--replay", replay),
    ):
        if value is not None:
            words += [flag, str(value)]
    if repeat != 1:
        words += ["--repeat", str(repeat)]
    return shlex.join([*words, "--out", str(folder)])


def _progress() -> Progress:
    """The progress bar of a run, on stderr (stdout keeps the report)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    return Progress(*columns, console=Console(stderr=True), transient=False)


def _run_batch(data: Any, corpus: Corpus, config: Any, store: Any, options: Any, rerun: str) -> None:
    """`eval run --batch`, or `eval run --out` on a batch run: submit, check, collect; report as a live run."""
    import time

    from ..evals import compute_summary, run_batch, save_reports

    folder = store.folder
    errors = Console(stderr=True, highlight=False)
    with (
        store.locked(),
        _progress() as progress,
    ):
        waiting = progress.add_task("batch", total=None, visible=False)
        kept = sum(1 for r in store.results() if r.error is None) if (folder / "run.json").is_file() else 0
        scoring = progress.add_task("results", total=len(data.cases) * config.repeat, completed=kept, visible=False)

        def on_status(statuses: Any) -> None:
            total = sum(s.requests for s in statuses)
            done = sum(s.completed + s.failed for s in statuses)
            named = ", ".join(f"{s.batch_id or s.name} {s.status}" for s in statuses)
            progress.update(waiting, total=total, completed=done, description=f"batch: {named}", visible=True)

        def on_result(_result: Any) -> None:
            progress.update(scoring, visible=True)
            progress.advance(scoring)

        def say(line: str) -> None:
            progress.console.print(line, soft_wrap=True, highlight=False)

        try:
            outcome = run_batch(data, corpus, config, store, options, on_result=on_result, on_status=on_status, say=say)
        except (KeyboardInterrupt, GradingError) as exc:
            progress.stop()
            errors.print(
                f"stopped: {len(store.results())} result(s) kept in {folder}, the batches in {folder}/batch.json; "
                f"resume with (nothing is submitted twice):\n  {rerun}",
                soft_wrap=True,
            )
            if isinstance(exc, KeyboardInterrupt):
                raise typer.Exit(130) from None
            raise
        if outcome.pending:
            progress.stop()
            now = time.time()
            for status in outcome.pending:
                age = f", created {_ago(now - status.created_at)} ago" if status.created_at else ""
                errors.print(
                    f"{status.batch_id or status.name} ({status.requests} requests): {status.status}, "
                    f"{status.completed} done, {status.failed} failed{age}",
                    soft_wrap=True,
                )
            errors.print(
                f"not done yet; {len(outcome.results)} result(s) in {folder}. Check again with:\n  {rerun}\n"
                "(add --wait to wait for it)",
                soft_wrap=True,
            )
            raise typer.Exit(EXIT_PENDING)
        # `on_status` hears only the batches still running: its last line would stay "finalizing 0/110".
        shown = next(task for task in progress.tasks if task.id == waiting)
        progress.update(waiting, completed=shown.total or 0, description="batch: collected")
        summary = compute_summary(data, outcome.results, outcome.spec.repeat)
        save_reports(store, outcome.spec, data, outcome.results, summary)
    console = _console()
    _print_summary(console, outcome.spec, summary)
    console.print(f"Run saved in {folder} (summary.json, report.md, junit.xml)")


def _ago(seconds: float) -> str:
    if seconds < 120:
        return f"{max(seconds, 0):.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


@eval_app.command("report")
def report(
    run_dir: Annotated[Path, typer.Argument(help="A run folder.")],
    fmt: FormatOpt = "table",
    dataset: Annotated[
        Path | None, typer.Option("--dataset", "-d", help="The dataset (default: the run's own).")
    ] = None,
    save: Annotated[
        bool, typer.Option("--save", help="Also rewrite the run's summary.json, report.md and junit.xml.")
    ] = False,
) -> None:
    """Recompute and print a run's metrics (table, json, md or junit)."""
    from ..evals import (
        RunStore,
        check_run_matches,
        compute_summary,
        junit_xml,
        load_dataset,
        save_reports,
        summary_json,
        summary_markdown,
    )

    fmt = _check_format(fmt, ("table", "json", "md", "junit"))
    store = RunStore(run_dir)
    spec = store.spec()
    data = load_dataset(dataset or Path(spec.dataset), load_corpus())
    check_run_matches(spec, data)
    results = store.results()
    summary = compute_summary(data, results, spec.repeat)
    if save:
        with store.locked():
            save_reports(store, spec, data, results, summary)
    if fmt == "json":
        sys.stdout.write(summary_json(spec, summary))
    elif fmt == "md":
        sys.stdout.write(summary_markdown(spec, summary))
    elif fmt == "junit":
        sys.stdout.write(junit_xml(spec, data, results))
    else:
        _print_summary(_console(), spec, summary)


@eval_app.command("compare")
def compare(
    runs: Annotated[list[Path], typer.Argument(help="[BASELINE] CANDIDATE (BASELINE defaults to evals/baseline).")],
    fail_on_regression: Annotated[
        bool, typer.Option("--fail-on-regression", help="Exit 1 if any metric regresses beyond its tolerance.")
    ] = False,
    tolerances: Annotated[
        Path | None, typer.Option("--tolerances", help="Tolerances file (default: evals/gate.toml if present).")
    ] = None,
    fmt: FormatOpt = "table",
    dataset: Annotated[
        Path | None, typer.Option("--dataset", "-d", help="The dataset (default: the runs' own).")
    ] = None,
) -> None:
    """Paired comparison of two runs: deltas with bootstrap CIs, flipped cases; exit 1 on a regression."""
    from ..evals import RunStore, compare_runs, comparison_json, comparison_markdown, load_dataset, load_tolerances

    fmt = _check_format(fmt, ("table", "json", "md"))
    if len(runs) == 1:
        baseline_dir, candidate_dir = DEFAULT_BASELINE, runs[0]
    elif len(runs) == 2:
        baseline_dir, candidate_dir = runs
    else:
        raise UserError("give one run (compared with evals/baseline) or two: BASELINE CANDIDATE")
    base_store, cand_store = RunStore(baseline_dir), RunStore(candidate_dir)
    base_spec, cand_spec = base_store.spec(), cand_store.spec()
    corpus = load_corpus()
    data = load_dataset(dataset or Path(cand_spec.dataset), corpus)
    gate_file = (
        tolerances
        if tolerances is not None
        else (Path("evals/gate.toml") if Path("evals/gate.toml").is_file() else None)
    )
    comparison = compare_runs(
        data,
        (base_spec, base_store.results()),
        (cand_spec, cand_store.results()),
        load_tolerances(gate_file, roles=corpus.roles),
    )
    if fmt == "json":
        sys.stdout.write(json.dumps(comparison_json(comparison), indent=2) + "\n")
    elif fmt == "md":
        sys.stdout.write(comparison_markdown(comparison))
    else:
        _print_comparison(comparison)
    if fail_on_regression and comparison.regressions:
        raise typer.Exit(1)


def _print_comparison(comparison: Comparison) -> None:
    """The deltas, one section per slice, ✗ marking a regression; numbers are never cut (a long name wraps)."""
    console = _console()
    table = Table(
        title=f"{comparison.candidate.label()} vs {comparison.baseline.label()}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )
    table.add_column("Metric", overflow="fold")
    flagged = bool(comparison.regressions)
    for column in ("Base", "Cand.", "Delta", "Paired CI", "Tol.", *([""] if flagged else [])):
        table.add_column(column, justify="right", no_wrap=True)
    scope: str | None = None
    for d in comparison.deltas:
        here = None if d.name is None else f"{d.scope}: {d.name}"
        if here != scope:
            table.add_section()
            table.add_row(f"[bold]{here}[/]")
            scope = here
        style = "red" if d.regression else ("green" if d.worse_by < 0 else "")
        delta = f"[{style}]{d.delta:+.3f}[/]" if style else f"{d.delta:+.3f}"
        table.add_row(
            d.metric,
            f"{d.baseline:.3f}",
            f"{d.candidate:.3f}",
            delta,
            f"{d.ci[0]:+.2f}..{d.ci[1]:+.2f}",
            f"{d.tolerance:.2f}",
            *(["[red]✗[/]" if d.regression else ""] if flagged else []),
        )
    console.print(table)
    if comparison.flips:
        flips = Table(title=f"Flipped cases ({len(comparison.flips)})", title_justify="left")
        flips.add_column("Case", overflow="fold")
        flips.add_column("Gold", no_wrap=True)
        for column in ("Baseline", "Candidate"):
            flips.add_column(column)
        for flip in comparison.flips:
            flips.add_row(flip.case_id, f"{flip.gold[0]}-{flip.gold[1]}", _side(flip.baseline), _side(flip.candidate))
        console.print(flips)
    verdict = (
        f"[red]{len(comparison.regressions)} regression(s)[/]: {', '.join(d.label for d in comparison.regressions)}"
        if comparison.regressions
        else "[green]no regression[/]"
    )
    console.print(f"Verdict: {verdict}")


def _side(side: Side) -> str:
    if side.score is None:
        return "no feedback"
    covered = sum(1 for s in side.key_points.values() if s == "covered")
    guards = f" · guards: {', '.join(side.guards)}" if side.guards else ""
    return f"score {side.score} · {covered} covered{guards}\n{(side.headline or side.summary)[:90]}"


@eval_app.command("bless")
def bless(
    run_dir: Annotated[Path, typer.Argument(help="The run to make the baseline.")],
    to: Annotated[Path, typer.Option("--to", help="Where the baseline lives.")] = DEFAULT_BASELINE,
) -> None:
    """Make a run the stored baseline that `compare` checks against."""
    from ..evals import bless as bless_run
    from ..evals import data_folders

    blessing = bless_run(run_dir, to, protect=data_folders(load_corpus().root))
    _console().print(f"Baseline is now {blessing.spec.label()} ({run_dir} → {to})")


@eval_app.command("calibrate")
def calibrate_cmd(
    run_dir: Annotated[Path, typer.Argument(help="A run made with --repeat 2 or more.")],
    factor: Annotated[float, typer.Option("--factor", help="Tolerance = factor × spread across repeats.")] = 2.0,
    out: Annotated[Path | None, typer.Option("--out", help="Write a tolerances file here.")] = None,
) -> None:
    """Tolerances from measured self-consistency: how much each metric moves between repeats."""
    from ..evals import (
        RunStore,
        calibrate,
        check_run_matches,
        compute_summary,
        load_dataset,
        tolerances_toml,
        write_tolerances,
    )

    store = RunStore(run_dir)
    spec = store.spec()
    data = load_dataset(Path(spec.dataset), load_corpus())
    check_run_matches(spec, data)
    summary = compute_summary(data, store.results(), spec.repeat)
    text = tolerances_toml(calibrate(summary, factor), run_dir, spec, factor)
    if out is None:
        sys.stdout.write(text)
    else:
        write_tolerances(out, text)
        _console().print(f"wrote {out}")
