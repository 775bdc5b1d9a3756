from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interviewer.cli import app
from interviewer.corpus import Corpus, check_corpus
from interviewer.corpus._schema import stale_schemas
from interviewer.exceptions import UsageError

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def test_bundled_corpus_is_valid_with_35_questions(corpus: Corpus) -> None:
    _, problems = check_corpus()
    assert problems == []
    assert {r: len(c.questions) for r, c in corpus.roles.items()} == {
        "digital-product-owner": 26,
        "product-operations-manager": 9,
    }
    for role in corpus.roles.values():
        # Positions run 1..N in seed order, every question has a rubric and competencies.
        assert [q.source.position for q in role.questions] == list(range(1, len(role.questions) + 1))
        assert set(role.rubrics) == {q.id for q in role.questions}
        assert all(role.competencies_of(q.id) for q in role.questions)
        for rubric in role.rubrics.values():
            assert 5 <= len(rubric.key_points) <= 8
            assert any(p.core for p in rubric.key_points)


def test_dpo_categories_follow_the_seed(corpus: Corpus) -> None:
    role = corpus.role("digital-product-owner")
    categories = [q.category for q in role.questions]
    assert categories == ["common"] * 15 + ["behavioral"] * 7 + ["technical"] * 4


def test_role_lookup_by_id_title_or_initials(corpus: Corpus) -> None:
    assert corpus.role("dpo").id == "digital-product-owner"
    assert corpus.role("Product Operations Manager").id == "product-operations-manager"
    with pytest.raises(UsageError, match="known roles: digital-product-owner, product-operations-manager"):
        corpus.role("astronaut")


def test_committed_schemas_match_the_models() -> None:
    assert stale_schemas(ROOT / "schemas") == [], "run: interviewer corpus schema --out schemas"


def _check(root: Path) -> list[str]:
    _, problems = check_corpus(root)
    return [str(p) for p in problems]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


QUESTION = "corpus/digital-product-owner/questions/dpo-define-role.yaml"
RUBRIC = "rubrics/digital-product-owner/dpo-define-role.yaml"
COMPETENCIES = "rubrics/digital-product-owner/competencies.yaml"


def test_copy_of_corpus_is_valid(corpus_copy: Path) -> None:
    assert _check(corpus_copy) == []


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (
            QUESTION,
            "category: common",
            "category: commonn",
            rf"{QUESTION}:\d+: category: 'commonn' is not a category of the role; "
            "use one of common, behavioral, technical",
        ),
        (QUESTION, "id: dpo-define-role", "id: Define Role", rf"{QUESTION}:\d+: id: 'Define Role' is not a valid id"),
        (QUESTION, "why_asked:", "why_askd:", rf"{QUESTION}:\d+: why_asked: is required; add it"),
        (
            QUESTION,
            "  position: 1",
            "  position: 0",
            rf"{QUESTION}:\d+: source.position: input should be greater than or equal to 1",
        ),
        (
            RUBRIC,
            "  - id: decides-what-and-why",
            "  - id: business-user-tech",
            rf"{RUBRIC}:\d+: key_points\[0\]\.id: duplicate key point id 'business-user-tech'",
        ),
        (
            RUBRIC,
            "question: dpo-define-role",
            "question: dpo-no-such-question",
            rf"{RUBRIC}:\d+: question: is 'dpo-no-such-question' but the file is dpo-define-role.yaml",
        ),
        (
            COMPETENCIES,
            "dpo-define-role: [product-strategy, user-insight]",
            "dpo-define-role: [product-strategy, mind-reading]",
            rf"{COMPETENCIES}:\d+: questions.dpo-define-role\[1\]: unknown competency id 'mind-reading'",
        ),
        (
            COMPETENCIES,
            "  dpo-define-role: [product-strategy, user-insight]\n",
            "",
            rf"{COMPETENCIES}:\d+: questions: question 'dpo-define-role' is not mapped to any competency",
        ),
        (QUESTION, "framework:\n", "framework: [\n", rf"{QUESTION}:\d+: is not valid YAML"),
    ],
    ids=[
        "unknown-category",
        "bad-slug",
        "missing-field",
        "bad-position",
        "duplicate-key-point",
        "rubric-file-mismatch",
        "unknown-competency",
        "unmapped-question",
        "broken-yaml",
    ],
)
def test_broken_files_are_reported_with_file_line_and_field(
    corpus_copy: Path, file: str, old: str, new: str, expected: str
) -> None:
    _edit(corpus_copy / file, old, new)
    problems = _check(corpus_copy)
    assert any(re.match(expected, p) for p in problems), problems


def test_empty_rubric_and_missing_rubric(corpus_copy: Path) -> None:
    rubric = corpus_copy / RUBRIC
    rubric.write_text("question: dpo-define-role\nkey_points: []\nlook_for: [x]\n")
    (corpus_copy / "rubrics/digital-product-owner/dpo-first-90-days.yaml").unlink()
    problems = _check(corpus_copy)
    assert f"{RUBRIC}:2: key_points: needs at least 1 item" in problems
    assert any(
        "dpo-first-90-days.yaml" in p and "has no rubric; add rubrics/digital-product-owner/dpo-first-90-days.yaml" in p
        for p in problems
    )


def test_duplicate_question_id_and_missing_position(corpus_copy: Path) -> None:
    (corpus_copy / "corpus/digital-product-owner/questions/dpo-first-90-days.yaml").unlink()
    (corpus_copy / "rubrics/digital-product-owner/dpo-first-90-days.yaml").unlink()
    _edit(corpus_copy / COMPETENCIES, "  dpo-first-90-days: [product-strategy, stakeholder-influence]\n", "")
    problems = _check(corpus_copy)
    assert any("no question has source position 13" in p for p in problems), problems


def test_cli_corpus_check_ok_and_broken(corpus_copy: Path) -> None:
    ok = runner.invoke(app, ["corpus", "check", str(corpus_copy)])
    assert ok.exit_code == 0, ok.output
    assert "2 roles, 35 questions, 35 rubrics" in ok.output

    _edit(corpus_copy / RUBRIC, "label: Business, users and technology together", "label: ''")
    broken = runner.invoke(app, ["corpus", "check", str(corpus_copy)])
    assert broken.exit_code == 2
    assert "Traceback" not in broken.output
    assert f"{RUBRIC}:5: key_points[0].label: must not be empty" in broken.output


def test_cli_corpus_check_bad_path(tmp_path: Path) -> None:
    result = runner.invoke(app, ["corpus", "check", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "no such directory" in result.output
    assert "Traceback" not in result.output


URGENT = "rubrics/digital-product-owner/dpo-prioritise-urgent.yaml"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("      - RICE\n", "      - RICE\n      - rice\n", r"key_points\[2\]\.terms\[1\]: term 'rice' is listed twice"),
        ("      - RICE\n", "      - RICE\n      - the\n", r"key_points\[2\]\.terms\[1\]: term 'the' is a common word"),
        (
            "      - critical path\n",
            "      - critical path\n      - MoSCoW\n",
            r"also a term of key point 'impact-effort'",
        ),
        ("      - RICE\n", "      - a b c d e f\n", r"has more than 5 words"),
    ],
    ids=["duplicate", "common-word", "two-points", "too-long"],
)
def test_bad_rubric_terms_are_reported(corpus_copy: Path, old: str, new: str, expected: str) -> None:
    _edit(corpus_copy / URGENT, old, new)
    problems = _check(corpus_copy)
    assert any(URGENT in p and re.search(expected, p) for p in problems), problems
