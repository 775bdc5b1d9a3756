"""An eval run through the provider's Batch API: submit every request at once, score the replies when done.

`run_batch` plans every case as the live grader would (`LLMGrader.plan`: the same request
body, byte for byte), writes the batch file, uploads it and creates the batch, saving each
step in `batch.json` first (`_batch_state`). Run again on the same folder, it checks the
batch (once, or every `poll_seconds` with `wait`), and when it is done downloads its files,
scores each reply as a live one (`LLMGrader.agrade_reply`: the same checks, a live repair if
it does not validate), grades the items the batch did not answer live (or asks them again in
one follow-up batch), and returns the run's results, as `run_eval` does.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .._sessions import atomic_write_text
from ..exceptions import BatchFailed, GradingError, LLMRejected, UsageError, UserError
from ..graders.llm import LLMGrader
from ..graders.llm._grader import GradePlan
from ..llm._batch import ENDPOINT, TERMINAL, BatchAPI, BatchInfo
from ._batch_state import BatchFolder, Submission, custom_id, parse_custom_id
from ._dataset import Case, Dataset
from ._results import BatchNote, CaseResult, RunSpec, RunStore
from ._runner import EvalConfig, gather_or_cancel, grading_for, request_for, run_cases, spec_for

__all__ = ["BatchOptions", "BatchOutcome", "SubmissionStatus", "has_batch", "run_batch"]

MAX_REQUESTS = 50_000
"""Requests per batch file (OpenAI's limit)."""
MAX_BYTES = 190 * 1024 * 1024
"""Bytes per batch file (OpenAI's limit is 200 MB)."""


@dataclass(frozen=True)
class BatchOptions:
    """How a batch run submits, waits and retries."""

    submit: bool = True
    """Cases without a result go in a new batch (`--batch`); False: follow the batches there, grade the rest live."""
    wait: bool = False
    """Check every `poll_seconds` until every batch is done; else check once and return what is pending."""
    poll_seconds: float = 60.0
    retry: Literal["live", "batch"] | None = None
    """Items a batch did not answer: live, or in one follow-up batch; None keeps the run's choice (default live).
    Given, it also lets a batch that failed as a whole be graded (live) or submitted again (batch)."""
    max_requests: int = MAX_REQUESTS
    max_bytes: int = MAX_BYTES


@dataclass(frozen=True)
class SubmissionStatus:
    """Where one batch stands, for a progress line."""

    name: str
    batch_id: str | None
    status: str
    requests: int
    completed: int
    failed: int
    created_at: float | None


@dataclass
class BatchOutcome:
    spec: RunSpec
    results: list[CaseResult]
    pending: list[SubmissionStatus]
    """The batches not done yet; empty when the run is complete (its results all there)."""


def has_batch(store: RunStore) -> bool:
    """Whether the run folder holds a batch run's state."""
    return BatchFolder(store.folder).exists()


Checkpoint = Callable[[str], None]
"""Called at each step with its name (tests interrupt the run there): see `_BatchRun` for the names."""


def run_batch(
    dataset: Dataset,
    corpus: Any,
    config: EvalConfig,
    store: RunStore,
    options: BatchOptions = BatchOptions(),
    *,
    on_result: Callable[[CaseResult], None] | None = None,
    on_status: Callable[[Sequence[SubmissionStatus]], None] | None = None,
    say: Callable[[str], None] | None = None,
    checkpoint: Checkpoint | None = None,
    sleep: Callable[[float], Awaitable[None]] | None = None,
) -> BatchOutcome:
    """Submit the run's requests as a batch, or follow and collect the batches already in `store`'s folder.

    Idempotent by the folder: stopped anywhere and run again, it submits nothing twice and
    loses no result. `say` hears one line for each thing worth telling (an upload redone, a
    batch found again); `on_status` each check of the batches. A batch that failed as a whole
    raises `BatchFailed` unless `options.retry` says what to do with its requests.
    """
    if config.grader != "llm":
        raise UsageError("--batch is for --grader llm: the offline grader sends no requests")
    spec = spec_for(dataset, config)
    done = {(r.case_id, r.repeat): r for r in store.start(spec) if r.error is None}
    run = _BatchRun(dataset, corpus, config, store, options, spec=spec, done=dict(done))
    run.on_result, run.on_status = on_result, on_status
    run.say = say or (lambda _line: None)
    if store.repaired:  # set by `start`: a torn last line of results.jsonl was cut off
        run.say(store.repaired)
    run.checkpoint = checkpoint or (lambda _step: None)
    run.sleep = sleep or asyncio.sleep
    pending = asyncio.run(run.run())
    results = {**done, **{(r.case_id, r.repeat): r for r in run.new}}
    return BatchOutcome(spec, list(results.values()), pending)


class _BatchRun:
    """One invocation of a batch run.

    Its checkpoints, in order: planned, screened, uploading, uploaded (id not saved yet), upload-saved,
    creating (intent saved), created (id not saved yet), create-saved, polled, downloaded (files
    written, state not yet), download-saved, scored (after each reply's result), retried (after each
    live retry), collected.
    """

    on_result: Callable[[CaseResult], None] | None
    on_status: Callable[[Sequence[SubmissionStatus]], None] | None
    say: Callable[[str], None]
    checkpoint: Checkpoint
    sleep: Callable[[float], Awaitable[None]]

    def __init__(
        self,
        dataset: Dataset,
        corpus: Any,
        config: EvalConfig,
        store: RunStore,
        options: BatchOptions,
        *,
        spec: RunSpec,
        done: dict[tuple[str, int], CaseResult],
    ) -> None:
        self.dataset, self.corpus, self.config, self.spec = dataset, corpus, config, spec
        self.store, self.options, self.done = store, options, done
        self.files = BatchFolder(store.folder)
        self.state = self.files.load()
        self.new: list[CaseResult] = []
        self.cases = {case.id: case for case in dataset.cases}

    # -- the run ------------------------------------------------------------------------

    async def run(self) -> list[SubmissionStatus]:
        grading = grading_for(self.config, self.spec)
        try:
            self.graders = [g for g in grading.graders if isinstance(g, LLMGrader)]
            if len(self.graders) != len(grading.graders):  # pragma: no cover - fallback is off in eval runs
                raise UsageError("--batch needs the LLM grader without an offline fallback")
            self.api = BatchAPI(grading.clients[0])
            self.host = grading.clients[0].where
            if self.options.retry is not None and self.options.retry != self.state.retry:
                self.state.retry = self.options.retry
                self._save()
            if self.options.submit:
                await self._plan()
            else:
                self._abandon_unsent()
            while True:
                for submission in self.state.open():
                    await self._advance(submission)
                waiting = self.state.open()
                if not waiting:
                    break
                if any(s.batch_id is None for s in waiting):
                    continue  # a follow-up batch was just planned: submit it now
                if self.on_status is not None:
                    self.on_status([self._status(s) for s in waiting])
                if not self.options.wait:
                    return [self._status(s) for s in waiting]
                await self.sleep(self.options.poll_seconds)
            if not self.options.submit:
                await self._live(self._todo(), None)
            return []
        finally:
            await grading.aclose()

    def _abandon_unsent(self) -> None:
        """Without `--batch`, batches whose upload the server turned down are dropped: their requests are graded live.

        Nothing of them can exist at the provider but an uploaded file (no batch is made without
        `create_started_at`): the way out after a server without a Batch API. A batch whose upload was
        only interrupted (Ctrl+C, a kill) is not dropped: the run goes on submitting it, as with `--batch`.
        """
        unsent = [s for s in self.state.open() if s.create_started_at is None and s.upload_refused is not None]
        if not unsent:
            return
        for submission in unsent:
            self.state.submissions.remove(submission)
            self.say(
                f"{submission.name} was planned but never submitted: grading its {len(submission.custom_ids)} "
                "requests live (run with --batch to submit them in a batch instead)"
            )
        if self.state.submissions:
            self._save()
        else:
            self.files.path.unlink(missing_ok=True)

    def _todo(self) -> list[tuple[Case, int]]:
        """Cases without a result that no open batch holds."""
        held = {cid for s in self.state.open() for cid in s.custom_ids}
        return [
            (case, k)
            for k in range(self.spec.repeat)
            for case in self.dataset.cases
            if (case.id, k) not in self.done and custom_id(case.id, k) not in held and not self._new_has(case.id, k)
        ]

    def _new_has(self, case_id: str, repeat: int) -> bool:
        """Graded in this invocation, even if it failed (a failed case is graded again on the next one)."""
        return any(r.case_id == case_id and r.repeat == repeat for r in self.new)

    def _save(self) -> None:
        self.files.save(self.state)

    def _sink(self, result: CaseResult) -> None:
        self.store.append(result)
        self.new.append(result)
        if result.error is None:
            self.done[(result.case_id, result.repeat)] = result
        if self.on_result is not None:
            self.on_result(result)

    # -- 1. plan ----------------------------------------------------------------------------

    async def _plan(self) -> None:
        todo = self._todo()
        if not todo:
            return
        lines: list[tuple[str, bytes]] = []
        screened: list[tuple[GradePlan, Case, int]] = []
        for case, k in todo:
            grader = self.graders[k]
            plan = grader.plan(request_for(case, self.corpus))
            if not plan.asks_model:
                screened.append((plan, case, k))
                continue
            cid = custom_id(case.id, k)
            line = {"custom_id": cid, "method": "POST", "url": ENDPOINT, "body": grader.request_body(plan)}
            lines.append((cid, (json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n").encode()))
        for chunk in _chunks(lines, self.options.max_requests, self.options.max_bytes):
            self._add_submission([cid for cid, _ in chunk], b"".join(data for _, data in chunk), None)
        self._save()
        self.checkpoint("planned")
        for plan, case, k in screened:  # never reach the model: offline feedback, now
            started = time.perf_counter()
            feedback = await self.graders[k].offline_feedback(plan)
            result = CaseResult(case_id=case.id, repeat=k, feedback=feedback, batch=BatchNote())
            result.seconds = round(time.perf_counter() - started, 3)
            self._sink(result)
        self.checkpoint("screened")

    def _add_submission(self, custom_ids: list[str], content: bytes, follow_up_of: str | None) -> Submission:
        submission = Submission(
            name=self.state.next_name(),
            tag=secrets.token_hex(8),
            custom_ids=custom_ids,
            input_sha256=hashlib.sha256(content).hexdigest(),
            follow_up_of=follow_up_of,
        )
        atomic_write_text(self.files.input_path(submission), content.decode("utf-8"))
        self.state.submissions.append(submission)
        return submission

    # -- 2-5. submit, poll, download ----------------------------------------------------------

    def _status(self, submission: Submission) -> SubmissionStatus:
        return SubmissionStatus(
            submission.name,
            submission.batch_id,
            submission.status or ("planned" if submission.file_id is None else "uploaded"),
            len(submission.custom_ids),
            submission.completed,
            submission.failed,
            submission.create_started_at,
        )

    async def _advance(self, submission: Submission) -> None:
        """Take `submission` as far as it goes now.

        Upload and create it; or check it, and once it is done, download and collect it.
        """
        if submission.file_id is None:
            await self._upload(submission)
        if submission.batch_id is None:
            await self._create(submission)
            return  # its status is fresh from the provider: the next pass checks it again
        if not submission.downloaded and submission.status not in TERMINAL:
            self._seen(submission, await self.api.retrieve(submission.batch_id))
            self._save()
            self.checkpoint("polled")
        if submission.downloaded and not submission.collected and (missing := self._missing(submission)):
            self.say(f"{submission.name}: {missing} is not in the run folder; downloading it again")
            submission.downloaded = False
        if submission.status == "failed" and not submission.downloaded:
            self._failed(submission)
        elif submission.status in TERMINAL and not submission.downloaded:
            await self._download(submission)
        if submission.downloaded and not submission.collected:
            await self._collect(submission)

    def _input(self, submission: Submission) -> bytes:
        """The batch file as planned: its bytes, checked against the SHA-256 saved in `batch.json`."""
        path = self.files.input_path(submission)
        try:
            content = path.read_bytes()
        except FileNotFoundError:
            content = None
        if content is None or hashlib.sha256(content).hexdigest() != submission.input_sha256:
            raise UsageError(
                f"{path} {'is missing' if content is None else 'changed since it was planned'}; restore it "
                "(it is what was sent), or start a new run"
            )
        return content

    async def _upload(self, submission: Submission) -> None:
        filename = f"interviewer-{submission.name}-{submission.tag}.jsonl"
        content = self._input(submission)
        if submission.upload_started_at is not None and submission.upload_refused is None:
            self.say(
                f"{submission.name}: the last upload was stopped before its file id was saved; uploading it again "
                f"(an earlier copy, {filename}, may be left unused on {self.host} until it expires)"
            )
        submission.upload_started_at = time.time()
        self._save()
        self.checkpoint("uploading")
        try:
            file_id = await self.api.upload(content, filename)
        except (UserError, LLMRejected) as exc:  # the server said no (not a stop, not an outage): remember why
            submission.upload_refused = str(exc)
            self._save()
            raise
        self.checkpoint("uploaded")
        submission.file_id, submission.upload_refused = file_id, None
        self._save()
        self.checkpoint("upload-saved")

    async def _create(self, submission: Submission) -> None:
        assert submission.file_id is not None
        if submission.create_started_at is not None:
            found = await self.api.find(submission.tag, submission.create_started_at)
            if found is not None:
                self.say(
                    f"{submission.name}: found batch {found.id}, created before the run was stopped; following it "
                    "(no second batch)"
                )
                self._seen(submission, found)
                self._save()
                return
        submission.create_started_at = time.time()
        self._save()
        self.checkpoint("creating")
        info = await self.api.create(submission.file_id, submission.tag, submission.create_started_at)
        self.checkpoint("created")
        self._seen(submission, info)
        self._save()
        self.checkpoint("create-saved")

    def _seen(self, submission: Submission, info: BatchInfo) -> None:
        submission.batch_id = info.id
        submission.status = info.status
        submission.total, submission.completed, submission.failed = info.total, info.completed, info.failed
        submission.output_file_id, submission.error_file_id = info.output_file_id, info.error_file_id
        submission.errors = list(info.errors)
        submission.checked_at = time.time()

    def _failed(self, submission: Submission) -> None:
        """A batch that failed as a whole: stop with one line, unless the run was told what to do with it.

        A follow-up batch is never submitted again (one follow-up, no more): only `--batch-retry live`
        lets its requests go on, live; `--batch-retry batch` stops at it rather than grading them all
        live at the full price unasked (a limit such as the enqueued tokens fails the follow-up too).
        """
        follow_up = submission.follow_up_of is not None
        if self.options.retry is None or (follow_up and self.options.retry != "live"):
            errors = submission.errors or ["no reason given"]
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            again = (
                "it is a follow-up batch, which is not submitted again: rerun the same command with "
                "--batch-retry live to grade them live"
                if follow_up
                else "rerun the same command with --batch-retry batch to submit them again, or --batch-retry "
                "live to grade them live"
            )
            raise BatchFailed(
                f"batch {submission.batch_id} ({submission.name}) failed at {self.host}: {errors[0]}{more}; none of "
                f"its {len(submission.custom_ids)} requests ran; {again} (--out {self.store.folder})"
            )
        submission.downloaded = True  # nothing to download: every item goes on as unanswered
        self._save()

    def _missing(self, submission: Submission) -> Path | None:
        """A downloaded file of `submission` that is no longer in the folder (deleted by hand), if any."""
        for file_id, path in (
            (submission.output_file_id, self.files.output_path(submission)),
            (submission.error_file_id, self.files.errors_path(submission)),
        ):
            if file_id is not None and submission.status != "failed" and not path.is_file():
                return path
        return None

    async def _download(self, submission: Submission) -> None:
        for file_id, path in (
            (submission.output_file_id, self.files.output_path(submission)),
            (submission.error_file_id, self.files.errors_path(submission)),
        ):
            if file_id is not None:
                atomic_write_text(path, (await self.api.content(file_id)).decode("utf-8"))
        self.checkpoint("downloaded")
        submission.downloaded = True
        self._save()
        self.checkpoint("download-saved")

    # -- 6. collect ------------------------------------------------------------------------

    def _items(self, submission: Submission) -> dict[str, dict[str, Any]]:
        """The batch's output and error lines, by custom id (a reply in the output wins)."""
        items: dict[str, dict[str, Any]] = {}
        for path in (self.files.errors_path(submission), self.files.output_path(submission)):
            if not path.is_file():
                continue
            for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if not text.strip():
                    continue
                try:
                    item = json.loads(text)
                except ValueError:
                    raise UsageError(f"{path}:{number}: not JSON; delete the file to download it again") from None
                if isinstance(item, dict) and isinstance(item.get("custom_id"), str):
                    items[item["custom_id"]] = item
        return items

    def _bodies(self, submission: Submission) -> dict[str, Any]:
        lines = self._input(submission).decode("utf-8").splitlines()
        return {line["custom_id"]: line["body"] for line in map(json.loads, lines)}

    async def _collect(self, submission: Submission) -> None:
        if submission.collected:
            return
        failed_batch = submission.status == "failed"
        items = {} if failed_batch else self._items(submission)
        bodies = self._bodies(submission)
        chain = self.state.chain(submission)
        answered: list[tuple[Case, int, Any]] = []
        unanswered: dict[str, str] = {}
        for cid in submission.custom_ids:
            case_id, k = parse_custom_id(cid)
            if (case_id, k) in self.done:
                continue
            if failed_batch:
                unanswered[cid] = f"the batch failed: {(submission.errors or ['no reason given'])[0]}"
                continue
            reply, reason = _reply_of(items.get(cid), submission.status)
            if reply is None:
                unanswered[cid] = reason
            else:
                answered.append((self.cases[case_id], k, reply))
        semaphore = asyncio.Semaphore(self.config.in_flight)
        batch_id = submission.batch_id or ""

        async def score(case: Case, k: int, reply: Any) -> None:
            async with semaphore:
                started = time.perf_counter()
                grader = self.graders[k]
                plan = grader.plan(request_for(case, self.corpus))
                if not plan.asks_model or grader.request_body(plan) != bodies[custom_id(case.id, k)]:
                    raise UsageError(
                        f"the request for {case.id} is no longer the one sent in {submission.name} ({batch_id}): the "
                        "prompt file, rubric or code changed since it was submitted; collect it with the version "
                        "that submitted it, or start a new run"
                    )
                note = BatchNote(sent=chain)
                try:
                    feedback = await grader.agrade_reply(plan, reply, batch_id)
                    result = CaseResult(case_id=case.id, repeat=k, feedback=feedback, batch=note)
                except GradingError as exc:
                    if exc.kind.permanent:
                        raise  # a bad key, model or quota (in a repair): stop, keep what is done
                    result = CaseResult(
                        case_id=case.id, repeat=k, error=str(exc), error_kind=type(exc).__name__, batch=note
                    )
                result.seconds = round(time.perf_counter() - started, 3)
                self._sink(result)
                self.checkpoint("scored")

        await gather_or_cancel(score(case, k, reply) for case, k, reply in answered)
        if unanswered and self.state.retry == "batch" and submission.follow_up_of is None:  # one follow-up, no more
            lines = self._input(submission).decode("utf-8").splitlines(keepends=True)
            again = [line for line in lines if json.loads(line)["custom_id"] in unanswered]
            follow = self._add_submission(list(unanswered), "".join(again).encode(), submission.name)
            self.say(f"{submission.name}: {len(unanswered)} item(s) not answered; asking them again in {follow.name}")
        elif unanswered:
            todo = [(self.cases[c], k) for c, k in map(parse_custom_id, unanswered)]
            await self._live(
                todo, {custom_id(case.id, k): (chain, unanswered[custom_id(case.id, k)]) for case, k in todo}
            )
        submission.collected = True
        self._save()
        self.checkpoint("collected")

    async def _live(self, todo: Sequence[tuple[Case, int]], why: dict[str, tuple[list[str], str]] | None) -> None:
        """Grade `todo` live, as a live run does (`why`: the batches each one went in, and what they said)."""
        if not todo:
            return

        def sink(result: CaseResult) -> None:
            if why is not None:
                sent, reason = why[custom_id(result.case_id, result.repeat)]
                result.batch = BatchNote(sent=sent, live=True, reason=reason)
            self._sink(result)
            self.checkpoint("retried")

        await run_cases(todo, self.graders, self.corpus, self.config.in_flight, sink)


def _reply_of(item: dict[str, Any] | None, status: str | None) -> tuple[Any, str]:
    """The completion a batch item holds, or None and why it has none (one line)."""
    if item is None:
        return None, f"not in the batch's output (the batch {status or 'ended'})"
    error = item.get("error")
    if isinstance(error, dict) and error:
        return None, f"{error.get('code') or 'error'}: {error.get('message') or 'no message'}"
    response = item.get("response")
    if not isinstance(response, dict):
        return None, "the batch gave no response for it"
    code, body = response.get("status_code"), response.get("body")
    if code != 200:
        said = (
            body.get("error", {}).get("message")
            if isinstance(body, dict) and isinstance(body.get("error"), dict)
            else None
        )
        return None, f"HTTP {code}: {said or 'no message'}"
    if not isinstance(body, dict) or not isinstance(body.get("choices"), list):
        return None, "its reply is not a chat completion"
    return body, ""


def _chunks(lines: list[tuple[str, bytes]], max_requests: int, max_bytes: int) -> list[list[tuple[str, bytes]]]:
    chunks: list[list[tuple[str, bytes]]] = []
    size = 0
    for line in lines:
        if not chunks or len(chunks[-1]) >= max_requests or (size + len(line[1]) > max_bytes and chunks[-1]):
            chunks.append([])
            size = 0
        chunks[-1].append(line)
        size += len(line[1])
    return chunks
