"""GOV.UK Design System form rendering, and the forms of organisations and people."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting

from flexhub.core.errors import RuleError
from flexhub.core.models import Region

_WIDGET_CLASS = {
    "select": "govuk-select",
    "selectmultiple": "govuk-select",
    "textarea": "govuk-textarea",
    "checkbox": "govuk-checkboxes__input",
    "checkboxselectmultiple": "govuk-checkboxes__input",
    "radioselect": "govuk-radios__input",
    "clearablefile": "govuk-file-upload",
    "file": "govuk-file-upload",
}
_ERROR_CLASS = {"govuk-input", "govuk-select", "govuk-textarea", "govuk-file-upload"}


class GovukBoundField(BoundField):
    """Adds the GOV.UK class (and its error variant) to every widget."""

    def build_widget_attrs(self, attrs: dict[str, Any], widget: Any = None) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        css = _WIDGET_CLASS.get(self.widget_type, "govuk-input")
        classes = [css, str(attrs.get("class", ""))]
        if self.errors and css in _ERROR_CLASS:
            classes.append(f"{css}--error")
        attrs["class"] = " ".join(c for c in classes if c)
        if self.errors:
            described = attrs.get("aria-describedby", "")
            attrs["aria-describedby"] = f"{described} {self.auto_id}-error".strip()
        return attrs


class GovukFormRenderer(TemplatesSetting):
    """Renders every Django form with GOV.UK Frontend markup."""

    form_template_name = "govuk/form.html"
    field_template_name = "govuk/field.html"
    bound_field_class = GovukBoundField


def apply_rule_error(form: forms.BaseForm, error: RuleError) -> None:
    """Show a service's refusal beside the field it names, or at the top of the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


class LoginForm(AuthenticationForm):
    """Django's login form; the renderer gives it GOV.UK markup."""


class TwoFactorCodeForm(forms.Form):
    """One code: six digits from an authenticator app, or a recovery code."""

    code = forms.CharField(
        label="Code",
        max_length=40,
        help_text="The 6-digit code your authenticator app shows, or one of your recovery codes",
        widget=forms.TextInput(
            attrs={
                "class": "govuk-input--width-10",
                "autocomplete": "one-time-code",
                "spellcheck": "false",
                "autocapitalize": "none",
                "autofocus": True,
            }
        ),
    )


class TwoFactorResetForm(forms.Form):
    reason = forms.CharField(
        label="Why",
        max_length=300,
        required=False,
        help_text="Kept in the audit log, for example: phone lost",
    )


class OrganisationForm(forms.Form):
    name = forms.CharField(max_length=200)
    region = forms.ChoiceField(
        choices=Region.choices,
        help_text="The bank-holiday calendar the service desk's business clock uses",
    )
    address = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Postal address, as it goes on a VAT invoice",
    )
    vat_number = forms.CharField(
        label="VAT registration number",
        max_length=20,
        required=False,
        help_text="Needed when this organisation invoices members, for example GB123456782",
    )
    finance_email = forms.EmailField(
        label="Finance contact email", required=False, help_text="Issued invoices and credit notes are sent here"
    )


class PersonForm(forms.Form):
    """Adding or editing a person; the organisation and role choices are narrowed per user."""

    username = forms.CharField(max_length=150)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(required=False)
    organisation: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None,  # narrowed per user in __init__
        empty_label="Choose an organisation",
    )
    role = forms.ChoiceField(choices=[])
    password = forms.CharField(
        widget=forms.PasswordInput,
        required=False,
        help_text="Leave empty for a login that uses an API token only",
    )
    is_active = forms.BooleanField(label="Can sign in", required=False, initial=True)

    def __init__(
        self,
        *args: Any,
        organisations: Any,
        roles: list[tuple[str, str]],
        editing: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        organisation_field: Any = self.fields["organisation"]
        organisation_field.queryset = organisations
        role_field: Any = self.fields["role"]
        role_field.choices = roles
        if editing:
            for name in ("username", "organisation", "password"):
                del self.fields[name]
        else:
            del self.fields["is_active"]


class AuditFilterForm(forms.Form):
    object_type = forms.CharField(required=False, label="Object type", help_text="For example core.user")
    object_id = forms.CharField(required=False, label="Object id")
    person = forms.CharField(required=False, label="Person (username)")
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
