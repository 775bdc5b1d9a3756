"""Key-point coverage: which part of the answer, if any, covers each rubric point.

Similarities come from the embedding model, over single sentences and runs of two; the
judge (`_judge.py`) turns them, with lexical evidence and structural signs, into a status.
Evidence is then assigned so that one sentence backs at most two points: a sentence close
to everything is evidence for nothing in particular.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ...embedders import Embedder
from ...models import KeyPoint, KeyPointStatus, Mistake, Rubric
from ._judge import Judge, bundled_judge, point_features
from ._terms import term_uses
from ._text import Sentence

__all__ = ["Coverage", "CoverageMatcher", "MistakeMatch", "PointMatch", "Thresholds"]

# The speaker negating their own action: "we don't really contact users", "I never set targets".
_NEGATION = re.compile(
    r"\b(?:i|we)\s+(?:really\s+|just\s+|usually\s+|often\s+)?"
    r"(?:don[’']t|do not|didn[’']t|did not|never|won[’']t|wouldn[’']t|haven[’']t|hadn[’']t"
    r"|can[’']t|couldn[’']t|rarely|hardly)"
    # "I did not understand chargebacks" admits a gap; it does not deny an action.
    r"\s+(?!just\b|only\b|simply\b|want\b|need\b|understand|know\b|knew\b|reali[sz]e|grasp|see\b|expect)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Thresholds:
    """Cosine-similarity cut-offs for one embedder, calibrated on `benchmarks/data`.

    Key-point statuses come from the judge; `covered` and `partial` are the single cut-offs of
    `benchmarks/embedders.py`, and `partial` also decides a follow-up reply about its point.
    """

    covered: float
    """A sentence at or above this covers the key point (single-cut-off baseline)."""
    partial: float
    """At or above this a point is partly covered; a follow-up reply about its point, covered."""
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
    confidence: float | None = None
    """The judge's probability that the point is covered."""


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
    closest_other_covered: float = 0.0
    """Share of that question's key points the judge finds covered by the answer."""


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


MAX_POINTS_PER_SENTENCE = 2
"""A sentence is evidence for at most this many points (unless the answer has too few sentences)."""
PAIR_MARGIN = 0.025
"""A run of two sentences is the evidence only when it is this much closer to the point than any one sentence."""


@dataclass(frozen=True)
class _Judged:
    status: KeyPointStatus
    confidence: float
    ranking: list[int]
    """Sentence indices, best evidence first."""
    pair_at: int | None
    """When a run of two sentences covers the point clearly better than any one: where it starts."""
    negated: bool


@dataclass(frozen=True)
class _Answer:
    """An answer's sentences and their similarities to one rubric's key points."""

    spans: list[str]
    sentences: Sequence[Sentence]
    sims: np.ndarray
    """(sentences, points): each sentence's best similarity to each point."""
    pairs: np.ndarray
    """(sentences - 1, points): the same for each run of two adjacent sentences."""
    signs: Mapping[str, str]


