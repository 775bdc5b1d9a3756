"""The offline grader: delivery metrics, semantic key-point coverage and guards. No network."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..._version import __version__
from ...corpus import Corpus, load_corpus, rubric_hash
from ...embedders import E5Embedder, Embedder, default_embedder
from ...models import (
    SCORE_ANCHORS,
    DeliveryMetrics,
    Feedback,
    GuardKind,
    GuardResult,
    KeyPointResult,
    KeyPointStatus,
    MistakeFound,
    Provenance,
    Rubric,
    StarPart,
)
from .. import _policy as policy
from .._base import Grader, GradeRequest
from .._injection import strip_injections
from ._cache import FeedbackCache, code_fingerprint
from ._coverage import Coverage, CoverageMatcher, PointMatch, Thresholds
from ._delivery import example_sentence, measure_delivery
from ._guards import detect_guards
from ._judge import Judge, bundled_judge
from ._scoring import improvements, strengths, summary
from ._specificity import english_share, repetition, specifics
from ._text import Sentence, split_sentences, words

__all__ = ["E5_THRESHOLDS", "OfflineGrader", "Screening", "answer_facts", "not_assessed", "screen"]

E5_THRESHOLDS = Thresholds(covered=0.875, partial=0.85, relevant=0.8, mistake=0.885, topic_margin=-0.015)
"""Calibrated for multilingual-e5-small on benchmarks/data (see benchmarks/embedders.py)."""


class OfflineGrader(Grader):
    """Rubric-coverage feedback with no API key and no network.

    The embedder loads on first use (about 0.1 s); pass one to share or replace it.
    """

    name = "offline"

    def __init__(
        self,
        embedder: Embedder | None = None,
        thresholds: Thresholds = E5_THRESHOLDS,
        *,
        corpus: Corpus | None = None,
        cache: FeedbackCache | None = None,
        judge: Judge | None = None,
    ) -> None:
        """`corpus` supplies the other questions' rubrics for the off-topic check (default: the bundled one).

        `cache` keeps results for answers graded again (eval runs); off by default.
        `judge` replaces the bundled coverage judge (benchmarks refit it leaving a question out).
        """
        self._judge = judge
        self._embedder = embedder
        self._thresholds = thresholds
        self._corpus = corpus
        self._cache = cache
        self._fingerprint: str | None = None
        self._judge_key: str | None = None
        self._matcher: CoverageMatcher | None = None

    def _corpus_fingerprint(self) -> str:
        if self._fingerprint is None:
            corpus = self._corpus or load_corpus()
            rubrics = sorted(r.model_dump_json() for role in corpus.roles.values() for r in role.rubrics.values())
            self._fingerprint = hashlib.sha256("\n".join(rubrics).encode()).hexdigest()
        return self._fingerprint

    def _judge_fingerprint(self) -> str:
        if self._judge_key is None:
            self._judge_key = hashlib.sha256((self._judge or bundled_judge()).to_json().encode()).hexdigest()
        return self._judge_key

    def _others(self, request: GradeRequest) -> list[Rubric]:
        """Every other question's rubric: an answer that fits one of them better is off-topic."""
        corpus = self._corpus or load_corpus()
        rubrics = [r for role in corpus.roles.values() for r in role.rubrics.values()]
        if not any(r.question == request.rubric.question for r in rubrics):
            return []  # a question from elsewhere: no reference set to compare with
        return [r for r in rubrics if r.question != request.rubric.question]

    def _off_topic(self, coverage: Coverage, request: GradeRequest) -> str | None:
        t = self._thresholds
        if coverage.relevance < t.relevant:
            return "No sentence comes close to any key point of this question."
        if coverage.topic_margin is None or coverage.topic_margin >= t.topic_margin:
            return None
        covered = sum(1 for p in coverage.points if p.status is KeyPointStatus.covered) / len(coverage.points)
        if covered > coverage.closest_other_covered + OWN_COVERAGE_MARGIN:
            return None  # it clearly covers more of this question than of the one it resembles
        corpus = self._corpus or load_corpus()
        role = corpus.roles.get(request.role.id)
        if role is not None and coverage.closest_other in role.rubrics:
            return (
                f"The answer fits another question of this interview ({coverage.closest_other}) better than this one."
            )
        # Never name a question from a role the candidate is not interviewing for.
        return "The answer reads as an answer to a different question, not to the one asked."

    @property
    def _embedder_name(self) -> str:
        """The embedder's name, without loading the model (an unreadable answer never needs it)."""
        if self._matcher is not None:
            return self._matcher.embedder.name
        return self._embedder.name if self._embedder is not None else E5Embedder.name

    @property
    def matcher(self) -> CoverageMatcher:
        if self._matcher is None:
            self._matcher = CoverageMatcher(self._embedder or default_embedder(), self._thresholds, self._judge)
        return self._matcher

    def prepare(self, rubrics: Sequence[Rubric]) -> None:
        for rubric in rubrics:
            self.matcher.warm(rubric)

    def coverage_features(self, request: GradeRequest) -> np.ndarray:
        """The judge's feature rows (one per key point) for an answer, as `grade` computes them (for training)."""
        answer = _prepare(request)
        if not answer.sentences:
            return np.zeros((0, 0))
        return self.matcher.answer_features(request.rubric, answer.sentences, answer.signs)

    def grade(self, request: GradeRequest) -> Feedback:
        if self._cache is None:
            return self._grade(request)
        started = time.perf_counter()
        key = self._cache.key(
            __version__,
            code_fingerprint(),
            repr(self._thresholds),
            self._judge_fingerprint(),
            self._embedder_name,
            rubric_hash(request.question, request.rubric),
            self._corpus_fingerprint(),  # the other questions decide the off-topic check
            request.role.id,
            request.answer,
            *(f"{f.question}\n{f.answer}" for f in request.follow_ups),
            request.spoken.model_dump_json() if request.spoken is not None else "typed",
        )
        cached = self._cache.get(key)
        if cached is not None:  # this grading's own latency: the time to read it
            latency = round((time.perf_counter() - started) * 1000, 1)
            provenance = cached.provenance.model_copy(update={"cached": True, "latency_ms": latency})
            return cached.model_copy(update={"provenance": provenance})
        feedback = self._grade(request)
        self._cache.put(key, feedback)
        return feedback

    def _grade(self, request: GradeRequest) -> Feedback:
        started = time.perf_counter()
        answer = _prepare(request)
        text, tokens, sentences, delivery = answer.text, answer.tokens, answer.sentences, answer.delivery
        rubric = request.rubric
        unreadable = detect_guards(text, tokens, delivery)
        if any(g.cap == 0 for g in unreadable):
            # Empty or not readable text: nothing to embed, nothing can be covered.
            coverage = Coverage(
                [PointMatch(p, KeyPointStatus.missed, 0.0, "", False) for p in rubric.key_points], [], 0.0
            )
            guards = unreadable
        else:
            coverage = self.matcher.match(
                rubric,
                sentences,
                text,
                self._others(request),
                signs=answer.signs,
                probes=_probe_sentences(sentences, answer.probes),
            )
            guards = detect_guards(
                text, tokens, delivery, off_topic=self._off_topic(coverage, request) if sentences else None
            )
        if any(g.cap == 0 or g.kind is GuardKind.off_topic for g in guards):
            # Nothing in an unreadable or off-topic answer covers this rubric, whatever the embeddings say.
            coverage = Coverage(
                [p.__class__(p.key_point, KeyPointStatus.missed, p.similarity, "", p.negated) for p in coverage.points],
                [],
                coverage.relevance,
            )
        results = [
            KeyPointResult(
                id=m.key_point.id,
                label=m.key_point.label,
                status=m.status,
                evidence=m.evidence,
                confidence=m.confidence,
                note=_point_note(m.status, m.negated),
            )
            for m in coverage.points
        ]
        mistakes = [
            MistakeFound(id=m.mistake.id, description=m.mistake.description, evidence=m.evidence)
            for m in coverage.mistakes
        ]
        facts = answer_facts(text, sentences, delivery, guards, mistakes=len(mistakes), english=answer.english)
        points = [(m.key_point, m.status) for m in coverage.points]
        breakdown = policy.score(points, facts)
        return Feedback(
            question_id=request.question.id,
            role=request.role.id,
            score=breakdown.score,
            score_anchor=SCORE_ANCHORS[breakdown.score],
            headline=policy.headline(breakdown, points, facts),
            score_from_coverage=breakdown.from_coverage,
            score_adjustments=list(breakdown.adjustments),
            summary=summary(delivery),
            key_points=results,
            mistakes=mistakes,
            strengths=strengths(results, rubric.key_points, delivery, guards, adjustments=breakdown.adjustments),
            improvements=improvements(
                results, rubric.key_points, delivery, mistakes, guards, adjustments=breakdown.adjustments
            ),
            delivery=delivery,
            guards=guards,
            grader=self.name,
            not_assessed=not_assessed(rubric, english=answer.english),
            ignored_text=answer.ignored,
            provenance=Provenance(
                grader_version=__version__,
                embedder=self._embedder_name,
                rubric_hash=rubric_hash(request.question, rubric),
                latency_ms=round((time.perf_counter() - started) * 1000, 1),
            ),
        )


