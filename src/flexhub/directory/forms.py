from __future__ import annotations

from typing import Any

from django import forms

from flexhub.assets.models import AssetStatus, SanitisationMethod


class UploadForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=None, empty_label=None)  # type: ignore[arg-type]
    file = forms.FileField(label="CSV file", help_text="UTF-8, with a header row")

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        if organisations.count() == 1:
            self.fields["organisation"].widget = forms.HiddenInput()
            self.initial["organisation"] = organisations.first().pk


class AssetUpdateForm(forms.Form):
    status = forms.ChoiceField(choices=[(s, label) for s, label in AssetStatus.choices if s != AssetStatus.DISPOSED])
    site = forms.CharField(required=False, max_length=200)
    assigned_to = forms.ModelChoiceField(queryset=None, required=False, empty_label="Nobody", label="Assigned to")  # type: ignore[arg-type]
    note = forms.CharField(required=False, max_length=300)

    def __init__(self, *args: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = staff  # type: ignore[attr-defined]


class DisposalForm(forms.Form):
    method = forms.ChoiceField(choices=SanitisationMethod.choices, label="How the data was destroyed")
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Date of sanitisation")
    certificate_ref = forms.CharField(max_length=100, label="Certificate reference")


class TupeForm(forms.Form):
    staff = forms.ModelChoiceField(queryset=None, empty_label="Choose a person")  # type: ignore[arg-type]
    to_supplier = forms.ModelChoiceField(queryset=None, empty_label="Choose a supplier", label="Transferring to")  # type: ignore[arg-type]
    transfer_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    terms_protected = forms.BooleanField(required=False, initial=True, label="Terms and conditions protected")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, staff: Any, suppliers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff  # type: ignore[attr-defined]
        self.fields["to_supplier"].queryset = suppliers  # type: ignore[attr-defined]


class MogForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[
            ("form", "Form a new organisation from predecessors"),
            ("merge", "Merge an organisation into another"),
        ],
        widget=forms.RadioSelect,
    )
    code = forms.CharField(required=False, max_length=32, label="New organisation's code (when forming)")
    name = forms.CharField(required=False, max_length=200, label="New organisation's name (when forming)")
    into = forms.ModelChoiceField(queryset=None, required=False, label="Merge into (when merging)")  # type: ignore[arg-type]
    predecessors = forms.ModelMultipleChoiceField(
        queryset=None,
        widget=forms.CheckboxSelectMultiple,  # type: ignore[arg-type]
        label="Predecessors (or the organisation merged)",
    )
    units = forms.CharField(required=False, label="Only staff of these units (comma-separated; empty: everyone)")
    staff_emails = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Or only these people (work emails, one a line)"
    )
    contract_refs = forms.CharField(required=False, label="Only these contracts (refs, comma-separated; empty: all)")
    move_assets = forms.BooleanField(
        required=False, initial=True, label="Move assets (of the staff moving, or all when merging)"
    )
    move_contracts = forms.BooleanField(required=False, initial=True, label="Move call-off contracts")
    move_tickets = forms.BooleanField(required=False, initial=True, label="Move open tickets")
    effective = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["predecessors"].queryset = organisations  # type: ignore[attr-defined]
