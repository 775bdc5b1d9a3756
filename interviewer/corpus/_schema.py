"""JSON Schemas of every file kind, generated from the pydantic models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..models import EvalFile, Feedback, Question, Role, RoleRubric, Rubric, Session

__all__ = ["SCHEMA_MODELS", "schema_texts", "stale_schemas", "write_schemas"]

SCHEMA_MODELS: dict[str, type[BaseModel]] = {
    "role.schema.json": Role,
    "question.schema.json": Question,
    "rubric.schema.json": Rubric,
    "competencies.schema.json": RoleRubric,
    "eval-file.schema.json": EvalFile,
    "feedback.schema.json": Feedback,
    "session.schema.json": Session,
}
"""Schema file name -> model. YAML files point at these with a `yaml-language-server` comment."""


def _schema(name: str, model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": name, **schema}


def schema_texts() -> dict[str, str]:
    """File name -> JSON text of every schema."""
    return {
        name: json.dumps(_schema(name, model), indent=2, ensure_ascii=False) + "\n"
        for name, model in SCHEMA_MODELS.items()
    }


def write_schemas(folder: Path) -> list[Path]:
    """Write every schema into `folder`; return the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schema_texts().items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale_schemas(folder: Path) -> list[str]:
    """Names of schema files in `folder` that are missing or differ from the models."""
    stale = []
    for name, text in schema_texts().items():
        path = folder / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    return stale