class CoverageMatcher:
    """Matches answer sentences against key points with an embedding model and the judge."""

    def __init__(self, embedder: Embedder, thresholds: Thresholds, judge: Judge | None = None) -> None:
        self.embedder = embedder
        self.thresholds = thresholds
        self._judge = judge

    @property
    def judge(self) -> Judge:
        if self._judge is None:
            self._judge = bundled_judge()
        return self._judge

    def warm(self, rubric: Rubric) -> None:
        """Embed a rubric's key points and mistake signals ahead of time."""
        self.embedder.queries(rubric_query_texts(rubric))

    def point_similarities(self, points: Sequence[KeyPoint], spans: Sequence[str]) -> np.ndarray:
        """(spans, points) matrix: each span's best similarity to any phrasing of each point.

        Spans with a contrast ("..., but ...") are scored on the clause the speaker commits to.
        """
        clauses = [asserted_clause(span) for span in spans]
        passages = self.embedder.passages(clauses)
        return self._point_similarities(points, passages)[0]

    def _point_similarities(self, points: Sequence[KeyPoint], passages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-point similarities of each sentence and of each run of two adjacent sentences."""
        query_texts: list[str] = []
        owners: list[int] = []
        for index, point in enumerate(points):
            for query in _queries(point):
                query_texts.append(query)
                owners.append(index)
        sims = passages @ self.embedder.queries(query_texts).T  # (spans, queries)
        if len(passages) > 1:
            norms = np.linalg.norm(passages[:-1] + passages[1:], axis=1)
            pairs = (sims[:-1] + sims[1:]) / np.maximum(norms, 1e-6)[:, None]
        else:
            pairs = np.zeros((0, sims.shape[1]))
        owner_array = np.asarray(owners)
        per_point = [owner_array == i for i in range(len(points))]
        single = np.stack([sims[:, mask].max(axis=1) for mask in per_point], axis=1)
        double = (
            np.stack([pairs[:, mask].max(axis=1) for mask in per_point], axis=1)
            if len(pairs)
            else np.zeros((0, len(points)))
        )
        return single, double

    def negated(self, evidence: str, point: KeyPoint) -> bool:
        """Whether the speaker negates their own action in `evidence` (and the point does not)."""
        return bool(_NEGATION.search(asserted_clause(evidence))) and not any(
            _NEGATION.search(q) for q in _queries(point)
        )

    @staticmethod
    def topic_fit(similarities: np.ndarray) -> float:
        """How well an answer fits a rubric: mean of the best four key-point similarities."""
        best = np.sort(similarities.max(axis=0))
        return float(best[-4:].mean())

    def features(self, rubric: Rubric, answer: _Answer) -> tuple[np.ndarray, list[bool], dict[int, int]]:
        """Feature rows (one per key point), negation flags, and the sentence of each applied term."""
        spans, sims, pairs, signs, sentences = answer.spans, answer.sims, answer.pairs, answer.signs, answer.sentences
        words = sum(len(s.split()) for s in spans)
        all_terms = [t for p in rubric.key_points for t in p.terms]
        rows, negations = [], []
        term_sentence: dict[int, int] = {}
        for index, point in enumerate(rubric.key_points):
            uses = term_uses(point.terms, sentences, all_terms) if point.terms else []
            applied = [u for u in uses if u.applied]
            if applied:
                term_sentence[index] = applied[0].sentence
            best = int(sims[:, index].argmax())
            negated = self.negated(spans[best], point)
            negations.append(negated)
            rows.append(
                point_features(
                    sims,
                    pairs,
                    index,
                    term_applied=bool(applied),
                    term_named=bool(uses),
                    sign=bool(point.shows and point.shows in signs),
                    negated=negated,
                    words=words,
                )
            )
        return np.vstack(rows), negations, term_sentence

    def answer_features(self, rubric: Rubric, sentences: Sequence[Sentence], signs: Mapping[str, str]) -> np.ndarray:
        """The judge's feature rows for an answer (one per key point), as `match` computes them."""
        spans = [s.text for s in sentences]
        passages = self.embedder.passages([asserted_clause(span) for span in spans])
        sims, pairs = self._point_similarities(rubric.key_points, passages)
        return self.features(rubric, _Answer(spans, sentences, sims, pairs, signs))[0]

    def _judge_points(self, rubric: Rubric, answer: _Answer) -> list[_Judged]:
        sims, pairs = answer.sims, answer.pairs
        x, negations, term_sentence = self.features(rubric, answer)
        p_covered, p_touched = self.judge.probabilities(x)
        judged: list[_Judged] = []
        for index in range(len(rubric.key_points)):
            if p_covered[index] >= self.judge.covered_at:
                status = KeyPointStatus.covered
            elif p_touched[index] >= self.judge.touched_at:
                status = KeyPointStatus.partial
            else:
                status = KeyPointStatus.missed
            ranking = [int(i) for i in np.argsort(-sims[:, index], kind="stable")]
            if index in term_sentence:
                ranking.remove(term_sentence[index])
                ranking.insert(0, term_sentence[index])
            pair_at = None
            if index not in term_sentence and len(pairs):
                best_pair = int(pairs[:, index].argmax())
                if float(pairs[best_pair, index]) > float(sims[:, index].max()) + PAIR_MARGIN:
                    pair_at = best_pair
            judged.append(_Judged(status, float(p_covered[index]), ranking, pair_at, negations[index]))
        return judged

    def match(
        self,
        rubric: Rubric,
        sentences: Sequence[Sentence],
        text: str,
        others: Sequence[Rubric] = (),
        *,
        signs: Mapping[str, str] | None = None,
        probes: Mapping[str, Sequence[int]] | None = None,
    ) -> Coverage:
        """Match an answer against `rubric`; `others` are rubrics it should fit less well.

        `signs` maps a structural sign (`example`, `situation`, `result`, `quantified`) to
        the sentence that shows it; a key point marked `shows: <sign>` whose sign is present
        is at least partly covered. `probes` maps a key point id to the sentences of a
        follow-up reply that probed it: the reply is also judged on its own against that
        point, so a reply that answers the question asked covers the point.
        """
        signs = signs or {}
        spans = [s.text for s in sentences]
        if not spans:
            return Coverage([PointMatch(p, KeyPointStatus.missed, 0.0, "", False) for p in rubric.key_points], [], 0.0)
        passages = self.embedder.passages([asserted_clause(span) for span in spans])
        sims, pairs = self._point_similarities(rubric.key_points, passages)
        answer = _Answer(spans, sentences, sims, pairs, signs)
        judged = self._judge_points(rubric, answer)
        ids = [p.id for p in rubric.key_points]
        for point_id, indices in (probes or {}).items():
            if point_id not in ids or not indices:
                continue
            index = ids.index(point_id)
            reply = self._judge_reply(rubric, answer, list(indices), index)
            if _RANK[reply.status] > _RANK[judged[index].status]:
                judged[index] = reply
        points = self._assign(rubric, answer, judged)
        margin, closest, other_covered = None, None, 0.0
        if others:
            own = self.topic_fit(sims)
            fits = []
            for other in others:
                other_sims, other_pairs = self._point_similarities(other.key_points, passages)
                fits.append((self.topic_fit(other_sims), other.question, other, other_sims, other_pairs))
            best_fit, closest, other, other_sims, other_pairs = max(fits, key=lambda f: f[0])
            margin = own - best_fit
            if margin < 0:
                judged_other = self._judge_points(other, _Answer(spans, sentences, other_sims, other_pairs, signs))
                other_covered = sum(j.status is KeyPointStatus.covered for j in judged_other) / len(judged_other)
        return Coverage(
            points, self._mistakes(rubric, passages, spans), float(sims.max()), margin, closest, other_covered
        )

    def _judge_reply(self, rubric: Rubric, answer: _Answer, indices: list[int], point: int) -> _Judged:
        """The probed point judged on the reply alone: it answers a question about that point."""
        spans, sims, pairs, sentences = answer.spans, answer.sims, answer.pairs, answer.sentences
        sub = sims[indices]
        contiguous = indices == list(range(indices[0], indices[0] + len(indices)))
        sub_pairs = pairs[indices[0] : indices[-1]] if contiguous and len(indices) > 1 else np.zeros((0, sims.shape[1]))
        reply_answer = _Answer([spans[i] for i in indices], [sentences[i] for i in indices], sub, sub_pairs, {})
        reply = self._judge_points(rubric, reply_answer)[point]
        ranking = [indices[i] for i in reply.ranking]
        status = reply.status
        best = float(sub[:, point].max())
        is_subject = float(sub[:, point].max() - np.delete(sub.max(axis=0), point).max()) >= -0.01
        if status is not KeyPointStatus.covered and not reply.negated and is_subject:
            # The reply is about what was asked: near the partial cut-off is enough to cover it.
            if best >= self.thresholds.partial:
                status = KeyPointStatus.covered
            elif best >= self.thresholds.relevant and status is KeyPointStatus.missed:
                status = KeyPointStatus.partial
        pair_at = indices[reply.pair_at] if reply.pair_at is not None else None
        return _Judged(status, reply.confidence, ranking, pair_at, reply.negated)

    def _assign(self, rubric: Rubric, answer: _Answer, judged: Sequence[_Judged]) -> list[PointMatch]:
        """Evidence for each point that is not missed, one sentence backing at most two points."""
        spans, sims, signs = answer.spans, answer.sims, answer.signs
        touched = sum(1 for j in judged if j.status is not KeyPointStatus.missed)
        capacity = max(MAX_POINTS_PER_SENTENCE, -(-touched // max(len(spans), 1)))
        used: dict[str, int] = {}  # by text: a sentence said twice is still one piece of evidence
        order = sorted(range(len(judged)), key=lambda i: (-_RANK[judged[i].status], -judged[i].confidence))
        results: dict[int, PointMatch] = {}
        for index in order:
            point, verdict = rubric.key_points[index], judged[index]
            status = verdict.status
            sign = signs.get(point.shows) if point.shows else None
            if sign is not None and status is KeyPointStatus.missed:
                status = KeyPointStatus.partial
            evidence = ""
            pair_at = verdict.pair_at
            if status is not KeyPointStatus.missed:
                ranking = list(verdict.ranking)
                if sign is not None and sign in spans:
                    # The structural sign the rubric names ("shows: result") is the evidence to quote.
                    ranking.remove(spans.index(sign))
                    ranking.insert(0, spans.index(sign))
                    pair_at = None
                best_sim = float(sims[ranking[0], index])
                free = [i for i in ranking if used.get(spans[i], 0) < capacity]
                if not free:
                    status = KeyPointStatus.missed
                else:
                    chosen = free[0]
                    if chosen != ranking[0] and float(sims[chosen, index]) < best_sim - 0.02:
                        # Its best sentence already backs two other points; the next one is weaker.
                        status = KeyPointStatus.partial if status is KeyPointStatus.covered else KeyPointStatus.missed
                    if status is not KeyPointStatus.missed:
                        backing = [chosen]
                        if pair_at is not None and all(
                            used.get(spans[i], 0) < capacity for i in (pair_at, pair_at + 1)
                        ):
                            backing = [pair_at, pair_at + 1]
                        for i in backing:
                            used[spans[i]] = used.get(spans[i], 0) + 1
                        evidence = " ".join(spans[i] for i in backing)
            results[index] = PointMatch(
                point, status, float(sims[:, index].max()), evidence, verdict.negated, round(verdict.confidence, 3)
            )
        return [results[i] for i in range(len(judged))]

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


_RANK = {KeyPointStatus.missed: 0, KeyPointStatus.partial: 1, KeyPointStatus.covered: 2}
