"""`eval run --batch`: the provider's Batch API, against the fake one in `interviewer.testing` (real sockets)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from interviewer.cli import app
from interviewer.corpus import Corpus
from interviewer.evals import (
    BatchOptions,
    CaseResult,
    EvalConfig,
    RunStore,
    compute_summary,
    load_dataset,
    run_batch,
    run_eval,
)
from interviewer.evals._batch_state import BatchFolder
from interviewer.exceptions import BatchFailed, UsageError
from interviewer.llm import LLMSettings
from interviewer.testing import BatchFault, BatchServer, FakeRequest, judge_everything

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()
WAIT = BatchOptions(wait=True, poll_seconds=0)
JUDGE = judge_everything(status="partial", score=3)


def _config(server: BatchServer, model: str = "judge", **kwargs: Any) -> EvalConfig:
    settings = LLMSettings(model=model, base_url=server.base_url, max_retry_seconds=5)
    return EvalConfig(grader="llm", settings=settings, concurrency=4, **kwargs)


def _same(results: list[CaseResult]) -> dict[tuple[str, int], Any]:
    """What a case's result says, leaving out how it was obtained (time, price, batch id)."""
    out = {}
    for r in results:
        data = r.model_dump(mode="json", exclude={"seconds", "batch"})
        if data["feedback"]:
            for volatile in ("latency_ms", "batch_id", "cost_usd", "base_url_host", "cached"):
                data["feedback"]["provenance"].pop(volatile)
        out[(r.case_id, r.repeat)] = data
    return out


def _live(small: Path, corpus: Corpus, tmp_path: Path, handler: Any = JUDGE) -> list[CaseResult]:
    with BatchServer(handler) as server:
        _, results = run_eval(load_dataset(small, corpus), corpus, _config(server), RunStore(tmp_path / "live"))
    return results


def test_batch_sends_the_live_requests_and_scores_the_same(small: Path, tmp_path: Path, corpus: Corpus) -> None:
    dataset = load_dataset(small, corpus)
    with BatchServer(JUDGE) as server:
        _, live = run_eval(dataset, corpus, _config(server), RunStore(tmp_path / "live"))
        live_bodies = sorted(json.dumps(b, sort_keys=True) for b in server.chat_requests)
        server.chat_requests.clear()
        store = RunStore(tmp_path / "batch")
        first = run_batch(dataset, corpus, _config(server), store, BatchOptions())
        assert first.pending and first.pending[0].status == "validating" and server.created == ["batch_0001"]
        assert len(first.results) == 1  # the empty answer: offline feedback at once, it never reaches the model
        outcome = run_batch(dataset, corpus, _config(server), store, WAIT)
        assert not outcome.pending and server.created == ["batch_0001"] and not server.chat_requests
    lines = (tmp_path / "batch" / "batch-1.jsonl").read_text().splitlines()
    assert sorted(json.dumps(json.loads(line)["body"], sort_keys=True) for line in lines) == live_bodies
    assert _same(outcome.results) == _same(live)
    summary, reference = compute_summary(dataset, outcome.results, 1), compute_summary(dataset, live, 1)
    assert summary.overall == reference.overall and summary.by_tier == reference.by_tier
    batch = summary.operations.batch
    assert batch is not None and (batch.batches, batch.sent, batch.answered, batch.screened) == (1, 9, 9, 1)
    assert all(r.feedback and r.feedback.provenance.batch_id == "batch_0001" for r in outcome.results if r.batch.sent)


