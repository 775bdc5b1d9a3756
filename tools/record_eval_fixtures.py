"""Record a local model's eval run: the golden set (or the prompt-iteration subset), per prompt.

    python tools/record_eval_fixtures.py [--model smollm2|qwen2.5-1.5b] [--subset] [PROMPT ...]

Starts the model on llama.cpp (installing it if needed) and runs `interviewer eval run --grader llm
--record evals/fixtures/<model>` for each prompt into evals/runs/<model>-<prompt> (with --subset:
evals/runs/<model>-dev/<prompt>, on the 20 cases of tools/golden_subset.py). The run resumes: stop
it at any time and run the same command again (a recorded exchange is never requested twice).
SmolLM2-135M takes about 30 s per case on 2 cores, Qwen2.5-1.5B about 35 s.

The SmolLM2 fixtures (evals/fixtures/llama) were recorded on feedback@v1 with that model's
LOCAL_SETTINGS; their config.toml is kept as it was.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from golden_subset import write_subset  # noqa: E402

from interviewer.testing import LOCAL_SETTINGS, SMOLLM2, LocalLlamaServer, local_model  # noqa: E402

FOLDERS = {"smollm2": "llama", "qwen2.5-1.5b": "qwen"}
PORTS = {"smollm2": 18080, "qwen2.5-1.5b": 18081}
"""A fixed port per model: a run records its server's address, and a resumed run must match it."""
FAKE_URL = "http://llama-cpp.local/v1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2", choices=sorted(FOLDERS))
    parser.add_argument("--subset", action="store_true", help="the 20-case prompt-iteration subset")
    parser.add_argument("prompts", nargs="*")
    args = parser.parse_args()
    model = local_model(args.model)
    name = FOLDERS[model.key]
    fixtures = ROOT / "evals" / "fixtures" / name
    fixtures.mkdir(parents=True, exist_ok=True)
    prompts = args.prompts or (["feedback@v1", "feedback-degraded@v1"] if model is SMOLLM2 else ["feedback@v4"])
    server = LocalLlamaServer(model, port=PORTS[model.key]).start(install=True)
    config = fixtures / "config.toml"
    if not config.exists():
        settings = LOCAL_SETTINGS if model is SMOLLM2 else model.recording_settings
        config.write_text(server.config_toml(settings, base_url=FAKE_URL), encoding="utf-8")
    env = {**os.environ, "INTERVIEWER_RECORDED_WITH": server.description}
    dataset = "evals/golden"
    if args.subset:
        dataset = tempfile.mkdtemp(prefix="golden-subset-")
        write_subset(Path(dataset))
    for prompt in prompts:
        label = prompt.replace("@", "-")
        out = f"evals/runs/{name}-dev/{label}" if args.subset else f"evals/runs/{name}-{label}"
        command = [
            sys.executable,
            "-m",
            "interviewer",
            "eval",
            "run",
            "--dataset",
            dataset,
            "--grader",
            "llm",
            "--prompt",
            prompt,
            "--config",
            str(config),
            "--base-url",
            server.base_url,
            "--record",
            str(fixtures),
            "--concurrency",
            "1",
            "--out",
            out,
        ]
        print(" ".join(command), flush=True)
        subprocess.run(command, cwd=ROOT, env=env, check=True)


if __name__ == "__main__":
    main()
