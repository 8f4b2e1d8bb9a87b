"""The markup of GOV.UK form fields and of Django's plain widgets, written in Python.

Every flexhub page with a form renders it through these: the template engine spends about a
millisecond on a two-field form (a hundred variable lookups and nested `{% if %}`s per field),
which is more than the rest of the sign-in page together. The output is the markup of
`govuk/field.html`, `govuk/form.html` and Django's widget templates; the renderer
(`core.forms.GovukFormRenderer`) uses these in their place and the templates for anything else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe


def _text(value: Any) -> str:
    """A value as `{{ value }}` prints it: escaped unless already safe."""
    return str(conditional_escape(value))


def widget_attrs(attrs: Mapping[str, Any]) -> str:
    """Django's `attrs.html`: `name="value"`, a bare `name` for True, nothing for False."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {_text(name)}")
        else:
            parts.append(f' {_text(name)}="{_text(f"{value}")}"')
    return "".join(parts)


def input_html(widget: Mapping[str, Any]) -> SafeString:
    """Django's `input.html`, for text, email, password, number, hidden and checkbox inputs."""
    value = widget["value"]
    shown = "" if value is None else f' value="{_text(f"{value}")}"'
    return mark_safe(  # noqa: S308 (every part escaped above)
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{shown}{widget_attrs(widget["attrs"])}>'
    )


def textarea_html(widget: Mapping[str, Any]) -> SafeString:
    """Django's `textarea.html` (its leading newline keeps a value's own first newline)."""
    value = widget["value"]
    return mark_safe(  # noqa: S308 (every part escaped)
        f'<textarea name="{_text(widget["name"])}"{widget_attrs(widget["attrs"])}>\n'
        f"{_text(value) if value else ''}</textarea>"
    )


def _errors(field: Any) -> str:
    if not field.errors:
        return ""
    lines = "<br>".join(f'<span class="govuk-visually-hidden">Error:</span> {_text(e)}' for e in field.errors)
    return f'<p id="{_text(field.auto_id)}-error" class="govuk-error-message">{lines}</p>'


def _hint(field: Any, extra_class: str = "") -> str:
    if not field.help_text:
        return ""
    return f'<div id="{_text(field.auto_id)}_helptext" class="govuk-hint{extra_class}">{_text(field.help_text)}</div>'


def _optional(field: Any) -> str:
    return "" if field.field.required else " (optional)"


def field_group_html(field: Any) -> SafeString:
    """`govuk/field.html`: a GOV.UK form group (label, hint, error, widget) for one bound field."""
    kind = field.widget_type
    if kind == "checkbox":
        inner = (
            f"{_errors(field)}"
            '<div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">\n'
            f'<div class="govuk-checkboxes__item">\n{field}\n'
            f'<label class="govuk-label govuk-checkboxes__label" for="{_text(field.id_for_label)}">'
            f"{_text(field.label)}</label>\n"
            f"{_hint(field, ' govuk-checkboxes__hint')}</div>\n</div>"
        )
    elif kind == "govukdate":
        hint = _text(field.help_text) if field.help_text else "For example, 27 3 2008"
        described = f"{_text(field.auto_id)}_helptext" + (f" {_text(field.auto_id)}-error" if field.errors else "")
        inner = (
            f'<fieldset class="govuk-fieldset" role="group" aria-describedby="{described}">\n'
            '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">'
            f"{_text(field.label)}{_optional(field)}</legend>\n"
            f'<div id="{_text(field.auto_id)}_helptext" class="govuk-hint">{hint}</div>\n'
            f"{_errors(field)}\n{field}\n</fieldset>"
        )
    elif kind in ("radioselect", "checkboxselectmultiple"):
        group = "radios" if kind == "radioselect" else "checkboxes"
        described = f' aria-describedby="{_text(field.auto_id)}_helptext"' if field.help_text else ""
        options = "".join(
            f'<div class="govuk-{group}__item">\n{option.tag()}\n'
            f'<label class="govuk-label govuk-{group}__label" for="{_text(option.id_for_label)}">'
            f"{_text(option.choice_label)}</label>\n</div>\n"
            for option in field
        )
        inner = (
            f'<fieldset class="govuk-fieldset"{described}>\n'
            f'<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{_text(field.label)}</legend>\n'
            f"{_hint(field)}{_errors(field)}\n"
            f'<div class="govuk-{group} govuk-{group}--small">\n{options}</div>\n</fieldset>'
        )
    else:
        inner = (
            f'<label class="govuk-label govuk-label--s" for="{_text(field.id_for_label)}">'
            f"{_text(field.label)}{_optional(field)}</label>\n{_hint(field)}{_errors(field)}\n{field}"
        )
    error_class = " govuk-form-group--error" if field.errors else ""
    return mark_safe(f'<div class="govuk-form-group{error_class}">\n{inner}\n</div>')  # noqa: S308 (escaped above)


def form_html(form: Any) -> SafeString:
    """`govuk/form.html`: the hidden fields, then a form group for each visible one."""
    hidden = "".join(str(field) for field in form.hidden_fields())
    return mark_safe(hidden + "".join(field_group_html(field) for field in form.visible_fields()))  # noqa: S308


# Template names (as the renderer is asked for them) and what writes their markup instead.
PYTHON_TEMPLATES: dict[str, Callable[[dict[str, Any]], SafeString]] = {
    "govuk/form.html": lambda context: form_html(context["form"]),
    "govuk/field.html": lambda context: field_group_html(context["field"]),
    "django/forms/widgets/textarea.html": lambda context: textarea_html(context["widget"]),
    **{
        f"django/forms/widgets/{kind}.html": lambda context: input_html(context["widget"])
        for kind in ("text", "email", "password", "number", "hidden", "url", "search", "tel", "checkbox")
    },
}