def test_costs_are_at_the_batch_price(small: Path, tmp_path: Path, corpus: Corpus) -> None:
    dataset = load_dataset(small, corpus)
    with BatchServer(JUDGE, polls=1) as server:
        config = _config(server, model="gpt-4o-mini")
        _, live = run_eval(dataset, corpus, config, RunStore(tmp_path / "live"))
        outcome = run_batch(dataset, corpus, config, RunStore(tmp_path / "batch"), WAIT)
    price = {r.case_id: r.feedback.provenance.cost_usd for r in live if r.feedback and r.feedback.provenance.cost_usd}
    batched = {r.case_id: r.feedback.provenance.cost_usd for r in outcome.results if r.feedback and r.batch.sent}
    assert batched and all(cost == pytest.approx(price[case] / 2, abs=1e-6) for case, cost in batched.items())
    from interviewer.evals import cost_text

    summary = compute_summary(dataset, outcome.results, 1)
    assert "batch price for the 9 replies" in cost_text(outcome.spec, summary.operations)


class Stop(Exception):
    """Stands for Ctrl+C at a step."""


STEPS = [
    "planned",
    "screened",
    "uploading",
    "uploaded",
    "upload-saved",
    "creating",
    "created",
    "create-saved",
    "polled",
    "downloaded",
    "download-saved",
    "scored",
    "retried",
    "collected",
]


@pytest.mark.parametrize("step", STEPS)
def test_stopped_at_any_step_it_resumes_without_submitting_twice_or_losing_a_result(
    step: str, small: Path, tmp_path: Path, corpus: Corpus
) -> None:
    dataset = load_dataset(small, corpus)
    said: list[str] = []
    seen: list[str] = []

    def stop_at(at: str) -> None:
        seen.append(at)
        if at == step and seen.count(at) == 1:
            raise Stop(at)

    with BatchServer(JUDGE, faults=[BatchFault.item_errors({1: 500})], polls=2) as server:
        config, store = _config(server), RunStore(tmp_path / "run")
        with pytest.raises(Stop):
            run_batch(dataset, corpus, config, store, WAIT, checkpoint=stop_at, say=said.append)
        outcome = run_batch(dataset, corpus, config, RunStore(tmp_path / "run"), WAIT, say=said.append)
        assert server.created == ["batch_0001"], said
        assert server.uploads == (2 if step == "uploaded" else 1)
        assert len(server.chat_requests) == 1  # the item the batch failed, retried live once
    if step == "uploaded":
        assert any("uploading it again" in line and "unused" in line for line in said)
    if step == "created":
        assert any("found batch batch_0001" in line and "no second batch" in line for line in said)
    lines = (tmp_path / "run" / "results.jsonl").read_text().splitlines()
    assert len(lines) == len(dataset.cases)  # nothing scored twice, nothing lost
    assert _same(outcome.results) == _same(_live(small, corpus, tmp_path))
    batch = compute_summary(dataset, outcome.results, 1).operations.batch
    assert batch is not None and (batch.sent, batch.answered, batch.retried_live, batch.failed) == (9, 8, 1, 0)


_KILLED = """
import os, signal, sys
from pathlib import Path
from interviewer.corpus import load_corpus
from interviewer.evals import BatchOptions, EvalConfig, RunStore, load_dataset, run_batch
from interviewer.llm import LLMSettings

dataset, base_url, folder, step = sys.argv[1:]
corpus = load_corpus()
config = EvalConfig(grader="llm", settings=LLMSettings(model="judge", base_url=base_url), concurrency=4)

def kill(at):
    if at == step:
        os.kill(os.getpid(), signal.SIGKILL)

run_batch(load_dataset(Path(dataset), corpus), corpus, config, RunStore(Path(folder)),
          BatchOptions(wait=True, poll_seconds=0), checkpoint=kill)
"""


@pytest.mark.parametrize("step", ["uploaded", "created"])
def test_killed_at_the_dangerous_steps_it_resumes_without_submitting_twice(
    step: str, small: Path, tmp_path: Path, corpus: Corpus
) -> None:
    with BatchServer(JUDGE, polls=1) as server:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        args = [sys.executable, "-c", _KILLED, str(small), server.base_url, str(tmp_path / "run"), step]
        killed = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        said: list[str] = []
        outcome = run_batch(
            load_dataset(small, corpus), corpus, _config(server), RunStore(tmp_path / "run"), WAIT, say=said.append
        )
        assert server.created == ["batch_0001"] and not outcome.pending
    assert len(outcome.results) == 10 and all(r.feedback for r in outcome.results)


