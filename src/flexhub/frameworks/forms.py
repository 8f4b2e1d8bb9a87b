"""Forms for the catalogue, contracts, deliveries and seat changes."""

from __future__ import annotations

from typing import Any

from django import forms

from flexhub.core.forms import GovukDateField, GovukForm
from flexhub.core.models import Organisation, Region
from flexhub.frameworks.models import Category, Classification, PricingModel, Service, Unit


class ServiceForm(GovukForm):
    code = forms.CharField(max_length=32)
    name = forms.CharField(max_length=200)
    category = forms.ChoiceField(choices=Category.choices)
    unit = forms.ChoiceField(choices=Unit.choices)
    classification = forms.ChoiceField(choices=Classification.choices)
    pricing_model = forms.ChoiceField(choices=PricingModel.choices, label="Pricing")
    ratchet = forms.BooleanField(
        required=False,
        help_text="Pooled prices never rise again once a lower band has been reached",
    )
    bands = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One band a line: the framework-wide quantity it starts from, then the price. "
        "For a flat price, one line: 0 6.50",
    )

    def clean_bands(self) -> list[tuple[int, str]]:
        result = []
        for number, raw in enumerate(self.cleaned_data["bands"].splitlines(), start=1):
            parts = raw.replace(",", " ").split()
            if not parts:
                continue
            if len(parts) != 2 or not parts[0].isdigit():
                raise forms.ValidationError(
                    f"Line {number}: write the starting quantity and the price, like 5000 89.00"
                )
            result.append((int(parts[0]), parts[1].lstrip("£")))
        if not result:
            raise forms.ValidationError("Enter at least one band")
        return result


class ContractForm(GovukForm):
    """A call-off to sign; one quantity field per recurring service of the framework."""

    ref = forms.CharField(max_length=64, label="Contract reference")
    member: forms.ModelChoiceField[Organisation] = forms.ModelChoiceField(queryset=None, empty_label="Choose a member")
    signed = GovukDateField(label="Date signed")
    start = GovukDateField(label="Start date")
    end = GovukDateField(label="End date")

    def __init__(self, *args: Any, members: Any, services: list[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        member_field: Any = self.fields["member"]
        member_field.queryset = members
        self.service_fields = []
        for service in services:
            name = f"qty_{service.code}"
            self.fields[name] = forms.IntegerField(
                required=False,
                min_value=0,
                label=f"{service.name} ({service.code})",
                help_text=f"Quantity {service.get_unit_display()}; leave empty for no line",
            )
            self.service_fields.append((name, service.code))

    def lines(self) -> list[tuple[str, int]]:
        return [
            (code, self.cleaned_data[name])
            for name, code in self.service_fields
            if self.cleaned_data.get(name) is not None
        ]


class SeatChangeForm(GovukForm):
    service: forms.ModelChoiceField[Service] = forms.ModelChoiceField(queryset=None, empty_label="Choose a service")
    effective = GovukDateField(label="Effective date")
    quantity = forms.IntegerField(min_value=0, label="New quantity")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, services: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["service"]
        field.queryset = services


class DeliveryForm(GovukForm):
    service: forms.ModelChoiceField[Service] = forms.ModelChoiceField(queryset=None, empty_label="Choose a service")
    date = GovukDateField(label="Date delivered")
    quantity = forms.DecimalField(min_value=0, max_digits=14, decimal_places=2)

    def __init__(self, *args: Any, services: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["service"]
        field.queryset = services


class ChangeForm(GovukForm):
    service: forms.ModelChoiceField[Service] = forms.ModelChoiceField(queryset=None, empty_label="Choose a service")
    effective = GovukDateField(label="Effective date")
    quantity = forms.IntegerField(min_value=0, label="New quantity", help_text="0 stops the line")
    reason = forms.CharField(required=False)

    def __init__(self, *args: Any, services: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["service"]
        field.queryset = services


class DecisionForm(GovukForm):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class OrganisationOnboardForm(GovukForm):
    """An authority onboards a body (a new member, supplier or integrator) into one of its frameworks."""

    code = forms.CharField(max_length=32, help_text="A short code, such as HO")
    name = forms.CharField(max_length=200)
    roles = forms.MultipleChoiceField(
        choices=[("member", "Member"), ("supplier", "Supplier"), ("integrator", "Integrator")],
        widget=forms.CheckboxSelectMultiple,
    )
    region = forms.ChoiceField(choices=Region.choices, help_text="The bank-holiday calendar of its service desk clock")
    framework: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, empty_label=None, help_text="The framework it joins"
    )

    def __init__(self, *args: Any, frameworks: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["framework"]
        field.queryset = frameworks


class PurchaseOrderForm(GovukForm):
    po_number = forms.CharField(
        label="Purchase-order number",
        max_length=64,
        required=False,
        help_text="The member's purchase order; it is printed on every invoice for this contract",
    )


class InvoicingForm(GovukForm):
    payment_terms_days = forms.IntegerField(
        label="Payment terms (days)",
        min_value=0,
        max_value=365,
        help_text="From an invoice's issue date to its due date",
    )
    invoiced_by: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Who invoices the members",
        empty_label="The sole supplier",
        help_text="Their name, address and VAT number go on every invoice",
    )

    def __init__(self, *args: Any, parties: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["invoiced_by"].queryset = parties  # type: ignore[attr-defined]
