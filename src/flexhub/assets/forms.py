"""Forms of the asset register: a change of status, site or holder, and a disposal record."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms

from flexhub.assets.models import AssetStatus, SanitisationMethod
from flexhub.core.forms import GovukDateField, GovukForm

if TYPE_CHECKING:
    from flexhub.directory.models import StaffMember


class AssetUpdateForm(GovukForm):
    status = forms.ChoiceField(choices=[(s, label) for s, label in AssetStatus.choices if s != AssetStatus.DISPOSED])
    site = forms.CharField(required=False, max_length=200)
    assigned_to: forms.ModelChoiceField[StaffMember] = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="Nobody", label="Assigned to"
    )
    note = forms.CharField(required=False, max_length=300)

    def __init__(self, *args: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = staff  # type: ignore[attr-defined]


class DisposalForm(GovukForm):
    method = forms.ChoiceField(choices=SanitisationMethod.choices, label="How the data was destroyed")
    date = GovukDateField(label="Date of sanitisation")
    certificate_ref = forms.CharField(max_length=100, label="Certificate reference")