def test_a_create_whose_reply_was_lost_finds_its_batch_instead_of_making_another(
    small: Path, tmp_path: Path, corpus: Corpus
) -> None:
    with BatchServer(JUDGE, polls=1, lost_creates=1) as server:
        outcome = run_batch(load_dataset(small, corpus), corpus, _config(server), RunStore(tmp_path / "run"), WAIT)
        assert server.created == ["batch_0001"] and not outcome.pending
    assert sum(1 for r in outcome.results if r.feedback and r.feedback.provenance.batch_id == "batch_0001") == 9


def test_a_reply_to_a_request_the_code_would_no_longer_send_is_refused(
    small: Path, tmp_path: Path, corpus: Corpus
) -> None:
    dataset = load_dataset(small, corpus)
    with BatchServer(JUDGE, polls=1) as server:
        store = RunStore(tmp_path / "run")
        assert run_batch(dataset, corpus, _config(server), store, BatchOptions()).pending
        planned = tmp_path / "run" / "batch-1.jsonl"
        planned.write_text(planned.read_text().replace('"temperature":0.0', '"temperature":0.5'))  # an older prompt
        files = BatchFolder(tmp_path / "run")  # as an older version planned it: its SHA-256 in batch.json
        state = files.load()
        state.submissions[0].input_sha256 = hashlib.sha256(planned.read_bytes()).hexdigest()
        files.save(state)
        with pytest.raises(UsageError, match="is no longer the one sent in batch-1"):
            run_batch(dataset, corpus, _config(server), store, WAIT)


def test_expired_items_are_retried_live_and_counted(small: Path, tmp_path: Path, corpus: Corpus) -> None:
    dataset = load_dataset(small, corpus)
    with BatchServer(JUDGE, faults=[BatchFault.expire(done=4)], polls=1) as server:
        outcome = run_batch(dataset, corpus, _config(server), RunStore(tmp_path / "run"), WAIT)
        assert len(server.chat_requests) == 5 and server.created == ["batch_0001"]
    expired = [r for r in outcome.results if r.batch and r.batch.live]
    assert len(expired) == 5 and all(r.batch and "batch_expired" in (r.batch.reason or "") for r in expired)
    assert all(r.feedback and r.feedback.provenance.batch_id is None for r in expired)  # live price
    batch = compute_summary(dataset, outcome.results, 1).operations.batch
    assert batch is not None and (batch.answered, batch.retried_live, batch.failed) == (4, 5, 0)
    assert _same(outcome.results) == _same(_live(small, corpus, tmp_path))


def test_errored_items_go_in_a_follow_up_batch_when_asked(small: Path, tmp_path: Path, corpus: Corpus) -> None:
    dataset = load_dataset(small, corpus)
    faults = [BatchFault.item_errors({0: 500, 2: "error", 5: "not-json"})]
    with BatchServer(JUDGE, faults=faults, polls=1) as server:
        options = BatchOptions(wait=True, poll_seconds=0, retry="batch")
        said: list[str] = []
        outcome = run_batch(dataset, corpus, _config(server), RunStore(tmp_path / "run"), options, say=said.append)
        assert server.created == ["batch_0001", "batch_0002"] and not server.chat_requests
    assert any("3 item(s) not answered; asking them again in batch-2" in line for line in said)
    again = [r for r in outcome.results if r.batch and len(r.batch.sent) == 2]
    assert len(again) == 3 and all(r.feedback and r.feedback.provenance.batch_id == "batch_0002" for r in again)
    state = BatchFolder(tmp_path / "run").load()
    assert [s.follow_up_of for s in state.submissions] == [None, "batch-1"]
    batch = compute_summary(dataset, outcome.results, 1).operations.batch
    assert batch is not None and (batch.batches, batch.answered, batch.retried_live) == (2, 9, 0)


