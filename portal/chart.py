"""A line chart as plain SVG geometry computed on the server (no chart library in the browser)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 720, 220, 56, 28, 12
COLOURS = ("#1971c2", "#e8590c", "#2f9e44", "#9c36b5", "#c2255c")


@dataclass
class Line:
    name: str
    points: str
    colour: str
    dots: list[tuple[float, float, str, str]]  # x, y, bucket label, value text


@dataclass
class Chart:
    width: int
    height: int
    lines: list[Line]
    x_labels: list[tuple[float, str, str]]  # x, text, text-anchor
    y_max: str
    baseline: float
    left: int
    top: int


def build_chart(labels: list[str], series: dict[str, list], fmt=str) -> Chart:
    """Scale every line into the drawing area; the y axis starts at zero (or the lowest negative value)."""
    values = [v for line in series.values() for v in line] or [0]
    top, bottom = max(max(values), 0), min(min(values), 0)
    span = Decimal(top - bottom) or Decimal(1)
    plot_w, plot_h = WIDTH - PAD_LEFT - 8, HEIGHT - PAD_BOTTOM - PAD_TOP
    step = plot_w / max(len(labels) - 1, 1)

    def y_of(value) -> float:
        return round(PAD_TOP + plot_h - float((Decimal(value) - Decimal(bottom)) / span) * plot_h, 1)

    def x_of(index: int) -> float:
        return round(PAD_LEFT + (index * step if len(labels) > 1 else plot_w / 2), 1)

    lines = []
    for number, (name, points) in enumerate(series.items()):
        coords = [(x_of(i), y_of(v)) for i, v in enumerate(points)]
        lines.append(Line(
            name or "",
            " ".join(f"{x},{y}" for x, y in coords),
            COLOURS[number % len(COLOURS)],
            [(x, y, labels[i], fmt(points[i])) for i, (x, y) in enumerate(coords)],
        ))  # fmt: skip
    every = max(1, len(labels) // 6)
    last = len(labels) - 1
    anchor = lambda i: "start" if i == 0 and last else ("end" if i == last and last else "middle")  # noqa: E731
    x_labels = [(x_of(i), label, anchor(i)) for i, label in enumerate(labels) if (i % every == 0 and last - i >= every / 2) or i == last]
    return Chart(WIDTH, HEIGHT, lines, x_labels, fmt(top), y_of(0), PAD_LEFT, PAD_TOP)
