"""Read YAML files into plain data, keeping the line of every field for error messages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from ..exceptions import Problem

__all__ = ["LocatedData", "YamlProblem", "parse_yaml", "read_yaml"]

Loc = tuple[str | int, ...]

MAX_DEPTH = 50
"""Deepest nesting of lists and mappings a data file may have (ours need about 6)."""

try:  # LibYAML's parser is much faster and keeps line marks too.
    from yaml._yaml import CParser

    class _Base(Composer, CParser, SafeConstructor, Resolver):
        """LibYAML's parser under PyYAML's composer, so that every node can be checked before it is built."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            Composer.__init__(self)

except ImportError:  # pragma: no cover - pure-Python PyYAML build
    _Base = yaml.SafeLoader  # type: ignore[misc,assignment]


class _Refused(Exception):
    """Valid YAML that our data files do not allow."""

    def __init__(self, mark: Any, message: str) -> None:
        super().__init__(message)
        self.line: int | None = mark.line + 1 if mark is not None else None
        self.message = message


_NO_ANCHORS = "anchors and aliases are not allowed here: write the value out"
_MERGE_TAG = "tag:yaml.org,2002:merge"


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag


class _StrictLoader(_Base):
    """Safe YAML without anchors, aliases, tags, duplicate keys or deep nesting.

    Anchors and aliases are refused as they are met, before anything is composed, so a
    few hundred bytes cannot expand into gigabytes (billion laughs); nobody needs them in
    a corpus, rubric or dataset file. A duplicate key is an error, not a silent overwrite.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event: Any = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(event.start_mark, f"uses a YAML alias (*{event.anchor}); {_NO_ANCHORS}")
        if event.anchor is not None:
            raise _Refused(event.start_mark, f"uses a YAML anchor (&{event.anchor}); {_NO_ANCHORS}")
        if event.tag not in (None, "!"):
            raise _Refused(event.start_mark, f"uses a YAML tag ({_short_tag(event.tag)}); write a plain value")
        if not isinstance(event, yaml.CollectionStartEvent):
            return super().compose_node(parent, index)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(event.start_mark, f"is nested more than {MAX_DEPTH} levels deep; flatten it")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:  # `<<:` copies another mapping in: a way to hide a duplicate key
                raise _Refused(key_node.start_mark, "merge keys (<<) are not allowed here: write the keys out")
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key = self.construct_object(key_node)
            if key in seen:
                raise _Refused(key_node.start_mark, f"duplicate key {key!r} (also on line {seen[key]}); keep one")
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as exc:  # a 5,000-digit number, a 13th month
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise _Refused(node.start_mark, f"cannot read this value ({detail}); quote it to keep it as text") from None


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
    """`('key_points', 2, 'id')` -> `key_points[2].id`; a key with odd characters is quoted, so it stays one line."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = str(part) if str(part).isprintable() and str(part) else repr(str(part))
            out += f".{text}" if out else text
    return out


def _bad_character(name: str, text: str, character: object) -> Problem:
    if not isinstance(character, int):
        return Problem(name, "", "holds a character YAML does not allow; remove it")
    index = text.find(chr(character))
    line = text.count("\n", 0, index) + 1 if index >= 0 else None
    return Problem(name, "", f"holds the character U+{character:04X}, which YAML does not allow; remove it", line)


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
    return parse_yaml(text, name)


def parse_yaml(text: str, name: str) -> LocatedData:
    """Parse YAML text (from the file `name`) with the strict loader; raise `YamlProblem` on failure.

    For every YAML file the library reads: no anchors, aliases, tags or duplicate keys.
    """
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except _Refused as exc:
        raise YamlProblem(Problem(name, "", exc.message, exc.line)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or "invalid YAML"
        raise YamlProblem(Problem(name, "", f"is not valid YAML: {what}", line)) from None
    except yaml.reader.ReaderError as exc:  # a NUL or other control character
        raise YamlProblem(_bad_character(name, text, exc.character)) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(Problem(name, "", f"is not valid YAML: {str(exc).splitlines()[0]}")) from None
    finally:
        loader.dispose()
    lines = dict(_walk(node, ())) if node is not None else {}
    return LocatedData(name, data, lines)


class YamlProblem(Exception):
    """A file could not be parsed; carries the `Problem` to report."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem
