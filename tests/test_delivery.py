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


def test_quantities_keep_unicode_words_whole() -> None:
    d = measure_delivery("Leímos 200 reseñas y 12 métricas en 3 días.", star=False, rubric_terms=[])
    assert {"200 reseñas", "12 métricas", "3 días"} <= set(d.quantified_results)
    assert not any(q in d.quantified_results for q in ("200 rese", "12 m", "3 d"))


def test_spelled_out_headcounts_are_not_quantified_results() -> None:
    text = (
        "I met two stakeholders, three teams and a few people from legal; "
        "it took two weeks and three sprints for ten customers, with 5 engineers and 12 stakeholders."
    )
    found = measure_delivery(text, star=False, rubric_terms=[]).quantified_results
    assert not {"two stakeholders", "three teams", "a few people"} & set(found)
    assert {"two weeks", "three sprints", "ten customers", "5 engineers", "12 stakeholders"} <= set(found)
    grew = measure_delivery("We grew to twenty engineers.", star=False, rubric_terms=[])
    assert grew.quantified_results == ["twenty engineers"]


def test_repeated_words_stay_within_a_sentence() -> None:
    clean = measure_delivery("We did it. It worked, and then we shipped it, it was fine.", star=False, rubric_terms=[])
    assert not any(r.term == "it it" for r in clean.repeated_words)
    slip = measure_delivery("We shipped it. It it was fine.", star=False, rubric_terms=[])
    assert {r.term: r.count for r in slip.repeated_words}.get("it it") == 1


def test_star_labels_win_over_cues() -> None:
    text = (
        "Situation: our onboarding lost half of new sign-ups.\n"
        "Task: I was the product owner for onboarding\n"
        "Action: I ran five interviews and rewrote the flow.\n"
        "Result: completion rose from 48% to 71%."
    )
    d = measure_delivery(text, star=True, rubric_terms=[])
    assert d.star is not None and d.star.missing == []
    for part in StarPart:
        assert d.star.evidence[part].lower().startswith(part.value)
        assert d.star.evidence[part] in text


def test_star_action_by_the_speaker_is_not_the_result() -> None:
    text = (
        "Our checkout had been failing for a third of Android users since the spring release. "
        "I was asked to fix it before the holiday sale. "
        "I cut the scope to two screens and I reduced the test matrix to the top devices. "
        "We shipped in a week, and churn fell 12% over the next quarter. "
        "The lesson I took is to test on real devices first."
    )
    d = measure_delivery(text, star=True, rubric_terms=[])
    assert d.star is not None and d.star.missing == []
    assert d.star.evidence[StarPart.situation].startswith("Our checkout had been failing")
    assert d.star.evidence[StarPart.action].startswith("I cut the scope")
    assert d.star.evidence[StarPart.result].startswith("We shipped in a week, and churn fell 12%")
    only_actions = measure_delivery(
        "At my last job I was asked to fix onboarding. I cut the scope to two screens. I reduced the copy.",
        star=True,
        rubric_terms=[],
    )
    assert only_actions.star is not None and only_actions.star.missing == [StarPart.result]


def test_star_scene_setting_opening_is_the_situation() -> None:
    for opening in (
        "Our checkout had been failing for a third of Android users since the spring release.",
        "Support tickets were piling up because the invoice export was broken.",
    ):
        d = measure_delivery(f"{opening} I rewrote the export and tested it with finance.", star=True, rubric_terms=[])
        assert d.star is not None and d.star.evidence.get(StarPart.situation) == opening
    role = measure_delivery(
        "Our checkout had been failing since spring. I was the product owner for the buying side. I pulled the logs.",
        star=True,
        rubric_terms=[],
    )
    assert role.star is not None and role.star.evidence[StarPart.task] == "I was the product owner for the buying side."
    present_perfect = measure_delivery(
        "I've had stakeholders ask for odd things. I said no.", star=True, rubric_terms=[]
    )
    assert present_perfect.star is not None and StarPart.situation in present_perfect.star.missing


def test_star_hypothetical_answer_gets_no_parts_it_lacks() -> None:
    text = (
        "If the checkout was failing, I would first ask the stakeholders what urgent means. "
        "Then I would score the items on impact and effort. "
        "The result would be a ranked list that everyone had agreed."
    )
    d = measure_delivery(text, star=True, rubric_terms=[])
    assert d.star is not None and d.star.present == []
    options = measure_delivery(
        "Then I'd lay out the options: fix it, cut the feature or push.", star=True, rubric_terms=[]
    )
    assert options.star is not None and options.star.present == []
    late = measure_delivery(
        "I ran the launch. In the end we shipped later than I'd promised.", star=True, rubric_terms=[]
    )
    assert late.star is not None and late.star.evidence[StarPart.result].startswith("In the end")
