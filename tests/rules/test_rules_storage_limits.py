"""What the database will hold, decided by pure rules the checks share (issue 13)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from flexhub.rules.validation import (
    code_problem,
    contract_problems,
    date_range_problem,
    digits_problem,
    framework_term_problems,
    text_problem,
    whole_number_problem,
)


def test_text_is_refused_for_a_nul_or_for_passing_its_column():
    assert text_problem("Cabinet Office", max_length=200) is None
    assert text_problem("x" * 200, max_length=200) is None
    assert text_problem("x" * 201, max_length=200) == "at most 200 characters, got 201"
    assert "NUL" in text_problem("a\x00b")
    assert text_problem("any length " * 1000) is None  # a text column has no limit, only the NUL


@pytest.mark.parametrize(
    ("value", "max_digits", "places", "refused"),
    [
        ("99999999999999.99", 16, 2, False),
        ("100000000000000.00", 16, 2, True),
        ("-12.50", 14, 2, False),
        ("Infinity", 14, 2, True),
        ("NaN", 14, 2, True),
        ("1E+300", 14, 2, True),
    ],
)
def test_a_decimal_must_fit_its_column(value, max_digits, places, refused):
    assert (digits_problem(Decimal(value), max_digits=max_digits, places=places) is not None) is refused


def test_a_whole_number_must_fit_its_column_without_a_four_thousand_digit_message():
    assert whole_number_problem(2147483647, maximum=2147483647) is None
    assert "too large" in whole_number_problem(2147483648, maximum=2147483647)
    assert len(whole_number_problem(10**4000, maximum=2147483647)) < 80


def test_dates_far_outside_any_framework_are_refused_by_the_shared_rules():
    assert date_range_problem(dt.date(2024, 3, 1)) is None
    assert date_range_problem(dt.date(1, 1, 1)) is not None
    assert date_range_problem(dt.date(9999, 12, 31)) is not None
    assert [p.where for p in framework_term_problems(dt.date(2020, 1, 1), dt.date(9999, 12, 31))] == ["end"]
    problems = contract_problems(
        framework_term=(dt.date(2020, 1, 1), dt.date(2025, 1, 1)),
        signed=dt.date(1, 1, 1),
        start=dt.date(2020, 1, 1),
        end=dt.date(2021, 1, 1),
        lines=[],
        changes=[],
        units={},
    )
    assert [p.where for p in problems] == ["signed"]


@pytest.mark.parametrize("code", ["=1+1", "+CMD", "@SUM(A1)", "a b", "x\x00", "é"])
def test_a_code_cannot_be_a_formula_or_carry_odd_characters(code):
    assert code_problem(code) is not None
