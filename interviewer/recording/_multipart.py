"""Reading a `multipart/form-data` body (a file upload), byte for byte: recordings key uploads by content."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Part", "parse_multipart"]

_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.I)
_PARAM = re.compile(r'\b(name|filename)="((?:[^"\\]|\\.)*)"', re.I)


@dataclass(frozen=True)
class Part:
    """One field of a form: its name, the file name if it is a file, and its bytes exactly as sent."""

    name: str
    filename: str | None
    data: bytes


def parse_multipart(content: bytes, content_type: str) -> list[Part] | None:
    """The parts of a multipart body, or None if it is not one (no boundary, no parts)."""
    found = _BOUNDARY.search(content_type)
    if found is None:
        return None
    delimiter = b"--" + found.group(1).encode("latin-1")
    chunks = content.split(delimiter)
    parts: list[Part] = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        head, separator, data = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not separator:
            return None
        params = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            if line.lower().startswith("content-disposition:"):
                params = {key.lower(): value for key, value in _PARAM.findall(line)}
        parts.append(Part(params.get("name", ""), params.get("filename"), data.removesuffix(b"\r\n")))
    return parts or None
