"""The opt-in local models: found, joined once, checked against a pinned SHA-256, or a clear line."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from interviewer.exceptions import UsageError
from interviewer.testing import _models
from interviewer.testing._models import QWEN, local_model


def _fake_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunks: list[bytes]) -> None:
    folder = tmp_path / "site-packages"
    folder.mkdir()
    paths = []
    for index, chunk in enumerate(chunks, start=1):
        path = folder / f"part{index:02d}.bin"
        path.write_bytes(chunk)
        paths.append(path)
    monkeypatch.setattr(_models, "_QWEN_PARTS", len(chunks))
    monkeypatch.setattr(_models, "_part_path", lambda index: paths[index - 1] if index <= len(paths) else None)
    monkeypatch.setattr(_models, "models_cache", lambda: tmp_path / "cache")


def test_parts_are_joined_once_and_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chunks = [b"GGUF" + b"a" * 100, b"b" * 50, b"c" * 7]
    whole = b"".join(chunks)
    _fake_parts(tmp_path, monkeypatch, chunks)
    monkeypatch.setattr(_models, "_QWEN_SHA256", hashlib.sha256(whole).hexdigest())
    monkeypatch.setattr(_models, "_QWEN_SIZE", len(whole))
    said: list[str] = []
    path = QWEN.path(echo=said.append)
    assert path == tmp_path / "cache" / QWEN.file_name and path.read_bytes() == whole
    assert any("SHA-256" in line for line in said)
    monkeypatch.setattr(_models, "_part_path", lambda index: None)  # the parts may go: the joined file stays
    assert QWEN.path(echo=said.append) == path


def test_a_joined_file_that_does_not_match_the_pin_is_deleted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_parts(tmp_path, monkeypatch, [b"GGUF tampered"])
    with pytest.raises(UsageError, match=r"SHA-256 .* not the pinned .*reinstall"):
        QWEN.path(echo=lambda _line: None)
    assert not list((tmp_path / "cache").glob("*"))  # neither the file nor a partial one is left


def test_missing_parts_say_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_models, "_part_path", lambda index: None)
    monkeypatch.setattr(_models, "models_cache", lambda: tmp_path / "cache")
    with pytest.raises(UsageError, match=r"22 of 22 parts missing.*local-server --model qwen2\.5-1\.5b"):
        QWEN.path()


def test_unknown_local_model_lists_the_known_ones() -> None:
    with pytest.raises(UsageError, match=r"choose one of: smollm2, qwen2\.5-1\.5b"):
        local_model("llama-70b")
