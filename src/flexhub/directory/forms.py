from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms

from flexhub.core.forms import GovukDateField, GovukForm

if TYPE_CHECKING:
    from flexhub.core.models import Organisation
    from flexhub.directory.models import StaffMember


class UploadForm(GovukForm):
    organisation: forms.ModelChoiceField[Organisation] = forms.ModelChoiceField(queryset=None, empty_label=None)
    file = forms.FileField(label="CSV file", help_text="UTF-8, with a header row")

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        if organisations.count() == 1:
            self.fields["organisation"].widget = forms.HiddenInput()
            self.initial["organisation"] = organisations.first().pk


class TupeForm(GovukForm):
    staff: forms.ModelChoiceField[StaffMember] = forms.ModelChoiceField(queryset=None, empty_label="Choose a person")
    to_supplier: forms.ModelChoiceField[Organisation] = forms.ModelChoiceField(
        queryset=None, empty_label="Choose a supplier", label="Transferring to"
    )
    transfer_date = GovukDateField(label="Transfer date")
    terms_protected = forms.BooleanField(required=False, initial=True, label="Terms and conditions protected")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, staff: Any, suppliers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff  # type: ignore[attr-defined]
        self.fields["to_supplier"].queryset = suppliers  # type: ignore[attr-defined]
