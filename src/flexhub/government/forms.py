"""The form that plans a machinery-of-government change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms

from flexhub.core.forms import GovukDateField, GovukForm

if TYPE_CHECKING:
    from flexhub.core.models import Organisation


class MogForm(GovukForm):
    kind = forms.ChoiceField(
        choices=[
            ("form", "Form a new organisation from predecessors"),
            ("merge", "Merge an organisation into another"),
        ],
        widget=forms.RadioSelect,
    )
    code = forms.CharField(required=False, max_length=32, label="New organisation's code (when forming)")
    name = forms.CharField(required=False, max_length=200, label="New organisation's name (when forming)")
    into: forms.ModelChoiceField[Organisation] = forms.ModelChoiceField(
        queryset=None, required=False, label="Merge into (when merging)"
    )
    predecessors: forms.ModelMultipleChoiceField[Organisation] = forms.ModelMultipleChoiceField(
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
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
    effective = GovukDateField(
        label="Effective date", help_text="The day the change took effect, for example 28 6 2007"
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["predecessors"].queryset = organisations  # type: ignore[attr-defined]
