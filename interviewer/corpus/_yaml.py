"""Read YAML files into plain data, keeping the line of every field for error messages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..exceptions import Problem

__all__ = ["LocatedData", "read_yaml"]

Loc = tuple[str | int, ...]

try:  # LibYAML is much faster and keeps line marks too.
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment,unused-ignore]
except AttributeError:  # pragma: no cover - pure-Python PyYAML build
    _Loader = yaml.SafeLoader


@dataclass(frozen=True)
class LocatedData:
    """Parsed YAML plus the 1-based line of each field path."""

    file: str
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int | None:
        """Line of `loc`, or of its closest parent that has one."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(loc[:end])
            if line is not None:
                return line
        return None

    def problem(self, loc: Loc, message: str) -> Problem:
        """A `Problem` at `loc` in this file."""
        return Problem(self.file, format_loc(loc), message, self.line_of(loc))


def format_loc(loc: Loc) -> str:
    """`('key_points', 2, 'id')` -> `key_points[2].id`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _walk(node: yaml.Node, loc: Loc) -> Iterator[tuple[Loc, int]]:
    yield loc, node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                yield from _walk(value, (*loc, str(key.value)))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _walk(item, (*loc, index))


def read_yaml(path: Path, display: str | None = None) -> LocatedData:
    """Parse `path`; raise `CorpusError`-ready `Problem`s via `YamlProblem` on failure."""
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise YamlProblem(Problem(name, "", f"is not UTF-8 text ({exc.reason}); save it as UTF-8")) from None
    except OSError as exc:
        raise YamlProblem(Problem(name, "", f"cannot be read: {exc.strerror or exc}")) from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or "invalid YAML"
        raise YamlProblem(Problem(name, "", f"is not valid YAML: {what}", line)) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(Problem(name, "", f"is not valid YAML: {exc}")) from None
    finally:
        loader.dispose()
    lines = dict(_walk(node, ())) if node is not None else {}
    return LocatedData(name, data, lines)


class YamlProblem(Exception):
    """A file could not be parsed; carries the `Problem` to report."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem
