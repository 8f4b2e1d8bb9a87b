"""Billing pages and API for every role: runs, invoices, CSV, print, credit notes, what-if."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from flexhub.billing.models import BillingRun, CreditNote, Invoice

pytestmark = pytest.mark.django_db


def login(world, username):
    client = Client()
    client.force_login(world.users[username])
    return client


def api(world, username):
    client = APIClient()
    client.force_authenticate(world.users[username])
    return client


def test_authority_bills_and_issues_a_month_in_the_ui(world):
    client = login(world, "aauth-admin")
    assert "Bill this month" in client.get(reverse("billing-home")).content.decode()
    response = client.post(reverse("billing-run-create", kwargs={"code": "ONE"}), {"ONE-period": "2020-07"})
    run = BillingRun.objects.get(framework__code="ONE", period="2020-07-01")
    assert response.status_code == 302 and response["Location"] == reverse("billing-run", kwargs={"pk": run.pk})
    page = client.get(reverse("billing-run", kwargs={"pk": run.pk})).content.decode()
    assert "Issue draft invoices" in page and "1,200" in page
    client.post(reverse("billing-issue", kwargs={"pk": run.pk}))
    assert set(Invoice.objects.filter(run=run).values_list("status", flat=True)) == {"issued"}


def test_bad_month_in_the_run_form_is_explained(world):
    client = login(world, "aauth-admin")
    response = client.post(reverse("billing-run-create", kwargs={"code": "ONE"}), {"ONE-period": "July"}, follow=True)
    assert "Enter the month as YYYY-MM" in response.content.decode()
    response = client.post(
        reverse("billing-run-create", kwargs={"code": "ONE"}),
        {"ONE-period": "2031-01"},
        follow=True,
    )
    assert "outside ONE" in response.content.decode()


def test_member_admin_sees_own_invoices_with_the_price_explained(world):
    client = login(world, "mbra-admin")
    assert client.get(reverse("billing-home"))["Location"] == reverse("invoice-list")
    listing = client.get(reverse("invoice-list")).content.decode()
    assert "Ashcombe" in listing and "Bramblewick" not in listing
    invoice = world.extra["invoice-MBRA"]
    page = client.get(reverse("invoice-detail", kwargs={"pk": invoice.pk})).content.decode()
    assert "pool of 1,200 seats" in page and "band from 1,000 at £80.00" in page
    assert 'data-testid="pooling-saving"' in page
    other = world.extra["invoice-MBRB"]
    assert client.get(reverse("invoice-detail", kwargs={"pk": other.pk})).status_code == 404
    assert client.get(reverse("invoice-csv", kwargs={"pk": other.pk})).status_code == 404


def test_invoice_csv_and_printable_page(world):
    invoice = world.extra["invoice-MBRA"]
    client = login(world, "mbra-admin")
    response = client.get(reverse("invoice-csv", kwargs={"pk": invoice.pk}))
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0]["invoice"] == invoice.number and rows[0]["kind"] == "charge"
    totals = {r["kind"]: r["amount"] for r in rows}
    assert totals["total"] == f"{invoice.total:.2f}"
    printable = client.get(reverse("invoice-print", kwargs={"pk": invoice.pk})).content.decode()
    assert invoice.number in printable and "govuk-service-navigation" not in printable


def test_authority_issues_a_credit_note_in_the_ui(world):
    invoice = world.extra["invoice-MBRA"]
    client = login(world, "aauth-admin")
    response = client.post(reverse("credit-note-add", kwargs={"pk": invoice.pk}), {"net": "25.00", "reason": "outage"})
    assert response.status_code == 302
    assert CreditNote.objects.filter(invoice=invoice, net="25.00").exists()
    too_much = client.post(reverse("credit-note-add", kwargs={"pk": invoice.pk}), {"net": "999999.00", "reason": "x"})
    assert "govuk-error-summary" in too_much.content.decode() and "left to credit" in too_much.content.decode()


def test_agents_and_integrators_see_no_billing(world):
    for username in ("supa-agent", "inta-integrator", "mbra-user"):
        client = login(world, username)
        for name in ("billing-home", "invoice-list", "whatif"):
            assert client.get(reverse(name)).status_code == 403
        assert api(world, username).get("/api/v1/invoices/").status_code == 403


def test_whatif_member_sees_only_own_charge(world):
    client = login(world, "mbra-admin")
    response = client.get(
        reverse("whatif"),
        {"framework": world.frameworks["ONE"].pk, "period": "2020-06", "joiners": "Big Body=5000"},
    )
    page = response.content.decode()
    assert 'data-testid="whatif-sentence"' in page and "£80.00 to £80.00" in page
    assert "MBRB" not in page and "Bramblewick" not in page and "headroom" not in page.lower()
    authority = (
        login(world, "aauth-admin")
        .get(
            reverse("whatif"),
            {
                "framework": world.frameworks["ONE"].pk,
                "period": "2020-06",
                "joiners": "Big Body=5000",
            },
        )
        .content.decode()
    )
    assert "MBRB" in authority and "whatif-headroom" in authority


def test_whatif_bad_joiner_is_a_form_error(world):
    response = login(world, "aauth-admin").get(
        reverse("whatif"),
        {"framework": world.frameworks["ONE"].pk, "period": "2020-06", "joiners": "nonsense"},
    )
    assert "govuk-error-summary" in response.content.decode() and "NAME=SEATS" in response.content.decode()


def test_api_runs_issue_and_bill_json(world):
    client = api(world, "aauth-admin")
    response = client.post("/api/v1/billing-runs/", {"framework": "ONE", "period": "2020-08"}, format="json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    issued = client.post(f"/api/v1/billing-runs/{pk}/issue/", {}, format="json").json()["issued"]
    assert len(issued) == 2
    bill = client.get(f"/api/v1/billing-runs/{pk}/bill/").json()
    assert bill["period"] == "2020-08" and {i["number"] for i in bill["invoices"]} == set(issued)
    assert api(world, "mbra-admin").get("/api/v1/billing-runs/").status_code == 403
    bad = client.post("/api/v1/billing-runs/", {"framework": "TWO", "period": "2020-08"}, format="json")
    assert bad.status_code == 400


def test_api_invoices_scoped_and_credit_notes(world):
    member = api(world, "mbra-admin").get("/api/v1/invoices/").json()
    assert member["results"] and {i["member"] for i in member["results"]} == {"MBRA"}
    invoice = world.extra["invoice-MBRA"]
    response = api(world, "aauth-admin").post(
        "/api/v1/credit-notes/",
        {"invoice": invoice.pk, "net": "5.00", "reason": "x"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["total"] == "6.00"
    denied = api(world, "mbra-admin").post(
        "/api/v1/credit-notes/", {"invoice": invoice.pk, "reason": "x"}, format="json"
    )
    assert denied.status_code == 400


def test_api_whatif(world):
    body = api(world, "aauth-admin").get("/api/v1/what-if/?framework=ONE&period=2020-06&join=Big=5000").json()
    assert body["pools"][0]["after"]["size"] == 6200
    member = api(world, "mbra-admin").get("/api/v1/what-if/?framework=ONE&period=2020-06&join=Big=5000").json()
    assert [m["member"] for m in member["members"]] == ["MBRA"] and "headroom" not in member
    assert api(world, "mbra-admin").get("/api/v1/what-if/?framework=TWO&period=2020-06&join=Big=5").status_code == 404


def test_whatif_command_json(world):
    out = io.StringIO()
    call_command(
        "whatif",
        "--framework",
        "ONE",
        "--period",
        "2020-06",
        "--join",
        "Big=5000",
        "--json",
        stdout=out,
    )
    body = json.loads(out.getvalue())
    assert body["pools"] == [
        {
            "service": "CORE",
            "before": {"size": 1200, "band_from": 1000, "unit_price": "80.00"},
            "after": {"size": 6200, "band_from": 1000, "unit_price": "80.00"},
        }
    ]
    headroom = body["headroom"]
    assert Decimal(headroom["before"]) - Decimal(headroom["after"]) == Decimal(headroom["joiners_committed_value"]) > 0


def test_framework_page_shows_invoiced_value_and_charts(world):
    page = login(world, "aauth-admin").get(reverse("framework-detail", kwargs={"code": "ONE"})).content.decode()
    assert 'data-testid="invoiced"' in page and "<svg" in page and 'data-testid="price-table"' in page
    member = login(world, "mbra-admin").get(reverse("framework-detail", kwargs={"code": "ONE"})).content.decode()
    assert 'data-testid="price-chart"' in member and 'data-testid="invoiced"' not in member
