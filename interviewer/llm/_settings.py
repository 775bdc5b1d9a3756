"""LLM settings, gathered once from defaults, a config file, the environment and flags."""

from __future__ import annotations

import difflib
import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_core import ErrorDetails

from ..exceptions import ConfigError
from ._config import ConfigFile, read_config, shown
from ._tokens import DEFAULT_PRICES, Price

__all__ = ["OPENAI_BASE_URL", "LLMSettings", "config_path", "load_settings"]

OPENAI_BASE_URL = "https://api.openai.com/v1"


class LLMSettings(BaseModel):
    """How to reach and use a chat model. Secrets live in `api_key` and are never printed."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    model: str | None = None
    """Model name as the server knows it. None means: use the offline grader."""
    base_url: str | None = None
    """OpenAI-compatible endpoint, such as http://127.0.0.1:8080/v1. None means OpenAI."""
    api_key: SecretStr | None = None
    """API key; from OPENAI_API_KEY or the config file, never from a flag."""
    temperature: float = Field(default=0.0, ge=0, le=2)
    seed: int | None = 7
    """Sampling seed, for servers that honour it."""
    max_tokens: int = Field(default=1500, ge=16)
    """Upper bound on the reply of every call."""
    timeout: float | None = Field(default=None, gt=0)
    """Seconds to wait for a response (while streaming: between two pieces of it). Default: 60 for a hosted
    server; for one on this machine or the local network, enough for a CPU model to write `max_tokens` at
    4 tokens a second (at least 180)."""
    max_attempts: int = Field(default=4, ge=1, le=10)
    """Attempts per call, the first included (retries are for rate limits, 5xx, timeouts, dropped connections)."""
    max_retry_seconds: float = Field(default=90.0, gt=0)
    """Give up retrying once this much time has passed since the first attempt."""
    stream: bool = True
    """Stream replies when a front end shows progress (the terminal, the web app); batch runs never stream."""
    structured_output: Literal["auto", "json_schema", "json_object"] = "auto"
    """auto tries a strict JSON schema and falls back to JSON mode if the server lacks it."""
    max_string_length: int | None = Field(default=None, ge=16)
    """Bound every string in the response schema (and lists to 3 items). For small local models on servers
    that enforce it (llama.cpp, vLLM); OpenAI's strict mode rejects it."""
    max_answer_tokens: int = Field(default=1500, ge=50)
    """Answers longer than this are cut before sending (the feedback says so)."""
    extra_body: dict[str, Any] = Field(default_factory=dict)
    """Extra request fields for non-OpenAI servers, e.g. {"cache_prompt": false} for llama.cpp."""
    prices: dict[str, Price] = Field(default_factory=lambda: dict(DEFAULT_PRICES))
    """USD per million tokens, by model name."""
    prompts: dict[str, str] = Field(default_factory=dict)
    """Prompt versions to use, by prompt id, e.g. {"feedback": "v1"}; missing ids use their latest version."""

    @property
    def enabled(self) -> bool:
        return self.model is not None

    @property
    def endpoint(self) -> str:
        return self.base_url or OPENAI_BASE_URL

    @property
    def host(self) -> str:
        """The endpoint's host (and port): what provenance records, never the full URL or the key."""
        parts = urlsplit(self.endpoint)
        return parts.netloc.rsplit("@", 1)[-1] or self.endpoint

    @property
    def is_openai(self) -> bool:
        return self.host == "api.openai.com"

    @property
    def is_local(self) -> bool:
        """The server is on this machine or the local network (loopback, private addresses, *.local)."""
        host = urlsplit(self.endpoint).hostname or ""
        if host == "localhost" or host.endswith((".local", ".localhost", ".internal")):
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return address.is_loopback or address.is_private or address.is_link_local

    @property
    def read_timeout(self) -> float:
        """`timeout` if set, else the default for where the server is (see `timeout`)."""
        if self.timeout is not None:
            return self.timeout
        return max(180.0, self.max_tokens / 4) if self.is_local else 60.0

    def key_or_placeholder(self) -> str:
        """The key to send. Local servers usually need none; the SDK insists on a value."""
        if self.api_key is not None:
            return self.api_key.get_secret_value()
        if self.is_openai:
            raise ConfigError(
                "no API key for api.openai.com: set OPENAI_API_KEY, or give --base-url for a local server"
            )
        from .._redact import NO_KEY

        return NO_KEY


