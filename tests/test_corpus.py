from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from interviewer.cli import app
from interviewer.corpus import Corpus, check_corpus
from interviewer.corpus._schema import stale_schemas
from interviewer.corpus._yaml import YamlProblem, read_yaml
from interviewer.evals import check_dataset
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


# Billion laughs: 289 bytes that expand to 9**7 strings once aliases are followed.
ALIAS_BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{new}: &{new} [{', '.join([f'*{old}'] * 9)}]\n" for old, new in zip("abcdef", "bcdefg", strict=True)
)


def test_yaml_alias_bomb_is_refused_at_the_first_anchor(corpus_copy: Path) -> None:
    (corpus_copy / QUESTION).write_text(ALIAS_BOMB)
    started = time.perf_counter()
    problems = _check(corpus_copy)
    assert time.perf_counter() - started < 2
    assert f"{QUESTION}:1: uses a YAML anchor (&a); anchors and aliases are not allowed here: write the value out" in (
        problems
    )


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a: 1\nb: &x 2\n", 2, "uses a YAML anchor (&x)"),
        ("a: [1, 2]\nb:\n  - *x\n", 3, "uses a YAML alias (*x)"),
        ("a: !!python/object:os.system ls\n", 1, "uses a YAML tag (!!python/object:os.system)"),
        ("a: !custom 1\n", 1, "uses a YAML tag (!custom)"),
        ("a:\n  b: 1\n  c: 2\n  b: 3\n", 4, "duplicate key 'b' (also on line 2); keep one"),
        ("- id: x\n  id: y\n", 2, "duplicate key 'id' (also on line 1); keep one"),
        ("a: " + "[" * 60 + "]" * 60 + "\n", 1, "is nested more than 50 levels deep"),
        ("a: " + "9" * 5000 + "\n", 1, "cannot read this value"),
        ("a: 2024-13-45\n", 1, "cannot read this value"),
        ("a: 1\nb: x\x00y\n", 2, "holds the character U+0000, which YAML does not allow; remove it"),
    ],
    ids=[
        "anchor",
        "alias",
        "python-tag",
        "local-tag",
        "duplicate-key",
        "duplicate-in-list",
        "deep",
        "huge-int",
        "date",
        "nul",
    ],
)
def test_yaml_features_nobody_needs_are_refused_with_file_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(text)
    with pytest.raises(YamlProblem) as caught:
        read_yaml(path, "x.yaml")
    assert str(caught.value).startswith(f"x.yaml:{line}: {message}"), caught.value
    assert "\n" not in str(caught.value)


def test_duplicate_keys_in_corpus_files_are_errors_with_both_lines(corpus_copy: Path) -> None:
    text = (corpus_copy / QUESTION).read_text()
    first = next(i for i, row in enumerate(text.splitlines(), 1) if row.startswith("why_asked:"))
    (corpus_copy / QUESTION).write_text(text + "why_asked: a second reason that would silently win\n")
    last = len(text.splitlines()) + 1
    problems = _check(corpus_copy)
    assert f"{QUESTION}:{last}: duplicate key 'why_asked' (also on line {first}); keep one" in problems


def test_anchors_and_duplicate_keys_in_a_dataset_are_errors(corpus: Corpus, tmp_path: Path) -> None:
    golden = ROOT / "evals/golden/dpo-define-role.yaml"
    text = golden.read_text()
    dataset = tmp_path / "golden"
    dataset.mkdir()
    (dataset / "dup.yaml").write_text(text.replace("question: dpo-define-role\n", "question: a\nquestion: b\n", 1))
    (dataset / "alias.yaml").write_text(text.replace("cases:\n", "cases: &all\n", 1))
    _, problems = check_dataset(dataset, corpus)
    found = [str(p) for p in problems]
    assert any(re.match(rf"{dataset}/dup.yaml:\d+: duplicate key 'question' \(also on line \d+\)", p) for p in found)
    assert any(re.match(rf"{dataset}/alias.yaml:\d+: uses a YAML anchor \(&all\)", p) for p in found), found


def test_committed_data_files_use_no_anchors_tags_or_duplicate_keys() -> None:
    files = [p for folder in ("corpus", "rubrics", "evals/golden", "prompts") for p in (ROOT / folder).rglob("*.yaml")]
    assert len(files) > 90
    for path in files:
        read_yaml(path)  # raises YamlProblem on any of them


def test_a_huge_source_position_is_reported_not_counted_to(corpus_copy: Path) -> None:
    _edit(corpus_copy / QUESTION, "  position: 1\n", "  position: 1000000000000000\n")
    started = time.perf_counter()
    problems = _check(corpus_copy)
    assert time.perf_counter() - started < 2
    assert any("no question has source position 1; positions must run 1..N" in p for p in problems), problems


def test_a_key_with_odd_characters_is_quoted_so_the_problem_stays_one_line(corpus_copy: Path) -> None:
    (corpus_copy / QUESTION).write_text((corpus_copy / QUESTION).read_text() + '"why\\nasked": x\n')
    problems = _check(corpus_copy)
    assert any(p.endswith(": 'why\\nasked': is not a known field; remove it or fix its spelling") for p in problems)
    assert all("\n" not in p for p in problems), problems


def test_cli_corpus_check_prints_one_line_per_problem_even_for_a_long_path(tmp_path: Path, corpus_copy: Path) -> None:
    deep = tmp_path / ("a-folder-with-a-long-name-" * 4) / "data"
    shutil.copytree(corpus_copy, deep)
    _edit(deep / RUBRIC, "label: Business, users and technology together", "label: ''")
    result = runner.invoke(app, ["corpus", "check", str(deep)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: {RUBRIC}:5: key_points[0].label: must not be empty",
        f"1 problem in {deep}",
    ]


def test_a_merge_key_cannot_hide_a_duplicate(corpus_copy: Path) -> None:
    # `<<:` copied another mapping in, so `a: 1` plus `<<: {a: 2}` held a second `a` that no check saw.
    from interviewer.corpus._yaml import YamlProblem, parse_yaml

    with pytest.raises(YamlProblem, match=r"x\.yaml:2: .*merge keys"):
        parse_yaml("id: one\n<<: {id: two}\n", "x.yaml")
