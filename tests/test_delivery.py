from __future__ import annotations

from interviewer.graders.offline import measure_delivery
from interviewer.graders.offline._text import split_sentences, term_in
from interviewer.models import StarPart

STORY = (
    "At my last company our checkout was failing for about 6% of orders. "
    "I was responsible for the payments roadmap, so it was my call. "
    "I pulled the error logs, ran a quick review with two engineers and we shipped a fix in 3 days. "
    "As a result, failed checkouts dropped to 0.5% and we saved roughly $40K a month."
)


def test_star_parts_found_with_evidence() -> None:
    d = measure_delivery(STORY, star=True, rubric_terms=[])
    assert d.star is not None
    assert d.star.present == [StarPart.situation, StarPart.task, StarPart.action, StarPart.result]
    assert d.star.evidence[StarPart.task].startswith("I was responsible")
    assert d.star.evidence[StarPart.result].startswith("As a result")


def test_star_missing_result_and_not_measured_when_not_asked() -> None:
    d = measure_delivery(
        "At my last job I was asked to fix onboarding. I interviewed ten users.", star=True, rubric_terms=[]
    )
    assert d.star is not None and d.star.missing == [StarPart.result]
    assert measure_delivery(STORY, star=False, rubric_terms=[]).star is None


def test_quantities_money_percent_time() -> None:
    d = measure_delivery(STORY, star=False, rubric_terms=[])
    assert {"6%", "3 days", "0.5%", "$40K"} <= set(d.quantified_results)
    words = measure_delivery("It took two weeks and three sprints in Q3 for 1,200 users.", star=False, rubric_terms=[])
    assert {"two weeks", "three sprints", "Q3", "1,200 users"} <= set(words.quantified_results)
    assert measure_delivery("We did it quickly and it went well.", star=False, rubric_terms=[]).quantified_results == []


def test_fillers_hedges_and_rates() -> None:
    text = "Um, I think we basically, you know, sort of fixed it. Maybe. I guess it was fine, um."
    d = measure_delivery(text, star=False, rubric_terms=[])
    fillers = {f.term: f.count for f in d.filler_words}
    hedges = {h.term: h.count for h in d.hedges}
    assert fillers == {"um": 2, "basically": 1, "you know": 1}
    assert hedges == {"i think": 1, "sort of": 1, "maybe": 1, "i guess": 1}
    assert d.filler_rate == round(100 * 4 / d.word_count, 1)


def test_ownership_and_repetition() -> None:
    we = measure_delivery(
        "We planned it, we built it and our team shipped it. We were happy.", star=False, rubric_terms=[]
    )
    assert we.ownership == "mostly-we"
    mine = measure_delivery("I planned it and I built it with the the team.", star=False, rubric_terms=[])
    assert mine.ownership == "mostly-i"
    assert any(r.term == "the the" for r in mine.repeated_words)
    stuffed = measure_delivery(" ".join(["roadmap"] * 6 + ["is", "good"]), star=False, rubric_terms=[])
    assert {r.term: r.count for r in stuffed.repeated_words}["roadmap"] == 6


def test_key_terms_tolerate_plural_and_hyphen() -> None:
    d = measure_delivery(
        "We agreed on OKRs and a trade off between roadmaps.",
        star=False,
        rubric_terms=["OKR", "trade-off", "roadmap", "MoSCoW"],
        role_terms=["okr"],
    )
    assert d.key_terms_used == ["OKR", "trade-off", "roadmap"]
    assert d.key_terms_missing == ["MoSCoW"]
    assert not term_in("rice", "we ate price lists")


def test_speaking_time_and_sentences() -> None:
    text = " ".join(["word"] * 140) + "."
    d = measure_delivery(text, star=False, rubric_terms=[])
    assert d.speaking_seconds == 60
    sentences = split_sentences(
        "First point, e.g. this one. Second: it costs 3.5 million! Third?\n- a bullet\n- another"
    )
    assert [s.text for s in sentences] == [
        "First point, e.g. this one.",
        "Second: it costs 3.5 million!",
        "Third?",
        "a bullet",
        "another",
    ]
