"""Form markup written in Python (core.govuk_html): the same as Django's widget templates, and
the GOV.UK form group's label, hint, error and links between them."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from flexhub.core.forms import GovukDateField, GovukForm, GovukFormRenderer
from flexhub.core.govuk_html import PYTHON_TEMPLATES


class EveryKindForm(GovukForm):
    name = forms.CharField(max_length=200, help_text="As on the <contract>")
    note = forms.CharField(widget=forms.Textarea, required=False)
    agree = forms.BooleanField(help_text="Tick & go")
    date_from = GovukDateField(required=False, label="From")
    colour = forms.ChoiceField(choices=[("r", "Red"), ("g", "Green & <i>")], widget=forms.RadioSelect)
    many = forms.MultipleChoiceField(
        choices=[("a", "A"), ("b", "B")], widget=forms.CheckboxSelectMultiple, required=False
    )
    seats = forms.IntegerField(min_value=1)
    secret = forms.CharField(widget=forms.PasswordInput)
    email = forms.EmailField()
    token = forms.CharField(widget=forms.HiddenInput, required=False)


BAD_ANSWERS = {
    "name": 'Quote " and <tag> & amp',
    "note": "\nfirst line kept\n<b>",
    "date_from_day": "1",
    "date_from_year": "2020",
    "colour": "g",
    "many": ["a", "b"],
    "seats": "0",
    "secret": "s",
    "email": "not-an-email",
    "token": 'hid"den',
}


@pytest.mark.parametrize(
    "widget,value",
    [
        (forms.TextInput(attrs={"class": "govuk-input", "autofocus": True, "disabled": False}), 'a "b" <c>'),
        (forms.EmailInput(), None),
        (forms.NumberInput(attrs={"min": 1}), 12),
        (forms.PasswordInput(render_value=True), "p&w"),
        (forms.HiddenInput(), "x"),
        (forms.CheckboxInput(), True),
        (forms.CheckboxInput(), False),
        (forms.Textarea(attrs={"rows": 4}), "\nstarts with a newline & <b>"),
        (forms.Textarea(), ""),
        (forms.URLInput(), "https://example.gov.uk/?a=1&b=2"),
    ],
)
def test_plain_widgets_match_djangos_own_templates(widget, value):
    """Django owns these templates: if an upgrade changes them, this says so."""
    ours = widget.render("field", value, attrs={"id": "id_field"}, renderer=GovukFormRenderer())
    djangos = widget.render("field", value, attrs={"id": "id_field"}, renderer=DjangoTemplates())
    assert widget.template_name in PYTHON_TEMPLATES
    assert ours == djangos


def _group(html: str, name: str) -> str:
    """The form group holding the field `name`."""
    groups = re.findall(r'<div class="govuk-form-group[^"]*">.*?\n</div>(?=<div class="govuk-form-group|$)', html, re.S)
    found = [g for g in groups if f'name="{name}' in g]
    assert len(found) == 1, name
    return found[0]


def test_an_empty_form_has_labels_hints_and_no_errors():
    html = str(EveryKindForm())
    assert "govuk-form-group--error" not in html
    assert "govuk-error-message" not in html
    name = _group(html, "name")
    assert '<label class="govuk-label govuk-label--s" for="id_name">Name</label>' in name
    assert (
        '<div id="id_name_helptext" class="govuk-hint">As on the &lt;contract&gt;. Up to 200 characters</div>' in name
    )
    assert "(optional)" in _group(html, "note")
    assert '<div id="id_date_from_helptext" class="govuk-hint">For example, 27 3 2008</div>' in _group(
        html, "date_from"
    )
    assert '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">From (optional)</legend>' in html
    assert html.startswith('<input type="hidden" name="token"')


def test_errors_are_marked_linked_and_escaped():
    form = EveryKindForm(BAD_ANSWERS)
    assert not form.is_valid()
    html = str(form)
    name = _group(html, "name")
    assert 'value="Quote &quot; and &lt;tag&gt; &amp; amp"' in name
    assert "govuk-form-group--error" not in name  # a valid answer is not marked
    seats = _group(html, "seats")
    assert seats.startswith('<div class="govuk-form-group govuk-form-group--error">')
    assert (
        '<p id="id_seats-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> '
        "Seats must be 1 or more</p>"
    ) in seats
    assert 'class="govuk-input govuk-input--error"' in seats
    assert 'aria-describedby="id_seats-error"' in seats  # not Django's "id_seats_error", which is not there
    date_from = _group(html, "date_from")
    assert 'aria-describedby="id_date_from_helptext id_date_from-error"' in date_from
    assert "From must include a month" in date_from
    agree = _group(html, "agree")
    assert '<span class="govuk-visually-hidden">Error:</span> Tick &#x27;agree&#x27; to go on</p>' in agree
    assert '<div id="id_agree_helptext" class="govuk-hint govuk-checkboxes__hint">Tick &amp; go</div>' in agree
    colour = _group(html, "colour")
    assert 'class="govuk-radios govuk-radios--small"' in colour
    assert (
        '<input type="radio" name="colour" value="g" id="id_colour_1" required class="govuk-radios__input" checked>'
        in colour
    )
    assert ">Green &amp; &lt;i&gt;</label>" in colour
    many = _group(html, "many")
    assert many.count("checked") == 2
    assert "<textarea" in _group(html, "note") and "\n\nfirst line kept\n&lt;b&gt;</textarea>" in html
