"""Versioned prompt templates, loaded by `id@version`."""

from ._templates import PromptTemplate, RenderedPrompt, ReplyBudget, load_prompt, prompt_versions, prompts_root

__all__ = ["PromptTemplate", "RenderedPrompt", "ReplyBudget", "load_prompt", "prompt_versions", "prompts_root"]
