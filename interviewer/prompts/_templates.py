"""Versioned prompt templates (`prompts/<id>/<version>.yaml`), loaded by `id@version`.

A template is a list of chat messages with `{{ name }}` placeholders. Rendering
fails on a missing or an unused variable, so templates and code cannot drift
apart silently. Released versions are frozen: `prompts/LOCK.json` holds the
SHA-256 of each file and a test fails if one changes (add a new version).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .._paths import bundled_data_root
from ..exceptions import ConfigError

__all__ = [
    "PromptMessage",
    "PromptTemplate",
    "RenderedPrompt",
    "ReplyBudget",
    "load_prompt",
    "prompt_versions",
    "prompts_root",
]

_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")


class PromptMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Literal["system", "user"]
    content: str


class ReplyBudget(BaseModel):
    """How much a compact reply may say beyond the judgements: bounds that go into its schema."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    improvements: int = Field(default=3, ge=1, le=5)
    improvement_chars: int = Field(default=90, ge=20)
    outline_steps: int = Field(default=4, ge=1, le=6)
    step_chars: int = Field(default=50, ge=10)
    summary_chars: int = Field(default=120, ge=20)
    quote_chars: int = Field(default=80, ge=20)
    """Longest quote (80: about 12 words, enough to show a point, short enough to stay cheap)."""


_QUOTES_FIRST_BUDGET = {
    "improvements": 2,
    "improvement_chars": 80,
    "outline_steps": 3,
    "step_chars": 40,
    "summary_chars": 100,
}


class PromptTemplate(BaseModel):
    """One version of one prompt."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    version: str = Field(pattern=r"^v\d+$")
    description: str
    messages: list[PromptMessage] = Field(min_length=1)
    """Static messages first; the one holding the candidate's answer last (provider prompt caching)."""
    max_tokens: int | None = Field(default=None, ge=16)
    """The output budget this prompt needs, when it needs less than the configured one (never raises it)."""
    reply: Literal["full", "compact", "quotes-first"] = "full"
    """The reply format the prompt asks for: `full` (feedback@v1: reasons and strengths written out),
    `compact` (v2: ids, statuses and short quotes; the code adds labels and strengths) or `quotes-first`
    (v3: the quotes as a numbered list first, points and mistakes referring to them by number)."""
    budget: ReplyBudget = Field(default_factory=ReplyBudget)
    """For compact replies: how many improvements and outline steps, and how long each may be (when not
    given: v2's budget for `compact`, a tighter one for `quotes-first`, as v3 was recorded with)."""

    @model_validator(mode="before")
    @classmethod
    def _shape_budget(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("reply") == "quotes-first" and "budget" not in data:
            data = {**data, "budget": _QUOTES_FIRST_BUDGET}
        return data

    file_hash: str = ""
    """SHA-256 of the template file."""

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    @property
    def variables(self) -> set[str]:
        return {name for m in self.messages for name in _PLACEHOLDER.findall(m.content)}

    def render(self, variables: Mapping[str, str]) -> RenderedPrompt:
        """Fill every placeholder; a missing or an unused variable is a bug, not a blank."""
        missing = self.variables - set(variables)
        unused = set(variables) - self.variables
        if missing or unused:
            raise ValueError(f"{self.ref}: missing variables {sorted(missing)}, unused {sorted(unused)}")
        messages = [
            {"role": m.role, "content": _PLACEHOLDER.sub(lambda match: variables[match.group(1)], m.content)}
            for m in self.messages
        ]
        digest = hashlib.sha256(json.dumps(messages, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        return RenderedPrompt(self.ref, messages, digest[:16])


@dataclass(frozen=True)
class RenderedPrompt:
    ref: str
    """id@version."""
    messages: list[dict[str, str]]
    hash: str
    """First 16 hex digits of the SHA-256 of the rendered messages."""


def prompts_root() -> Path:
    return bundled_data_root() / "prompts"


def prompt_versions(prompt_id: str, root: Path | None = None) -> list[str]:
    """Versions of a prompt, oldest first (v1, v2, ..., v10)."""
    folder = (root or prompts_root()) / prompt_id
    versions = [p.stem for p in folder.glob("v*.yaml")] if folder.is_dir() else []
    return sorted(versions, key=lambda v: int(v[1:]) if v[1:].isdigit() else 0)


@lru_cache(maxsize=64)
def _load(path: Path) -> PromptTemplate:
    from ..corpus._yaml import YamlProblem, parse_yaml

    raw = path.read_bytes()
    try:
        data = parse_yaml(raw.decode("utf-8"), str(path)).data  # strict: no anchors, tags or duplicate keys
    except UnicodeDecodeError:
        raise ConfigError(f"prompt template {path} is not UTF-8 text") from None
    except YamlProblem as exc:
        raise ConfigError(f"prompt template {exc.problem}") from None
    try:
        template = PromptTemplate.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"prompt template {path} is invalid: {str(exc).splitlines()[0]}") from None
    if f"{template.id}@{template.version}" != f"{path.parent.name}@{path.stem}":
        raise ConfigError(f"prompt template {path} says {template.ref}; its path says {path.parent.name}@{path.stem}")
    return template.model_copy(update={"file_hash": hashlib.sha256(raw).hexdigest()})


def load_prompt(ref: str, root: Path | None = None) -> PromptTemplate:
    """Load `id@version` (or `id` for its latest version)."""
    prompt_id, _, version = ref.partition("@")
    versions = prompt_versions(prompt_id, root)
    if not versions:
        raise ConfigError(f"unknown prompt {prompt_id!r}; prompts live in {(root or prompts_root())}")
    version = version or versions[-1]
    if version not in versions:
        raise ConfigError(f"prompt {prompt_id!r} has no version {version!r}; it has {', '.join(versions)}")
    return _load((root or prompts_root()) / prompt_id / f"{version}.yaml")
