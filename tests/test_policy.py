"""The scoring policy's rules, one by one, on hand-made key points and answer facts (no model).

Each rule is what an experienced interviewer would do with the same counts: the golden-set figures
of the whole policy are in benchmarks/offline_golden.py and docs/offline-grader.md.
"""

from __future__ import annotations

from interviewer.graders._policy import AnswerFacts, ScoreBreakdown, headline, score
from interviewer.models import DeliveryMetrics, KeyPoint, KeyPointStatus, StarParts, TermCount

C, P, M = KeyPointStatus.covered, KeyPointStatus.partial, KeyPointStatus.missed


def _points(*statuses: KeyPointStatus, core: int | None = None) -> list[tuple[KeyPoint, KeyPointStatus]]:
    return [
        (KeyPoint(id=f"p{i}", label=f"Point {i}", covers=f"Does thing {i}.", core=i == core), s)
        for i, s in enumerate(statuses)
    ]


def _facts(
    *, numbers: int = 0, story: bool = False, hedges: int = 0, words: int = 200, complete_star: bool = False
) -> AnswerFacts:
    delivery = DeliveryMetrics(
        word_count=words,
        sentence_count=max(words // 20, 1),
        speaking_seconds=words * 60 // 140,
        filler_rate=0.0,
        hedges=[TermCount(term="i think", count=hedges)] if hedges else [],
        quantified_results=[f"{n + 2} percent" for n in range(numbers)],
        star=StarParts(present=[], missing=[], evidence={}) if complete_star else None,
        i_statements=5 if story else 0,
        we_statements=0,
        ownership="mostly-i" if story else "none",
    )
    return AnswerFacts(delivery=delivery, specific_kinds=3 if story else 0, story=story, reasons=2)


def _rules(breakdown: ScoreBreakdown) -> list[str]:
    return [a.rule for a in breakdown.adjustments]


def test_a_real_case_with_figures_missing_one_core_point_is_strong_not_exceptional() -> None:
    points = _points(C, C, C, C, C, C, M, core=6)
    real = score(points, _facts(numbers=3, story=True, complete_star=True))
    assert real.from_coverage == 5
    assert real.score == 4
    assert "core-point-missed" in _rules(real)
    # Without a real case and figures, a missed core point still caps at 3.
    talk = score(points, _facts(numbers=1, story=False))
    assert talk.score == 3
    assert _rules(talk)[0] == "core-point-missed"


def test_fewer_than_half_the_points_covered_is_never_strong() -> None:
    # 3 covered and 4 partly: coverage 0.71 would give 4, and the story's +1 would give more.
    points = _points(C, C, C, P, P, P, P)
    breakdown = score(points, _facts(numbers=4, story=True))
    assert breakdown.score == 3
    assert "half-the-points" in _rules(breakdown)
    text = headline(breakdown, points, _facts(numbers=4, story=True))
    assert text.startswith("Adequate: covers 3 of 7 key points (4 more partly)")
    assert "4 needs at least half" in text


def test_an_answer_hedged_throughout_is_capped_and_says_so() -> None:
    points = _points(C, C, C, C, C, C)
    hedged = score(points, _facts(numbers=1, story=True, hedges=4, words=220))
    assert hedged.score == 3
    assert any(a.rule == "hedged" and "4 hedges in 220 words" in a.reason for a in hedged.adjustments)
    # Two hedges in a committed answer, or four in a long one, are how people talk: no cap.
    assert "hedged" not in _rules(score(points, _facts(numbers=1, story=True, hedges=2, words=220)))
    assert "hedged" not in _rules(score(points, _facts(numbers=1, story=True, hedges=4, words=300)))


def test_hedging_is_not_judged_in_another_language() -> None:
    points = _points(C, C, C, C, C, C)
    facts = _facts(numbers=1, story=True, hedges=4, words=220)
    other = AnswerFacts(delivery=facts.delivery, specific_kinds=0, story=False, english=False)
    assert "hedged" not in _rules(score(points, other))


def test_a_real_case_missing_two_core_points_is_adequate_at_most() -> None:
    other = KeyPoint(id="other", label="Other point", covers="Does the other thing.", core=True)
    points = [*_points(C, C, C, C, C, M, core=5), (other, M)]
    assert score(points, _facts(numbers=3, story=True)).score == 3
