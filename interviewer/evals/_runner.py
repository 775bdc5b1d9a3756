"""Running a grader over a dataset: bounded concurrency, one result written per case as it completes, resumable."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .._setup import GradingOptions, GradingSetup, build_grader
from .._version import __version__
from ..corpus import Corpus, rubric_hash
from ..exceptions import ConfigError, GradingError, UsageError
from ..graders import Exchange, Grader, GradeRequest
from ..graders.offline import FeedbackCache
from ..llm import LLMSettings
from ._dataset import Case, Dataset
from ._results import CaseResult, RunSpec, RunStore

__all__ = ["EvalConfig", "grading_for", "request_for", "run_cases", "run_eval", "run_with_graders", "spec_for"]


@dataclass(frozen=True)
class EvalConfig:
    """How to grade: which grader, prompt and model, record or replay, how many at once, how many times."""

    grader: Literal["offline", "llm"] = "offline"
    prompt: str | None = None
    settings: LLMSettings | None = None
    record: Path | None = None
    replay: Path | None = None
    recorded_with: dict[str, str] | None = None
    concurrency: int | None = None
    """Cases in flight; default 4 for a model, 1 offline (see `in_flight`)."""
    repeat: int = 1
    cache: FeedbackCache | None = None

    def __post_init__(self) -> None:
        self.grading_options()  # checks --record against --replay before a run folder is made

    def grading_options(self, prompt: str | None = None) -> GradingOptions:
        """How `build_grader` makes this run's graders.

        One per repeat; async clients, so many cases are in flight at once; no
        fallback: a case the model failed is recorded as failed (and graded again
        on resume), not given offline feedback. `prompt` is the run's resolved
        prompt ref (`RunSpec.prompt`).
        """
        return GradingOptions(
            record=self.record,
            replay=self.replay,
            recorded_with=self.recorded_with,
            prompt=prompt or self.prompt,
            fallback=False,
            repeat=self.repeat,
            asynchronous=True,
            cache=self.cache,
        )

    @property
    def in_flight(self) -> int:
        """`concurrency`, else 4 for a model and 1 offline.

        Offline grading is CPU-bound: more cases in flight finish no sooner, and each one's measured
        latency grows with its wait for the CPU (p50 147 ms at 1, 684 ms at 4; same wall time).
        """
        return self.concurrency or (4 if self.grader == "llm" else 1)


def request_for(case: Case, corpus: Corpus) -> GradeRequest:
    role = corpus.role(case.role)
    follow_ups = tuple(Exchange(f.question, f.answer, f.key_point) for f in case.case.follow_ups)
    return GradeRequest(role.role, case.question, case.rubric, case.case.answer, follow_ups)


def rubrics_hash(dataset: Dataset) -> str:
    """One hash of the rubrics of every question the dataset asks."""
    hashes = sorted({rubric_hash(case.question, case.rubric) for case in dataset.cases})
    return hashlib.sha256("\n".join(hashes).encode()).hexdigest()[:16]


def check_run_matches(spec: RunSpec, dataset: Dataset) -> None:
    """Refuse to score a run against a dataset or rubrics that changed since it was made."""
    if spec.dataset_hash != dataset.hash:
        raise UsageError(
            f"the run of {spec.label()} was made on a different version of the dataset "
            f"({spec.dataset_hash} vs {dataset.hash} now); rerun it on this one"
        )
    if spec.rubrics_hash is not None and spec.rubrics_hash != rubrics_hash(dataset):
        raise UsageError(f"the rubrics changed since the run of {spec.label()} was made; rerun it")


def spec_for(dataset: Dataset, config: EvalConfig) -> RunSpec:
    settings = config.settings
    if config.grader == "offline":
        return RunSpec(
            dataset=str(dataset.path),
            dataset_hash=dataset.hash,
            rubrics_hash=rubrics_hash(dataset),
            grader="offline",
            repeat=config.repeat,
            interviewer_version=__version__,
        )
    if settings is None or settings.model is None:
        raise ConfigError("--grader llm needs --model (or a model in the config file)")
    from ..graders.llm._grader import feedback_template

    prompt = feedback_template(settings, config.prompt).ref
    shaping = settings.model_dump(
        mode="json",
        include={
            "temperature",
            "seed",
            "max_tokens",
            "max_string_length",
            "structured_output",
            "max_answer_tokens",
            "extra_body",
        },
    )
    return RunSpec(
        dataset=str(dataset.path),
        dataset_hash=dataset.hash,
        rubrics_hash=rubrics_hash(dataset),
        grader="llm",
        prompt=prompt,
        model=settings.model,
        host=settings.host,
        settings=shaping,
        repeat=config.repeat,
        interviewer_version=__version__,
    )


def grading_for(config: EvalConfig, spec: RunSpec) -> GradingSetup:
    """The run's graders, built as every front end builds them: one per repeat, async, no fallback."""
    settings = config.settings if spec.grader == "llm" and config.settings is not None else LLMSettings()
    return build_grader(settings, config.grading_options(spec.prompt))


