"""The default window of a monthly report: the latest months with data, not today's."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexhub.rules.periods import Month, latest_window

TERM = (Month(2016, 4), Month(2022, 3))
TODAY = Month(2026, 12)


@pytest.mark.parametrize(
    ("with_data", "term", "today", "window"),
    [
        # A year of history long before today: that year, not the twelve months to today.
        ((Month(2016, 4), Month(2017, 3)), TERM, TODAY, (Month(2016, 4), Month(2017, 3))),
        # Two months of history: just those two, not ten empty months before them.
        ((Month(2016, 11), Month(2016, 12)), TERM, TODAY, (Month(2016, 11), Month(2016, 12))),
        # A single month: that month.
        ((Month(2016, 11), Month(2016, 11)), TERM, TODAY, (Month(2016, 11), Month(2016, 11))),
        # Years of history: the last twelve months of it.
        ((Month(2016, 4), Month(2021, 6)), TERM, TODAY, (Month(2020, 7), Month(2021, 6))),
        # No data, an ended term: its last twelve months.
        (None, TERM, TODAY, (Month(2021, 4), Month(2022, 3))),
        # No data, a running term: the twelve months to today, not before the term began.
        (None, (Month(2026, 4), Month(2030, 3)), TODAY, (Month(2026, 4), Month(2026, 12))),
        (None, (Month(2020, 1), Month(2030, 3)), TODAY, (Month(2026, 1), Month(2026, 12))),
        # No data, a term yet to start: its first month.
        (None, (Month(2027, 4), Month(2030, 3)), TODAY, (Month(2027, 4), Month(2027, 4))),
    ],
)
def test_latest_window(with_data, term, today, window):
    assert latest_window(with_data, term=term, today=today) == window


months_ = st.builds(Month, st.integers(2000, 2040), st.integers(1, 12))


@given(months_, months_, st.integers(1, 36))
def test_latest_window_ends_at_the_last_month_with_data_and_spans_at_most_span(a, b, span):
    first, last = min(a, b), max(a, b)
    start, end = latest_window((first, last), term=TERM, today=TODAY, span=span)
    assert end == last
    assert first <= start <= end
    assert end.index_from(start) < span
