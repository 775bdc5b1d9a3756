from __future__ import annotations

import pytest

from interviewer.voice._wer import WerCounts, normalise_words, word_error_counts, word_error_rate


def test_case_and_punctuation_do_not_count() -> None:
    assert normalise_words("Hello, World! It's “fine”… (really).") == ["hello", "world", "it's", "fine", "really"]
    assert word_error_rate("We shipped it.", "we SHIPPED it") == 0.0


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("don't", ["don't"]),
        ("don’t", ["don't"]),
        ("the team's plan", ["the", "team's", "plan"]),
        ("the teams' plans", ["the", "teams", "plans"]),
        ("'quoted'", ["quoted"]),
        ("follow-up", ["follow", "up"]),
        ("end—to–end", ["end", "to", "end"]),
        ("O.K.R.s", ["okrs"]),
        ("p95 and P-95", ["p95", "and", "p95"]),
        ("Q3", ["q3"]),
        ("snake_case", ["snake", "case"]),
    ],
)
def test_words_apostrophes_hyphens_dots(text: str, words: list[str]) -> None:
    assert normalise_words(text) == words


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("20%", ["20", "percent"]),
        ("20 %", ["20", "percent"]),
        ("twenty per cent", ["20", "percent"]),
        ("1,200 users", ["1200", "users"]),
        ("$40K", ["40000", "dollars"]),
        ("£5", ["5", "pounds"]),
        ("2.5k", ["2500"]),
        ("3.5 days.", ["3.5", "days"]),
        ("R&D", ["r", "and", "d"]),
        ("twenty-five", ["25"]),
        ("twenty five", ["25"]),
        ("two hundred and fifty", ["250"]),
        ("one thousand two hundred", ["1200"]),
        ("three thousand and four", ["3004"]),
        ("two point five", ["2.5"]),
        ("four engineers and one designer", ["4", "engineers", "and", "1", "designer"]),
        ("five six", ["5", "6"]),
        ("zero bugs", ["0", "bugs"]),
        ("the first quarter", ["the", "first", "quarter"]),
        ("a hundred", ["a", "hundred"]),
        ("point of view", ["point", "of", "view"]),
        ("ninety and more", ["90", "and", "more"]),
    ],
)
def test_numbers(text: str, words: list[str]) -> None:
    assert normalise_words(text) == words


def test_spelled_and_digit_numbers_match() -> None:
    reference = "We cut p95 latency by twenty percent with four engineers."
    assert word_error_rate(reference, "we cut P95 latency by 20% with 4 engineers") == 0.0
    assert word_error_rate(reference, "we cut B95 latency by 20%") == 4 / 10


def test_counts_substitution_deletion_insertion() -> None:
    assert word_error_counts("the cat sat on the mat", "the cat sat on the mat") == WerCounts(0, 0, 0, 6)
    assert word_error_counts("the cat sat on the mat", "the dog sat on the mat") == WerCounts(1, 0, 0, 6)
    assert word_error_counts("the cat sat on the mat", "the cat sat the mat") == WerCounts(0, 1, 0, 6)
    assert word_error_counts("the cat sat on the mat", "the cat sat on the mat now") == WerCounts(0, 0, 1, 6)
    counts = word_error_counts("a b c d", "x b d e f")
    assert counts.errors == 4 and counts.reference_words == 4 and counts.rate == 1.0


def test_rate_can_exceed_one_and_empty_reference() -> None:
    assert word_error_rate("yes", "no no no") == 3.0
    assert word_error_rate("", "") == 0.0
    assert word_error_rate("", "...") == 0.0  # punctuation only is no words
    assert word_error_rate("", "hello") == 1.0
    assert word_error_rate("hello there", "") == 1.0


def test_counts_pool_by_adding() -> None:
    pooled = word_error_counts("one two three four", "one two three four") + word_error_counts("a b", "a c")
    assert pooled == WerCounts(1, 0, 0, 6)
    assert pooled.rate == pytest.approx(1 / 6)
    assert sum([word_error_counts("a", "b"), word_error_counts("c", "c")], WerCounts()).rate == 0.5
    assert WerCounts().rate == 0.0


def test_other_languages_keep_their_letters() -> None:
    assert normalise_words("Straße, ÄRGER und más café") == ["straße", "ärger", "und", "más", "café"]
    assert normalise_words("l'équipe d'abord") == ["l'équipe", "d'abord"]
