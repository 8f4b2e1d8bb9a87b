"""Every form speaks in the service's voice and takes dates the GOV.UK way (day, month, year)."""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import re

import pytest
from django import forms
from django.urls import URLPattern, URLResolver, get_resolver

import flexhub
from flexhub.billing.forms import PaymentForm
from flexhub.core.forms import GovukDateField, GovukForm, QuickSelect, ReadyChoices, ServiceVoiceMixin
from flexhub.core.testing.clients import page_client
from flexhub.frameworks.forms import ContractForm


def _import_flexhub() -> None:
    for module in pkgutil.walk_packages(flexhub.__path__, "flexhub."):
        if module.name in ("flexhub.__main__", "flexhub.wsgi") or any(
            part in module.name for part in (".tests", ".migrations", ".management", ".testing")
        ):
            continue
        importlib.import_module(module.name)


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def _views(resolver: URLResolver | None = None):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from _views(entry)
        elif isinstance(entry, URLPattern):
            view_class = getattr(entry.callback, "view_class", None)
            if view_class is not None:
                yield entry.pattern, view_class


def test_every_flexhub_form_speaks_in_the_service_voice():
    _import_flexhub()
    ours = {cls for cls in _subclasses(forms.BaseForm) if cls.__module__.startswith("flexhub.")}
    assert len(ours) > 20  # the walk found the forms
    plain = sorted(cls.__qualname__ for cls in ours if not issubclass(cls, ServiceVoiceMixin))
    assert plain == []
    from_views = {
        str(pattern): view.form_class
        for pattern, view in _views()
        if isinstance(getattr(view, "form_class", None), type)
    }
    assert len(from_views) > 10
    assert sorted(p for p, form in from_views.items() if not issubclass(form, ServiceVoiceMixin)) == []


def test_no_form_uses_the_browsers_date_picker():
    _import_flexhub()
    for cls in _subclasses(forms.BaseForm):
        if not cls.__module__.startswith("flexhub."):
            continue
        for name, field in getattr(cls, "base_fields", {}).items():
            assert not isinstance(field, forms.DateField), f"{cls.__qualname__}.{name}: use GovukDateField"
            assert field.widget.attrs.get("type") != "date", f"{cls.__qualname__}.{name}"


class _DateForm(GovukForm):
    when = GovukDateField(label="Date received")


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("", "", "", "Enter the date received"),
        ("1", "", "2008", "Date received must include a month"),
        ("", "", "2008", "Date received must include a day and a month"),
        ("31", "2", "2008", "Date received must be a real date"),
        ("1", "2", "08", "Date received: enter the year in full, like 2008"),
        ("1", "Feb", "2008", "Date received must be a real date, in numbers, like 27 3 2008"),
        ("1", "2", "1066", "Date received must be on or after 1 January 1900"),
    ],
)
def test_a_date_is_checked_the_govuk_way(day, month, year, message):
    form = _DateForm({"when_day": day, "when_month": month, "when_year": year})
    assert not form.is_valid()
    assert form.errors["when"] == [message]


def test_a_date_in_three_boxes_or_a_whole_date_from_a_link():
    assert _DateForm({"when_day": " 7", "when_month": "03", "when_year": "2008"}).is_valid()
    typed = _DateForm({"when_day": "7", "when_month": "3", "when_year": "2008"})
    assert typed.is_valid() and typed.cleaned_data["when"] == dt.date(2008, 3, 7)
    linked = _DateForm({"when": "2008-03-07"})
    assert linked.is_valid() and linked.cleaned_data["when"] == dt.date(2008, 3, 7)


def test_the_date_input_renders_three_labelled_boxes_in_a_fieldset_and_keeps_what_was_typed():
    html = str(_DateForm({"when_day": "31", "when_month": "2", "when_year": "2008"}))
    assert '<fieldset class="govuk-fieldset" role="group"' in html
    assert '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Date received</legend>' in html
    for part, width, value in (("day", 2, "31"), ("month", 2, "2"), ("year", 4, "2008")):
        assert f'name="when_{part}" value="{value}"' in html
        assert f"govuk-input--width-{width} govuk-input--error" in html
    assert 'type="date"' not in html
    assert html.count('inputmode="numeric"') == 3


def test_required_and_limit_messages_say_what_to_do():
    form = PaymentForm({})
    assert not form.is_valid()
    assert form.errors == {
        "received_on": ["Enter the date received"],
        "amount": ["Enter the amount received (£)"],
        "reference": ["Enter the reference"],
    }
    wrong = PaymentForm({"received_on": "2020-05-01", "amount": "-1", "reference": "r" * 101})
    assert not wrong.is_valid()
    assert wrong.errors["amount"] == ["Amount received (£) must be 0 or more"]
    assert wrong.errors["reference"] == ["Reference must be 100 characters or fewer (it has 101)"]
    assert "Up to 100 characters" in str(wrong["reference"].help_text)


def test_fields_a_form_adds_in_its_own_init_speak_too(world):
    framework = world.frameworks["ONE"]
    form = ContractForm(
        {"qty_CORE": "lots"},
        members=framework.participants.all(),
        services=list(framework.services.filter(code="CORE")),
    )
    assert not form.is_valid()
    assert form.errors["qty_CORE"] == ["Enter the core seat (CORE) as a whole number, like 250"]
    assert form.errors["signed"] == ["Enter the date signed"]
    assert form.errors["member"] == ["Choose the member"]


def test_a_quick_select_offers_what_djangos_select_offers_and_escapes_it():
    choices = [("", "Any"), ("MBRA", "Ashcombe <Council> & Co (MBRA)"), ('Q"X', "Quill")]
    quick = QuickSelect(attrs={"class": "govuk-select", "id": "id_member"}, choices=choices)
    html = quick.render("member", "MBRA")
    assert html.startswith('<select name="member" class="govuk-select" id="id_member">')
    assert '<option value="MBRA" selected>Ashcombe &lt;Council&gt; &amp; Co (MBRA)</option>' in html
    assert '<option value="Q&quot;X">Quill</option>' in html and html.count("<option") == 3
    plain = forms.Select(choices=choices).render("member", "MBRA")
    assert re.findall(r'value="([^"]*)"', html) == re.findall(r'value="([^"]*)"', plain)


def test_a_long_list_written_once_marks_each_render_s_own_choice():
    pairs = [("", "Any"), *((f"M{i:04d}", f"Member <{i}> (M{i:04d})") for i in range(500)), ('Q"X', "Quill")]
    quick = QuickSelect(attrs={"class": "govuk-select"})
    quick.choices = ReadyChoices(pairs)
    plain = forms.Select(choices=pairs)

    for chosen in ("M0007", 'Q"X', None, "M0007", "no such member", "M0499"):
        html = quick.render("member", chosen)
        expected = plain.render("member", chosen)
        # The same options, values and selection as Django's own, whatever was chosen before.
        assert re.findall(r'<option value="([^"]*)"( selected)?>', html) == re.findall(
            r'<option value="([^"]*)"( selected)?>', expected
        )
        assert html.count(" selected") == (0 if chosen == "no such member" else 1)
    assert "Member &lt;7&gt; (M0007)</option>" in html


def test_every_drop_down_of_a_flexhub_form_is_quick(world):
    from_page = page_client(world, "supa-agent").get("/tickets/")
    form = from_page.context["filter_form"]
    assert isinstance(form.fields["member"].widget, QuickSelect)
    assert '<select name="member"' in from_page.content.decode()
