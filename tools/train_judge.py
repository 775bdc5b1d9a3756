"""Fit the offline grader's judge on every labelled example and write interviewer/graders/offline/judge.json.

    python tools/train_judge.py        (make judge)

Run after changing the golden set, the key-point pairs, a rubric or the judge's features. The
leave-one-question-out figures that say how well this generalises are in benchmarks/offline_golden.py.
"""

from __future__ import annotations

import hashlib

from judge_data import ROOT, collect

from interviewer.corpus import load_corpus
from interviewer.graders import OfflineGrader
from interviewer.graders.offline._judge import FEATURES, JUDGE_FILE, fit_judge


def main() -> None:
    corpus = load_corpus()
    examples = collect(corpus, OfflineGrader())
    digest = hashlib.sha256()
    for path in [*sorted((ROOT / "evals" / "golden").glob("*.yaml")), ROOT / "benchmarks/data/keypoint-pairs.yaml"]:
        digest.update(path.read_bytes())
    judge = fit_judge(
        examples.x, examples.status, trained_on=f"{len(examples.status)} examples, data {digest.hexdigest()[:16]}"
    )
    JUDGE_FILE.write_text(judge.to_json() + "\n", encoding="utf-8")
    print(f"{len(examples.status)} examples; cuts covered {judge.covered_at} touched {judge.touched_at}")
    for name, wc, wt in zip(FEATURES, judge.covered[:-1], judge.touched[:-1], strict=True):
        print(f"  {name:16} {wc:+.2f} {wt:+.2f}")


if __name__ == "__main__":
    main()
