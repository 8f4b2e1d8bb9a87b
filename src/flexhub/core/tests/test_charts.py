"""Server-rendered line charts: every value is drawn as a point, so one month still shows."""

from __future__ import annotations

import re

from flexhub.core.charts import Series, line_chart


def points(svg: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"', svg)]


def test_a_series_of_one_month_is_a_point_in_the_middle():
    svg = line_chart("One month", ["2016-11"], [Series("CSC", [80.0])], y_format=lambda v: f"{v:.0f}%")
    # The plot runs from x=90 to x=700; the one month sits half way, not on the axis.
    assert points(svg) == [(395.0, points(svg)[0][1])]
    assert "<polyline" not in svg
    assert "<title>CSC, 2016-11: 80%</title>" in svg


def test_every_value_is_marked_and_gaps_are_skipped():
    svg = line_chart(
        "Three months", ["2016-04", "2016-05", "2016-06"], [Series("CSC", [50, None, 100]), Series("NETCO", [None] * 3)]
    )
    assert [x for x, _ in points(svg)] == [90.0, 700.0]
    low, high = (y for _, y in points(svg))
    assert high < low  # 100 drawn above 50
    assert svg.count("<polyline") == 1
