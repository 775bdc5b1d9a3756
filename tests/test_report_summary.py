"""The session summary names a strongest and weakest competency only when one clearly stands out."""

from __future__ import annotations

from collections import Counter

import pytest

from interviewer.corpus import RoleCorpus
from interviewer.graders.offline import measure_delivery
from interviewer.interview import build_report, report_markdown
from interviewer.models import Feedback, Provenance, Session, SessionOptions, Turn, TurnStatus, utcnow

# Questions of the digital product owner that each test a single competency.
PRIORITISATION = "dpo-prioritise-urgent"
DATA = "dpo-measure-feature-success"
DATA_2 = "dpo-product-analytics"
AGILE = "dpo-agile-scrum"
USERS = "dpo-user-feedback"
OWNERSHIP = "dpo-decision-gone-wrong"
INFLUENCE = "dpo-influence-without-authority"
LABELS = {
    PRIORITISATION: "Prioritisation and trade-offs",
    DATA: "Data and success metrics",
    AGILE: "Agile delivery and execution",
    USERS: "User research and feedback",
    OWNERSHIP: "Ownership, learning and resilience",
    INFLUENCE: "Stakeholder management and influence",
}


def _session(role: RoleCorpus, scores: dict[str, int]) -> Session:
    now = utcnow()
    turns = [
        Turn(
            question_id=qid,
            status=TurnStatus.answered,
            answer="An answer with 3 numbers, 12% and 2 weeks.",
            started_at=now,
            finished_at=now,
            feedback=Feedback(
                question_id=qid,
                role=role.id,
                score=score,
                score_anchor="anchor",
                summary="summary",
                key_points=[],
                delivery=measure_delivery("It took 2 weeks and 12%.", star=False, rubric_terms=[]),
                grader="offline",
                provenance=Provenance(grader_version="test", rubric_hash="0" * 16, latency_ms=0),
            ),
        )
        for qid, score in scores.items()
    ]
    return Session(id="s1", role=role.id, options=SessionOptions(questions=len(scores)), plan=list(scores), turns=turns)


@pytest.mark.parametrize(
    ("scores", "strongest", "weakest"),
    [
        pytest.param(  # two of four tie for lowest: half the competencies are not "the weakest"
            {PRIORITISATION: 4, DATA: 3, AGILE: 2, USERS: 2}, [PRIORITISATION], [], id="two-of-four-tie-lowest"
        ),
        pytest.param(  # three of four tie for top: nothing stands out as strongest
            {PRIORITISATION: 3, DATA: 3, AGILE: 3, USERS: 2}, [], [USERS], id="three-of-four-tie-top"
        ),
        pytest.param({PRIORITISATION: 4, DATA: 3, AGILE: 3, USERS: 2}, [PRIORITISATION], [USERS], id="clear-ends"),
        pytest.param({PRIORITISATION: 3, DATA: 3, AGILE: 3, USERS: 3}, [], [], id="all-tie"),
        pytest.param(  # data is 3.5 (4 and 3): half a point is no real gap
            {DATA: 4, DATA_2: 3, AGILE: 3}, [], [], id="half-point-gap"
        ),
        pytest.param({PRIORITISATION: 4, AGILE: 2}, [PRIORITISATION], [AGILE], id="two-competencies"),
        pytest.param(  # two of six tie for lowest: a minority, so both are named
            {PRIORITISATION: 5, DATA: 4, AGILE: 4, USERS: 4, OWNERSHIP: 2, INFLUENCE: 2},
            [PRIORITISATION],
            [INFLUENCE, OWNERSHIP],
            id="two-of-six-tie-lowest",
        ),
        pytest.param({PRIORITISATION: 4}, [], [], id="one-competency"),
    ],
)
def test_strongest_and_weakest_name_only_clear_standouts(
    dpo: RoleCorpus, scores: dict[str, int], strongest: list[str], weakest: list[str]
) -> None:
    report = build_report(_session(dpo, scores), dpo, Counter())
    assert report.strongest == [LABELS[q] for q in strongest]
    assert sorted(report.weakest) == sorted(LABELS[q] for q in weakest)
    assert not set(report.strongest) & set(report.weakest)
    markdown = report_markdown(report)
    assert ("**Weakest:**" in markdown) == bool(weakest)
    assert ("**Strongest:**" in markdown) == bool(strongest)
