"""Record tests/fixtures/llama/ from the real local llama.cpp server (SmolLM2-135M). `make fixtures`.

Runs the CLI exactly as a user would, with --record, against the server on
loopback: a few `feedback` calls (strong, weak, injected and follow-up answers)
and a scripted `practice` session with follow-ups and the end-of-session
summary. Writes a manifest the replay tests read, so replay runs the very same
commands with --replay instead. Takes several minutes on 2 cores.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from typer.testing import CliRunner  # noqa: E402

from interviewer.cli import app  # noqa: E402
from interviewer.models import EvalFile  # noqa: E402
from interviewer.testing import LocalLlamaServer  # noqa: E402

OUT = ROOT / "tests" / "fixtures" / "llama"
CASES = [
    "dpo-prioritise-urgent-strong",
    "dpo-prioritise-urgent-weak",
    "dpo-push-back-stakeholder-injection",
    "pom-pricing-config-error-adequate",
]
PRACTICE_ANSWERS = (
    "First I'd find out what slow means for our users: the launch, scrolling or certain screens, and on which "
    "devices. Then I'd measure how many sessions are affected before we change anything.\n\n"
    "I would set a target such as two seconds to first content and check that retention moves with it.\n\n"
)


def _case(case_id: str) -> tuple[str, str]:
    for path in (ROOT / "evals" / "golden").glob("*.yaml"):
        golden = EvalFile.model_validate(yaml.safe_load(path.read_text()))
        for case in golden.cases:
            if case.id == case_id:
                return golden.question, case.answer
    raise SystemExit(f"no golden case {case_id}")


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    (OUT / "answers").mkdir(parents=True)
    server = LocalLlamaServer().start()
    os.environ["INTERVIEWER_RECORDED_WITH"] = server.description
    config = OUT / "config.toml"
    config.write_text(server.config_toml().replace(server.base_url, "http://llama-cpp.local/v1"))
    runs = []
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as home:
        os.environ["INTERVIEWER_HOME"] = home
        for case_id in CASES:
            question, answer = _case(case_id)
            role = "dpo" if question.startswith("dpo-") else "pom"
            answer_file = OUT / "answers" / f"{case_id}.txt"
            answer_file.write_text(answer)
            args = [
                "feedback",
                "-r",
                role,
                "-q",
                question,
                "--answer-file",
                f"answers/{case_id}.txt",
                "--json",
                "--config",
                "config.toml",
                "--no-fallback",
            ]
            runs.append({"name": case_id, "args": args})
            print(f"recording {case_id} ...", flush=True)
            result = runner.invoke(app, [*_absolute(args), "--base-url", server.base_url, "--record", str(OUT)])
            print(f"  exit {result.exit_code}: {result.output[-300:] if result.exit_code else 'ok'}")
        (OUT / "answers" / "practice.txt").write_text(PRACTICE_ANSWERS)
        args = [
            "practice",
            "-r",
            "dpo",
            "-n",
            "1",
            "-c",
            "technical",
            "--seed",
            "1",
            "--config",
            "config.toml",
            "--answers",
            "answers/practice.txt",
        ]
        runs.append({"name": "practice-with-follow-up", "args": args})
        print("recording the practice session ...", flush=True)
        result = runner.invoke(app, [*_absolute(args), "--base-url", server.base_url, "--record", str(OUT)])
        print(f"  exit {result.exit_code}")
    manifest = {
        "recorded_with": server.description,
        "note": "Real responses of SmolLM2-135M on llama.cpp, recorded by tools/record_fixtures.py (make fixtures). "
        "Its judgement is poor; these fixtures pin the contract, not quality.",
        "runs": runs,
    }
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {len(list(OUT.glob('*.json'))) - 1} recordings to {OUT}")


def _absolute(args: list[str]) -> list[str]:
    return [str(OUT / a) if a.startswith(("answers/", "config.toml")) else a for a in args]


if __name__ == "__main__":
    main()
