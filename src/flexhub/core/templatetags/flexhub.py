"""Template filters for money and percentages, written as UK finance teams read them."""

from __future__ import annotations

import functools
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.templatetags.static import static

from flexhub.rules.money import money_display

register = template.Library()


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@register.filter
def money(value: Any) -> str:
    """£1,234.56, or the same with a minus sign (U+2212) for a credit; empty for nothing."""
    amount = _decimal(value)
    if amount is None:
        return ""
    return money_display(amount, minus="\u2212")


@register.filter
def percent(value: Any) -> str:
    """A fraction as a percentage without needless zeros: 0.175 -> 17.5%, 0.2 -> 20%."""
    rate = _decimal(value)
    if rate is None:
        return ""
    text = format((rate * 100).normalize(), "f")
    return f"{text}%"


@register.filter
def plain_percent(value: Any) -> str:
    """A percentage figure without needless zeros: 5.00 -> 5%."""
    number = _decimal(value)
    return "" if number is None else f"{format(number.normalize(), 'f')}%"


@register.simple_tag
def asset(path: str) -> str:
    """The address of a static file, as `{% static %}` gives it, worked out once per process:
    every page links the same four, and `{% static %}` joins the address afresh each time."""
    return _asset_url(path)


@functools.cache
def _asset_url(path: str) -> str:
    return static(path)
