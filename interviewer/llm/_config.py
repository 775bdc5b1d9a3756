"""Read the TOML config file: check its shape, and find the line of a key for error messages."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..exceptions import ConfigError

__all__ = ["ConfigFile", "line_of", "read_config", "shown"]

SECTIONS = ("llm", "prices")


@dataclass(frozen=True)
class ConfigFile:
    """A parsed config file: its `[llm]` settings, its `[prices]` table and its text (for line numbers)."""

    path: Path
    llm: dict[str, Any]
    prices: dict[str, Any] | None
    text: str = ""

    def where(self, *key: str) -> str:
        """`config file PATH:LINE` for a key path such as ('llm', 'temperature'); no line if it is not found."""
        return _where(self.path, self.text, key)


def _where(path: Path, text: str, key: tuple[str, ...]) -> str:
    line = line_of(text, key)
    return f"config file {path}" + (f":{line}" if line is not None else "")


def _split_key(text: str) -> list[str] | None:
    """`a."b.c".d` -> ['a', 'b.c', 'd']; None for what is not a TOML key."""
    parts: list[str] = []
    current = ""
    quote = ""
    for char in text.strip():
        if quote:
            if char == quote:
                quote = ""
            else:
                current += char
        elif char in "\"'":
            quote = char
        elif char == ".":
            parts.append(current.strip())
            current = ""
        else:
            current += char
    if quote:
        return None
    parts.append(current.strip())
    return parts if all(parts) else None


def line_of(text: str, key: tuple[str, ...]) -> int | None:
    """The 1-based line that sets `key`, or the table or inline table that holds it.

    tomllib keeps no positions, so this is a plain scan of table headers and `key =` lines;
    a line inside a multi-line string may fool it, which costs only a less precise line.
    """
    table: list[str] = []
    best_line, best_depth = None, 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("["):
            header = _split_key(line.strip("[]").split("]")[0]) if "]" in line else None
            if header is None:
                continue
            table = header
            full = header
        elif "=" in line and not line.startswith("#"):
            name = _split_key(line.split("=", 1)[0])
            if name is None:
                continue
            full = table + name
        else:
            continue
        depth = 0
        while depth < min(len(full), len(key)) and full[depth] == key[depth]:
            depth += 1
        if depth == min(len(full), len(key)) and depth > best_depth:
            best_line, best_depth = number, depth
    return best_line


def shown(value: Any) -> str:
    """A value as an error message quotes it: its repr, cut to 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def read_config(path: Path, required: bool) -> ConfigFile | None:
    """The config file at `path`, or None if there is none and none was asked for."""
    if not path.exists():
        if required:
            raise ConfigError(f"config file {path} does not exist")
        return None
    if not path.is_file():
        raise ConfigError(f"config file {path} is not a file; give the path of a .toml file")
    try:
        text = path.read_text(encoding="utf-8-sig")  # Notepad's byte-order mark is not an error
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config file {path} is not UTF-8 text ({exc.reason}); save it as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    for section in data:
        if section not in SECTIONS:
            where = _where(path, text, (section,))
            raise ConfigError(f"{where}: unknown section [{section}]; use [llm] and [prices]")
    llm = data.get("llm", {})
    if not isinstance(llm, dict):
        raise ConfigError(
            f"{_where(path, text, ('llm',))}: llm = {shown(llm)}: [llm] must be a table of settings: "
            'write [llm] on a line of its own and the settings under it, such as model = "gpt-4o-mini"'
        )
    prices = data.get("prices")
    if prices is not None and not isinstance(prices, dict):
        raise ConfigError(
            f"{_where(path, text, ('prices',))}: prices = {shown(prices)}: [prices] must be a table, "
            'one entry per model, such as [prices."gpt-4o-mini"] with input = 0.15 and output = 0.6'
        )
    return ConfigFile(path, llm, prices, text)