def test_a_reply_that_fails_validation_gets_one_live_repair(small: Path, tmp_path: Path, corpus: Corpus) -> None:
    def sloppy(request: FakeRequest) -> Any:
        if "did not match the required JSON schema" in request.messages[-1]["content"]:
            return JUDGE(request)
        return "{}"

    dataset = load_dataset(small, corpus)
    with BatchServer(sloppy, polls=1) as server:
        outcome = run_batch(dataset, corpus, _config(server), RunStore(tmp_path / "run"), WAIT)
        assert len(server.chat_requests) == 9  # one repair per reply, live
    repaired = [r for r in outcome.results if r.feedback and r.feedback.provenance.repaired]
    assert len(repaired) == 9 and all(r.feedback and r.feedback.provenance.batch_id for r in repaired)
    assert compute_summary(dataset, outcome.results, 1).operations.repaired == 9


def test_repeats_go_in_the_batch_with_their_own_seeds(small: Path, tmp_path: Path, corpus: Corpus) -> None:
    dataset = load_dataset(small, corpus)
    with BatchServer(JUDGE, polls=1) as server:
        outcome = run_batch(dataset, corpus, _config(server, repeat=2), RunStore(tmp_path / "run"), WAIT)
    lines = [json.loads(line) for line in (tmp_path / "run" / "batch-1.jsonl").read_text().splitlines()]
    assert {(line["custom_id"][-2:], line["body"]["seed"]) for line in lines} == {("#0", 7), ("#1", 8)}
    assert len(outcome.results) == 20 and compute_summary(dataset, outcome.results, 2).consistency is not None


def test_chunks_of_at_most_max_requests(small: Path, tmp_path: Path, corpus: Corpus) -> None:
    dataset = load_dataset(small, corpus)
    with BatchServer(JUDGE, polls=1) as server:
        options = BatchOptions(wait=True, poll_seconds=0, max_requests=4)
        outcome = run_batch(dataset, corpus, _config(server), RunStore(tmp_path / "run"), options)
        assert len(server.created) == 3
    assert sum(1 for r in outcome.results if r.feedback and r.feedback.provenance.batch_id) == 9


def test_a_failed_batch_stops_with_one_line_and_resumes_live_when_told(
    small: Path, tmp_path: Path, corpus: Corpus
) -> None:
    dataset = load_dataset(small, corpus)
    with BatchServer(JUDGE, faults=[BatchFault.fail("the model is not available for batches")], polls=1) as server:
        store = RunStore(tmp_path / "run")
        with pytest.raises(BatchFailed, match=r"batch batch_0001 \(batch-1\) failed at 127\.0\.0\.1:\d+: .*not "):
            run_batch(dataset, corpus, _config(server), store, WAIT)
        with pytest.raises(BatchFailed):  # the same line again: nothing is submitted behind the user's back
            run_batch(dataset, corpus, _config(server), store, WAIT)
        assert server.created == ["batch_0001"]
        options = BatchOptions(wait=True, poll_seconds=0, retry="live")
        outcome = run_batch(dataset, corpus, _config(server), store, options)
        assert server.created == ["batch_0001"] and len(server.chat_requests) == 9
    batch = compute_summary(dataset, outcome.results, 1).operations.batch
    assert batch is not None and (batch.sent, batch.answered, batch.retried_live) == (9, 0, 9)


# -- the CLI ----------------------------------------------------------------------------


def _cli(*args: str) -> Any:
    return runner.invoke(app, ["eval", "run", "--grader", "llm", "--model", "judge", *args])


