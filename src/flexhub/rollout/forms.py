"""Rollout forms: starting a programme from a template, re-planning a stage, working through its
checklist and completing it."""

from __future__ import annotations

from typing import Any

from django import forms

from flexhub.core.forms import GovukDateField, GovukForm
from flexhub.frameworks.models import CallOffContract, Service


class ProgrammeStartForm(GovukForm):
    code = forms.CharField(max_length=40, label="Programme code", help_text="For example DESKTOP-2008")
    name = forms.CharField(max_length=200, label="Programme name")
    start = GovukDateField(label="Start date")
    sites = forms.MultipleChoiceField(
        label="Sites to move",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="From your staff directory; one wave per site, each of the people in post there",
    )
    contract: forms.ModelChoiceField[CallOffContract] = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="No contract", label="Contract the seats move to"
    )
    service: forms.ModelChoiceField[Service] = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="No service", label="The seat's service"
    )

    def __init__(self, *args: Any, sites: dict[str, int], contracts: Any, services: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["sites"]
        field.choices = [(site, f"{site} ({people} in post)") for site, people in sites.items()]
        self.fields["contract"].queryset = contracts  # type: ignore[attr-defined]
        self.fields["service"].queryset = services  # type: ignore[attr-defined]


class StageReplanForm(GovukForm):
    duration_days = forms.IntegerField(min_value=1, max_value=3650, label="Duration in days")
    not_before = GovukDateField(label="Cannot start before", required=False)
    reason = forms.CharField(max_length=300, required=False, label="Why the plan changes")


class StageCompleteForm(GovukForm):
    """A stage's checklist, to save as far as it has got or to mark the stage complete (on a
    date, every item checked); the date is asked for only to complete."""

    checked = forms.MultipleChoiceField(
        label="Checklist", widget=forms.CheckboxSelectMultiple, required=False, help_text="Check the items done"
    )
    completed_on = GovukDateField(label="Date completed")

    def __init__(self, *args: Any, checklist: list[str], completing: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["checked"]
        field.choices = [(item, item) for item in checklist]
        if not checklist:
            del self.fields["checked"]
        self.fields["completed_on"].required = completing
