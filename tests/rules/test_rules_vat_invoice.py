"""What a full UK VAT invoice needs: a valid VAT number, its dates, both parties' particulars."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flexhub.rules.billing import Party, invoice_dates, vat_invoice_problems
from flexhub.rules.periods import Month
from flexhub.rules.validation import payment_terms_problem, vat_number_problem, vat_number_text


@pytest.mark.parametrize(
    "number", ["GB999999973", "gb 999 9999 73", "GB100000187", "GB100000187001", "GBGD001", "GBHA599"]
)
def test_valid_vat_numbers(number):
    assert vat_number_problem(number) is None


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("GB999999974", "check digits"),
        ("GB12345678", "not a UK VAT number"),
        ("FR12345678901", "not a UK VAT number"),
        ("GBGD999", "not a UK VAT number"),  # government departments are GD000 to GD499
        ("=1+1", "not a UK VAT number"),
    ],
)
def test_invalid_vat_numbers_say_why(number, why):
    assert why in vat_number_problem(number)


def test_a_vat_number_is_stored_without_spaces_in_capitals():
    assert vat_number_text(" gb 999.9999.73 ") == "GB999999973"


@given(st.integers(min_value=0, max_value=9_999_999))
def test_only_the_two_check_digit_residues_make_a_number_valid(seven):
    """HMRC's check (mod 97, or mod 97 after adding 55) leaves two residues of the last two digits:
    two to four endings of a hundred pass, the rest fail."""
    digits = f"{seven:07d}"
    valid = [n for n in range(100) if vat_number_problem(f"GB{digits}{n:02d}") is None]
    assert 2 <= len(valid) <= 4


def test_payment_terms_run_from_none_to_a_year():
    assert payment_terms_problem(0) is None and payment_terms_problem(365) is None
    assert "0 to 365" in payment_terms_problem(366)
    assert "0 to 365" in payment_terms_problem(-1)


def test_the_tax_point_is_the_last_day_of_the_month_billed_and_due_follows_issue():
    dates = invoice_dates(Month(2024, 2), dt.date(2024, 3, 4), 30)
    assert dates.tax_point == dt.date(2024, 2, 29)
    assert dates.issued_on == dt.date(2024, 3, 4)
    assert dates.due_on == dt.date(2024, 4, 3)


def test_what_stops_issuing_is_named_party_by_party():
    supplier = Party("FJ", "Fujitsu Services", "", "")
    customers = [Party("CO", "Cabinet Office", "70 Whitehall"), Party("ONS", "Office for National Statistics", " ")]
    assert vat_invoice_problems(supplier, customers) == [
        "the postal address of Fujitsu Services (FJ), who invoices",
        "the VAT registration number of Fujitsu Services (FJ), who invoices",
        "the postal address of Office for National Statistics (ONS), invoiced",
    ]
    assert "name who invoices" in vat_invoice_problems(None, customers)[0]
    complete = Party("FJ", "Fujitsu Services", "22 Baker Street", "GB200000179")
    assert vat_invoice_problems(complete, customers[:1]) == []
