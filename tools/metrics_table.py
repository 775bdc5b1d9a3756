"""Print committed runs' metrics side by side as a Markdown table (for docs/evals.md).

    python tools/metrics_table.py RUN[=LABEL] [RUN[=LABEL] ...]

Each RUN is a run folder with a summary.json; LABEL heads its column (default: the folder's name).
The tables in docs/evals.md are this script's output, so a figure there is always a committed one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROWS: list[tuple[str, str]] = [
    ("score in band", "score.exact"),
    ("within one", "score.within1"),
    ("MAE", "score.mae"),
    ("quadratic-weighted kappa", "score.qwk"),
    ("Spearman", "score.spearman"),
    ("key points precision", "key_points.precision"),
    ("key points recall", "key_points.recall"),
    ("key points F1", "key_points.f1"),
    ("key points macro F1", "key_points.macro_f1"),
    ("mistakes precision", "mistakes.precision"),
    ("mistakes recall", "mistakes.recall"),
    ("claims without valid evidence (rejected)", "items.unevidenced_rate"),
    ("adversarial at or below weak", "adversarial.at_or_below_weak"),
    ("injection never above clean", "adversarial.injection_never_above_clean"),
]


def _metric(summary: dict[str, Any], key: str) -> str:
    entry = summary["overall"].get(key)
    if not entry or entry.get("value") is None:
        return "-"
    text = f"{entry['value']:.3f}"
    if entry.get("ci"):
        low, high = entry["ci"]
        text += f" ({low:.2f}-{high:.2f})"
    return text


def table(runs: list[tuple[str, dict[str, Any]]]) -> str:
    lines = [
        "| Metric (95% CI) | " + " | ".join(label for label, _ in runs) + " |",
        "|---" * (len(runs) + 1) + "|",
        "| cases | " + " | ".join(str(s["cases"]) for _, s in runs) + " |",
    ]
    lines += [f"| {name} | " + " | ".join(_metric(s, key) for _, s in runs) + " |" for name, key in ROWS]
    ops = [s["operations"] for _, s in runs]
    lines.append("| schema-valid | " + " | ".join(f"{o['schema_valid_rate']:.3f}" for o in ops) + " |")
    tiers = [s["tier_ordering"] for _, s in runs]
    lines.append("| tier pairs in order | " + " | ".join(f"{t['value']:.3f} ({t['pairs']})" for t in tiers) + " |")
    lines.append("| tokens in / out | " + " | ".join(f"{o['tokens_in']:,} / {o['tokens_out']:,}" for o in ops) + " |")
    lines.append(
        "| latency p50 / p95 | "
        + " | ".join(f"{o['latency_ms_p50'] / 1000:.1f} / {o['latency_ms_p95'] / 1000:.1f} s" for o in ops)
        + " |"
    )
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    if not argv:
        raise SystemExit(__doc__)
    runs = []
    for arg in argv:
        folder, _, label = arg.partition("=")
        path = Path(folder) / "summary.json"
        if not path.is_file():
            raise SystemExit(f"error: {path} not found; pass a run folder that holds a summary.json")
        runs.append((label or Path(folder).name, json.loads(path.read_text(encoding="utf-8"))))
    print(table(runs))


if __name__ == "__main__":
    main(sys.argv[1:])
