"""GOV.UK Design System form rendering, and the forms of organisations and people."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from html import escape
from typing import Any, cast

from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting
from django.forms.utils import flatatt, pretty_name
from django.template.loader import render_to_string
from django.utils.choices import BaseChoiceIterator
from django.utils.safestring import SafeString, mark_safe

from flexhub.core.errors import RuleError
from flexhub.core.govuk_html import PYTHON_TEMPLATES
from flexhub.core.mail import send_soon
from flexhub.core.models import Region

_WIDGET_CLASS = {
    "select": "govuk-select",
    "quickselect": "govuk-select",
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
            # Django points at "<id>_error"; the GOV.UK error message is "<id>-error".
            described = [d for d in str(attrs.get("aria-describedby", "")).split() if d != f"{self.auto_id}_error"]
            attrs["aria-describedby"] = " ".join([*described, f"{self.auto_id}-error"])
        return attrs


DJANGO_REQUIRED = forms.Field.default_error_messages["required"]
STATED_LIMIT = 100  # text limits from this length up are stated in the hint, before anyone meets them


def _noun(label: str) -> str:
    """A label inside a sentence: "Summary" -> "summary", "VAT number" stays."""
    if len(label) > 1 and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def speak_in_service_voice(field: forms.Field, name: str) -> None:
    """Replace Django's generic errors ("This field is required.") with what to do, in the
    GOV.UK style: "Enter the summary", "Summary must be 300 characters or fewer"."""
    label = str(field.label or pretty_name(name))
    noun = _noun(label)
    messages = field.error_messages
    if messages.get("required") == DJANGO_REQUIRED:
        if isinstance(field, forms.FileField):
            messages["required"] = f"Choose the {noun} to upload"
        elif isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
            messages["required"] = "Choose an answer" if label.endswith("?") else f"Choose the {noun}"
        elif isinstance(field, forms.BooleanField):
            messages["required"] = f"Tick {noun!r} to go on"
        else:
            messages["required"] = f"Enter the {noun}"
    if isinstance(field, forms.CharField) and field.max_length is not None:
        # A browser silently cuts what is typed or pasted past maxlength; the limit is stated in
        # the hint and enforced with a message instead (GOV.UK's advice).
        field.widget.attrs.pop("maxlength", None)
        messages.setdefault(
            "max_length",
            f"{label} must be {field.max_length:,} characters or fewer (it has %(show_value)d)",
        )
        if field.max_length >= STATED_LIMIT and "characters" not in str(field.help_text):
            limit = f"Up to {field.max_length:,} characters"
            field.help_text = f"{field.help_text}. {limit}" if field.help_text else limit
    if isinstance(field, forms.EmailField):
        messages["invalid"] = f"Enter the {noun} in the right form, like name@example.gov.uk"
    elif isinstance(field, forms.DecimalField):
        messages["invalid"] = f"Enter the {noun} as a number, like 1250.00"
        messages["max_decimal_places"] = f"{label} can have at most %(max)s decimal places"
        messages["max_digits"] = f"{label} is too large: at most %(max)s digits"
        messages["max_whole_digits"] = f"{label} is too large: at most %(max)s digits before the point"
    elif isinstance(field, forms.IntegerField):
        messages["invalid"] = f"Enter the {noun} as a whole number, like 250"
    if isinstance(field, forms.IntegerField | forms.DecimalField):
        messages["min_value"] = f"{label} must be %(limit_value)s or more"
        messages["max_value"] = f"{label} must be %(limit_value)s or less"
    if isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        messages["invalid_choice"] = f"Choose the {noun} from the list"
    if isinstance(field, forms.ModelMultipleChoiceField):
        messages["invalid_list"] = f"Choose the {noun} from the list"
        messages["invalid_pk_value"] = f"Choose the {noun} from the list"


class ReadyChoices(BaseChoiceIterator):
    """Choices already as flat (value, label) pairs, no groups: Django takes them as they are,
    where a plain list is normalised pair by pair each time it is set (five hundred members, on
    every request)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.pairs)


# The options of the long lists a process has written lately (a queue's five hundred members,
# the same on every load), by their pairs; a changed list is another key.
_OPTIONS_WRITTEN: dict[tuple[tuple[str, str], ...], str] = {}
OPTIONS_KEPT = 64


