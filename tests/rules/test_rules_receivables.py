"""What is owed on an invoice, its status, its age, and a VAT split that adds up to the penny."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from flexhub.rules.billing import (
    age_bucket,
    amount_owed,
    payment_status,
    vat_split,
)

DUE = dt.date(2024, 3, 31)


def test_owed_is_the_total_less_credit_notes_and_payments():
    assert amount_owed(D("120.00"), D("12.00"), D("50.00")) == D("58.00")
    assert amount_owed(D("120.00"), D("20.00"), D("100.00")) == D("0.00")
    assert amount_owed(D("120.00"), D("0"), D("130.00")) == D("0")  # never negative


def test_the_status_follows_payments_and_the_due_date():
    assert payment_status(owed=D("10"), paid=D("0"), due_on=DUE, today=DUE) == "open"
    assert payment_status(owed=D("10"), paid=D("5"), due_on=DUE, today=DUE) == "part paid"
    assert payment_status(owed=D("10"), paid=D("5"), due_on=DUE, today=DUE + dt.timedelta(days=1)) == "overdue"
    assert payment_status(owed=D("0"), paid=D("120"), due_on=DUE, today=DUE + dt.timedelta(days=400)) == "paid"


def test_the_age_buckets_are_thirty_days_wide():
    def late(days):
        return age_bucket(DUE, DUE + dt.timedelta(days=days))

    assert [late(d) for d in (-5, 0, 1, 30, 31, 60, 61, 90, 91, 400)] == [
        "current",
        "current",
        "1-30",
        "1-30",
        "31-60",
        "31-60",
        "61-90",
        "61-90",
        "over 90",
        "over 90",
    ]


def test_the_vat_split_puts_the_rounding_on_the_largest_part():
    # Net 33.33 + 33.33 + 33.34 = 100.00 at 17.5%: the invoice's VAT is 17.50; the parts 5.83, 5.83, 5.83
    # add to 17.49, so the largest part takes the penny.
    assert vat_split(D("17.50"), D("0.175"), [D("33.33"), D("33.33"), D("33.34")]) == [D("5.83"), D("5.83"), D("5.84")]
    assert vat_split(D("18.00"), D("0.20"), [D("100.00"), D("-10.00")]) == [D("20.00"), D("-2.00")]


@given(
    st.lists(st.integers(min_value=-(10**6), max_value=10**8).map(lambda p: D(p) / 100), min_size=1, max_size=12),
    st.sampled_from([D("0.15"), D("0.175"), D("0.20")]),
)
def test_the_vat_parts_always_add_up_to_the_invoice_vat(nets, rate):
    total = sum(nets, D(0))
    vat = (total * rate).quantize(D("0.01"), rounding="ROUND_HALF_UP")
    parts = vat_split(vat, rate, nets)
    assert sum(parts, D(0)) == vat
    assert all(
        abs(part - net * rate) <= D("0.005") * len(nets) + D("0.005") for part, net in zip(parts, nets, strict=True)
    )