def answer_facts(
    text: str,
    sentences: Sequence[Sentence],
    delivery: DeliveryMetrics,
    guards: Sequence[GuardResult],
    *,
    mistakes: int,
    english: bool | None = None,
) -> policy.AnswerFacts:
    """What the scoring policy needs beyond the key points; no model involved (milliseconds).

    `english` is measured from the text unless the caller already knows it.
    """
    detail = specifics(sentences, delivery.quantified_results, delivery.star)
    return policy.AnswerFacts(
        delivery=delivery,
        specific_kinds=detail.kinds,
        story=detail.has_story,
        reasons=detail.reasons,
        repetition=repetition(text),
        english=is_english(words(text)) if english is None else english,
        mistakes=mistakes,
        guards=guards,
    )


OWN_COVERAGE_MARGIN = 0.1
"""An answer that resembles another question is still on topic if it covers this many more of this one's points."""
ENGLISH_SHARE = 0.2
"""English prose has a third or more of its words from `FUNCTION_WORDS`; Spanish or German, well under a fifth."""


def is_english(tokens: Sequence[str]) -> bool:
    """Whether an answer reads as English prose (the rubric's language)."""
    return english_share(tokens) >= ENGLISH_SHARE


@dataclass(frozen=True)
class _Prepared:
    """An answer as every step of grading reads it."""

    text: str
    """The answer and its follow-up replies, injections set aside."""
    ignored: list[str]
    probes: list[tuple[str | None, int, int]]
    tokens: list[str]
    sentences: list[Sentence]
    delivery: DeliveryMetrics
    english: bool
    signs: dict[str, str]