def _options_html(pairs: list[tuple[str, str]]) -> str:
    """`<option>`s of `pairs`, none selected, written once per distinct list."""
    key = tuple(pairs)
    written = _OPTIONS_WRITTEN.get(key)
    if written is None:
        written = "".join(
            f'<option value="{escape(value, quote=True)}">{escape(label, quote=True)}</option>'
            for value, label in pairs
        )
        if len(_OPTIONS_WRITTEN) >= OPTIONS_KEPT:
            _OPTIONS_WRITTEN.clear()
        _OPTIONS_WRITTEN[key] = written
    return written


class QuickSelect(forms.Select):
    """A drop-down list built in Python: a filter offering five hundred members costs well under
    a millisecond, where the template engine takes a fraction of one per option."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        # Not list(): it asks a model choice list for its length first, which is a COUNT query.
        choices: list[Any]
        if isinstance(self.choices, ReadyChoices):
            choices = self.choices.pairs
        else:
            choices = [c for c in self.choices]
            if any(isinstance(label, list | tuple) for _, label in choices):
                return super().render(name, value, attrs, renderer)  # option groups: Django's own way
        chosen = set(self.format_value(value))
        if isinstance(self.choices, ReadyChoices):
            options = _options_html(self.choices.pairs)
            for key in chosen:
                opening = f'<option value="{escape(key, quote=True)}"'
                options = options.replace(f"{opening}>", f"{opening} selected>")
        else:
            options = "".join(
                f'<option value="{escape(str(key), quote=True)}"{" selected" if str(key) in chosen else ""}>'
                f"{escape(str(label), quote=True)}</option>"
                for key, label in choices
            )
        final_attrs = flatatt(self.build_attrs(self.attrs, attrs))
        return mark_safe(f'<select name="{escape(name, quote=True)}"{final_attrs}>{options}</select>')  # noqa: S308


class ServiceVoiceMixin:
    """Mixed into every flexhub form (tests/test_forms.py checks): errors say what to do.

    Applied before cleaning and before rendering, so fields a form adds in its own __init__
    (a quantity per service, say) are covered too."""

    fields: dict[str, forms.Field]

    def speak(self) -> None:
        spoken: dict[int, forms.Field] = self.__dict__.setdefault("_spoken_fields", {})
        for name, field in self.fields.items():
            if spoken.get(id(field)) is field:
                continue  # once per field: cleaning and then rendering a form would do it twice
            spoken[id(field)] = field
            speak_in_service_voice(field, name)
            if type(field.widget) is forms.Select:
                quick = QuickSelect(attrs=field.widget.attrs)
                field.widget = quick
                quick.choices = cast(Any, field).choices

    def full_clean(self) -> None:
        self.speak()
        super().full_clean()  # type: ignore[misc]

    def get_context(self) -> dict[str, Any]:
        self.speak()
        return super().get_context()  # type: ignore[misc,no-any-return]


class GovukForm(ServiceVoiceMixin, forms.Form):
    """A flexhub form: GOV.UK markup (from the renderer) and messages in the service's voice."""

    def offer(self, name: str, queryset: Any) -> None:
        """Offer `queryset` as the choices of the field `name`; when there is only one, choose it
        and show no list (a member admin picking its own organisation)."""
        field: Any = self.fields[name]
        field.queryset = queryset
        first_two = list(queryset[:2])
        if len(first_two) == 1:
            field.widget = forms.HiddenInput()
            self.initial[name] = first_two[0].pk


class GovukDateInput(forms.MultiWidget):
    """GOV.UK's date input: day, month and year boxes, not the browser's date picker (which
    screen readers and many keyboards handle badly)."""

    template_name = "govuk/date_input.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        numeric = {"inputmode": "numeric", "autocomplete": "off"}
        super().__init__(
            {"day": forms.TextInput(numeric), "month": forms.TextInput(numeric), "year": forms.TextInput(numeric)},
            attrs,
        )

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        if isinstance(value, str) and value:
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                return [None, None, None]
            return [day.day, day.month, day.year]
        return [None, None, None]

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        # A link may still carry a whole date (?date_from=2024-04-01); the boxes win when typed.
        parts = super().value_from_datadict(data, files, name)
        if not any(str(p or "").strip() for p in parts) and data.get(name):
            return data.get(name)
        return parts

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and super().value_omitted_from_data(data, files, name)

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_0" if id_ else ""  # the error summary links to the day box

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        error = "govuk-input--error" in str((attrs or {}).get("class", ""))
        for subwidget, (part, width) in zip(
            context["widget"]["subwidgets"], (("Day", 2), ("Month", 2), ("Year", 4)), strict=True
        ):
            subwidget["attrs"] = {k: v for k, v in subwidget["attrs"].items() if k != "aria-describedby"}
            subwidget["part"] = part
            classes = f"govuk-input govuk-date-input__input govuk-input--width-{width}"
            subwidget["attrs"]["class"] = classes + (" govuk-input--error" if error else "")
        return context


