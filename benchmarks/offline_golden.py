"""The offline grader against the labelled answers in evals/golden, in-sample and leave-one-question-out.

    python benchmarks/offline_golden.py [--verbose] [--no-loqo]

In-sample: the bundled judge (fitted on every labelled example, `tools/train_judge.py`).
Leave-one-question-out: for each golden question, the judge is refitted on the examples of every
other question (golden answers and key-point pairs), cuts included, and that question's answers are
graded with it. The scoring policy's rules are fixed, not fitted; see docs/offline-grader.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from judge_data import collect  # noqa: E402

from interviewer.corpus import load_corpus  # noqa: E402
from interviewer.embedders import default_embedder  # noqa: E402
from interviewer.evals import load_dataset  # noqa: E402
from interviewer.evals._dataset import Case, tier_representatives  # noqa: E402
from interviewer.evals._runner import request_for  # noqa: E402
from interviewer.graders import OfflineGrader  # noqa: E402
from interviewer.graders.offline._judge import fit_judge  # noqa: E402
from interviewer.graders.offline._text import split_sentences  # noqa: E402
from interviewer.models import AdversarialKind, Feedback, KeyPointStatus, Tier  # noqa: E402


def metrics(results: list[tuple[Case, Feedback]]) -> dict[str, float | str]:
    tp = fp = fn = 0
    for case, feedback in results:
        gold, partial = set(case.case.gold.key_points), set(case.case.gold.partial_key_points)
        predicted = {k.id for k in feedback.key_points if k.status is KeyPointStatus.covered} - partial
        tp, fp, fn = tp + len(predicted & gold), fp + len(predicted - gold), fn + len(gold - predicted)
    n = len(results)
    in_band = sum(c.case.gold.score_band.distance(f.score) == 0 for c, f in results) / n
    ok = total = 0
    scores_by_id = {c.id: f.score for c, f in results}
    for tiers in tier_representatives(c for c, _ in results).values():
        ranked = [scores_by_id[tiers[t]] for t in (Tier.strong, Tier.adequate, Tier.weak) if t in tiers]
        for i in range(len(ranked)):
            for j in range(i + 1, len(ranked)):
                total += 1
                ok += ranked[i] > ranked[j]
    adversarial = [(c, f) for c, f in results if c.case.adversarial not in {None, AdversarialKind.prompt_injection}]
    high = [(c, f) for c, f in results if f.score >= 4]
    half = sum(sum(k.status is KeyPointStatus.covered for k in f.key_points) * 2 >= len(f.key_points) for _, f in high)
    overused = 0
    for case, feedback in results:
        counts = Counter(k.evidence for k in feedback.key_points if k.evidence)
        sentences = len(split_sentences(case.case.answer))
        short = sentences * 2 < sum(counts.values())
        overused += (not short) and any(v > 2 for v in counts.values())
    translated = {c.id: f.score for c, f in results}
    pairs = [(c, f) for c, f in results if c.case.translation_of in translated]
    close = sum(abs(f.score - translated[c.case.translation_of or ""]) <= 1 for c, f in pairs)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        "cases": n,
        "key points: precision": round(precision, 3),
        "key points: recall": round(recall, 3),
        "score in gold band": round(in_band, 3),
        "within 1 of band": round(sum(c.case.gold.score_band.distance(f.score) <= 1 for c, f in results) / n, 3),
        "MAE vs gold score": round(statistics.mean(abs(c.case.gold.score - f.score) for c, f in results), 2),
        "tier pairs in order": f"{ok}/{total} ({ok / total:.3f})" if total else "-",
        "adversarial at or below weak": f"{sum(f.score <= 2 for _, f in adversarial)}/{len(adversarial)}",
        "score 4-5 with half the points covered": f"{half}/{len(high)}",
        "feedbacks with a sentence backing >2 points": f"{overused}/{n}",
        "translations within 1 of English": f"{close}/{len(pairs)}",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--verbose", action="store_true", help="list every case outside its gold band")
    parser.add_argument("--no-loqo", action="store_true", help="in-sample figures only")
    parser.add_argument("--dataset", type=Path, default=ROOT / "evals" / "golden", help="cases to report on")
    args = parser.parse_args()
    corpus = load_corpus()
    embedder = default_embedder()
    cases = list(load_dataset(args.dataset, corpus).cases)
    grader = OfflineGrader(embedder)
    in_sample = [(c, grader.grade(request_for(c, corpus))) for c in cases]
    columns = {"in-sample": metrics(in_sample)}
    loqo: list[tuple[Case, Feedback]] = []
    if not args.no_loqo:
        examples = collect(corpus, grader)
        questions = np.asarray(examples.question)
        for question in sorted({c.question.id for c in cases}):
            keep = questions != question
            judge = fit_judge(examples.x[keep], [s for s, k in zip(examples.status, keep, strict=True) if k])
            held_out = OfflineGrader(embedder, judge=judge)
            loqo += [(c, held_out.grade(request_for(c, corpus))) for c in cases if c.question.id == question]
        columns["leave-one-question-out"] = metrics(loqo)
    names = list(columns["in-sample"])
    print(f"{'':46}" + "".join(f"{k:>26}" for k in columns))
    for name in names:
        print(f"{name:46}" + "".join(f"{columns[k][name]!s:>26}" for k in columns))
    if args.verbose:
        for label, results in (("in-sample", in_sample), ("loqo", loqo)):
            for case, feedback in results:
                band = case.case.gold.score_band
                if band.distance(feedback.score):
                    gold = f"gold {case.case.gold.score} ({band.low}-{band.high})"
                    rules = [a.rule for a in feedback.score_adjustments]
                    print(f"  {label:9} {case.id:48} {gold} got {feedback.score}  {rules}")


if __name__ == "__main__":
    main()
