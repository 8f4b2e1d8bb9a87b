"""The savings chart: the saving on IT and on desktop costs each year, as a percentage of the
baseline, beside the targets (dashed); drawn by core's server-rendered SVG line chart."""

from __future__ import annotations

from collections.abc import Sequence

from flexhub.benefits.selectors import SavingsReport
from flexhub.core.charts import Series, line_chart


def savings_chart(title: str, years: Sequence[SavingsReport]) -> str | None:
    """None with no year billed: a chart of nothing says nothing."""
    if not years:
        return None
    figures = [r.figures for r in years]
    return line_chart(
        title,
        [str(r.year) for r in years],
        [
            Series("IT saving %", [f.saving_it_percent for f in figures]),
            Series("IT target %", [f.target_it_percent for f in figures], dashed=True),
            Series("Desktop saving %", [f.saving_desktop_percent for f in figures]),
            Series("Desktop target %", [f.target_desktop_percent for f in figures], dashed=True),
        ],
        y_format=lambda v: f"{v:,.0f}%",
        zero_based=False,
    )
