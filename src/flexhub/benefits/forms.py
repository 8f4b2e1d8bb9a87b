"""Benefits' forms: a member's baseline, a framework's targets, a factors file."""

from __future__ import annotations

from typing import Any

from django import forms

from flexhub.assets.models import DeviceModel
from flexhub.benefits.models import SEAT_KINDS
from flexhub.core.forms import GovukForm
from flexhub.frameworks.models import Framework


class BaselineForm(GovukForm):
    framework = forms.ModelChoiceField(queryset=Framework.objects.none(), to_field_name="code")
    year = forms.IntegerField(min_value=1990, max_value=2100, help_text="The year the costs are from")
    annual_it_cost = forms.DecimalField(
        label="Annual IT cost before joining (£)", min_value=0, max_digits=16, decimal_places=2
    )
    annual_desktop_cost = forms.DecimalField(
        label="Annual desktop cost before joining (£)", min_value=0, max_digits=16, decimal_places=2
    )
    annual_saving_target = forms.DecimalField(
        label="Your own annual saving target (£, optional)",
        required=False,
        min_value=0,
        max_digits=16,
        decimal_places=2,
    )
    baseline_device = forms.ModelChoiceField(
        label="The device each seat had before (for the carbon report)",
        queryset=DeviceModel.objects.filter(kind__in=SEAT_KINDS),
        required=False,
    )

    def __init__(self, *args: Any, frameworks: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if frameworks is None:
            del self.fields["framework"]
        else:
            self.fields["framework"].queryset = frameworks  # type: ignore[attr-defined]


class TargetsForm(GovukForm):
    it_percent = forms.DecimalField(
        label="Saving target on IT cost, in per cent", min_value=0, max_value=100, decimal_places=2
    )
    desktop_percent = forms.DecimalField(
        label="Saving target on desktop cost, in per cent", min_value=0, max_value=100, decimal_places=2
    )


class FactorsUploadForm(GovukForm):
    file = forms.FileField(label="Factors file (CSV: year,kg_co2e_per_kwh,source)")


class UsageProfileForm(GovukForm):
    hours_on = forms.DecimalField(label="Hours on a year", min_value=0, max_value=8760, decimal_places=1)
    hours_sleep = forms.DecimalField(label="Hours asleep a year", min_value=0, max_value=8760, decimal_places=1)


class DataCentreShareForm(GovukForm):
    watts_per_seat = forms.DecimalField(
        label="Watts a seat, averaged over the year", min_value=0, max_digits=7, decimal_places=2
    )
    pue = forms.DecimalField(label="Power usage effectiveness (PUE)", min_value=1, max_digits=4, decimal_places=2)
