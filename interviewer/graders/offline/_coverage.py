"""Semantic key-point coverage: which answer sentence, if any, covers each rubric point."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ...embedders import Embedder
from ...models import KeyPoint, KeyPointStatus, Mistake, Rubric
from ._text import Sentence

__all__ = ["Coverage", "CoverageMatcher", "MistakeMatch", "PointMatch", "Thresholds"]

# The speaker negating their own action: "we don't really contact users", "I never set targets".
_NEGATION = re.compile(
    r"\b(?:i|we)\s+(?:really\s+|just\s+|usually\s+|often\s+)?"
    r"(?:don[’']t|do not|didn[’']t|did not|never|won[’']t|wouldn[’']t|haven[’']t|hadn[’']t"
    r"|can[’']t|couldn[’']t|rarely|hardly)"
    r"\s+(?!just\b|only\b|simply\b|want\b|need\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Thresholds:
    """Cosine-similarity cut-offs for one embedder, calibrated on `benchmarks/data`."""

    covered: float
    """A sentence at or above this covers the key point."""
    partial: float
    """At or above this (and below `covered`) the point is partly covered."""
    relevant: float
    """If no key point reaches this, the answer is about something else."""
    mistake: float
    """A sentence at or above this shows a rubric mistake (compared with its signals)."""
    topic_margin: float
    """If another question's rubric fits the answer better than this by more than `-topic_margin`, it is off-topic."""


@dataclass(frozen=True)
class PointMatch:
    """The verdict on one key point and the sentence behind it."""

    key_point: KeyPoint
    status: KeyPointStatus
    similarity: float
    evidence: str
    negated: bool


@dataclass(frozen=True)
class MistakeMatch:
    mistake: Mistake
    similarity: float
    evidence: str


@dataclass(frozen=True)
class Coverage:
    points: list[PointMatch]
    mistakes: list[MistakeMatch]
    relevance: float
    """Best similarity of any sentence to any key point."""
    topic_margin: float | None = None
    """How much better the answer fits this rubric than the best-fitting other one (negative: another fits better)."""
    closest_other: str | None = None
    """Id of the question whose rubric fits best among the others."""


# "I know we should agree what urgent means, but we never did": the speaker concedes
# the first part and commits to the second. Embeddings see the whole sentence as
# close to "agrees what urgent means", so a conceded clause is dropped.
_CONTRAST = re.compile(r"(?:,|;|\s)\s*(?:but|however|yet|though,|although|except that|whereas)\s+", re.IGNORECASE)
_CONCESSION = re.compile(
    r"\b(?:i|we) (?:know|knew|realise|realised|realize|realized|agree|agreed|understand|get)\b"
    r"|\b(?:in theory|ideally|in principle|of course|supposed to|meant to|should|would like to|wanted to|tried to|"
    r"is popular|are popular|sounds? (?:nice|great|good)|nice in|i've read|i have read|i've heard|everyone says)\b",
    re.IGNORECASE,
)
_REJECTS_AFTER = re.compile(r"\s*,?\s*\b(?:rather than|instead of)\b", re.IGNORECASE)


def asserted_clause(sentence: str) -> str:
    """The part of a sentence the speaker actually commits to.

    "X, but Y" is cut to Y only when X concedes something ("I know...",
    "ideally...", "in theory..."); "X rather than Y" is cut to X.
    """
    clause = sentence
    parts = _CONTRAST.split(sentence, maxsplit=1)
    if len(parts) == 2 and _CONCESSION.search(parts[0]) and len(parts[1].split()) >= 3:
        clause = parts[1]
    before = _REJECTS_AFTER.split(clause, maxsplit=1)
    if len(before) > 1 and len(before[0].split()) >= 3:
        clause = before[0]
    return clause.strip()


def _queries(point: KeyPoint) -> list[str]:
    return [f"{point.label}: {point.covers}", *point.cues]


def rubric_query_texts(rubric: Rubric) -> list[str]:
    """Every text of a rubric that is embedded as a query: key point phrasings and mistake signals."""
    return [q for p in rubric.key_points for q in _queries(p)] + [s for m in rubric.mistakes for s in m.signals]


