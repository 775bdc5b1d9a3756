"""The offline grader against the labelled answers in evals/golden (all of them).

    python benchmarks/offline_golden.py [--verbose]

Reports score agreement with the gold bands, key-point precision and recall
(covered vs gold covered), tier means, adversarial outcomes and tier ordering.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from interviewer.corpus import load_corpus  # noqa: E402
from interviewer.graders import GradeRequest, OfflineGrader  # noqa: E402
from interviewer.models import EvalFile, KeyPointStatus, Tier  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--verbose", action="store_true", help="list every case outside its gold band")
    args = parser.parse_args()
    corpus = load_corpus()
    grader = OfflineGrader()
    rows = []
    tp = fp = fn = 0
    order_ok = order_total = 0
    for path in sorted((ROOT / "evals/golden").glob("*.yaml")):
        golden = EvalFile.model_validate(yaml.safe_load(path.read_text()))
        role = corpus.find_question(golden.question)
        question = role.question(golden.question)
        tiers: dict[Tier, int] = {}
        for case in golden.cases:
            feedback = grader.grade(GradeRequest(role.role, question, role.rubric(question.id), case.answer))
            predicted = {k.id for k in feedback.key_points if k.status is KeyPointStatus.covered}
            gold = set(case.gold.key_points)
            tp, fp, fn = tp + len(predicted & gold), fp + len(predicted - gold), fn + len(gold - predicted)
            kind = case.tier.value if case.tier else case.adversarial.value if case.adversarial else "?"
            rows.append((case, kind, feedback.score))
            if case.tier is not None:
                tiers[case.tier] = feedback.score
        ranked = [tiers[t] for t in (Tier.strong, Tier.adequate, Tier.weak) if t in tiers]
        for i in range(len(ranked)):
            for j in range(i + 1, len(ranked)):
                order_total += 1
                order_ok += ranked[i] > ranked[j]
    n = len(rows)
    exact = sum(c.gold.score_band.distance(s) == 0 for c, _, s in rows) / n
    within1 = sum(c.gold.score_band.distance(s) <= 1 for c, _, s in rows) / n
    mae = statistics.mean(abs(c.gold.score - s) for c, _, s in rows)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"{n} cases for {len(list((ROOT / 'evals/golden').glob('*.yaml')))} questions")
    print(f"score in gold band: {exact:.0%}   within 1 of band: {within1:.0%}   MAE vs gold score: {mae:.2f}")
    f1 = 2 * precision * recall / (precision + recall)
    print(f"key points covered: precision {precision:.2f}  recall {recall:.2f}  F1 {f1:.2f}")
    print(f"tier pairs in the right order (strictly): {order_ok}/{order_total}")
    by_kind = defaultdict(list)
    for case, kind, score in rows:
        by_kind[kind].append((score, case.gold.score_band.distance(score) == 0))
    for kind, values in sorted(by_kind.items()):
        scores = [s for s, _ in values]
        print(
            f"  {kind:17} n={len(values):2}  mean score {statistics.mean(scores):.2f}  "
            f"in band {sum(ok for _, ok in values)}/{len(values)}  scores {sorted(scores)}"
        )
    if args.verbose:
        for case, kind, score in rows:
            band = case.gold.score_band
            if band.distance(score):
                print(f"    {case.id:48} {kind:16} gold {case.gold.score} ({band.low}-{band.high}) got {score}")


if __name__ == "__main__":
    main()
