"""Server-rendered SVG line charts; every chart's numbers are also shown in a table."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

COLOURS = ("#1d70b8", "#d4351c", "#00703c", "#f47738", "#4c2c92")


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | Decimal | None]
    dashed: bool = False


def line_chart(
    title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    y_format: Callable[[float], str] = lambda v: f"{v:,.0f}",
    width: int = 720,
    height: int = 260,
    zero_based: bool = True,
) -> str:
    """An accessible SVG line chart (title and description for screen readers). Every value is
    marked with a point, so a series of one month, or one between gaps, still shows."""
    left, right, top, bottom = 90, 20, 36, 40  # the legend sits above the plot, clear of its points
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [float(v) for s in series for v in s.values if v is not None]
    top_value = max(values, default=1.0) or 1.0
    bottom_value = 0.0 if zero_based else min(values, default=0.0)
    spread = (top_value - bottom_value) or top_value
    top_value += spread * 0.05
    bottom_value = max(0.0, bottom_value - spread * 0.1) if not zero_based else 0.0
    count = max(len(x_labels), 2)

    def x(i: int) -> float:
        if len(x_labels) <= 1:  # a single month sits in the middle, not on the axis
            return left + plot_w / 2
        return left + plot_w * i / (count - 1)

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - bottom_value) / (top_value - bottom_value))

    parts = [
        f'<svg class="flexhub-chart" role="img" aria-labelledby="chart-title" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#f3f2f1"/>',
    ]
    for step in range(5):
        value = bottom_value + (top_value - bottom_value) * step / 4
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            'stroke="#b1b4b6" stroke-width="0.5"/>'
            f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="11">'
            f"{escape(y_format(value))}</text>"
        )
    every = max(1, len(x_labels) // 8)
    for i, label in enumerate(x_labels):
        if i % every == 0 and (len(x_labels) - 1 - i >= every / 2 or i == len(x_labels) - 1):
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - bottom + 16}" text-anchor="middle" font-size="11">'
                f"{escape(label)}</text>"
            )
    for index, s in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        marked = [(i, float(v)) for i, v in enumerate(s.values) if v is not None]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in marked)
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        if len(marked) > 1:
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2.5"{dash} points="{points}"/>')
        parts.extend(
            f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5" fill="{colour}">'
            f"<title>{escape(s.label)}, {escape(x_labels[i] if i < len(x_labels) else '')}: {escape(y_format(v))}"
            "</title></circle>"
            for i, v in marked
        )
        parts.append(
            f'<rect x="{left + 10 + index * 180}" y="{top - 18}" width="12" height="4" fill="{colour}"/>'
            f'<text x="{left + 26 + index * 180}" y="{top - 12}" font-size="12">{escape(s.label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
