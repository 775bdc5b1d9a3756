"""Qwen2.5-Coder-1.5B on llama.cpp, a model that can judge: opt-in, skipped unless it is installed.

    interviewer local-server --model qwen2.5-1.5b   # once: installs and joins the model
    pytest -m qwen

About 35-45 s per answer on 2 cores.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interviewer.cli import app
from interviewer.exceptions import UsageError
from interviewer.testing import QWEN, LocalLlamaServer

pytestmark = pytest.mark.qwen


@pytest.fixture(scope="module")
def server() -> Iterator[LocalLlamaServer]:
    try:
        QWEN.path()
    except UsageError as exc:
        pytest.skip(f"Qwen2.5-1.5B is not installed: {exc}")
    running = LocalLlamaServer(QWEN).start()
    yield running
    running.stop()


STRONG = (
    "At my last job I got eight urgent requests in one week. I agreed with the sales and support leads that urgent "
    "means money lost right now or a customer about to leave, which halved the list. I scored the rest with RICE, "
    "checked them against our quarterly goal of cutting churn, and pulled forward a payment-retry bug because it "
    "unblocked finance's dunning emails. I took the trade-off to the tech lead and the requesters in one meeting, "
    "and called the two people whose requests waited to explain why and when. We recovered twelve thousand a month."
)
WEAK = "I would try to do as much as possible and ask the team to work harder for a sprint so everyone is happy."


def _feedback(server: LocalLlamaServer, answer: str) -> tuple[dict[str, object], float]:
    started = time.monotonic()
    result = CliRunner().invoke(
        app,
        [
            "feedback",
            "-r",
            "dpo",
            "-q",
            "dpo-prioritise-urgent",
            "--answer",
            answer,
            "--base-url",
            server.base_url,
            "--json",
            "--no-fallback",
        ],
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), time.monotonic() - started


def test_qwen_judges_with_defaults_only(server: LocalLlamaServer, isolated_home: Path) -> None:
    strong, strong_seconds = _feedback(server, STRONG)
    weak, weak_seconds = _feedback(server, WEAK)
    assert strong["grader"] == weak["grader"] == "llm"
    assert isinstance(strong["score"], int) and isinstance(weak["score"], int) and strong["score"] > weak["score"]
    assert max(strong_seconds, weak_seconds) <= 90  # the per-answer bound, with room on 2 cores
