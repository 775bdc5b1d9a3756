"""Seconds per answer with a local model at default settings, and how soon the terminal shows progress.

    python benchmarks/llm_latency.py [--model smollm2|qwen2.5-1.5b] [--runs 3]

Starts the model on llama.cpp (2 threads, as `interviewer local-server` does) and grades three golden
answers to a 7-point rubric (strong, adequate, weak) `--runs` times each, two ways:
- as a candidate runs it: `interviewer feedback --base-url URL` in a fresh process, nothing else
  configured (so start-up, model discovery and the defaults are all in the time);
- in process, with a progress listener as the terminal sets one: time from the request leaving to the
  first progress the server sends (llama.cpp's prompt progress when `return_progress` is on, else the
  first piece of the reply), and to the last piece.
Medians of all runs. Run it on an idle machine: the model uses both cores.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from interviewer.corpus import load_corpus  # noqa: E402
from interviewer.graders import GradeRequest  # noqa: E402
from interviewer.graders.llm import LLMGrader  # noqa: E402
from interviewer.llm import LLMClient, LLMSettings  # noqa: E402
from interviewer.llm._progress import ModelProgress, reporting_progress  # noqa: E402
from interviewer.testing import LocalLlamaServer, local_model  # noqa: E402

QUESTION = "dpo-prioritise-urgent"
TIERS = ("strong", "adequate", "weak")


def _answers() -> dict[str, str]:
    cases = yaml.safe_load((ROOT / "evals" / "golden" / f"{QUESTION}.yaml").read_text())["cases"]
    return {c["tier"]: c["answer"] for c in cases if c["id"] in {f"{QUESTION}-{t}" for t in TIERS}}


def _cli(base_url: str, answer: str) -> tuple[float, dict[str, object]]:
    started = time.monotonic()
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "interviewer",
            "feedback",
            "-r",
            "dpo",
            "-q",
            QUESTION,
            "--answer",
            answer,
            "--base-url",
            base_url,
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return time.monotonic() - started, json.loads(out.stdout)


def _in_process(base_url: str, model: str, answer: str, progress_field: bool) -> tuple[float, float, float]:
    corpus = load_corpus()
    role = corpus.find_question(QUESTION)
    extra = {} if progress_field else {"return_progress": False}  # local servers get it by default
    client = LLMClient(LLMSettings(model=model, base_url=base_url, extra_body=extra))
    heard: list[tuple[float, ModelProgress]] = []
    with reporting_progress(lambda p: heard.append((time.monotonic(), p))):
        LLMGrader(client).grade(GradeRequest(role.role, role.question(QUESTION), role.rubric(QUESTION), answer))
    client.close()
    sent = next(t for t, p in heard if p.phase == "sent")
    first = next(t for t, p in heard if p.phase != "sent")
    last = heard[-1][0]
    return first - sent, next(t for t, p in heard if p.phase == "writing") - sent, last - sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    chosen = local_model(args.model)
    server = LocalLlamaServer(chosen).start(install=True)
    answers = _answers()
    walls: list[float] = []
    tokens: list[int] = []
    graders: list[str] = []
    firsts: list[float] = []
    first_pieces: list[float] = []
    firsts_plain: list[float] = []
    lasts: list[float] = []
    for _ in range(args.runs):
        for tier in TIERS:
            wall, feedback = _cli(server.base_url, answers[tier])
            walls.append(wall)
            provenance = feedback["provenance"]
            assert isinstance(provenance, dict)
            tokens.append(int(provenance.get("tokens_out") or 0))
            graders.append(str(feedback["grader"]))
            first, first_piece, last = _in_process(server.base_url, chosen.name, answers[tier], progress_field=True)
            firsts.append(first)
            first_pieces.append(first_piece)
            lasts.append(last)
            plain, _, _ = _in_process(server.base_url, chosen.name, answers[tier], progress_field=False)
            firsts_plain.append(plain)
    print(f"{chosen.summary}: {server.description}; {len(walls)} answers ({', '.join(TIERS)} x {args.runs})")
    print(f"  graded by: {', '.join(sorted(set(graders)))}")
    print(
        f"  `interviewer feedback --base-url URL`, wall per answer: median {statistics.median(walls):.1f} s, "
        f"max {max(walls):.1f} s"
    )
    print(f"  output tokens (server's count): median {statistics.median(tokens):.0f}, max {max(tokens)}")
    print(
        f"  first progress from the server: median {statistics.median(firsts):.2f} s with return_progress, "
        f"{statistics.median(firsts_plain):.2f} s without (first piece of the reply)"
    )
    print(
        f"  first piece of the reply: median {statistics.median(first_pieces):.1f} s; "
        f"last: median {statistics.median(lasts):.1f} s"
    )
    server.stop()


if __name__ == "__main__":
    main()
