"""Billing a month while the same month is being issued, on PostgreSQL's real row locks.

Before the month's billing run was locked by both, a re-run that met an issue in progress
deleted the lines of invoices being issued (the database trigger then refused, a 500) or made
a second draft for a member whose invoice had just been issued.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from rest_framework.test import APIClient

from flexhub.billing.models import BillingRun, Invoice, InvoiceStatus
from flexhub.billing.services import billing_issue, billing_run
from flexhub.core.audit import Actor
from flexhub.core.errors import Conflict
from flexhub.core.services import user_create, user_token
from flexhub.frameworks.models import Framework
from flexhub.rules.periods import Month

FIXTURES = Path(__file__).resolve().parents[2] / "scenarios" / "tests" / "fixtures"
CLI = Actor.for_cli()
JULY = Month(2020, 7)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cws():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need two real connections to PostgreSQL; SQLite serialises whole transactions")
    call_command("load", str(FIXTURES / "pooled-framework.yaml"), stdout=io.StringIO())
    return Framework.objects.get(code="CWS")


def _hold_the_month(framework: Framework, month: Month, held: threading.Event, release: threading.Event) -> None:
    """Another request in the middle of billing or issuing the month: it holds the run's lock."""
    try:
        with transaction.atomic():
            BillingRun.objects.select_for_update().get(framework=framework, period=month.first)
            held.set()
            release.wait(timeout=30)
    finally:
        connection.close()


def _authority_api(framework: Framework) -> APIClient:
    user = user_create(
        actor=CLI, username="cws-finance", organisation=framework.authority, role="authority-admin", password=None
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {user_token(actor=CLI, user=user)}")
    return client


def test_the_second_request_for_a_month_in_progress_is_told_409_and_changes_nothing(cws):
    run = billing_run(actor=CLI, framework=cws, month=JULY)
    drafts_before = sorted(Invoice.objects.filter(run=run).values_list("pk", flat=True))
    client = _authority_api(cws)
    held, release = threading.Event(), threading.Event()
    other = threading.Thread(target=_hold_the_month, args=(cws, JULY, held, release))
    other.start()
    try:
        assert held.wait(timeout=10)
        rerun = client.post("/api/v1/billing-runs/", {"framework": "CWS", "period": "2020-07"}, format="json")
        issue = client.post(f"/api/v1/billing-runs/{run.pk}/issue/")
        with pytest.raises(Conflict, match="being billed or issued by someone else"):
            billing_issue(actor=CLI, framework=cws, month=JULY)
    finally:
        release.set()
        other.join()
    for response in (rerun, issue):
        assert response.status_code == 409
        assert "CWS 2020-07 is being billed or issued by someone else" in response.json()["detail"]
    assert sorted(Invoice.objects.filter(run=run).values_list("pk", flat=True)) == drafts_before
    assert not Invoice.objects.filter(status=InvoiceStatus.ISSUED).exists()
    # Once the other request has finished, the same calls go through.
    assert client.post(f"/api/v1/billing-runs/{run.pk}/issue/").status_code == 200


def test_billing_and_issuing_the_same_month_at_once_never_fail_nor_duplicate(cws):
    billing_run(actor=CLI, framework=cws, month=JULY)
    barrier = threading.Barrier(2)
    unexpected: list[BaseException] = []
    conflicts: list[Conflict] = []

    def work(step):
        try:
            barrier.wait()
            for _ in range(5):
                try:
                    step()
                except Conflict as busy:
                    conflicts.append(busy)
        except BaseException as exc:  # anything but a Conflict is a failure of the test
            unexpected.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=work, args=(lambda: billing_run(actor=CLI, framework=cws, month=JULY),)),
        threading.Thread(target=work, args=(lambda: billing_issue(actor=CLI, framework=cws, month=JULY),)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert unexpected == []
    july = Invoice.objects.filter(framework=cws, period=JULY.first)
    members = list(july.values_list("member__code", flat=True))
    assert sorted(members) == sorted(set(members)) == ["CCA", "DHR", "LRB", "WMA"]
    for invoice in july.filter(status=InvoiceStatus.ISSUED):
        assert invoice.lines.exists(), invoice.number
