"""Golden datasets: load them, and check them against the corpus (file, line and field for every problem)."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..corpus import Corpus
from ..corpus._validate import validate_located
from ..corpus._yaml import LocatedData, YamlProblem, read_yaml
from ..exceptions import CorpusError, Problem, UsageError
from ..models import AdversarialKind, EvalCase, EvalFile, Question, Rubric, Tier

__all__ = ["Case", "Dataset", "check_dataset", "load_dataset", "tier_representatives"]


@dataclass(frozen=True)
class Case:
    """A labelled answer with what it is an answer to."""

    case: EvalCase
    question: Question
    rubric: Rubric
    role: str

    @property
    def id(self) -> str:
        return self.case.id

    @property
    def group(self) -> str:
        """The tier (strong/adequate/weak) or the adversarial kind."""
        if self.case.tier is not None:
            return self.case.tier.value
        assert self.case.adversarial is not None
        return self.case.adversarial.value


@dataclass(frozen=True)
class Dataset:
    path: Path
    cases: tuple[Case, ...]
    hash: str
    """SHA-256 (16 hex digits) of every file's bytes: a run is tied to exactly this data."""


def tier_representatives(cases: Iterable[Case]) -> dict[str, dict[Tier, str]]:
    """Per question, the id of the case that stands for each tier in the tier-ordering metric.

    The original tiered answer where there is one, else the first probe of that tier; a
    translation never stands in (it is measured against its English twin).
    """
    chosen: dict[str, dict[Tier, Case]] = defaultdict(dict)
    for case in cases:
        tier = case.case.tier
        if tier is None or case.case.translation_of is not None:
            continue
        current = chosen[case.question.id].get(tier)
        if current is None or (current.case.probes and not case.case.probes):
            chosen[case.question.id][tier] = case
    return {q: {t: c.id for t, c in tiers.items()} for q, tiers in chosen.items()}


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise UsageError(f"{path}: no such dataset file or folder")
    files = sorted(p for p in path.rglob("*") if p.suffix in {".yaml", ".yml"} and p.is_file())
    if not files:
        raise UsageError(f"{path}: holds no .yaml dataset files")
    return files


def check_dataset(path: Path, corpus: Corpus) -> tuple[list[tuple[LocatedData, EvalFile]], list[Problem]]:
    """Validate every dataset file against its schema and the corpus; never raises for bad data."""
    problems: list[Problem] = []
    loaded: list[tuple[LocatedData, EvalFile]] = []
    for file in _files(path):
        try:
            located = read_yaml(file, str(file))
        except YamlProblem as exc:
            problems.append(exc.problem)
            continue
        data, found = validate_located(located, EvalFile)
        problems.extend(found)
        if data is not None:
            loaded.append((located, data))

    seen: Counter[str] = Counter(c.id for _, f in loaded for c in f.cases)
    for located, data in loaded:
        try:
            role = corpus.find_question(data.question)
        except UsageError:
            problems.append(
                located.problem(("question",), f"unknown question id {data.question!r}; see `interviewer questions`")
            )
            continue
        rubric = role.rubric(data.question)
        points = {p.id for p in rubric.key_points}
        mistakes = {m.id for m in rubric.mistakes}
        ids = {c.id for c in data.cases}
        for index, case in enumerate(data.cases):
            where: tuple[str | int, ...] = ("cases", index)
            if seen[case.id] > 1:
                problems.append(located.problem((*where, "id"), f"case id {case.id!r} is used more than once"))
            gold = case.gold
            for field, known, values in (
                ("key_points", points, gold.key_points),
                ("partial_key_points", points, gold.partial_key_points),
                ("mistakes", mistakes, gold.mistakes),
            ):
                for i, value in enumerate(values):
                    if value not in known:
                        problems.append(
                            located.problem(
                                (*where, "gold", field, i),
                                f"unknown {field.rstrip('s').replace('_', ' ')} id {value!r} for {data.question}; "
                                f"the rubric has: {', '.join(sorted(known))}",
                            )
                        )
            for i, follow_up in enumerate(case.follow_ups):
                if follow_up.key_point not in points:
                    problems.append(
                        located.problem(
                            (*where, "follow_ups", i, "key_point"),
                            f"unknown key point id {follow_up.key_point!r} for {data.question}; "
                            f"the rubric has: {', '.join(sorted(points))}",
                        )
                    )
            if case.translation_of is not None and case.translation_of not in ids:
                problems.append(
                    located.problem((*where, "translation_of"), f"{case.translation_of!r} is not a case in this file")
                )
            if case.variant_of is not None and case.variant_of not in ids:
                problems.append(
                    located.problem((*where, "variant_of"), f"{case.variant_of!r} is not a case in this file")
                )
            if case.adversarial is AdversarialKind.prompt_injection and case.variant_of is None:
                problems.append(located.problem(where, "a prompt-injection case needs variant_of (its clean twin)"))
    return loaded, problems


def load_dataset(path: Path, corpus: Corpus) -> Dataset:
    """A valid dataset, or a `CorpusError` listing every problem."""
    loaded, problems = check_dataset(path, corpus)
    if problems:
        raise CorpusError(problems)
    digest = hashlib.sha256()
    cases: list[Case] = []
    for located, data in loaded:
        digest.update(Path(located.file).read_bytes())
        role = corpus.find_question(data.question)
        question = role.question(data.question)
        for case in data.cases:
            cases.append(Case(case, question, role.rubric(question.id), role.id))
    return Dataset(path, tuple(cases), digest.hexdigest()[:16])