class GovukDateField(forms.Field):
    """A date typed in three boxes, checked the GOV.UK way: "Date received must include a month",
    "Date received must be a real date"."""

    widget = GovukDateInput

    def __init__(self, *, earliest: dt.date = dt.date(1900, 1, 1), **kwargs: Any) -> None:
        self.earliest = earliest
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.date | None:
        label = str(self.label or "The date")
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError as exc:
                raise forms.ValidationError(f"{label} must be a real date", code="invalid") from exc
        parts = [str(p or "").strip() for p in (value or [])]
        if not any(parts):
            return None
        missing = [n for n, p in zip(("day", "month", "year"), parts, strict=True) if not p]
        if missing:
            raise forms.ValidationError(f"{label} must include a {' and a '.join(missing)}", code="incomplete")
        if not all(p.isdigit() for p in parts):
            raise forms.ValidationError(f"{label} must be a real date, in numbers, like 27 3 2008", code="invalid")
        if len(parts[2]) != 4:
            raise forms.ValidationError(f"{label}: enter the year in full, like 2008", code="invalid")
        try:
            day = dt.date(int(parts[2]), int(parts[1]), int(parts[0]))
        except ValueError as exc:
            raise forms.ValidationError(f"{label} must be a real date", code="invalid") from exc
        if day < self.earliest:
            raise forms.ValidationError(
                f"{label} must be on or after {self.earliest.day} {self.earliest:%B %Y}", code="too_early"
            )
        return day

    def prepare_value(self, value: Any) -> Any:
        return value


class GovukFormRenderer(TemplatesSetting):
    """Renders every Django form with GOV.UK Frontend markup."""

    form_template_name = "govuk/form.html"
    field_template_name = "govuk/field.html"
    bound_field_class = GovukBoundField

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        """The form, its field groups and the plain widgets are written in Python (a form costs
        a tenth of what the template engine takes); anything else goes to its template."""
        python = PYTHON_TEMPLATES.get(template_name)
        return python(context) if python else super().render(template_name, context, request)


def apply_rule_error(form: forms.BaseForm, error: RuleError) -> None:
    """Show a service's refusal beside the field it names, or at the top of the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


class LoginForm(ServiceVoiceMixin, AuthenticationForm):
    """Django's login form; the renderer gives it GOV.UK markup."""


class PasswordChangeForm(ServiceVoiceMixin, auth_forms.PasswordChangeForm):
    """Django's password change, with messages in the service's voice."""


class PasswordResetForm(ServiceVoiceMixin, auth_forms.PasswordResetForm):
    """Asking for a reset link. The email goes through the background queue (core.mail), so the
    answer does not wait on the mail server, nor take longer for an address with a login."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        send_soon([(subject, body, from_email or settings.DEFAULT_FROM_EMAIL, [to_email])])


class SetPasswordForm(ServiceVoiceMixin, auth_forms.SetPasswordForm):  # type: ignore[type-arg]
    """Choosing a new password from a reset link."""


class TwoFactorCodeForm(GovukForm):
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


class TwoFactorResetForm(GovukForm):
    reason = forms.CharField(
        label="Why",
        max_length=300,
        required=False,
        help_text="Kept in the audit log, for example: phone lost",
    )


class OrganisationForm(GovukForm):
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


class PersonForm(GovukForm):
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


class AuditFilterForm(GovukForm):
    object_type = forms.ChoiceField(required=False, label="What changed")
    object_id = forms.CharField(required=False, label="Object id")
    person = forms.CharField(required=False, label="Person (username)")
    date_from = GovukDateField(required=False, label="From")
    date_to = GovukDateField(required=False, label="To")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["object_type"]
        field.choices = [("", "Anything"), *audited_object_types()]


def audited_object_types() -> list[tuple[str, str]]:
    """Every kind of record flexhub keeps, as the audit log names it (core.user) and as people do."""
    kinds = {
        f"{model._meta.app_label}.{model._meta.model_name}": str(model._meta.verbose_name).capitalize()
        for model in apps.get_models()
        if model.__module__.startswith("flexhub.")
    }
    return sorted(kinds.items(), key=lambda kind: kind[1])