def test_the_golden_set_end_to_end_through_the_cli(tmp_path: Path) -> None:
    with BatchServer(JUDGE, polls=2) as server:
        url = ["--base-url", server.base_url]
        live = _cli(*url, "--out", str(tmp_path / "live"))
        assert live.exit_code == 0, live.output
        submitted = _cli(*url, "--batch", "--out", str(tmp_path / "batch"))
        assert submitted.exit_code == 75, submitted.output
        assert "not done yet" in submitted.output and f"--out {tmp_path / 'batch'}" in submitted.output
        checked = _cli(*url, "--out", str(tmp_path / "batch"))
        assert checked.exit_code == 75 and "in_progress" in checked.output
        done = _cli(*url, "--out", str(tmp_path / "batch"))
        assert done.exit_code == 0, done.output
        assert server.created == ["batch_0001"]
    said = " ".join(done.output.split())
    assert "Batch: 110 sent in 1 batch, 110 answered at the batch price, 0 retried live, 0 failed" in said
    live_summary = json.loads((tmp_path / "live" / "summary.json").read_text())
    batch_summary = json.loads((tmp_path / "batch" / "summary.json").read_text())
    assert live_summary["overall"] == batch_summary["overall"]
    assert live_summary["adversarial"] == batch_summary["adversarial"]
    assert "Batch: 110 sent" in (tmp_path / "batch" / "report.md").read_text()
    report = runner.invoke(app, ["eval", "report", str(tmp_path / "batch")])
    assert report.exit_code == 0 and "110 answered at the batch price" in " ".join(report.output.split())


def test_record_then_replay_a_batch_run_offline(small: Path, tmp_path: Path) -> None:
    data = ["--dataset", str(small)]
    with BatchServer(JUDGE, faults=[BatchFault.item_errors({3: 500})], polls=3) as server:
        url = server.base_url
        recorded = _cli(
            *data,
            "--base-url",
            server.base_url,
            "--record",
            str(tmp_path / "rec"),
            "--batch",
            "--wait",
            "--poll",
            "0",
            "--out",
            str(tmp_path / "first"),
        )
        assert recorded.exit_code == 0, recorded.output
    kinds = [json.loads(p.read_text())["request"] for p in (tmp_path / "rec").glob("*.json")]
    upload = next(r for r in kinds if r["path"].endswith("/files"))
    assert upload["body"]["multipart"]["purpose"] == "batch" and upload["body"]["multipart"]["file"]["lines"] == 9
    assert sum(1 for r in kinds if r["method"] == "GET" and "/batches/" in r["path"]) == 3  # one per poll
    # The same base URL as recorded: it decides the response schema (OpenAI's takes no length bounds).
    replayed = _cli(
        *data, "--base-url", url, "--replay", str(tmp_path / "rec"), "--batch", "--out", str(tmp_path / "again")
    )
    assert replayed.exit_code == 0, replayed.output
    first = json.loads((tmp_path / "first" / "summary.json").read_text())
    again = json.loads((tmp_path / "again" / "summary.json").read_text())
    assert first["overall"] == again["overall"] and first["operations"]["batch"] == again["operations"]["batch"]
    assert again["operations"]["batch"]["retried_live"] == 1
    assert _same(RunStore(tmp_path / "first").results()) == _same(RunStore(tmp_path / "again").results())


