"""The compact reply (`feedback@v2` onwards): ids, statuses and short quotes; the code adds the rest.

A full reply (`feedback@v1`) spells out a reason for every key point and look-for
and a sentence per strength: 800-1,000 tokens for a 7-point rubric, minutes on
a small local model. The compact reply asks only for what needs judgement:

    {"key_points": {"define-slow": {"status": "covered", "quote": "..."}, ...},
     "mistakes": [{"id": "jumps-to-solution", "quote": "..."}], "look_fors": {"look-for-1": "met"},
     "improvements": ["..."], "outline": ["..."], "summary": "...", "score": 3}

Only the mistakes the answer makes are listed, each with the words that make it
(usually none: two tokens).

`feedback@v3` onwards (`reply: quotes-first`) asks for the quotes first, as a
numbered list copied from the answer, and has points and mistakes refer to them
by number: a small model picks its evidence while it reads the answer, before
it turns to the rubric, and a quote that backs two points is written once. `expand`
turns the reply into the same `DraftFeedback` the full reply parses into, so
every check in code (quotes verbatim, ids from the rubric, the scoring policy)
is shared; labels and rubric text come from the rubric, strengths from the key
points covered with a quote.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from ...models import Rubric
from ...prompts import ReplyBudget
from ._draft import DraftFeedback, KeyPointJudgement, LookForJudgement, MistakeJudgement, Strength, look_for_id

__all__ = ["CompactDraft", "compact_schema_for", "expand"]

ReplyShape = Literal["compact", "quotes-first"]

MAX_QUOTES = 8
"""Quotes a quotes-first reply may list."""


_NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}

Status = Literal["covered", "partial", "missed"]
Verdict = Literal["met", "partly", "not-met", "not-enough-evidence"]


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class CompactPoint(_Lenient):
    status: Status = "missed"
    quote: str | int = ""
    """The quote itself, or (quotes-first) its number in `quotes`, 1-based; 0 for none."""


class CompactMistake(_Lenient):
    id: str
    quote: str | int = ""


class CompactDraft(_Lenient):
    """The compact reply as parsed (ids not checked yet: the checks do that)."""

    quotes: list[str] = Field(default_factory=list)
    key_points: dict[str, CompactPoint]
    mistakes: list[CompactMistake] = Field(default_factory=list)
    look_fors: dict[str, Verdict] = Field(default_factory=dict)
    improvements: list[str] = Field(default_factory=list)
    outline: list[str] = Field(default_factory=list)
    summary: str = ""
    score: int

    def quote(self, ref: str | int) -> str:
        """The text a point or mistake refers to ("" for none or a number out of range)."""
        if isinstance(ref, str):
            return ref
        return self.quotes[ref - 1] if 1 <= ref <= len(self.quotes) else ""


def _keyed(name: str, item: Any, keys: list[tuple[str, str]]) -> type[BaseModel]:
    fields: dict[str, Any] = {
        f"f{i}": (item, Field(alias=key, description=description)) for i, (key, description) in enumerate(keys)
    }
    model: type[BaseModel] = create_model(name, __config__=ConfigDict(extra="forbid", populate_by_name=True), **fields)
    return model


@lru_cache(maxsize=128)
def _compact_schema_for(rubric_json: str, shape: ReplyShape, budget: ReplyBudget) -> type[BaseModel]:
    rubric = Rubric.model_validate_json(rubric_json)
    text = Annotated[str, Field(max_length=budget.quote_chars)]
    numbered = shape == "quotes-first"
    ref: Any = Annotated[int, Field(ge=0, le=MAX_QUOTES)] if numbered else text
    ref_help = (
        "the number of the quote that shows it (1 = the first), 0 for none"
        if numbered
        else 'The candidate\'s exact words (at most 12) that show the point, or "".'
    )
    mistake_help = (
        "the number of the quote that makes the mistake, 0 for none"
        if numbered
        else "The candidate's exact words that make the mistake."
    )
    point: Any = create_model(
        "KeyPoint",
        __config__=ConfigDict(extra="forbid"),
        status=(Status, ...),
        quote=(ref, Field(description=ref_help)),
    )
    fields: dict[str, Any] = {}
    if numbered:
        fields["quotes"] = (
            list[text],
            Field(max_length=MAX_QUOTES, description="Short passages copied word for word from the answer."),
        )
    fields["key_points"] = (_keyed("KeyPoints", point, [(p.id, p.label) for p in rubric.key_points]), ...)
    if rubric.mistakes:
        ids: Any = Literal[tuple(m.id for m in rubric.mistakes)]
        mistake: Any = create_model(
            "Mistake",
            __config__=ConfigDict(extra="forbid"),
            id=(ids, ...),
            quote=(ref, Field(description=mistake_help)),
        )
        fields["mistakes"] = (
            list[mistake],
            Field(max_length=len(rubric.mistakes), description="Only the mistakes the answer makes."),
        )
    fields["look_fors"] = (
        _keyed("LookFors", Verdict, [(look_for_id(i), text) for i, text in enumerate(rubric.look_for)]),
        ...,
    )
    fields.update(
        improvements=(
            list[Annotated[str, Field(max_length=budget.improvement_chars)]],
            Field(
                max_length=budget.improvements,
                description=f"Up to {_NUMBERS[budget.improvements]} short changes, most important first.",
            ),
        ),
        outline=(
            list[Annotated[str, Field(max_length=budget.step_chars)]],
            Field(
                max_length=budget.outline_steps,
                description=f"Up to {_NUMBERS[budget.outline_steps]} short steps of an excellent answer.",
            ),
        ),
        summary=(str, Field(max_length=budget.summary_chars, description="One sentence on the answer as a whole.")),
        score=(Literal[0, 1, 2, 3, 4, 5], Field(description="Overall score on the 0-5 scale.")),
    )
    model: type[BaseModel] = create_model("Feedback", __config__=ConfigDict(extra="forbid"), **fields)
    return model


def compact_schema_for(
    rubric: Rubric, shape: ReplyShape = "compact", budget: ReplyBudget | None = None
) -> type[BaseModel]:
    """The strict response model for one rubric, reply shape and budget (cached)."""
    return _compact_schema_for(rubric.model_dump_json(), shape, budget or ReplyBudget())


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def _in_the_answers_script(texts: list[str], answer: str) -> list[str]:
    """Drop advice written partly in a script the answer does not use (small models drift into Chinese)."""
    if _CJK.search(answer):
        return texts
    return [t for t in texts if not _CJK.search(t)]


def _tidy(texts: list[str], bound: int, labels: dict[str, str]) -> list[str]:
    """Free text as a candidate should read it.

    A bare rubric id becomes what it means, and text the schema's length bound cut mid-word ends at
    its last whole word.
    """
    out = []
    for raw in texts:
        text = raw.strip()
        if text in labels:
            text = f"Cover this point: {labels[text].lower()}."
        elif len(text) >= bound - 1 and " " in text:
            text = text[: text.rindex(" ")].rstrip(" ,;:'\"(-") + "…"
        if text:
            out.append(text)
    return out


def expand(draft: CompactDraft, rubric: Rubric, answer: str = "", budget: ReplyBudget | None = None) -> DraftFeedback:
    """The compact reply in the full reply's shape, so one set of checks serves both."""
    budget = budget or ReplyBudget()
    labels = {p.id: p.label for p in rubric.key_points}
    strengths = [
        Strength(point=f"Covers {labels[point_id].lower()}", evidence=draft.quote(point.quote))
        for point_id, point in draft.key_points.items()
        if point.status == "covered" and draft.quote(point.quote).strip() and point_id in labels
    ]
    summary = _tidy(_in_the_answers_script([draft.summary], answer), budget.summary_chars, labels)
    return DraftFeedback(
        key_points={
            point_id: KeyPointJudgement(evidence=draft.quote(point.quote), status=point.status, reason="")
            for point_id, point in draft.key_points.items()
        },
        mistakes={m.id: MistakeJudgement(evidence=draft.quote(m.quote), present=True) for m in draft.mistakes},
        look_fors={
            look_id: LookForJudgement(verdict=verdict, reason="") for look_id, verdict in draft.look_fors.items()
        },
        strengths=strengths,
        improvements=_tidy(_in_the_answers_script(draft.improvements, answer), budget.improvement_chars, labels),
        model_answer_outline=_tidy(_in_the_answers_script(draft.outline, answer), budget.step_chars, labels),
        summary=summary[0] if summary else "",
        score=draft.score,
    )
