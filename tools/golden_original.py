"""Write the golden set as a recorded run saw it (the 84 cases before issue 9's probes) to a folder.

    python tools/golden_original.py OUT [RUN]

The committed SmolLM2 runs (evals/runs/llama-*) were recorded on 84 cases; the cases added later
have no recordings. They were appended after the original cases of each file (or are in files of
their own), so each original file is its text up to the first case the run did not grade, byte for
byte: the dataset hash matches the recorded run's.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "evals" / "golden"
RUN = ROOT / "evals" / "runs" / "llama-feedback-v1"


def write_original(out: Path, run: Path = RUN) -> list[Path]:
    lines = (run / "results.jsonl").read_text(encoding="utf-8").splitlines()
    graded = {json.loads(line)["case_id"] for line in lines if line.strip()}
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(GOLDEN.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        cases = yaml.safe_load(text)["cases"]
        first_new = next((c["id"] for c in cases if c["id"] not in graded), None)
        if first_new == cases[0]["id"]:
            continue  # a file added later
        if first_new is not None:
            text = text[: text.index(f"  - id: {first_new}\n")]
        (out / path.name).write_text(text, encoding="utf-8")
        written.append(out / path.name)
    return written


if __name__ == "__main__":
    run = Path(sys.argv[2]) if len(sys.argv) > 2 else RUN
    print(f"{len(write_original(Path(sys.argv[1]), run))} files in {sys.argv[1]}")