def config_path(env: Mapping[str, str] | None = None) -> Path:
    """$INTERVIEWER_CONFIG, else config.toml in the user's config folder."""
    env = os.environ if env is None else env
    if env.get("INTERVIEWER_CONFIG"):
        return Path(env["INTERVIEWER_CONFIG"]).expanduser()
    from platformdirs import user_config_path

    return user_config_path("interviewer", appauthor=False) / "config.toml"


_FROM_ENV = {"api_key": "OPENAI_API_KEY", "base_url": "OPENAI_BASE_URL", "model": "INTERVIEWER_MODEL"}
_SECRET = {"api_key"}


def _origin(
    name: str, config: ConfigFile | None, from_env: set[str], from_flags: set[str], loc: tuple[str, ...]
) -> str:
    """Where the setting `name` came from, for an error message."""
    if name in from_flags:
        return f"the --{name.replace('_', '-')} flag"
    if name in from_env:
        return f"the environment variable {_FROM_ENV[name]}"
    if config is None:
        return "the defaults"
    in_prices = name == "prices" and config.prices is not None and "prices" not in config.llm
    return config.where(*(loc if in_prices else ("llm", *loc)))


def _explain(error: ErrorDetails, config: ConfigFile | None, from_env: set[str], from_flags: set[str]) -> str:
    """One line: where the bad value came from (file and line, variable or flag), the key, what is wrong, the fix."""
    loc = tuple(str(part) for part in error["loc"])
    name, key = (loc[0] if loc else ""), ".".join(loc)
    outside = config is None or name in from_flags or name in from_env
    if error["type"] == "extra_forbidden" and len(loc) == 1:
        known = list(LLMSettings.model_fields)
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "remove it or fix its spelling"
        head, tail = f"unknown LLM setting {name!r} in [llm]", f"{hint} (known: {', '.join(known)})"
    elif error["type"] == "extra_forbidden":
        head, tail = f"unknown LLM setting {key!r}", "remove it or fix its spelling"
    elif error["type"] == "missing":
        head, tail = f"LLM setting {'.'.join(loc[:-1])!r} has no {loc[-1]!r}", "add it"
    else:
        value = "(value hidden)" if name in _SECRET else f"= {shown(error.get('input'))}"
        head = f"invalid LLM setting {key!r} {value}"
        field = LLMSettings.model_fields.get(name)
        if outside:
            fix = "change it"
        elif field is not None and len(loc) == 1:
            default = field.get_default(call_default_factory=True)
            scalar = default is None or isinstance(default, bool | int | float | str)
            fix = f"change it, or delete the line to use the default{f' ({default!r})' if scalar else ''}"
        else:
            fix = "change it (see docs/llm-grader.md, Settings)"
        tail = f"{error['msg'][:1].lower()}{error['msg'][1:]}; {fix}"
    where = _origin(name, config, from_env, from_flags, loc)
    return f"{head} from {where}: {tail}" if outside else f"{where}: {head}: {tail}"


def load_settings(
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> LLMSettings:
    """Defaults < config file < environment < flags (flags that are None are ignored).

    A wrong value is a `ConfigError` that names where it came from: the config file and
    line, the environment variable, or the flag.
    """
    env = os.environ if env is None else env
    path = config_file or config_path(env)
    config = read_config(path, required=config_file is not None or "INTERVIEWER_CONFIG" in env)
    values: dict[str, Any] = {}
    if config is not None:
        values.update(config.llm)
        if config.prices is not None:
            values["prices"] = {**DEFAULT_PRICES, **config.prices}
    from_env = {name for name, var in _FROM_ENV.items() if env.get(var)}
    values.update({name: env[_FROM_ENV[name]] for name in from_env})
    given = {k: v for k, v in (flags or {}).items() if v is not None}
    values.update(given)
    try:
        return LLMSettings.model_validate(values)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise ConfigError(_explain(first, config, from_env, set(given))) from None
