"""core.bulk.insert_rows writes a decimal column as Django's own save would, and refuses what
Django refuses (shown on a framework's VAT rates, a decimal column of four places)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from flexhub.core.bulk import insert_rows
from flexhub.frameworks.models import VatRate

pytestmark = pytest.mark.django_db

COLUMNS = ("framework_id", "start", "rate")


def test_decimals_given_as_decimals_strings_and_integers_read_back_as_saved_ones(world):
    framework = world.frameworks["ONE"]
    given = [Decimal("0.175"), "0.15", 0, Decimal("0.2000")]
    starts = [dt.date(2030, 1, 1) + dt.timedelta(days=i) for i in range(len(given))]

    assert insert_rows(VatRate, COLUMNS, [(framework.pk, s, r) for s, r in zip(starts, given, strict=True)]) == 4

    stored = dict(VatRate.objects.filter(start__in=starts).values_list("start", "rate"))
    assert [stored[s] for s in starts] == [Decimal("0.175"), Decimal("0.15"), Decimal("0"), Decimal("0.2")]
    # Stored alike with a rate saved by Django, so the database compares them alike.
    VatRate.objects.create(framework=framework, start=dt.date(2031, 1, 1), rate=Decimal("0.175"))
    assert VatRate.objects.filter(framework=framework, rate=Decimal("0.175")).count() == 2


@pytest.mark.parametrize("bad", [Decimal("NaN"), Decimal("Infinity"), "twenty per cent"])
def test_a_value_django_refuses_is_refused_and_nothing_is_written(world, bad):
    framework = world.frameworks["ONE"]
    before = VatRate.objects.count()

    # insert_rows writes inside its caller's transaction, which a refusal rolls back whole.
    with pytest.raises(ValidationError), transaction.atomic():
        insert_rows(
            VatRate,
            COLUMNS,
            [(framework.pk, dt.date(2030, 1, 1), Decimal("0.1")), (framework.pk, dt.date(2030, 1, 2), bad)],
        )

    assert VatRate.objects.count() == before
