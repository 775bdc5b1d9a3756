"""Choosing which questions a session asks."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

from ..corpus import RoleCorpus
from ..exceptions import UsageError

__all__ = ["Plan", "choose_questions"]


@dataclass(frozen=True)
class Plan:
    """The questions chosen, and whether fewer were available than asked for."""

    question_ids: list[str]
    requested: int

    @property
    def shortened(self) -> bool:
        return len(self.question_ids) < self.requested


def choose_questions(
    role: RoleCorpus,
    count: int,
    *,
    category: str | None = None,
    seed: int | None = None,
    practised: Counter[str] | None = None,
) -> Plan:
    """Pick `count` distinct questions, least practised first, in a seeded random order.

    Questions the candidate has answered fewer times in earlier sessions come
    first; the seed decides the order among equally practised ones, so the same
    seed and history give the same plan.
    """
    if count < 1:
        raise UsageError(f"--questions must be at least 1 (got {count})")
    pool = list(role.questions)
    if category is not None:
        known = [c.id for c in role.role.categories]
        wanted = category.strip().lower()
        if wanted not in known:
            raise UsageError(f"unknown category {category!r} for role {role.id!r}; use one of: {', '.join(known)}")
        pool = [q for q in pool if q.category == wanted]
    rng = random.Random(seed)
    practised = practised or Counter()
    keyed = [(practised[q.id], rng.random(), q.id) for q in pool]
    keyed.sort()
    return Plan([qid for _, _, qid in keyed[:count]], count)