def _prepare(request: GradeRequest, *, signs: bool = True) -> _Prepared:
    text, ignored, probes = _answer_text(request)
    tokens = words(text)
    sentences = split_sentences(text)
    delivery = measure_delivery(
        text,
        star=request.uses_star,
        rubric_terms=request.rubric.key_terms,
        role_terms=request.role.key_terms,
        sentences=sentences,
        spoken=request.spoken,
    )
    english = is_english(tokens)
    found = _signs(sentences, delivery) if english and signs else {}
    return _Prepared(text, ignored, probes, tokens, sentences, delivery, english, found)


@dataclass(frozen=True)
class Screening:
    """What is known about an answer before anything judges its meaning: milliseconds, no embeddings."""

    text: str
    """The answer and its follow-up replies as graded (injections set aside)."""
    delivery: DeliveryMetrics
    guards: tuple[GuardResult, ...]
    """Every guard but off-topic, which needs the embeddings (a model grader judges relevance itself)."""
    english: bool
    facts: policy.AnswerFacts
    """What the scoring policy needs beyond the key points, for `text` (no mistakes counted yet)."""


_SCREENED: OrderedDict[tuple[object, ...], Screening] = OrderedDict()
_SCREENED_LOCK = threading.Lock()
_SCREENED_MAX = 512


