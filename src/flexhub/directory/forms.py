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
        self.offer("organisation", organisations)


class TupeTermsForm(GovukForm):
    """What every TUPE transfer records, whoever is transferring: supplier, date, terms, note."""

    to_supplier: forms.ModelChoiceField[Organisation] = forms.ModelChoiceField(
        queryset=None, empty_label="Choose a supplier", label="Transferring to"
    )
    transfer_date = GovukDateField(label="Transfer date")
    terms_protected = forms.BooleanField(required=False, initial=True, label="Terms and conditions protected")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, suppliers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_supplier"].queryset = suppliers  # type: ignore[attr-defined]


class TupeForm(TupeTermsForm):
    """Several of a member's people transferring to one supplier on one date: those ticked in
    the list of people in post (the template draws the ticks as a table)."""

    field_order = ["staff"]  # who moves comes first, then the terms
    staff: forms.ModelMultipleChoiceField[StaffMember] = forms.ModelMultipleChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple, label="People to transfer"
    )

    def __init__(self, *args: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff  # type: ignore[attr-defined]


MAX_TRANSFER_UPLOAD_BYTES = 2 * 1024 * 1024  # some 60,000 emails; a longer list goes through `flexhub transfer-staff`


class TupeImportForm(TupeTermsForm):
    """The same transfer for the people a CSV of emails names (one column, `email`)."""

    field_order = ["member", "file"]  # whose people and which file come first, then the terms
    member: forms.ModelChoiceField[Organisation] = forms.ModelChoiceField(
        queryset=None, empty_label=None, label="Transferring from"
    )
    file = forms.FileField(label="CSV file", help_text="UTF-8, one column headed email, one person a row")

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offer("member", members)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_TRANSFER_UPLOAD_BYTES:
            raise forms.ValidationError(
                "The file is larger than 2 MB: transfer that many people with the flexhub transfer-staff command"
            )
        return upload
