"""The billing API writes and reads a period as the month it is, YYYY-MM, as its schema says."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from flexhub.billing.models import Invoice

pytestmark = pytest.mark.django_db


def api(world, username):
    client = APIClient()
    client.force_authenticate(world.users[username])
    return client


def test_invoices_filter_by_the_month_they_show(world):
    client = api(world, "aauth-admin")
    invoices = client.get("/api/v1/invoices/?framework__code=ONE&period=2020-05").json()["results"]
    assert invoices
    assert {invoice["period"] for invoice in invoices} == {"2020-05"}
    for bad in ("2020-13", "2020-05-01", "May"):
        response = client.get(f"/api/v1/invoices/?period={bad}")
        assert response.status_code == 400, bad
        assert response.json()["field"] == "period"


def test_billing_runs_take_and_show_a_month(world):
    client = api(world, "aauth-admin")
    runs = client.get("/api/v1/billing-runs/?framework__code=ONE").json()["results"]
    assert {run["period"] for run in runs} == {"2020-04", "2020-05"}
    response = client.post("/api/v1/billing-runs/", {"framework": "ONE", "period": "2020-13"}, format="json")
    assert response.status_code == 400
    assert response.json()["field"] == "period"
    assert response.json()["detail"] == "period: '2020-13' has no month 13"
    response = client.post("/api/v1/billing-runs/", {"framework": "ONE", "period": "2020-06"}, format="json")
    assert response.status_code == 201
    assert response.json()["period"] == "2020-06"


def test_an_sla_report_outside_the_term_is_refused_at_once(world):
    """Schemathesis asked for ?period=7396-07: the SLA clock measured the open tickets to the end
    of that month, day by day, for 17 s. Like billing, the report refuses a month with no bill."""
    client = api(world, "aauth-admin")
    response = client.get("/api/v1/sla/?framework=ONE&period=7396-07")
    assert response.status_code == 400
    assert response.json() == {"detail": "7396-07 is outside ONE's term (2020-01 to 2026-12)", "field": "period"}
    assert client.get("/api/v1/sla/?framework=ONE&period=2020-04").status_code == 200
    with pytest.raises(CommandError, match="outside ONE's term"):
        call_command("sla", "7396-07", "--framework", "ONE", stdout=io.StringIO())


def test_an_error_is_json_even_when_a_pdf_was_asked_for(world):
    """Schemathesis asked for `?format=pdf` of a draft's PDF: the 404 came back as JSON labelled
    application/pdf. An error is not the document asked for; it is JSON like every other."""
    draft = Invoice.objects.filter(framework__code="ONE", status="draft").first()
    client = api(world, "aauth-admin")
    for response in (
        client.get(f"/api/v1/invoices/{draft.pk}/pdf/?format=pdf"),
        client.get(f"/api/v1/invoices/{draft.pk}/pdf/", HTTP_ACCEPT="application/pdf"),
        api(world, "mbra-user").get(f"/api/v1/invoices/{draft.pk}/pdf/?format=pdf"),
    ):
        assert response.status_code in (403, 404)
        assert response["Content-Type"] == "application/json"
        assert "detail" in response.json()
