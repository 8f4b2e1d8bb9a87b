"""Forms of the assurance pages: a decision on an exposure, a classification, allowed countries."""

from __future__ import annotations

from typing import Any

from django import forms

from flexhub.assurance.models import Outcome
from flexhub.core.forms import GovukDateField, GovukForm
from flexhub.frameworks.models import Classification


class DecisionForm(GovukForm):
    exposure = forms.ChoiceField(label="Exposure", help_text="Your data in a service, and the law that can reach it")
    outcome = forms.ChoiceField(choices=Outcome.choices, widget=forms.RadioSelect, label="Decision")
    mitigations = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
        help_text="For an acceptance with mitigations: one mitigation a line",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
        help_text="Who was heard, what was weighed and why you decided so",
    )
    review_date = GovukDateField(label="Review date", required=False, help_text="When to look at it again")

    def __init__(self, *args: Any, exposures: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["exposure"].choices = exposures  # type: ignore[attr-defined]

    def mitigation_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("mitigations", "").splitlines() if line.strip()]


class ClassificationForm(GovukForm):
    service = forms.ChoiceField(label="Service")
    classification = forms.ChoiceField(choices=Classification.choices, widget=forms.RadioSelect)
    sensitive = forms.BooleanField(
        required=False, label="OFFICIAL-SENSITIVE", help_text="The handling caveat on some OFFICIAL information"
    )

    def __init__(self, *args: Any, services: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = services  # type: ignore[attr-defined]


class AllowedCountriesForm(GovukForm):
    framework = forms.ChoiceField(label="Framework")
    allowed_countries = forms.CharField(
        required=False,
        max_length=500,
        label="Countries your data may be held or processed in",
        help_text="Country codes separated by commas, such as GB; leave empty for no limit",
    )

    def __init__(self, *args: Any, frameworks: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["framework"].choices = frameworks  # type: ignore[attr-defined]

    def countries(self) -> list[str]:
        return [c.strip() for c in self.cleaned_data.get("allowed_countries", "").split(",") if c.strip()]


class JurisdictionForm(GovukForm):
    framework = forms.ChoiceField(label="Framework")
    organisation = forms.ChoiceField(label="Supplier or sub-processor")
    jurisdiction = forms.CharField(max_length=32, label="Jurisdiction", help_text="A country code, such as US")
    legal_basis = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        label="Legal basis",
        help_text="Why its law reaches the organisation: parent group has US operations: USA PATRIOT Act, CLOUD Act",
    )
    source = forms.CharField(required=False, max_length=300, help_text="Where this was found")
    review_date = GovukDateField(label="Review date", required=False)

    def __init__(
        self, *args: Any, frameworks: list[tuple[str, str]], organisations: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["framework"].choices = frameworks  # type: ignore[attr-defined]
        self.fields["organisation"].choices = organisations  # type: ignore[attr-defined]


class SubProcessorForm(GovukForm):
    framework = forms.ChoiceField(label="Framework")
    supplier = forms.ChoiceField(label="Supplier")
    sub_processor = forms.ChoiceField(label="Sub-processor")
    reviewed_on = GovukDateField(label="Reviewed on", required=False, help_text="Leave empty if not yet reviewed")

    def __init__(
        self, *args: Any, frameworks: list[tuple[str, str]], organisations: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["framework"].choices = frameworks  # type: ignore[attr-defined]
        self.fields["supplier"].choices = organisations  # type: ignore[attr-defined]
        self.fields["sub_processor"].choices = organisations  # type: ignore[attr-defined]
