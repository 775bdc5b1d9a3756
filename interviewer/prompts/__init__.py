"""Versioned prompt templates, loaded by `id@version`."""

from ._delimiters import escape_delimiters
from ._templates import PromptTemplate, RenderedPrompt, ReplyBudget, load_prompt, prompt_versions, prompts_root

__all__ = [
    "PromptTemplate",
    "RenderedPrompt",
    "ReplyBudget",
    "escape_delimiters",
    "load_prompt",
    "prompt_versions",
    "prompts_root",
]