def screen(request: GradeRequest) -> Screening:
    """The delivery metrics, guards and scoring facts of an answer, as the offline grader computes them.

    What a model grader needs before its call; the embedding coverage is paid only when
    offline feedback is shown (a fallback, or the offline grader itself). The last few hundred
    are remembered, keyed by everything they depend on: an eval's repeats screen an answer once.
    The values are shared: treat them as read-only.
    """
    key = (
        request.answer,
        tuple((f.key_point_id, f.answer) for f in request.follow_ups),
        request.uses_star,
        tuple(request.rubric.key_terms),
        tuple(request.role.key_terms),
        request.spoken.model_dump_json() if request.spoken is not None else None,
    )
    with _SCREENED_LOCK:
        found = _SCREENED.get(key)
        if found is not None:
            _SCREENED.move_to_end(key)
            return found
    answer = _prepare(request, signs=False)
    guards = tuple(detect_guards(answer.text, answer.tokens, answer.delivery))
    facts = answer_facts(answer.text, answer.sentences, answer.delivery, guards, mistakes=0, english=answer.english)
    screened = Screening(answer.text, answer.delivery, guards, answer.english, facts)
    with _SCREENED_LOCK:
        _SCREENED[key] = screened
        while len(_SCREENED) > _SCREENED_MAX:
            _SCREENED.popitem(last=False)
    return screened


def not_assessed(rubric: Rubric, *, english: bool = True) -> list[str]:
    """What the offline grader cannot judge, as sentences."""
    out = [
        "Whether the claims and numbers in the answer are true.",
        "Depth of reasoning and judgement beyond matching the rubric's key points.",
        "What interviewers look for: " + "; ".join(item.rstrip(".") for item in rubric.look_for) + ".",
    ]
    not_detectable = [m.id for m in rubric.mistakes if not m.signals]
    if not_detectable:
        out.append("Mistakes without examples to match: " + ", ".join(not_detectable) + ".")
    if not english:
        out.append(
            "The answer is not in English and the rubric is: key points were matched by meaning across languages, "
            "and STAR parts, specific details, hedges and fillers are only read in English, so the score does not "
            "rest on them. Scores across languages run lower than for the same answer in English (up to two "
            "points on our labelled translations): answer in English for a score you can compare."
        )
    return out


def _answer_text(request: GradeRequest) -> tuple[str, list[str], list[tuple[str | None, int, int]]]:
    """The text graded (answer and replies, injections set aside) and where each reply sits in it."""
    parts: list[str] = []
    ignored: list[str] = []
    spans: list[tuple[str | None, int, int]] = []
    position = 0
    for key_point, raw in [(None, request.answer), *((f.key_point_id, f.answer) for f in request.follow_ups)]:
        clean, more = strip_injections(raw)
        ignored += more
        if not clean.strip():
            continue
        if parts:
            position += 2  # the blank line between parts
        parts.append(clean)
        spans.append((key_point, position, position + len(clean)))
        position += len(clean)
    return "\n\n".join(parts), ignored, spans


def _probe_sentences(
    sentences: Sequence[Sentence], probes: Sequence[tuple[str | None, int, int]]
) -> dict[str, list[int]]:
    """For each key point a follow-up probed, the indices of the sentences of its reply."""
    found: dict[str, list[int]] = {}
    for key_point, start, end in probes:
        if key_point is None:
            continue
        found.setdefault(key_point, []).extend(i for i, s in enumerate(sentences) if start <= s.start < end)
    return found


def _signs(sentences: Sequence[Sentence], delivery: DeliveryMetrics) -> dict[str, str]:
    """Structural signs in the answer, each with the sentence that shows it."""
    signs: dict[str, str] = {}
    example = example_sentence(sentences)
    if example is not None:
        signs["example"] = example
    if delivery.star is not None:
        for part in (StarPart.situation, StarPart.result):
            if part in delivery.star.evidence:
                signs[part.value] = delivery.star.evidence[part]
    if delivery.quantified_results:
        first = delivery.quantified_results[0]
        signs["quantified"] = next((s.text for s in sentences if first in s.text), first)
    return signs


def _point_note(status: KeyPointStatus, negated: bool) -> str:
    if negated and status is not KeyPointStatus.covered:
        return "The closest sentence says the opposite or not quite this."
    if status is KeyPointStatus.partial:
        return "Touched on, but not clearly covered."
    return ""
