"""Load the corpus and rubrics from disk and check every cross-reference.

Layout under a data root::

    corpus/<role>/role.yaml               Role
    corpus/<role>/questions/<id>.yaml     Question
    rubrics/<role>/competencies.yaml      RoleRubric
    rubrics/<role>/<question id>.yaml     Rubric
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from .._paths import bundled_data_root
from .._words import FUNCTION_WORDS, normalise_term
from ..exceptions import CorpusError, Problem, UsageError
from ..models import Competency, Question, Role, RoleRubric, Rubric
from ._validate import validate_located
from ._yaml import LocatedData, YamlProblem, read_yaml

__all__ = ["Corpus", "RoleCorpus", "check_corpus", "load_corpus", "resolve_data_root", "rubric_hash"]

M = TypeVar("M", bound=BaseModel)
COMPETENCIES_FILE = "competencies.yaml"


@dataclass(frozen=True)
class RoleCorpus:
    """Everything the corpus holds for one role."""

    role: Role
    questions: tuple[Question, ...]
    """In the order of the seed document."""
    rubrics: Mapping[str, Rubric]
    role_rubric: RoleRubric

    @property
    def id(self) -> str:
        return self.role.id

    def question(self, question_id: str) -> Question:
        """The question with this id, or a `UsageError` that lists the valid ones."""
        for question in self.questions:
            if question.id == question_id:
                return question
        known = ", ".join(q.id for q in self.questions)
        raise UsageError(
            f"unknown question id {question_id!r} for role {self.role.id!r}; "
            f"run `interviewer questions --role {self.role.id}` to list them ({known})"
        )

    def rubric(self, question_id: str) -> Rubric:
        return self.rubrics[self.question(question_id).id]

    def competencies_of(self, question_id: str) -> list[Competency]:
        """Competencies a question tests, in the role rubric's order."""
        wanted = set(self.role_rubric.questions.get(question_id, []))
        return [c for c in self.role_rubric.competencies if c.id in wanted]


@dataclass(frozen=True)
class Corpus:
    """All roles of a data root."""

    root: Path
    roles: Mapping[str, RoleCorpus] = field(default_factory=dict)

    def role(self, role_id: str) -> RoleCorpus:
        """The role with this id, title or initials (`dpo`), or a `UsageError` listing the roles."""
        wanted = role_id.strip().lower()
        if wanted in self.roles:
            return self.roles[wanted]
        for corpus in self.roles.values():
            initials = "".join(part[0] for part in corpus.id.split("-"))
            if wanted in {corpus.role.title.lower(), initials}:
                return corpus
        known = ", ".join(sorted(self.roles)) or "none"
        raise UsageError(f"unknown role {role_id!r}; known roles: {known} (see `interviewer roles`)")

    def find_question(self, question_id: str) -> RoleCorpus:
        """The role that holds this question id."""
        for corpus in self.roles.values():
            if any(q.id == question_id for q in corpus.questions):
                return corpus
        raise UsageError(f"unknown question id {question_id!r}; run `interviewer questions --role ROLE` to list them")


