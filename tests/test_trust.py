"""Feedback a candidate can trust: every contradiction seen on screen in issue 9, as a test.

Each answer here was typed as a candidate would; the assertions are what a person reading the
feedback next to their answer expects. The golden-set cases of the same failures are measured in
benchmarks/offline_golden.py; what every golden answer's feedback must hold (headline from the counts,
no sentence backing more than two points, tiers in order) is tested in test_eval_recorded.py.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from interviewer.corpus import Corpus
from interviewer.graders import Exchange, GradeRequest, OfflineGrader
from interviewer.models import Feedback, KeyPointStatus

ROOT = Path(__file__).resolve().parent.parent


def _grade(corpus: Corpus, grader: OfflineGrader, qid: str, answer: str, *follow: Exchange) -> Feedback:
    role = corpus.find_question(qid)
    return grader.grade(GradeRequest(role.role, role.question(qid), role.rubric(qid), answer, follow))


def _status(feedback: Feedback, point: str) -> KeyPointStatus:
    return next(k.status for k in feedback.key_points if k.id == point)


def _evidence(feedback: Feedback, point: str) -> str:
    return next(k.evidence for k in feedback.key_points if k.id == point)


RICE_STORY = (
    "Last quarter two requests landed on me the same week, both marked urgent: a sales lead wanted a custom "
    "export for a prospect, and support had a bug that double-charged some customers. I scored both with RICE, "
    "showed the numbers to both leads together, and we fixed the bug first. The export went into the next "
    "sprint, and I told the sales lead why and when to expect it. The prospect signed anyway, and refunds "
    "stopped within a week."
)


def test_a_method_named_and_applied_covers_the_point_and_is_not_asked_for_again(
    corpus: Corpus, grader: OfflineGrader
) -> None:
    feedback = _grade(corpus, grader, "dpo-prioritise-urgent", RICE_STORY)
    assert _status(feedback, "impact-effort") is KeyPointStatus.covered
    assert "I scored both with RICE" in _evidence(feedback, "impact-effort")
    assert not any("such as RICE" in tip for tip in feedback.improvements), feedback.improvements


def test_a_method_only_listed_is_not_evidence(corpus: Corpus, grader: OfflineGrader) -> None:
    answer = (
        "There are lots of prioritisation frameworks like RICE, MoSCoW and Kano, and they all help. I think "
        "it's important to be aligned and to keep everyone in the loop about what is happening with the work."
    )
    feedback = _grade(corpus, grader, "dpo-prioritise-urgent", answer)
    assert _status(feedback, "impact-effort") is not KeyPointStatus.covered
    assert feedback.score <= 2


def test_a_stated_lesson_is_not_marked_missed(corpus: Corpus, grader: OfflineGrader) -> None:
    answer = (
        "Last spring I owned a goal to lift trial-to-paid conversion from 9% to 12% by the end of the quarter, "
        "and we reached 9.6%. I'd promised a redesigned checkout and a new pricing page in the same six weeks, "
        "and we only shipped the checkout. I took that to my director myself, with the numbers, before the "
        "review. I split the pricing work into two smaller releases and we hit 11.8% the quarter after. "
        "The lesson for me was to negotiate scope early rather than ask the team for overtime."
    )
    feedback = _grade(corpus, grader, "dpo-missed-goal-recovery", answer)
    assert _status(feedback, "lesson") is KeyPointStatus.covered
    assert "The lesson for me" in _evidence(feedback, "lesson")


def test_a_follow_up_reply_that_answers_the_probed_point_covers_it(corpus: Corpus, grader: OfflineGrader) -> None:
    answer = (
        "I look at what each request is worth to customers and roughly how long it takes, check it against "
        "our goals for the quarter, then I sort the list with the team and tell people where their item sits."
    )
    reply = (
        "Yes, I look at what blocks what. If one fix unblocks three other pieces of work, that fix goes first, "
        "even when it is not the most valuable item on its own."
    )
    without = _grade(corpus, grader, "dpo-prioritise-urgent", answer)
    with_reply = _grade(
        corpus,
        grader,
        "dpo-prioritise-urgent",
        answer,
        Exchange("Do dependencies between the requests change your order?", reply, "dependencies"),
    )
    assert _status(without, "dependencies") is not KeyPointStatus.covered
    assert _status(with_reply, "dependencies") is KeyPointStatus.covered
    assert _evidence(with_reply, "dependencies") in reply


SLOW_APP = (
    "First I'd ask which screens are slow, for whom and since when, because 'slow' on an old Android phone "
    "on 3G is a different problem from slow everywhere. Our crash and performance data would show how many "
    "sessions are affected. I'd sit with the mobile tech lead to size fixes against the worst screens first, "
    "checkout and search, since that is where the money is. Success metric: p95 under 2 seconds on checkout. "
    "Last year in a similar case we cut image payloads by 60% and checkout conversion rose 4% in a month."
)


def test_one_sentence_is_not_evidence_for_most_of_the_rubric(corpus: Corpus, grader: OfflineGrader) -> None:
    feedback = _grade(corpus, grader, "dpo-slow-mobile-app", SLOW_APP)
    counts = Counter(k.evidence for k in feedback.key_points if k.evidence)
    assert counts and max(counts.values()) <= 2, counts
    assert any("p95 under 2 seconds" in k.evidence for k in feedback.key_points), feedback.key_points


def test_vague_talk_earns_no_praise(corpus: Corpus, grader: OfflineGrader) -> None:
    answer = (
        "I kind of look at the data and then um we decide stuff based on it. We have dashboards and people "
        "check them. If something looks off we talk about it and then decide what to do next, basically."
    )
    feedback = _grade(corpus, grader, "dpo-product-analytics", answer)
    assert _status(feedback, "knows-limits") is not KeyPointStatus.covered
    assert not any("limits" in s.lower() for s in feedback.strengths), feedback.strengths
    assert feedback.score <= 1


def test_admitting_a_gap_is_not_read_as_saying_the_opposite(corpus: Corpus, grader: OfflineGrader) -> None:
    answer = (
        "When I joined a payments team two years ago I did not understand card chargebacks, and it was blocking "
        "a decision on our dispute flow. I booked an hour with our risk analyst, read the card scheme rules over "
        "a weekend, and shadowed two support calls. Within a week I wrote a one-page summary that the team used "
        "to choose the flow, and disputes dropped 20% that quarter."
    )
    feedback = _grade(corpus, grader, "dpo-learn-quickly", answer)
    gap = next(k for k in feedback.key_points if k.id == "knowledge-gap")
    assert gap.status is not KeyPointStatus.missed
    assert "opposite" not in gap.note


CHECKLIST = (
    "First I'd clarify what slow means and for which users. Then I'd measure how widespread the problem is. "
    "I'd focus on the screens that matter most to users. I'd work with the engineers to locate the cause. "
    "I'd rank the fixes by impact and effort. Then I'd set a fast-enough target and track it against a "
    "business metric."
)


def test_a_recited_checklist_scores_below_a_real_story_and_is_told_why(corpus: Corpus, grader: OfflineGrader) -> None:
    checklist = _grade(corpus, grader, "dpo-slow-mobile-app", CHECKLIST)
    story = _grade(corpus, grader, "dpo-slow-mobile-app", SLOW_APP)
    assert checklist.score <= 2 < story.score
    assert any(a.rule == "no-specifics" for a in checklist.score_adjustments)
    assert any("real example" in tip for tip in checklist.improvements)


def test_padding_by_repetition_is_capped_and_told_to_tighten(corpus: Corpus, grader: OfflineGrader) -> None:
    once = _grade(corpus, grader, "dpo-slow-mobile-app", SLOW_APP)
    pasted = _grade(corpus, grader, "dpo-slow-mobile-app", "\n\n".join([SLOW_APP] * 36))
    assert pasted.score <= 2 < once.score
    assert any(a.rule == "repeats-itself" for a in pasted.score_adjustments)
    assert any("Say it once" in tip for tip in pasted.improvements)


def test_off_topic_in_one_role_never_names_a_question_of_another(corpus: Corpus, grader: OfflineGrader) -> None:
    data = yaml.safe_load((ROOT / "evals/golden/pom-release-orchestration.yaml").read_text())
    case = next(c for c in data["cases"] if c["id"] == "pom-release-orchestration-dpo-off-topic")
    feedback = _grade(corpus, grader, "pom-release-orchestration", case["answer"])
    assert feedback.score <= 1
    assert "dpo-" not in feedback.summary + " ".join(feedback.improvements) + feedback.headline


@pytest.mark.xfail(strict=True, reason="still seen: the judge misses a point a sentence makes while it backs another")
def test_meeting_teams_and_customers_is_seen_in_a_first_90_days_plan(corpus: Corpus, grader: OfflineGrader) -> None:
    answer = (
        "The first month I'd mostly listen: read the docs, use the product myself, and sit with engineering, "
        "design, sales and support to learn how things work today. I'd also join ten or so customer calls. In the "
        "second month I'd audit the roadmap against the business goals and look for one or two quick wins, like a "
        "support issue we can fix in a sprint."
    )
    feedback = _grade(corpus, grader, "dpo-first-90-days", answer)
    assert _status(feedback, "meets-people-and-customers") is not KeyPointStatus.missed


@pytest.mark.xfail(
    strict=True, reason="still seen: a short sentence that makes a point plainly is below the judge's cut"
)
def test_no_weekends_counts_as_keeping_the_team_going_sensibly(corpus: Corpus, grader: OfflineGrader) -> None:
    answer = (
        "Last spring our biggest client asked for email receipts in four weeks; engineering estimated ten. "
        "I sat down with the tech lead and we cut the scope to one receipt template. We ran a fifteen-minute "
        "stand-up every morning and I cleared blockers myself. Nobody worked weekends. We shipped two days early "
        "and 40% of shoppers opted in. The lesson for me was to agree the cut scope early, not to push the team."
    )
    feedback = _grade(corpus, grader, "dpo-tight-deadline", answer)
    assert _status(feedback, "team-sustainability") is not KeyPointStatus.missed


@pytest.mark.xfail(
    strict=True,
    reason="still seen (issue 11 walkthrough): a dense answer whose one long sentence makes three points gets 1/5",
)
def test_a_dense_answer_that_ranks_by_impact_and_effort_is_not_told_it_did_not(
    corpus: Corpus, grader: OfflineGrader
) -> None:
    answer = (
        "First I measured where it was slow: p95 of the checkout screen was 6 seconds on Android. I sat with "
        "the mobile tech lead to size fixes, ranked them by impact and effort, and we shipped image caching "
        "first. Success metric: p95 under 2 seconds. Our app reviewers gave us 5/5 stars after that, and you "
        "could see retention climb 4%."
    )
    feedback = _grade(corpus, grader, "dpo-slow-mobile-app", answer)
    status = {k.id: k.status for k in feedback.key_points}
    assert status["prioritise-impact-effort"] is not KeyPointStatus.missed
    assert feedback.score >= 2


@pytest.mark.xfail(
    strict=True,
    reason="still seen (issue 11, this stop): a one-line answer that names impact and effort gets 'Scores impact "
    "against effort' marked missed and 0 of 7 points",
)
def test_ranking_by_impact_and_effort_in_one_line_is_not_told_it_did_not(corpus: Corpus, grader: OfflineGrader) -> None:
    answer = "I rank urgent requests by impact and effort and tell the people who wait why."
    feedback = _grade(corpus, grader, "dpo-prioritise-urgent", answer)
    assert _status(feedback, "impact-effort") is not KeyPointStatus.missed
