"""One line for a pydantic validation error, for messages that name the file and what to fix."""

from __future__ import annotations

from pydantic import ValidationError

__all__ = ["first_problem"]


def first_problem(exc: ValidationError) -> str:
    """`where: what` of the first error (`where` is the dotted field path, or "the file" for the whole)."""
    error = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in error["loc"]) or "the file"
    return f"{where}: {error['msg']}"
