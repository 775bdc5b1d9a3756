"""Replay, offline, what tools/record_fixtures.py recorded from the real llama.cpp server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from interviewer._sessions import SessionStore
from interviewer.cli import app
from interviewer.models import Feedback
from interviewer.prompts import load_prompt

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "llama"
MANIFEST: dict[str, Any] = json.loads((FIXTURES / "manifest.json").read_text())


def _args(args: list[str]) -> list[str]:
    return [str(FIXTURES / a) if a.startswith(("answers/", "config.toml")) else a for a in args]


def test_recordings_are_real_readable_and_keyless() -> None:
    files = [p for p in FIXTURES.glob("*.json") if p.name != "manifest.json"]
    assert len(files) >= 8
    for path in files:
        data = json.loads(path.read_text())
        assert data["synthetic"] is False
        assert data["recorded_with"]["server"].startswith("llama.cpp server (xllamacpp")
        body = data["response"]["body"]
        assert isinstance(data["request"]["body"], dict)
        assert isinstance(body, dict) or body.startswith("data: ")  # a completion, or a recorded event stream
        assert "authorization" not in path.read_text().lower()
    # The terminal watches its calls, so they streamed: replay runs the SDK's stream parser on them.
    assert any(isinstance(json.loads(p.read_text())["response"]["body"], str) for p in files)


@pytest.mark.parametrize("run", [r for r in MANIFEST["runs"] if r["args"][0] == "feedback"], ids=lambda r: r["name"])
def test_recorded_feedback_replays_with_provenance_and_checked_evidence(run: dict[str, Any]) -> None:
    result = CliRunner().invoke(app, [*_args(run["args"]), "--replay", str(FIXTURES)])
    assert result.exit_code == 0, result.output
    feedback = Feedback.model_validate_json(result.stdout)
    answer = (FIXTURES / "answers" / f"{run['name']}.txt").read_text()
    assert feedback.grader == "llm" and feedback.checks is not None
    p = feedback.provenance
    assert (
        p.model
        and "SmolLM2" in p.model
        and p.prompt == load_prompt("feedback").ref
        and p.structured_output == "json_schema"
    )
    assert p.tokens_in and p.tokens_out and not p.tokens_estimated and p.fallback is None
    for point in feedback.key_points:
        assert point.evidence in answer  # whatever the model claimed, only real quotes survive
    for strength in feedback.strengths:
        assert strength.rsplit("(“", 1)[1].rstrip("”)") in answer
    if "injection" in run["name"]:
        assert feedback.ignored_text and all(
            t not in json.dumps(feedback.key_points, default=str) for t in feedback.ignored_text
        )


def test_recorded_practice_session_replays(isolated_home: Path) -> None:
    [run] = [r for r in MANIFEST["runs"] if r["args"][0] == "practice"]
    result = CliRunner().invoke(app, [*_args(run["args"]), "--replay", str(FIXTURES)])
    assert result.exit_code == 0, result.output
    [row] = SessionStore(isolated_home).list()
    session = row.session
    assert session is not None and session.status == "finished"
    turn = session.turns[0]
    assert turn.follow_ups and turn.follow_ups[0].source == "model" and turn.follow_ups[0].answer
    assert turn.feedback is not None and turn.feedback.grader == "llm"
    assert session.narrative is not None and "SmolLM2" in session.narrative.model