async def run_cases(
    todo: Sequence[tuple[Case, int]],
    graders: Sequence[Grader],
    corpus: Corpus,
    concurrency: int,
    sink: Callable[[CaseResult], None],
) -> None:
    """Grade `todo` with at most `concurrency` cases in flight; hand each result to `sink` as it completes."""
    semaphore = asyncio.Semaphore(max(concurrency, 1))
    stopped = False

    async def one(case: Case, repeat: int) -> None:
        nonlocal stopped
        async with semaphore:
            if stopped:  # a case that was waiting for a slot when the run failed sends nothing
                return
            started = time.perf_counter()
            try:
                feedback = await graders[repeat].agrade(request_for(case, corpus))
                result = CaseResult(case_id=case.id, repeat=repeat, feedback=feedback)
            except GradingError as exc:
                if exc.kind.permanent:
                    stopped = True
                    raise  # a bad key, model or quota fails every case alike: stop, keep what is done
                result = CaseResult(case_id=case.id, repeat=repeat, error=str(exc), error_kind=type(exc).__name__)
            result.seconds = round(time.perf_counter() - started, 3)
            sink(result)

    await gather_or_cancel(one(case, repeat) for case, repeat in todo)


async def gather_or_cancel(coroutines: Iterable[Coroutine[Any, Any, None]]) -> None:
    """Run them all at once; if one fails (or the run is interrupted), cancel the rest before raising."""
    tasks = [asyncio.create_task(c) for c in coroutines]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def run_with_graders(
    todo: Sequence[tuple[Case, int]],
    config: EvalConfig,
    spec: RunSpec,
    corpus: Corpus,
    sink: Callable[[CaseResult], None],
    ready: Callable[[], None] = lambda: None,
) -> None:
    """Build and warm the graders, call `ready` (start-up is over), grade; close the clients in the same loop."""
    from ..graders.llm import LLMGrader

    grading = grading_for(config, spec)
    rubrics = list({case.question.id: case.rubric for case, _ in todo}.values())
    for grader in {id(g): g for g in grading.graders}.values():
        grader.prepare(rubrics)
        if isinstance(grader, LLMGrader):
            grader.warm(rubrics)
    ready()
    try:
        await run_cases(todo, grading.graders, corpus, config.in_flight, sink)
    finally:
        await grading.aclose()


def run_eval(
    dataset: Dataset,
    corpus: Corpus,
    config: EvalConfig,
    store: RunStore,
    on_result: Callable[[CaseResult], None] | None = None,
    on_start: Callable[[int, int], None] | None = None,
    workers: int = 1,
) -> tuple[RunSpec, list[CaseResult]]:
    """Grade every case `config.repeat` times; resume a run already in `store`.

    Results are appended to the run folder as they complete, so an interrupted
    run loses only the cases in flight. A replay miss (stale or missing
    recordings) stops the run with `FixtureMissing`, and a rejected key, model
    or quota with `LLMRejected`; finished cases are kept. Cases that failed
    are graded again when the run resumes.
    `workers` > 1 spreads the cases over that many processes (offline grading
    and replay are CPU-bound; a live model is not, and needs only one).
    """
    spec = spec_for(dataset, config)
    # Failed cases are graded again on resume: the cause (a server that was down) may be gone.
    done = {(r.case_id, r.repeat): r for r in store.start(spec) if r.error is None}
    todo = [(case, k) for k in range(spec.repeat) for case in dataset.cases if (case.id, k) not in done]
    new: list[CaseResult] = []

    def sink(result: CaseResult) -> None:
        store.append(result)
        new.append(result)
        if on_result is not None:
            on_result(result)

    def started() -> None:
        if on_start is not None:
            on_start(len(done), len(done) + len(todo))

    if workers > 1 and len(todo) > 1:
        from ._workers import run_in_processes

        run_in_processes(todo, dataset, corpus, config, spec, workers, sink, started)
    else:
        asyncio.run(run_with_graders(todo, config, spec, corpus, sink, ready=started))
    return spec, [*done.values(), *new]
