"""Labelled (answer, key point) examples for fitting the offline grader's judge, with their features.

Two sources, both written for this project: the golden answers (`evals/golden/`, every key point of
every honest or adversarial answer, labelled covered, partial or missed) and the key-point pairs
(`benchmarks/data/keypoint-pairs.yaml`: one sentence against one key point). Each example carries the
question it belongs to, so benchmarks can leave a question out.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from interviewer.corpus import Corpus  # noqa: E402
from interviewer.evals import load_dataset  # noqa: E402
from interviewer.evals._runner import request_for  # noqa: E402
from interviewer.graders import GradeRequest, OfflineGrader  # noqa: E402
from interviewer.models import AdversarialKind  # noqa: E402

_SKIP = {AdversarialKind.empty, AdversarialKind.gibberish}


@dataclass(frozen=True)
class Examples:
    x: np.ndarray
    status: list[str]
    question: list[str]
    source: list[str]
    """`golden:<case id>` or `pairs`."""


def collect(corpus: Corpus, grader: OfflineGrader, *, pairs: bool = True) -> Examples:
    rows: list[np.ndarray] = []
    status: list[str] = []
    question: list[str] = []
    source: list[str] = []
    for case in load_dataset(ROOT / "evals" / "golden", corpus).cases:
        if case.case.adversarial in _SKIP:
            continue
        x = grader.coverage_features(request_for(case, corpus))
        if not len(x):
            continue
        gold = case.case.gold
        for point, row in zip(case.rubric.key_points, x, strict=True):
            rows.append(row)
            status.append(
                "covered"
                if point.id in gold.key_points
                else "partial"
                if point.id in gold.partial_key_points
                else "missed"
            )
            question.append(case.question.id)
            source.append(f"golden:{case.id}")
    if pairs:
        data = yaml.safe_load((ROOT / "benchmarks" / "data" / "keypoint-pairs.yaml").read_text())
        for pair in data["pairs"]:
            role = corpus.find_question(pair["question"])
            q = role.question(pair["question"])
            rubric = role.rubric(q.id)
            x = grader.coverage_features(GradeRequest(role.role, q, rubric, pair["sentence"]))
            index = [p.id for p in rubric.key_points].index(pair["key_point"])
            rows.append(x[index])
            status.append("covered" if pair["label"] == "paraphrase" else "missed")
            question.append(q.id)
            source.append("pairs")
    return Examples(np.vstack(rows), status, question, source)