def test_bad_input_is_one_line_without_a_traceback(small: Path, tmp_path: Path) -> None:
    offline = runner.invoke(app, ["eval", "run", "--dataset", str(small), "--batch", "--out", str(tmp_path / "o")])
    assert offline.exit_code == 2 and "--batch is for --grader llm" in offline.output
    with BatchServer(JUDGE, batch_api=False) as server:
        no_api = _cli("--dataset", str(small), "--base-url", server.base_url, "--batch", "--out", str(tmp_path / "n"))
        assert no_api.exit_code == 2 and "has no Batch API (404 on POST /files)" in no_api.output
        live_instead = _cli("--dataset", str(small), "--base-url", server.base_url, "--out", str(tmp_path / "n"))
        assert live_instead.exit_code == 0, live_instead.output
        assert "batch-1 was planned but never submitted: grading its 9 requests live" in live_instead.output
        assert not (tmp_path / "n" / "batch.json").exists()
        live = _cli("--dataset", str(small), "--base-url", server.base_url, "--record", str(tmp_path / "rec"))
        assert live.exit_code == 0, live.output
    local = ("--base-url", "http://127.0.0.1:9/v1")
    replay = _cli(
        "--dataset", str(small), *local, "--replay", str(tmp_path / "rec"), "--batch", "--out", str(tmp_path / "r")
    )
    assert replay.exit_code == 2 and "hold no Batch API exchanges" in replay.output
    with BatchServer(JUDGE, faults=[BatchFault.fail("line 1: model judge is not available for batches")]) as server:
        args = ("--dataset", str(small), "--base-url", server.base_url, "--out", str(tmp_path / "f"))
        assert _cli(*args, "--batch", "--wait", "--poll", "0").exit_code == 3
        failed = _cli(*args)
        assert failed.exit_code == 3 and "failed at" in failed.output and "--batch-retry live" in failed.output
    for result in (offline, no_api, replay, failed):
        assert "Traceback" not in result.output, result.output
        assert sum(1 for line in result.output.splitlines() if line.startswith("error:")) == 1, result.output
    elsewhere = ("--dataset", str(small), "--base-url", "http://127.0.0.1:9/v1", "--out", str(tmp_path / "w"))
    wrong = _cli(*elsewhere, "--wait")
    assert wrong.exit_code == 2 and "are for --batch runs" in wrong.output
    workers = _cli(*elsewhere, "--batch", "--workers", "2")
    assert workers.exit_code == 2 and "scores its replies in one process" in workers.output
    retry = _cli(*elsewhere, "--batch", "--batch-retry", "later")
    assert retry.exit_code == 2 and "unknown --batch-retry 'later'; use live or batch" in retry.output


# -- review/12: interruptions resumed the documented way, hand-edited and deleted files ----------------


@pytest.mark.parametrize("step", ["uploading", "uploaded"])
def test_an_interrupted_upload_resumed_without_batch_still_goes_in_the_batch(
    step: str, small: Path, tmp_path: Path, corpus: Corpus
) -> None:
    """The docs: a run on the folder, `--batch` or not, goes on; an interrupted upload is uploaded again."""
    dataset = load_dataset(small, corpus)

    def stop_at(at: str) -> None:
        if at == step:
            raise Stop(at)

    with BatchServer(JUDGE, polls=1) as server:
        with pytest.raises(Stop):
            run_batch(dataset, corpus, _config(server), RunStore(tmp_path / "run"), WAIT, checkpoint=stop_at)
        follow = BatchOptions(submit=False, wait=True, poll_seconds=0)
        outcome = run_batch(dataset, corpus, _config(server), RunStore(tmp_path / "run"), follow)
        assert server.created == ["batch_0001"] and not server.chat_requests  # nothing graded live at full price
    assert sum(1 for r in outcome.results if r.feedback and r.feedback.provenance.batch_id) == 9


def test_a_deleted_output_file_is_downloaded_again(small: Path, tmp_path: Path, corpus: Corpus) -> None:
    dataset = load_dataset(small, corpus)

    def stop_at(at: str) -> None:
        if at == "download-saved":
            raise Stop(at)

    with BatchServer(JUDGE, polls=1) as server:
        with pytest.raises(Stop):
            run_batch(dataset, corpus, _config(server), RunStore(tmp_path / "run"), WAIT, checkpoint=stop_at)
        (tmp_path / "run" / "batch-1.output.jsonl").unlink()
        said: list[str] = []
        outcome = run_batch(dataset, corpus, _config(server), RunStore(tmp_path / "run"), WAIT, say=said.append)
        assert not server.chat_requests  # not "not in the batch's output": graded live
    assert any("downloading it again" in line for line in said)
    assert sum(1 for r in outcome.results if r.feedback and r.feedback.provenance.batch_id) == 9


