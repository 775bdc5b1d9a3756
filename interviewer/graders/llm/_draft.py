"""What the model is asked to return: a strict per-rubric schema, parsed leniently.

The schema sent to the server names every key point, mistake and look-for of
the rubric as a required property, so a strict server cannot skip one or invent
one. The reply is then parsed with a lenient model (any ids), because servers in
JSON mode enforce nothing: the checks count what is missing or invented instead
of failing the whole reply.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from ...models import Rubric

__all__ = ["DraftFeedback", "FollowUpDraft", "SummaryDraft", "look_for_id", "schema_for"]


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class KeyPointJudgement(_Lenient):
    evidence: str = Field(description="The candidate's exact words that show the point, or an empty string.")
    status: Literal["covered", "partial", "missed"]
    reason: str = Field(description="Why, in under 25 words.")


class MistakeJudgement(_Lenient):
    evidence: str = Field(description="The candidate's exact words that show the mistake, or an empty string.")
    present: bool


class LookForJudgement(_Lenient):
    verdict: Literal["met", "partly", "not-met", "not-enough-evidence"]
    reason: str = Field(description="Why, in under 25 words.")


class Strength(_Lenient):
    point: str = Field(description="What the answer does well, in one sentence.")
    evidence: str = Field(description="The candidate's exact words that show it.")


class DraftFeedback(_Lenient):
    """The model's judgement, as parsed (ids not checked yet)."""

    key_points: dict[str, KeyPointJudgement]
    mistakes: dict[str, MistakeJudgement] = Field(default_factory=dict)
    look_fors: dict[str, LookForJudgement] = Field(default_factory=dict)
    strengths: list[Strength] = Field(default_factory=list)
    improvements: list[str] = Field(default_factory=list)
    model_answer_outline: list[str] = Field(default_factory=list)
    summary: str = ""
    score: int


class FollowUpDraft(_Lenient):
    # The bounds go to the server's schema only (llama.cpp and vLLM enforce them); a longer reply from a
    # server that does not enforce them is still accepted.
    question: str = Field(description="The follow-up question, one sentence.", json_schema_extra={"maxLength": 200})


class SummaryDraft(_Lenient):
    summary: str = Field(json_schema_extra={"maxLength": 600})
    practice_next: list[str] = Field(json_schema_extra={"maxItems": 3, "items": {"type": "string", "maxLength": 160}})


def look_for_id(index: int) -> str:
    """`look-for-1`, ... (1-based, rubric order)."""
    return f"look-for-{index + 1}"


def _keyed(name: str, item: type[BaseModel], keys: list[tuple[str, str]]) -> type[BaseModel]:
    fields: dict[str, Any] = {
        f"f{i}": (item, Field(alias=key, description=description)) for i, (key, description) in enumerate(keys)
    }
    model: type[BaseModel] = create_model(name, __config__=ConfigDict(extra="forbid", populate_by_name=True), **fields)
    return model


@lru_cache(maxsize=128)
def _schema_for(rubric_json: str) -> type[BaseModel]:
    rubric = Rubric.model_validate_json(rubric_json)
    fields: dict[str, Any] = {
        "key_points": (_keyed("KeyPoints", KeyPointJudgement, [(p.id, p.label) for p in rubric.key_points]), ...),
    }
    if rubric.mistakes:
        fields["mistakes"] = (
            _keyed("Mistakes", MistakeJudgement, [(m.id, m.description) for m in rubric.mistakes]),
            ...,
        )
    fields["look_fors"] = (
        _keyed("LookFors", LookForJudgement, [(look_for_id(i), text) for i, text in enumerate(rubric.look_for)]),
        ...,
    )
    fields.update(
        strengths=(list[Strength], Field(description="Up to three, each with a quote.")),
        improvements=(list[str], Field(description="Up to four concrete changes, most important first.")),
        model_answer_outline=(list[str], Field(description="Three to six steps of an excellent answer.")),
        summary=(str, Field(description="One or two sentences on the answer as a whole.")),
        score=(Literal[0, 1, 2, 3, 4, 5], Field(description="Overall score on the 0-5 scale.")),
    )
    model: type[BaseModel] = create_model("Feedback", __config__=ConfigDict(extra="forbid"), **fields)
    return model


def schema_for(rubric: Rubric) -> type[BaseModel]:
    """The strict response model for one rubric (cached)."""
    return _schema_for(rubric.model_dump_json())
