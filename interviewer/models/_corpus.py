"""Models of the corpus: roles, questions, rubrics and role-level competencies.

These are the shapes of the YAML files under `corpus/` and `rubrics/`. The JSON
Schemas in `schemas/` are generated from them (`interviewer corpus schema`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

__all__ = [
    "Category",
    "Competency",
    "Framework",
    "KeyPoint",
    "Mistake",
    "Question",
    "Role",
    "RoleRubric",
    "Rubric",
    "Slug",
    "Source",
]

Slug = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=2, max_length=80),
]
"""A stable identifier: lowercase words and digits joined by single hyphens."""

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""Non-empty text (surrounding whitespace is removed)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Category(_Frozen):
    """A group of questions within a role, such as `behavioral`."""

    id: Slug
    """Stable id of the category."""
    label: Text
    """Short human label."""
    description: Text
    """What questions of this category test."""


class Role(_Frozen):
    """A job role the corpus has questions for (`corpus/<role>/role.yaml`)."""

    id: Slug
    """Stable id of the role; also the name of its folder."""
    title: Text
    """Job title as shown to candidates."""
    summary: Text
    """One or two sentences on what the role does, in our own words."""
    source_document: Text
    """File name of the seed document the role's questions are restated from."""
    categories: list[Category] = Field(min_length=1)
    """Question categories of this role, in the order they are presented."""
    key_terms: list[Text] = Field(default_factory=list)
    """Vocabulary of the role; the offline grader notes which ones an answer uses."""


class Source(_Frozen):
    """Where a question's facts come from."""

    document: Text
    """File name of the seed document."""
    position: int = Field(ge=1)
    """1-based position of the question in that document."""


class Framework(_Frozen):
    """The answer structure that fits a question, shown as a hint."""

    name: Text
    """Name of the framework, such as STAR, CIRCLES or RICE."""
    steps: list[Text] = Field(min_length=2)
    """How to apply it to this question, one step per entry."""


class Question(_Frozen):
    """One interview question (`corpus/<role>/questions/<id>.yaml`)."""

    id: Slug
    """Stable id, unique across the corpus; also the file name."""
    role: Slug
    """Id of the role this question belongs to."""
    category: Slug
    """Id of one of the role's categories."""
    question: Text
    """The question as the interviewer asks it."""
    why_asked: Text
    """What the interviewer learns from the answer."""
    framework: Framework
    """The answer framework that fits."""
    source: Source
    """The seed document and position this question restates."""


class KeyPoint(_Frozen):
    """Something a good answer covers."""

    id: Slug
    """Stable id, unique within the rubric."""
    label: Text
    """Short label shown in feedback."""
    covers: Text
    """What counts as covering this point, stated so a grader can decide."""
    cues: list[Text] = Field(default_factory=list)
    """Example phrasings a candidate might use to cover it (help semantic matching)."""
    terms: list[Text] = Field(default_factory=list)
    """Named methods, metrics or artefacts that evidence the point when the answer applies one
    ("we scored both with RICE"), such as RICE, MoSCoW, p95, OKR or A/B test, or the word that
    names the point itself ("the lesson was to..."). Merely listing them is not evidence.
    Matched as whole words, ignoring case, plurals and hyphens."""
    core: bool = False
    """A core point: an answer that misses it cannot score above 3 (4 for a real case told with figures)."""
    shows: Literal["example", "situation", "result", "quantified"] | None = None
    """A structural sign that is evidence for this point, for graders that cannot read meaning well:
    `example` (a first-person story with a specific detail), `situation` or `result` (that part of a
    STAR story), `quantified` (a number with its unit)."""
    weight: float = Field(default=1.0, gt=0, le=5)
    """Relative weight in the coverage score."""


class Mistake(_Frozen):
    """A common mistake in answers to this question."""

    id: Slug
    """Stable id, unique within the rubric."""
    description: Text
    """What the mistake is and why it hurts the answer."""
    signals: list[Text] = Field(default_factory=list)
    """Example sentences that show the mistake (used by the offline grader)."""


class Rubric(_Frozen):
    """How answers to one question are judged (`rubrics/<role>/<question id>.yaml`)."""

    question: Slug
    """Id of the question this rubric is for."""
    key_points: list[KeyPoint] = Field(min_length=1)
    """Points a strong answer covers."""
    mistakes: list[Mistake] = Field(default_factory=list)
    """Common mistakes to watch for."""
    look_for: list[Text] = Field(min_length=1)
    """What interviewers look for beyond individual points."""
    key_terms: list[Text] = Field(default_factory=list)
    """Terms a fluent answer tends to use."""


class Competency(_Frozen):
    """A competency a role is judged on."""

    id: Slug
    """Stable id, unique within the role."""
    label: Text
    """Short human label."""
    description: Text
    """What the competency means for this role."""


class RoleRubric(_Frozen):
    """Role-level rubric (`rubrics/<role>/role.yaml`): competencies and the question map."""

    role: Slug
    """Id of the role."""
    competencies: list[Competency] = Field(min_length=1)
    """Competencies the role is judged on."""
    questions: dict[Slug, list[Slug]]
    """For each question id, the ids of the competencies it tests (at least one)."""
