"""Turn pydantic validation errors into `Problem`s a person can act on."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ..exceptions import Problem
from ._yaml import LocatedData

__all__ = ["validate_located"]

M = TypeVar("M", bound=BaseModel)


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _explain(error: ErrorDetails, model: type[BaseModel]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind == "missing":
        return "is required; add it"
    if kind == "extra_forbidden":
        return "is not a known field; remove it or fix its spelling"
    if kind == "string_pattern_mismatch":
        return (
            f"{_short(value)} is not a valid id: use lowercase letters and digits "
            "joined by single hyphens, such as 'stakeholder-alignment'"
        )
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "too_short":
        need = ctx.get("min_length", 1)
        return f"needs at least {need} item{'s' if need != 1 else ''}"
    if kind in {"model_type", "dict_type"}:
        return f"must be a mapping of fields, not {type(value).__name__}"
    if kind == "list_type":
        return f"must be a list, not {type(value).__name__}"
    return f"{error['msg'][0].lower()}{error['msg'][1:]} (got {_short(value)})"


def validate_located(located: LocatedData, model: type[M]) -> tuple[M | None, list[Problem]]:
    """Validate parsed YAML against `model`; return the object or the problems found."""
    if located.data is None:
        return None, [Problem(located.file, "", f"is empty; it should hold a {model.__name__}")]
    try:
        return model.model_validate(located.data), []
    except ValidationError as exc:
        problems = [
            located.problem(tuple(error["loc"]), _explain(error, model)) for error in exc.errors(include_url=False)
        ]
        return None, problems
