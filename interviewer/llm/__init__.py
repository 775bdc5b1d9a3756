"""Talking to OpenAI-compatible chat models: settings, structured calls, retries, token counts."""

from ._client import CallResult, LLMClient, RequestContext, run_sync
from ._settings import LLMSettings, config_path, load_settings
from ._tokens import DEFAULT_PRICES, Price, TokenCounter, estimate_cost

__all__ = [
    "DEFAULT_PRICES",
    "CallResult",
    "LLMClient",
    "LLMSettings",
    "Price",
    "RequestContext",
    "TokenCounter",
    "config_path",
    "estimate_cost",
    "load_settings",
    "run_sync",
]
