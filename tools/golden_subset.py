"""Write the prompt-iteration subset of the golden set (20 cases) to a folder.

    python tools/golden_subset.py OUT

Prompt versions are tuned on these cases (recorded per version, compared with `eval compare`); the
other cases of the golden set are held out, and `docs/evals.md` reports the kept version on both.
The subset is fixed: six questions (three per role, spread over categories) at the three tiers, plus
one injection and one off-topic case.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "evals" / "golden"
QUESTIONS = (
    "dpo-prioritise-urgent",
    "dpo-measure-feature-success",
    "dpo-missed-goal-recovery",
    "pom-critical-defect-before-launch",
    "pom-release-conflict",
    "pom-transparency-improvement",
)
ADVERSARIAL = ("dpo-prioritise-urgent-injection", "pom-pricing-config-error-off-topic")
TIERS = ("strong", "adequate", "weak")
SUBSET = tuple(f"{q}-{t}" for q in QUESTIONS for t in TIERS) + ADVERSARIAL


def write_subset(out: Path) -> list[str]:
    """Write each golden file's subset cases to `out` (same file names, same header); the ids written."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    for path in sorted(GOLDEN.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        cases = [c for c in data["cases"] if c["id"] in SUBSET]
        if not cases:
            continue
        data["cases"] = cases
        (out / path.name).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
        written += [c["id"] for c in cases]
    missing = sorted(set(SUBSET) - set(written))
    if missing:
        raise SystemExit(f"subset cases not in the golden set: {', '.join(missing)}")
    return written


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    print(f"{len(write_subset(Path(sys.argv[1])))} cases written to {sys.argv[1]}")
