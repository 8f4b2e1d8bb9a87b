"""A programme's Gantt chart as server-rendered SVG: a bar per stage at its planned dates over a
thin bar at its baseline, slipped stages in red, waves as diamonds on their planned dates, and a
line for today. The page shows the same numbers in a table beside it."""

from __future__ import annotations

import datetime as dt
from html import escape

from flexhub.rollout.selectors import ProgrammeRow

BLUE, RED, GREEN, GREY, BLACK = "#1d70b8", "#d4351c", "#00703c", "#b1b4b6", "#0b0c0c"


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    day = first.replace(day=1)
    months = []
    while day <= last:
        months.append(day)
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return months


def gantt_svg(row: ProgrammeRow, *, today: dt.date, width: int = 900) -> str:
    """The chart, titled and described for screen readers; every mark has its own title."""
    stages, waves = row.stages, row.waves
    first = min([s.baseline_start for s in stages] + [s.planned_start for s in stages] + [row.programme.start])
    last = max(
        [s.baseline_end for s in stages] + [s.planned_end for s in stages] + [w.wave.planned_date for w in waves]
    )
    span = max((last - first).days + 1, 1)
    left, right, top, bar_h, gap = 180, 20, 40, 18, 12
    rows = len(stages) + (1 if waves else 0)
    height = top + rows * (bar_h + gap) + 30
    plot_w = width - left - right

    def x(day: dt.date) -> float:
        return left + plot_w * (day - first).days / span

    title = f"Gantt chart of {row.programme.code}: {row.programme.name}"
    parts = [
        f'<svg class="flexhub-chart flexhub-gantt" role="img" aria-labelledby="gantt-title gantt-desc" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="gantt-title">{escape(title)}</title>',
        '<desc id="gantt-desc">Planned dates of each stage over its baseline; stages planned to end later than '
        "their baseline are red. The table below gives every date.</desc>",
    ]
    for month in _months(first, last):
        mx = x(max(month, first))
        parts.append(
            f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{top - 8}" y2="{height - 30}" stroke="{GREY}" stroke-width="0.5"/>'
            f'<text x="{mx + 2:.1f}" y="{top - 12}" font-size="11">{month:%b %Y}</text>'
        )
    for i, stage in enumerate(stages):
        y = top + i * (bar_h + gap)
        slipped = stage.slippage_days > 0
        colour = GREEN if stage.completed_on else (RED if slipped else BLUE)
        state = "complete" if stage.completed_on else (f"{stage.slippage_days} days late" if slipped else "on plan")
        parts.append(
            f'<text x="{left - 8}" y="{y + bar_h - 4}" text-anchor="end" font-size="12">{escape(stage.name)}</text>'
            f'<rect x="{x(stage.baseline_start):.1f}" y="{y + bar_h - 4}" '
            f'width="{max(x(stage.baseline_end + dt.timedelta(days=1)) - x(stage.baseline_start), 1):.1f}" height="4" '
            f'fill="{GREY}"><title>{escape(stage.name)} baseline: {stage.baseline_start:%-d %b %Y} to '
            f"{stage.baseline_end:%-d %b %Y}</title></rect>"
            f'<rect class="gantt-stage" data-stage="{escape(stage.key)}" data-slipped="{str(slipped).lower()}" '
            f'x="{x(stage.planned_start):.1f}" y="{y}" '
            f'width="{max(x(stage.planned_end + dt.timedelta(days=1)) - x(stage.planned_start), 1):.1f}" '
            f'height="{bar_h - 6}" fill="{colour}"><title>{escape(stage.name)}: {stage.planned_start:%-d %b %Y} to '
            f"{stage.planned_end:%-d %b %Y}, {state}</title></rect>"
        )
    if waves:
        y = top + len(stages) * (bar_h + gap)
        parts.append(f'<text x="{left - 8}" y="{y + bar_h - 4}" text-anchor="end" font-size="12">Waves</text>')
        for wave in waves:
            cx, cy = x(wave.wave.planned_date), y + (bar_h - 6) / 2
            colour = GREEN if wave.complete else (RED if wave.slippage_days > 0 else BLUE)
            points = f"{cx:.1f},{cy - 7:.1f} {cx + 7:.1f},{cy:.1f} {cx:.1f},{cy + 7:.1f} {cx - 7:.1f},{cy:.1f}"
            parts.append(
                f'<polygon class="gantt-wave" points="{points}" fill="{colour}">'
                f"<title>Wave {wave.wave.number} ({escape(wave.wave.site)}): "
                f"{wave.wave.planned_date:%-d %b %Y}, {wave.moved} of {wave.wave.seats} seats moved</title></polygon>"
            )
    if first <= today <= last:
        tx = x(today)
        parts.append(
            f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{top - 8}" y2="{height - 24}" stroke="{BLACK}" '
            f'stroke-dasharray="4 3"/><text x="{tx:.1f}" y="{height - 10}" text-anchor="middle" font-size="11">'
            f"Today</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
