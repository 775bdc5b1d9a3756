"""Geometry of the progress chart (an SVG drawn by the template): one line per competency over sessions."""

from __future__ import annotations

from dataclasses import dataclass

from ..interview import Progress

__all__ = ["Chart", "Line", "chart"]

WIDTH, HEIGHT, PAD = 320, 160, 24
COLOURS = ("#1f6feb", "#d4380d", "#389e0d", "#9254de", "#d48806", "#08979c", "#c41d7f", "#595959")


@dataclass(frozen=True)
class Line:
    label: str
    colour: str
    points: str
    """SVG polyline points, "x,y x,y"."""
    dots: list[tuple[float, float, str]]
    """(x, y, title) for each session."""


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    pad: int
    lines: list[Line]
    sessions: list[str]
    """Session ids along the x axis, oldest first."""
    grid: list[tuple[float, int]]
    """(y, score) of the horizontal lines 0-5."""


def chart(progress: Progress) -> Chart:
    ids = sorted(
        {p.session_id for c in progress.competencies for p in c.points},
        key=lambda i: min(p.at for c in progress.competencies for p in c.points if p.session_id == i),
    )
    step = (WIDTH - 2 * PAD) / max(len(ids) - 1, 1)
    x_of = {sid: PAD + i * step for i, sid in enumerate(ids)}

    def y(score: float) -> float:
        return round(HEIGHT - PAD - score * (HEIGHT - 2 * PAD) / 5, 1)

    lines = []
    for i, comp in enumerate(c for c in progress.competencies if c.points):
        dots = [
            (round(x_of[p.session_id], 1), y(p.mean_score), f"{comp.label}: {p.mean_score:.1f} on {p.at:%Y-%m-%d}")
            for p in comp.points
        ]
        lines.append(Line(comp.label, COLOURS[i % len(COLOURS)], " ".join(f"{x},{yy}" for x, yy, _ in dots), dots))
    return Chart(WIDTH, HEIGHT, PAD, lines, ids, [(y(s), s) for s in range(6)])
