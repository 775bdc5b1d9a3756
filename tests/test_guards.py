from __future__ import annotations

import pytest

from interviewer.graders.offline import looks_like_gibberish, measure_delivery
from interviewer.graders.offline._guards import detect_guards
from interviewer.graders.offline._text import words
from interviewer.models import GuardKind

TERMS = ["RICE", "MoSCoW", "roadmap", "stakeholder", "OKR", "KPI", "backlog", "MVP", "churn", "prioritization"]


def _guards(text: str, off_topic: str | None = None) -> dict[GuardKind, int]:
    delivery = measure_delivery(text, star=False, rubric_terms=TERMS)
    return {g.kind: g.cap for g in detect_guards(text, words(text), delivery, off_topic=off_topic)}


@pytest.mark.parametrize(
    "text",
    [
        "asdf qwer zxcv jkl; hjkl poiu",
        "sdfsdf kkkk vbnm blorp zzz wub wub ploink",
        "deadline sprint the banana velocity purple of shipping when quickly asdf jkl ok ok burndown qwerty release",
    ],
)
def test_gibberish_is_capped_at_zero(text: str) -> None:
    assert looks_like_gibberish(words(text))
    assert _guards(text) == {GuardKind.gibberish: 0}


def test_real_sentences_are_not_gibberish() -> None:
    text = "I rank the backlog with RICE, then I check the strengths and rhythm of the team before committing."
    assert not looks_like_gibberish(words(text))


def test_empty_and_short_answers() -> None:
    assert _guards("   ") == {GuardKind.empty: 0}
    assert _guards("I would talk to the stakeholders first.") == {GuardKind.too_short: 1}
    medium = (
        "I would talk to the stakeholders first and then agree on what matters most "
        "for the business this quarter, and rank it."
    )
    assert _guards(medium) == {GuardKind.too_short: 2}


def test_keyword_stuffing_is_capped() -> None:
    stuffed = (
        "RICE, MoSCoW, roadmap, stakeholder alignment, OKRs, KPIs, backlog grooming, MVP, churn, prioritization, "
        "data-driven."
    )
    assert _guards(stuffed)[GuardKind.keyword_stuffing] == 1
    with_and = (
        "I use RICE and MoSCoW and OKRs and KPIs with the roadmap and the backlog and stakeholders and the MVP "
        "and churn and prioritization all the time in every planning meeting with everyone involved."
    )
    assert _guards(with_and)[GuardKind.keyword_stuffing] == 1


def test_terms_with_a_real_example_are_not_stuffing() -> None:
    text = (
        "I score the backlog with RICE and tie it to our OKRs. Last quarter I moved a churn fix ahead of a new "
        "feature because it affected 8% of accounts; churn fell by 2 points and the stakeholder who lost out "
        "agreed once I showed her the numbers on the roadmap review."
    )
    assert GuardKind.keyword_stuffing not in _guards(text)


def test_off_topic_reason_becomes_a_cap() -> None:
    text = " ".join(["I", "would", "make", "a", "plan", "for", "the", "team", "and", "follow", "it"] * 5)
    assert _guards(text, off_topic="fits another question")[GuardKind.off_topic] == 1