def test_a_batch_file_changed_after_the_upload_is_one_line(small: Path, tmp_path: Path, corpus: Corpus) -> None:
    dataset = load_dataset(small, corpus)
    with BatchServer(JUDGE, polls=1) as server:
        run_batch(dataset, corpus, _config(server), RunStore(tmp_path / "run"), BatchOptions())
        path = tmp_path / "run" / "batch-1.jsonl"
        path.write_text(path.read_text()[:-40])  # torn, or edited by hand
        with pytest.raises(UsageError, match=r"batch-1\.jsonl changed since it was planned"):
            run_batch(dataset, corpus, _config(server), RunStore(tmp_path / "run"), WAIT)


def test_a_hand_edited_name_in_batch_json_is_refused(small: Path, tmp_path: Path, corpus: Corpus) -> None:
    dataset = load_dataset(small, corpus)
    with BatchServer(JUDGE, polls=1) as server:
        run_batch(dataset, corpus, _config(server), RunStore(tmp_path / "run"), BatchOptions())
        state = tmp_path / "run" / "batch.json"
        state.write_text(state.read_text().replace('"batch-1"', '"../../elsewhere"'))
        with pytest.raises(UsageError, match=r"batch.json is not a valid batch state: submissions.0.name"):
            run_batch(dataset, corpus, _config(server), RunStore(tmp_path / "run"), WAIT)


def test_a_follow_up_that_fails_as_a_whole_stops_instead_of_going_live(
    small: Path, tmp_path: Path, corpus: Corpus
) -> None:
    dataset = load_dataset(small, corpus)
    faults = [BatchFault.item_errors({0: 500, 1: "error"}), BatchFault.fail("enqueued token limit reached")]
    with BatchServer(JUDGE, faults=faults, polls=1) as server:
        store = RunStore(tmp_path / "run")
        again = BatchOptions(wait=True, poll_seconds=0, retry="batch")
        with pytest.raises(BatchFailed, match=r"batch-2\) failed .* follow-up batch.*--batch-retry live"):
            run_batch(dataset, corpus, _config(server), store, again)
        assert server.created == ["batch_0001", "batch_0002"] and not server.chat_requests
        live = BatchOptions(wait=True, poll_seconds=0, retry="live")
        outcome = run_batch(dataset, corpus, _config(server), store, live)
        assert server.created == ["batch_0001", "batch_0002"] and len(server.chat_requests) == 2
    assert len(outcome.results) == 10 and all(r.feedback for r in outcome.results)


def test_the_commands_the_cli_prints_resume_the_run(small: Path, tmp_path: Path) -> None:
    import shlex

    with BatchServer(JUDGE, polls=1) as server:
        args = ("--dataset", str(small), "--base-url", server.base_url, "--repeat", "2")
        submitted = _cli(*args, "--batch", "--out", str(tmp_path / "run"))
        assert submitted.exit_code == 75, submitted.output
        printed = next(line for line in submitted.output.splitlines() if line.strip().startswith("interviewer eval"))
        checked = runner.invoke(app, shlex.split(printed)[1:])
        assert checked.exit_code == 0, checked.output  # not "holds a different run (repeat differ)"
        alone = runner.invoke(app, ["eval", "run", "--out", str(tmp_path / "run")])
        assert alone.exit_code == 2 and "holds a --batch run of the LLM grader" in alone.output, alone.output
        assert "--batch is for --grader llm" not in alone.output
        assert server.created == ["batch_0001"]


def test_a_torn_last_result_is_said_on_resume(small: Path, tmp_path: Path, corpus: Corpus) -> None:
    dataset = load_dataset(small, corpus)
    with BatchServer(JUDGE, polls=1) as server:
        run_batch(dataset, corpus, _config(server), RunStore(tmp_path / "run"), BatchOptions())
        with (tmp_path / "run" / "results.jsonl").open("a") as handle:
            handle.write('{"case_id":"pom-torn","rep')  # killed mid-write
        said: list[str] = []
        run_batch(dataset, corpus, _config(server), RunStore(tmp_path / "run"), WAIT, say=said.append)
    assert any(line.startswith("repaired ") and "torn last line" in line for line in said), said
