"""Checks in code on what the model said, before any of it reaches the candidate.

- Every quote must be in the answer (ignoring case, spacing and punctuation); a
  claim whose quote is not there is not counted (the point is missed) and flagged, and the evidence
  shown is the candidate's exact text, never the model's rendering of it.
- One quote backs at most `MAX_POINTS_PER_QUOTE` key points: a model that cites
  the same sentence for five points has not found five points (the claims past
  the first two, in rubric order, are not counted, and say so).
- Ids must exist in the rubric: invented ones are dropped and counted; points
  the model skipped count as missed.
- The score is clamped to 0-5, then goes through the same scoring policy as the
  offline grader's (`graders/_policy.py`): within one of what the checked key
  points give, and no higher than they give when the claims thrown out would have
  given more (a model told by the answer to give 5/5 gains nothing by inventing
  quotes), the core-point, specificity, length and repetition caps, the mistake
  rule and the guards, each listed in the feedback.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from ..._folding import CACHED_CHARS
from ...models import (
    SCORE_ANCHORS,
    Checks,
    KeyPointResult,
    KeyPointStatus,
    LookForResult,
    LookForVerdict,
    MistakeFound,
    Rubric,
)
from .. import _policy as policy
from ._draft import DraftFeedback, look_for_id

__all__ = ["MAX_POINTS_PER_QUOTE", "Judged", "QuoteFinder", "check_draft", "quote_finder"]

MAX_POINTS_PER_QUOTE = 2
"""The most key points one quote can back (the offline grader keeps to the same rule)."""

_WORD = re.compile(r"[0-9a-z]+|%")


def _words(text: str) -> list[str]:
    """Lowercase words, "%" read as "percent" (a model writes "17 percent" for "17%", and back)."""
    return ["percent" if w == "%" else w for w in _WORD.findall(text.lower().replace("’", "'"))]


_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…)\s*")


class QuoteFinder:
    """Finds a quote in a text regardless of case, spacing and punctuation, and returns the original span.

    Small models copy nearly but not exactly: a space dropped ("rightnow"), a
    quote cut at the schema's length bound mid-word, one word in eight added,
    dropped or changed in a long quote whose first and last words are exact
    ("I'd scored" for "I scored"). Those still count, and what the candidate sees
    is always their own text; anything further from the answer does not.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        lowered = text.lower().replace("’", "'")
        self._words: list[str] = []
        self._spans: list[tuple[int, int]] = []
        for match in _WORD.finditer(lowered):
            self._words.append("percent" if match.group(0) == "%" else match.group(0))
            self._spans.append(match.span())
        self._joined = "".join(self._words)
        self._word_at: list[int] = [i for i, word in enumerate(self._words) for _ in word]
        starts, position = [], 0
        for word in self._words:
            starts.append(position)
            position += len(word)
        self._starts = starts

    def find(self, quote: str) -> str | None:
        """The candidate's exact text for `quote`, or None if it is not in the answer.

        A quote with an ellipsis ("I set targets ... we hit them") matches when its
        parts appear in that order; the span returned runs from the first to the last.
        """
        parts = [p for p in _ELLIPSIS.split(quote) if _WORD.search(p.lower())]
        if not parts:
            return None
        position = 0
        first_start: int | None = None
        end = 0
        for part in parts:
            words = _words(part)
            found = self._locate(words, position)
            if found is None:
                return None
            start_index, end_index = found
            if first_start is None:
                first_start = self._spans[start_index][0]
            end = self._spans[end_index][1]
            position = end_index + 1
        assert first_start is not None
        return self.text[first_start:end]

    def _locate(self, words: list[str], start: int) -> tuple[int, int] | None:
        n = len(words)
        for i in range(start, len(self._words) - n + 1):
            if self._words[i : i + n] == words:
                return i, i + n - 1
        return self._joined_match(words, start) or self._near_match(words, start)

    def _joined_match(self, words: list[str], start: int) -> tuple[int, int] | None:
        """The words with spacing ignored, starting on a word; ending mid-word only for a cut-off quote."""
        joined = "".join(words)
        if not joined or start >= len(self._words):
            return None
        offset = self._starts[start]
        while (found := self._joined.find(joined, offset)) != -1:
            first = self._word_at[found]
            last_char = found + len(joined) - 1
            last = self._word_at[last_char]
            at_word_end = last_char + 1 == self._starts[last] + len(self._words[last])
            # Cut off at the schema's length bound: a last word of two letters or more, or of one
            # after six exact words ("... an OKR to lift 3" for "lift 30-day retention").
            cut_off = (len(words) >= 3 and len(words[-1]) >= 2) or len(words) >= 6
            if self._starts[first] == found and (at_word_end or cut_off):
                return first, last
            offset = found + 1
        return None

    def _near_match(self, words: list[str], start: int) -> tuple[int, int] | None:
        """A long quote with one word in eight added, dropped or changed, its first and last words exact."""
        n = len(words)
        if n < 6:
            return None
        need = n - max(1, n // 8)
        best: tuple[int, int, int] | None = None
        for i in range(start, len(self._words)):
            if self._words[i] != words[0]:
                continue
            window = self._words[i : i + n + 2]
            blocks = [b for b in SequenceMatcher(None, words, window, autojunk=False).get_matching_blocks() if b.size]
            matched = sum(b.size for b in blocks)
            anchored = blocks and blocks[0].a == 0 and blocks[-1].a + blocks[-1].size == n
            if anchored and matched >= need and (best is None or matched > best[0]):
                best = (matched, i + blocks[0].b, i + blocks[-1].b + blocks[-1].size - 1)
        return (best[1], best[2]) if best else None


@dataclass(frozen=True)
class Judged:
    """The checked judgement, ready to become `Feedback`."""

    key_points: list[KeyPointResult]
    mistakes: list[MistakeFound]
    look_fors: list[LookForResult]
    strengths: list[str]
    improvements: list[str]
    outline: list[str]
    summary: str
    score: int
    checks: Checks
    breakdown: policy.ScoreBreakdown
    headline: str


def quote_finder(text: str) -> QuoteFinder:
    """A `QuoteFinder` for `text`, shared (it does not change once made): an eval's repeats and metrics reuse it.

    At most 256 texts of at most `CACHED_CHARS` are remembered; a longer one gets a finder of its own.
    """
    return _shared_finder(text) if len(text) <= CACHED_CHARS else QuoteFinder(text)


@lru_cache(maxsize=256)
def _shared_finder(text: str) -> QuoteFinder:
    return QuoteFinder(text)


def check_draft(draft: DraftFeedback, rubric: Rubric, answer: str, facts: policy.AnswerFacts) -> Judged:
    """Verify the model's draft against the rubric and the answer it was given."""
    finder = quote_finder(answer)
    checks = Checks(score_from_model=draft.score)
    notes = checks.notes

    known_points = {p.id for p in rubric.key_points}
    known_mistakes = {m.id for m in rubric.mistakes}
    known_look_fors = {look_for_id(i) for i in range(len(rubric.look_for))}
    for ids, known in (
        (draft.key_points, known_points),
        (draft.mistakes, known_mistakes),
        (draft.look_fors, known_look_fors),
    ):
        checks.ids_dropped.extend(sorted(set(ids) - known))
    if checks.ids_dropped:
        notes.append(f"dropped ids the rubric does not have: {', '.join(checks.ids_dropped)}")

    points: list[KeyPointResult] = []
    for point in rubric.key_points:
        judged = draft.key_points.get(point.id)
        if judged is None:
            checks.points_not_judged.append(point.id)
            points.append(
                KeyPointResult(
                    id=point.id,
                    label=point.label,
                    status=KeyPointStatus.missed,
                    note="The model did not judge this point.",
                )
            )
            continue
        status = KeyPointStatus(judged.status)
        evidence = finder.find(judged.evidence) if judged.evidence.strip() else None
        note = judged.reason.strip()
        if status is not KeyPointStatus.missed and evidence is None:
            # A claim nothing in the answer backs is not counted at all: it cannot raise the score.
            checks.evidence_rejected += 1
            quoted = judged.evidence.strip()
            was = status.value
            status = KeyPointStatus.missed
            note = (
                f"The model said {was}, but its quote “{quoted}” is not in the answer."
                if quoted
                else f"The model said {was} without quoting the answer."
            )
        points.append(
            KeyPointResult(
                id=point.id,
                label=point.label,
                status=status,
                evidence=(evidence or "") if status is not KeyPointStatus.missed else "",
                note=note,
            )
        )
    points = _one_quote_two_points(points, checks)
    if checks.points_not_judged:
        notes.append(f"key points the model did not judge, counted as missed: {', '.join(checks.points_not_judged)}")
    if checks.evidence_rejected:
        notes.append(f"{checks.evidence_rejected} claim(s) not counted: their quotes are not in the answer")

    mistakes: list[MistakeFound] = []
    for mistake in rubric.mistakes:
        judged_mistake = draft.mistakes.get(mistake.id)
        if judged_mistake is None or not judged_mistake.present:
            continue
        evidence = finder.find(judged_mistake.evidence) if judged_mistake.evidence.strip() else None
        if evidence is None:
            checks.evidence_rejected += 1
            notes.append(f"mistake {mistake.id} not reported: its quote is not in the answer")
            continue
        mistakes.append(MistakeFound(id=mistake.id, description=mistake.description, evidence=evidence))

    look_fors = []
    for index, text in enumerate(rubric.look_for):
        judged_look = draft.look_fors.get(look_for_id(index))
        look_fors.append(
            LookForResult(
                id=look_for_id(index),
                text=text,
                verdict=LookForVerdict(judged_look.verdict) if judged_look else LookForVerdict.not_enough_evidence,
                reason=judged_look.reason.strip() if judged_look else "The model did not judge it.",
            )
        )

    strengths = []
    for strength in draft.strengths:
        quote = finder.find(strength.evidence) if strength.evidence.strip() else None
        if quote is None:
            checks.strengths_dropped += 1
            continue
        strengths.append(f"{strength.point.strip()} (“{quote}”)")
    if checks.strengths_dropped:
        notes.append(f"{checks.strengths_dropped} strength(s) dropped: not backed by a quote from the answer")

    by_id = {p.id: p for p in rubric.key_points}
    pairs = [(by_id[p.id], p.status) for p in points]
    said = {point_id: KeyPointStatus(j.status) for point_id, j in draft.key_points.items()}
    claimed = [(point, said.get(point.id, KeyPointStatus.missed)) for point in rubric.key_points]
    clamped = min(max(draft.score, 0), 5)
    if clamped != draft.score:
        notes.append(f"score {draft.score} clamped to {clamped}")
    breakdown = policy.score(
        pairs,
        dataclasses.replace(facts, mistakes=len(mistakes)),
        proposed=clamped,
        claimed=claimed,
    )
    notes += [f"score {a.effect} ({a.rule}): {a.reason}" for a in breakdown.adjustments]
    score = breakdown.score
    return Judged(
        key_points=points,
        mistakes=mistakes,
        look_fors=look_fors,
        strengths=strengths[:3],
        improvements=[i.strip() for i in draft.improvements if i.strip()][:5],
        outline=[s.strip() for s in draft.model_answer_outline if s.strip()][:6],
        summary=draft.summary.strip(),
        score=score,
        checks=checks,
        breakdown=breakdown,
        headline=policy.headline(breakdown, pairs, facts),
    )


def _one_quote_two_points(points: list[KeyPointResult], checks: Checks) -> list[KeyPointResult]:
    """Claims past the first `MAX_POINTS_PER_QUOTE` that rest on one quote are not counted."""
    backing: dict[tuple[str, ...], int] = {}
    out: list[KeyPointResult] = []
    for point in points:
        quote = tuple(_words(point.evidence))
        if point.status is KeyPointStatus.missed or not quote:
            out.append(point)
            continue
        backing[quote] = backing.get(quote, 0) + 1
        if backing[quote] <= MAX_POINTS_PER_QUOTE:
            out.append(point)
            continue
        checks.evidence_reused += 1
        note = (
            f"The model said {point.status.value}, quoting “{point.evidence}”, which already backs "
            f"{MAX_POINTS_PER_QUOTE} other points: one sentence is not evidence for them all."
        )
        out.append(point.model_copy(update={"status": KeyPointStatus.missed, "evidence": "", "note": note}))
    if checks.evidence_reused:
        checks.notes.append(
            f"{checks.evidence_reused} claim(s) not counted: their quote already backed {MAX_POINTS_PER_QUOTE} points"
        )
    return out


def anchor(score: int) -> str:
    return SCORE_ANCHORS[score]


def feedback_fields(judged: Judged) -> dict[str, object]:
    """The `Feedback` fields that come from the checked judgement."""
    return {
        "score": judged.score,
        "score_anchor": anchor(judged.score),
        "headline": judged.headline,
        "score_from_coverage": judged.breakdown.from_coverage,
        "score_adjustments": list(judged.breakdown.adjustments),
        "key_points": judged.key_points,
        "mistakes": judged.mistakes,
        "look_fors": judged.look_fors,
        "strengths": judged.strengths,
        "improvements": judged.improvements,
        "model_answer_outline": judged.outline,
        "checks": judged.checks,
    }