def rubric_hash(question: Question, rubric: Rubric) -> str:
    """A short, stable hash of what an answer is graded against."""
    payload = json.dumps(
        {"question": question.model_dump(mode="json"), "rubric": rubric.model_dump(mode="json")},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def resolve_data_root(path: Path | None) -> Path:
    """Accept a data root (holding `corpus/` and `rubrics/`) or a `corpus/` folder itself."""
    if path is None:
        return bundled_data_root()
    path = path.expanduser()
    if not path.exists():
        raise UsageError(f"{path}: no such directory; give a folder that holds corpus/ and rubrics/")
    if not path.is_dir():
        raise UsageError(f"{path}: is a file; give a folder that holds corpus/ and rubrics/")
    if (path / "corpus").is_dir():
        return path
    if path.name == "corpus" and (path.parent / "rubrics").is_dir():
        return path.parent
    raise UsageError(f"{path}: has no corpus/ folder; give a folder that holds corpus/ and rubrics/")


class _Collector:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []

    def display(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def load(self, path: Path, model: type[M]) -> tuple[M | None, LocatedData | None]:
        try:
            located = read_yaml(path, self.display(path))
        except YamlProblem as exc:
            self.problems.append(exc.problem)
            return None, None
        obj, problems = validate_located(located, model)
        self.problems.extend(problems)
        return obj, located

    def add(self, located: LocatedData | None, path: Path, loc: tuple[str | int, ...], message: str) -> None:
        if located is None:
            self.problems.append(Problem(self.display(path), "", message))
        else:
            self.problems.append(located.problem(loc, message))


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in {".yaml", ".yml"})


_MAX_TERM_WORDS = 5


def _check_terms(c: _Collector, loc: LocatedData, path: Path, rubric: Rubric) -> None:
    """A key point's `terms` must be specific: short, not a common word, and owned by one point only."""
    owner: dict[str, str] = {}
    for p_index, point in enumerate(rubric.key_points):
        seen: set[str] = set()
        for t_index, term in enumerate(point.terms):
            where = ("key_points", p_index, "terms", t_index)
            key = normalise_term(term)
            if key in seen:
                c.add(loc, path, where, f"term {term!r} is listed twice for key point {point.id!r}")
            seen.add(key)
            if len(key.split()) > _MAX_TERM_WORDS:
                c.add(loc, path, where, f"term {term!r} has more than {_MAX_TERM_WORDS} words; name the method itself")
            elif key in FUNCTION_WORDS or len(key) < 2:
                c.add(loc, path, where, f"term {term!r} is a common word, not a named method or metric; remove it")
            if key in owner and owner[key] != point.id:
                c.add(
                    loc,
                    path,
                    where,
                    f"term {term!r} is also a term of key point {owner[key]!r}; a term must evidence one point only",
                )
            owner.setdefault(key, point.id)


def _duplicates(ids: Iterable[str]) -> list[str]:
    return sorted(i for i, n in Counter(ids).items() if n > 1)


def _load_role(c: _Collector, role_dir: Path) -> RoleCorpus | None:
    role_id = role_dir.name
    role_path = role_dir / "role.yaml"
    if not role_path.is_file():
        c.problems.append(Problem(c.display(role_dir), "", "has no role.yaml; add one (see schemas/role.schema.json)"))
        return None
    role, role_loc = c.load(role_path, Role)
    if role is not None and role.id != role_id:
        c.add(role_loc, role_path, ("id",), f"is {role.id!r} but the folder is {role_id!r}; make them the same")
    if role is not None:
        dup_categories = _duplicates(cat.id for cat in role.categories)
        if dup_categories:
            c.add(role_loc, role_path, ("categories",), f"duplicate category ids: {', '.join(dup_categories)}")

    questions: list[tuple[Question, LocatedData, Path]] = []
    question_files = _yaml_files(role_dir / "questions")
    if not question_files:
        c.problems.append(Problem(c.display(role_dir / "questions"), "", "holds no question files"))
    for path in question_files:
        question, loc = c.load(path, Question)
        if question is None or loc is None:
            continue
        questions.append((question, loc, path))
        if question.id != path.stem:
            c.add(loc, path, ("id",), f"is {question.id!r} but the file is {path.name}; rename one to match")
        if question.role != role_id:
            c.add(loc, path, ("role",), f"is {question.role!r} but the file is under role {role_id!r}")
        if role is not None:
            categories = [cat.id for cat in role.categories]
            if question.category not in categories:
                c.add(
                    loc,
                    path,
                    ("category",),
                    f"{question.category!r} is not a category of the role; use one of {', '.join(categories)}",
                )
            if question.source.document != role.source_document:
                c.add(
                    loc,
                    path,
                    ("source", "document"),
                    f"{question.source.document!r} differs from the role's source_document {role.source_document!r}",
                )

    positions = Counter(q.source.position for q, _, _ in questions)
    for question, loc, path in questions:
        if positions[question.source.position] > 1:
            c.add(
                loc,
                path,
                ("source", "position"),
                f"position {question.source.position} is used by more than one question",
            )
    if questions:
        # N questions hold positions 1..N; counting to the largest one instead could take forever.
        missing = sorted(set(range(1, len(questions) + 1)) - set(positions))
        if missing:
            c.problems.append(
                Problem(
                    c.display(role_dir / "questions"),
                    "",
                    f"no question has source position {', '.join(map(str, missing))}; positions must run 1..N",
                )
            )

    question_ids = {q.id for q, _, _ in questions}
    rubric_dir = c.root / "rubrics" / role_id
    rubrics: dict[str, Rubric] = {}
    rubric_files = [p for p in _yaml_files(rubric_dir) if p.name != COMPETENCIES_FILE]
    for path in rubric_files:
        rubric, loc = c.load(path, Rubric)
        if rubric is None or loc is None:
            continue
        if rubric.question != path.stem:
            c.add(loc, path, ("question",), f"is {rubric.question!r} but the file is {path.name}; rename one to match")
        if rubric.question not in question_ids:
            c.add(loc, path, ("question",), f"unknown question id {rubric.question!r} for role {role_id!r}")
            continue
        for what, ids in (
            ("key point", [k.id for k in rubric.key_points]),
            ("mistake", [m.id for m in rubric.mistakes]),
        ):
            for dup in _duplicates(ids):
                field_name = "key_points" if what == "key point" else "mistakes"
                c.add(
                    loc,
                    path,
                    (field_name, ids.index(dup), "id"),
                    f"duplicate {what} id {dup!r}; ids must be unique in a rubric",
                )
        _check_terms(c, loc, path, rubric)
        rubrics[rubric.question] = rubric
    for question, loc, path in questions:
        if question.id not in {p.stem for p in rubric_files}:
            c.add(loc, path, ("id",), f"has no rubric; add rubrics/{role_id}/{question.id}.yaml")

    comp_path = rubric_dir / COMPETENCIES_FILE
    role_rubric: RoleRubric | None = None
    if not comp_path.is_file():
        c.problems.append(
            Problem(c.display(comp_path), "", "is missing; add the role's competencies and map every question to them")
        )
    else:
        role_rubric, loc = c.load(comp_path, RoleRubric)
        if role_rubric is not None:
            if role_rubric.role != role_id:
                c.add(loc, comp_path, ("role",), f"is {role_rubric.role!r} but the file is under role {role_id!r}")
            comp_ids = [comp.id for comp in role_rubric.competencies]
            for dup in _duplicates(comp_ids):
                c.add(loc, comp_path, ("competencies", comp_ids.index(dup), "id"), f"duplicate competency id {dup!r}")
            used: set[str] = set()
            for qid, mapped in role_rubric.questions.items():
                if qid not in question_ids:
                    c.add(loc, comp_path, ("questions", qid), f"unknown question id {qid!r} for role {role_id!r}")
                if not mapped:
                    c.add(loc, comp_path, ("questions", qid), "maps to no competency; list at least one")
                for index, comp in enumerate(mapped):
                    if comp not in comp_ids:
                        c.add(
                            loc,
                            comp_path,
                            ("questions", qid, index),
                            f"unknown competency id {comp!r}; known: {', '.join(comp_ids)}",
                        )
                used.update(mapped)
            for qid in sorted(question_ids - set(role_rubric.questions)):
                c.add(loc, comp_path, ("questions",), f"question {qid!r} is not mapped to any competency")
            for index, comp_id in enumerate(comp_ids):
                if comp_id not in used:
                    c.add(
                        loc,
                        comp_path,
                        ("competencies", index, "id"),
                        f"competency {comp_id!r} is not tested by any question",
                    )

    if role is None or role_rubric is None:
        return None
    ordered = tuple(q for q, _, _ in sorted(questions, key=lambda item: item[0].source.position))
    return RoleCorpus(role, ordered, rubrics, role_rubric)


def _collect(root: Path) -> tuple[Corpus, list[Problem]]:
    c = _Collector(root)
    corpus_dir = root / "corpus"
    role_dirs = sorted(p for p in corpus_dir.iterdir() if p.is_dir()) if corpus_dir.is_dir() else []
    if not role_dirs:
        c.problems.append(Problem(c.display(corpus_dir), "", "holds no role folders"))
    roles: dict[str, RoleCorpus] = {}
    seen: dict[str, str] = {}
    for role_dir in role_dirs:
        loaded = _load_role(c, role_dir)
        if loaded is None:
            continue
        roles[loaded.id] = loaded
        for question in loaded.questions:
            if question.id in seen:
                c.problems.append(
                    Problem(
                        c.display(role_dir / "questions" / f"{question.id}.yaml"),
                        "id",
                        f"question id {question.id!r} is also used by role {seen[question.id]!r}; "
                        "ids must be unique across the corpus",
                    )
                )
            seen[question.id] = loaded.id
    return Corpus(root, roles), c.problems


def check_corpus(path: Path | None = None) -> tuple[Corpus, list[Problem]]:
    """Validate every file and cross-reference under a data root; never raises for bad data."""
    root = resolve_data_root(path)
    return _collect(root)


@lru_cache(maxsize=4)
def _load_cached(root: Path) -> Corpus:
    corpus, problems = _collect(root)
    if problems:
        raise CorpusError(problems)
    return corpus


def load_corpus(path: Path | None = None) -> Corpus:
    """Load a valid corpus (the bundled one by default); raise `CorpusError` if anything is wrong."""
    return _load_cached(resolve_data_root(path).resolve())
