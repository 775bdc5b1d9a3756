"""Versioned prompt templates, loaded by `id@version`."""

from ._templates import PromptTemplate, RenderedPrompt, load_prompt, prompt_versions, prompts_root

__all__ = ["PromptTemplate", "RenderedPrompt", "load_prompt", "prompt_versions", "prompts_root"]