class CoverageMatcher:
    """Matches answer sentences against key points with an embedding model."""

    def __init__(self, embedder: Embedder, thresholds: Thresholds) -> None:
        self.embedder = embedder
        self.thresholds = thresholds

    def warm(self, rubric: Rubric) -> None:
        """Embed a rubric's key points and mistake signals ahead of time."""
        self.embedder.queries(rubric_query_texts(rubric))

    def point_similarities(self, points: Sequence[KeyPoint], spans: Sequence[str]) -> np.ndarray:
        """(spans, points) matrix: each span's best similarity to any phrasing of each point.

        Spans with a contrast ("..., but ...") are scored on the clause the speaker commits to.
        """
        clauses = [asserted_clause(span) for span in spans]
        passages = self.embedder.passages(clauses)
        return self._point_similarities(points, passages)

    def _point_similarities(self, points: Sequence[KeyPoint], passages: np.ndarray) -> np.ndarray:
        query_texts: list[str] = []
        owners: list[int] = []
        for index, point in enumerate(points):
            for query in _queries(point):
                query_texts.append(query)
                owners.append(index)
        sims = passages @ self.embedder.queries(query_texts).T  # (spans, queries)
        owner_array = np.asarray(owners)
        return np.stack([sims[:, owner_array == i].max(axis=1) for i in range(len(points))], axis=1)

    def status(self, similarity: float, evidence: str, point: KeyPoint) -> tuple[KeyPointStatus, bool]:
        """Status for a point's best similarity, and whether a negation downgraded it."""
        t = self.thresholds
        if similarity >= t.covered:
            status = KeyPointStatus.covered
        elif similarity >= t.partial:
            status = KeyPointStatus.partial
        else:
            status = KeyPointStatus.missed
        negated = bool(_NEGATION.search(asserted_clause(evidence))) and not any(
            _NEGATION.search(q) for q in _queries(point)
        )
        if negated and status is not KeyPointStatus.missed:
            # "I don't use a framework" sits close to "uses a framework" in embedding space.
            status = KeyPointStatus.partial if status is KeyPointStatus.covered else KeyPointStatus.missed
        return status, negated

    @staticmethod
    def topic_fit(similarities: np.ndarray) -> float:
        """How well an answer fits a rubric: mean of the best four key-point similarities."""
        best = np.sort(similarities.max(axis=0))
        return float(best[-4:].mean())

    def match(
        self,
        rubric: Rubric,
        sentences: Sequence[Sentence],
        text: str,
        others: Sequence[Rubric] = (),
        signs: Mapping[str, str] | None = None,
    ) -> Coverage:
        """Match an answer against `rubric`; `others` are rubrics it should fit less well.

        `signs` maps a structural sign (`example`, `situation`, `result`, `quantified`) to
        the sentence that shows it. A key point marked `shows: <sign>` whose sign is
        present is at least partly covered, and covered if its meaning is close too:
        a concrete story sits far from an abstract key point in embedding space.
        """
        signs = signs or {}
        spans = [s.text for s in sentences]
        if not spans:
            return Coverage([PointMatch(p, KeyPointStatus.missed, 0.0, "", False) for p in rubric.key_points], [], 0.0)
        passages = self.embedder.passages([asserted_clause(span) for span in spans])
        sims = self._point_similarities(rubric.key_points, passages)
        points: list[PointMatch] = []
        for index, point in enumerate(rubric.key_points):
            best_span = int(sims[:, index].argmax())
            similarity = float(sims[best_span, index])
            status, negated = self.status(similarity, spans[best_span], point)
            evidence = spans[best_span] if status is not KeyPointStatus.missed else ""
            sign = signs.get(point.shows) if point.shows else None
            if sign is not None and status is not KeyPointStatus.covered:
                close = similarity >= self.thresholds.partial and not negated
                status = KeyPointStatus.covered if close else KeyPointStatus.partial
                evidence = evidence or sign
            points.append(PointMatch(point, status, similarity, evidence, negated))
        margin, closest = None, None
        if others:
            own = self.topic_fit(sims)
            fits = [(self.topic_fit(self._point_similarities(o.key_points, passages)), o.question) for o in others]
            best_fit, closest = max(fits)
            margin = own - best_fit
        return Coverage(points, self._mistakes(rubric, passages, spans), float(sims.max()), margin, closest)

    def _mistakes(self, rubric: Rubric, passages: np.ndarray, spans: list[str]) -> list[MistakeMatch]:
        found: list[MistakeMatch] = []
        for mistake in rubric.mistakes:
            if not mistake.signals:
                continue
            sims = passages @ self.embedder.queries(list(mistake.signals)).T
            best = int(sims.max(axis=1).argmax())
            similarity = float(sims[best].max())
            if similarity >= self.thresholds.mistake:
                found.append(MistakeMatch(mistake, similarity, spans[best]))
        return found
