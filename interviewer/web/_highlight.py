"""The candidate's answer cut into plain and evidence pieces, so a template marks the evidence.

Only positions are computed here: the template escapes every piece (autoescape), and wraps
evidence pieces in `<mark>`; no markup is ever built from the answer's text.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from ..graders.llm._checks import QuoteFinder
from ..models import Feedback

__all__ = ["Piece", "highlight"]


@dataclass(frozen=True)
class Piece:
    text: str
    evidence_for: tuple[str, ...] = ()
    """Labels of the key points this piece is evidence for; empty for plain text."""


def highlight(answer: str, feedback: Feedback | None) -> list[Piece]:
    """`answer` in pieces, the quotes that back key points marked with the points' labels."""
    if feedback is None or not answer:
        return [Piece(answer)]
    finder = QuoteFinder(answer)
    spans: list[tuple[int, int, str]] = []
    for point in feedback.key_points:
        if not point.evidence:
            continue
        found = finder.find(point.evidence)
        if not found:
            continue
        start = answer.find(found)
        if start >= 0:
            spans.append((start, start + len(found), point.label))
    if not spans:
        return [Piece(answer)]
    cuts = sorted({0, len(answer), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    pieces: list[Piece] = []
    for start, end in itertools.pairwise(cuts):
        labels = tuple(label for s, e, label in spans if s <= start and end <= e)
        if pieces and pieces[-1].evidence_for == labels:
            pieces[-1] = Piece(pieces[-1].text + answer[start:end], labels)
        else:
            pieces.append(Piece(answer[start:end], labels))
    return _trimmed(pieces)


def _trimmed(pieces: list[Piece]) -> list[Piece]:
    """Spaces and line breaks at the ends of a marked piece left unmarked (a quote spanning paragraphs)."""
    out: list[Piece] = []
    for piece in pieces:
        core = piece.text.strip()
        if not piece.evidence_for or core == piece.text:
            parts = [piece]
        elif not core:
            parts = [Piece(piece.text)]
        else:
            lead = piece.text[: len(piece.text) - len(piece.text.lstrip())]
            trail = piece.text[len(piece.text.rstrip()) :]
            parts = [Piece(lead), Piece(core, piece.evidence_for), Piece(trail)]
        for part in parts:
            if not part.text:
                continue
            if out and not out[-1].evidence_for and not part.evidence_for:
                out[-1] = Piece(out[-1].text + part.text)
            else:
                out.append(part)
    return out
