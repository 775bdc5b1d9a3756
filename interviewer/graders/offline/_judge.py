"""The learned part of the offline grader: from similarity features to a key point's status.

Raw cosine similarities of e5-small are compressed (a concrete story sits at 0.83 from every
key point; a generic restatement at 0.89 from several), so one cut-off per status marks
points missed that were made and one sentence as evidence for five points. The judge looks
at a point's similarity *in context*: against the sentence's other points, against the rest
of the answer, over a run of two sentences, and next to lexical evidence (a rubric term the
answer applies) and structural signs. Two logistic regressions (covered; covered-or-partial)
over these features are fitted on labelled answers by `tools/train_judge.py`; their weights
ship in `judge.json`. `benchmarks/offline_golden.py` refits them leaving each question out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

__all__ = ["FEATURES", "JUDGE_FILE", "Judge", "bundled_judge", "fit_judge", "point_features"]

JUDGE_FILE = Path(__file__).with_name("judge.json")

FEATURES = (
    "best_sentence",
    "best_pair",
    "contrast",
    "top_gap",
    "standout",
    "above_answer",
    "term_applied",
    "term_named_only",
    "sign",
    "negated",
    "log_words",
)
"""Feature names, in the order of the vectors (see `point_features`)."""


def point_features(
    sims: np.ndarray,
    pair_sims: np.ndarray,
    point: int,
    *,
    term_applied: bool,
    term_named: bool,
    sign: bool,
    negated: bool,
    words: int,
) -> np.ndarray:
    """One key point's features from the (sentences, points) similarity matrix of an answer."""
    column = sims[:, point]
    best = int(column.argmax())
    row = sims[best]
    others = np.delete(row, point)
    pair = float(pair_sims[:, point].max()) if pair_sims.size else float(column[best])
    return np.array(
        [
            float(column[best]),
            max(pair, float(column[best])),
            float(column[best] - row.mean()),
            float(column[best] - others.max()) if others.size else 0.0,
            float(column[best] - np.median(column)) if column.size > 1 else 0.0,
            float(column[best] - sims.mean()),
            float(term_applied),
            float(term_named and not term_applied),
            float(sign),
            float(negated),
            float(np.log1p(words) / 5),
        ]
    )


@dataclass(frozen=True)
class Judge:
    """Two fitted logistic models and the probability each status needs."""

    mean: np.ndarray
    scale: np.ndarray
    covered: np.ndarray
    """Weights (bias last) of P(covered)."""
    touched: np.ndarray
    """Weights (bias last) of P(covered or partial)."""
    covered_at: float
    touched_at: float
    trained_on: str = ""

    def _p(self, weights: np.ndarray, x: np.ndarray) -> np.ndarray:
        z = ((x - self.mean) / self.scale) @ weights[:-1] + weights[-1]
        return np.asarray(1 / (1 + np.exp(-z)))

    def probabilities(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """P(covered) and P(covered or partial) for each row of features."""
        x = np.atleast_2d(x)
        return self._p(self.covered, x), self._p(self.touched, x)

    def to_json(self) -> str:
        return json.dumps(
            {
                "features": list(FEATURES),
                "mean": self.mean.round(6).tolist(),
                "scale": self.scale.round(6).tolist(),
                "covered": self.covered.round(6).tolist(),
                "touched": self.touched.round(6).tolist(),
                "covered_at": self.covered_at,
                "touched_at": self.touched_at,
                "trained_on": self.trained_on,
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> Judge:
        data = json.loads(text)
        if data["features"] != list(FEATURES):
            raise ValueError("judge.json was fitted on other features; run tools/train_judge.py")
        return cls(
            np.asarray(data["mean"]),
            np.asarray(data["scale"]),
            np.asarray(data["covered"]),
            np.asarray(data["touched"]),
            float(data["covered_at"]),
            float(data["touched_at"]),
            str(data.get("trained_on", "")),
        )


@lru_cache(maxsize=1)
def bundled_judge() -> Judge:
    """The judge fitted on the golden set and the key-point pairs (ships with the package)."""
    return Judge.from_json(JUDGE_FILE.read_text(encoding="utf-8"))


def _logistic(x: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    """L2-regularised logistic regression by Newton's method; weights with the bias last."""
    design = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(design.shape[1])
    penalty = np.eye(design.shape[1]) * l2
    penalty[-1, -1] = 0
    for _ in range(50):
        p = 1 / (1 + np.exp(-(design @ w)))
        gradient = design.T @ (p - y) + penalty @ w
        hessian = (design * (p * (1 - p))[:, None]).T @ design + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def _cut(p: np.ndarray, y: np.ndarray, precision: float, counted: np.ndarray) -> float:
    """The lowest probability cut whose precision over the `counted` examples is at least `precision`."""
    for cut in np.arange(0.2, 0.951, 0.01):
        chosen = (p >= cut) & counted
        if chosen.sum() >= 5 and y[chosen].mean() >= precision:
            return round(float(cut), 2)
    return 0.5


def fit_judge(
    x: np.ndarray, status: Sequence[str], *, precision: float = 0.87, l2: float = 1.0, trained_on: str = ""
) -> Judge:
    """Fit both models on feature rows and gold statuses (covered, partial or missed).

    Each cut is the lowest probability at which the training precision reaches `precision`;
    for "covered", points gold marks partial count on neither side (as in the eval metrics).
    """
    labels = np.asarray(status)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    covered = (labels == "covered").astype(float)
    touched = (labels != "missed").astype(float)
    w_covered = _logistic(z, covered, l2)
    w_touched = _logistic(z, touched, l2)
    judge = Judge(mean, scale, w_covered, w_touched, 0.5, 0.5, trained_on)
    p_covered, p_touched = judge.probabilities(x)
    return Judge(
        mean,
        scale,
        w_covered,
        w_touched,
        _cut(p_covered, covered, precision, labels != "partial"),
        _cut(p_touched, touched, precision, np.ones(len(labels), dtype=bool)),
        trained_on,
    )
