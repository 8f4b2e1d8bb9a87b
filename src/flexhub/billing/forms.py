from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms

from flexhub.core.forms import GovukDateField, GovukForm
from flexhub.rules.periods import Month

if TYPE_CHECKING:
    from flexhub.frameworks.models import Framework


class MonthField(forms.CharField):
    """A month written YYYY-MM."""

    def to_python(self, value: Any) -> Month | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return Month.parse(text.strip())
        except ValueError as exc:
            raise forms.ValidationError("Enter the month as YYYY-MM, for example 2008-07") from exc


class RunForm(GovukForm):
    period = MonthField(label="Month to bill", help_text="YYYY-MM, for example 2008-07")


class CreditNoteForm(GovukForm):
    net = forms.DecimalField(
        label="Amount to credit (before VAT)",
        required=False,
        min_value=0,
        decimal_places=2,
        help_text="Leave empty to credit the whole remaining amount",
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))


class WhatIfForm(GovukForm):
    framework: forms.ModelChoiceField[Framework] = forms.ModelChoiceField(queryset=None, empty_label=None)
    period = MonthField(label="Month", help_text="YYYY-MM")
    joiners = forms.CharField(
        label="Bodies joining",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One a line: name=seats, for example Home Office=20000",
    )

    def __init__(self, *args: Any, frameworks: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["framework"]
        field.queryset = frameworks


class PaymentForm(GovukForm):
    received_on = GovukDateField(label="Date received")
    amount = forms.DecimalField(label="Amount received (£)", min_value=0, decimal_places=2, max_digits=16)
    reference = forms.CharField(
        max_length=100, help_text="As on the remittance advice or the bank statement, so it can be matched"
    )
