"""Record evals/fixtures/llama/ from the local llama.cpp server: the whole golden set, per prompt.

    python tools/record_eval_fixtures.py [feedback@v1 feedback-degraded@v1 ...]

Equivalent to `interviewer eval run --grader llm --prompt P --config evals/fixtures/llama/config.toml
--record evals/fixtures/llama` (which is what `make eval-fixtures` runs); about 30 s per case on 2
cores, so an hour or more per prompt. SmolLM2-135M judges poorly: these are a real, reproducible run
for the harness and the regression gate, not a quality claim.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from interviewer.testing import LOCAL_MODEL_NAME, LocalLlamaServer  # noqa: E402

FIXTURES = ROOT / "evals" / "fixtures" / "llama"


def main(prompts: list[str]) -> None:
    FIXTURES.mkdir(parents=True, exist_ok=True)
    server = LocalLlamaServer().start()
    (FIXTURES / "config.toml").write_text(server.config_toml().replace(server.base_url, "http://llama-cpp.local/v1"))
    env = {**os.environ, "INTERVIEWER_RECORDED_WITH": server.description}
    for prompt in prompts:
        name = prompt.replace("@", "-")
        command = [
            sys.executable,
            "-m",
            "interviewer",
            "eval",
            "run",
            "--dataset",
            "evals/golden",
            "--grader",
            "llm",
            "--prompt",
            prompt,
            "--model",
            LOCAL_MODEL_NAME,
            "--config",
            str(FIXTURES / "config.toml"),
            "--base-url",
            server.base_url,
            "--record",
            str(FIXTURES),
            "--concurrency",
            "1",
            "--out",
            f"evals/runs/llama-{name}",
        ]
        print(" ".join(command), flush=True)
        subprocess.run(command, cwd=ROOT, env=env, check=True)


if __name__ == "__main__":
    main(sys.argv[1:] or ["feedback@v1", "feedback-degraded@v1"])
