"""Issued invoices carry everything HMRC lists for a full VAT invoice, fixed at issue."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from flexhub.billing.models import Invoice, InvoiceStatus
from flexhub.billing.services import billing_issue, billing_run
from flexhub.core.audit import Actor
from flexhub.core.errors import RuleError
from flexhub.core.models import Organisation
from flexhub.core.services import organisation_save, organisation_update
from flexhub.core.testing.clients import api_client
from flexhub.frameworks import services as framework_services
from flexhub.frameworks.models import Framework
from flexhub.rules.periods import Month
from flexhub.scenarios.export import scenario_export

pytestmark = pytest.mark.django_db
CLI = Actor.for_cli()
JUNE = Month(2020, 6)
FIXTURES = Path(__file__).resolve().parents[1] / "src" / "flexhub" / "scenarios" / "tests" / "fixtures"


def _clear(world, code, **fields):
    org = world.orgs[code]
    organisation_save(actor=CLI, code=code, name=org.name, roles=org.roles, **fields)


def test_issuing_refuses_with_every_missing_particular_and_issues_nothing(world):
    one = world.frameworks["ONE"]
    _clear(world, "SUPA", vat_number="")
    _clear(world, "MBRB", address="")
    billing_run(actor=CLI, framework=one, month=JUNE)
    with pytest.raises(RuleError) as refused:
        billing_issue(actor=CLI, framework=one, month=JUNE)
    assert str(refused.value) == (
        "ONE 2020-06 cannot be issued as VAT invoices without the VAT registration number of "
        "Sparrow Supplies (SUPA), who invoices; the postal address of Bramblewick Council (MBRB), invoiced"
    )
    assert not Invoice.objects.filter(framework=one, period=JUNE.first, status=InvoiceStatus.ISSUED).exists()


def test_an_issued_invoice_fixes_the_parties_dates_and_purchase_order(world):
    one = world.frameworks["ONE"]
    contract = world.extra["contract-MBRA"]
    framework_services.contract_po_number_set(actor=CLI, contract=contract, po_number="PO-44172")
    framework_services.framework_invoicing_set(actor=CLI, framework=one, payment_terms_days=14, invoiced_by=None)
    billing_run(actor=CLI, framework=one, month=JUNE)
    (invoice,) = [i for i in billing_issue(actor=CLI, framework=one, month=JUNE) if i.member.code == "MBRA"]
    invoice.refresh_from_db()
    assert invoice.tax_point == dt.date(2020, 6, 30)
    assert invoice.due_on == invoice.issued_on + dt.timedelta(days=14)
    assert invoice.po_number == "PO-44172"
    assert (invoice.supplier_name, invoice.supplier_vat_number) == ("Sparrow Supplies", "GB100000187")
    assert invoice.supplier_address == "1 Sparrow Supplies Way\nLondon\nSW1A 1AA"
    assert (invoice.customer_name, invoice.customer_address) == (
        "Ashcombe Council",
        "1 Ashcombe Council Way\nLondon\nSW1A 1AA",
    )
    # The supplier moves after the invoice went out: the invoice still says where it was.
    organisation_update(
        actor=CLI, organisation=world.orgs["SUPA"], name="Sparrow Supplies", region="ENG", address="9 New Road"
    )
    detail = api_client(world, "mbra-admin").get(f"/api/v1/invoices/{invoice.pk}/").json()
    assert detail["supplier"] == {
        "name": "Sparrow Supplies",
        "address": "1 Sparrow Supplies Way\nLondon\nSW1A 1AA",
        "vat_number": "GB100000187",
    }
    assert detail["customer"] == {"name": "Ashcombe Council", "address": "1 Ashcombe Council Way\nLondon\nSW1A 1AA"}
    assert (detail["tax_point"], detail["po_number"]) == ("2020-06-30", "PO-44172")
    assert detail["issued_on"] == invoice.issued_on.isoformat() and detail["due_on"] == invoice.due_on.isoformat()
    client = Client()
    client.force_login(world.users["mbra-admin"])
    page = client.get(reverse("invoice-detail", kwargs={"pk": invoice.pk})).content.decode()
    for text in ("GB100000187", "1 Sparrow Supplies Way", "30 June 2020", "PO-44172", "Tax point"):
        assert text in page


def test_a_framework_of_several_suppliers_must_say_who_invoices(world):
    one = world.frameworks["ONE"]
    extra = organisation_save(actor=CLI, code="SUPZ", name="Zephyr Networks", roles=["supplier"], address="Z")
    framework_services.framework_save(
        actor=CLI,
        code="ONE",
        name=one.name,
        authority=one.authority,
        suppliers=[world.orgs["SUPA"], extra],
        start=one.start,
        end=one.end,
        value_ceiling=one.value_ceiling,
        integrator=one.integrator,
    )
    billing_run(actor=CLI, framework=one, month=JUNE)
    with pytest.raises(RuleError, match="name who invoices"):
        billing_issue(actor=CLI, framework=one, month=JUNE)
    with pytest.raises(RuleError, match="QSUP invoices the members only if"):
        framework_services.framework_invoicing_set(
            actor=CLI, framework=one, payment_terms_days=30, invoiced_by=world.orgs["QSUP"]
        )
    framework_services.framework_invoicing_set(
        actor=CLI, framework=one, payment_terms_days=30, invoiced_by=world.orgs["SUPA"]
    )
    assert billing_issue(actor=CLI, framework=one, month=JUNE)


def test_only_the_authority_changes_invoicing_terms_and_purchase_orders(world):
    one = world.frameworks["ONE"]
    member = Actor(user=world.users["mbra-admin"], label="mbra-admin", channel="web")
    with pytest.raises(RuleError, match="only the framework's authority"):
        framework_services.contract_po_number_set(actor=member, contract=world.extra["contract-MBRA"], po_number="X")
    with pytest.raises(RuleError, match="only the framework's authority"):
        framework_services.framework_invoicing_set(actor=member, framework=one, payment_terms_days=60, invoiced_by=None)
    with pytest.raises(RuleError, match="0 to 365"):
        framework_services.framework_invoicing_set(actor=CLI, framework=one, payment_terms_days=400, invoiced_by=None)


def test_the_scenario_keys_load_check_and_export(tmp_path):
    call_command("load", str(FIXTURES / "tower-framework.yaml"), stdout=io.StringIO())
    hwt = Framework.objects.get(code="HWT")
    assert hwt.invoiced_by.code == "MER" and hwt.payment_terms_days == 30
    assert Organisation.objects.get(code="MER").vat_number == "GB100000285"
    document = scenario_export(hwt)
    assert document["framework"]["invoiced_by"] == "MER"
    assert "payment_terms_days" not in document["framework"]  # the default is not written
    mer = next(o for o in document["organisations"] if o["code"] == "MER")
    assert (mer["address"], mer["vat_number"]) == ("Meridian Point\nManchester\nM1 1AA", "GB100000285")
    broken = yaml.safe_load((FIXTURES / "tower-framework.yaml").read_text())
    broken["organisations"][5]["vat_number"] = "GB123456789"
    broken["framework"]["invoiced_by"] = "CNT"
    broken["framework"]["payment_terms_days"] = -3
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken))
    with pytest.raises(CommandError) as refused:
        call_command("load", str(path), "--check", stdout=io.StringIO(), stderr=io.StringIO())
    report = str(refused.value)
    assert "3 errors, nothing loaded" in report
    assert "organisations[5].vat_number: 'GB123456789' is not a UK VAT number: its check digits do not match" in report
    assert "framework.invoiced_by: 'CNT' is not the framework's authority, a supplier or its integrator" in report
    assert "framework.payment_terms_days: must be 0 or more, got -3" in report


def test_the_authority_edits_the_particulars_through_theapi_client(world):
    client = api_client(world, "aauth-admin")
    response = client.patch(
        "/api/v1/organisations/SUPA/", {"vat_number": "gb 999 9999 73", "address": "2 New Way"}, format="json"
    )
    # SUPA also supplies framework THREE: AAUTH does not administer it.
    assert response.status_code == 404
    response = client.patch(
        "/api/v1/organisations/MBRA/",
        {"address": "2 New Way\nLeeds", "finance_email": "ap@mbra.example"},
        format="json",
    )
    assert response.status_code == 200
    assert (response.json()["address"], response.json()["finance_email"]) == ("2 New Way\nLeeds", "ap@mbra.example")
    bad = client.patch("/api/v1/organisations/MBRA/", {"vat_number": "GB123456789"}, format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "vat_number"
    refused = api_client(world, "mbra-admin").patch("/api/v1/organisations/MBRA/", {"address": "x"}, format="json")
    assert refused.status_code == 403
    contract = world.extra["contract-MBRA"]
    response = client.patch(f"/api/v1/contracts/{contract.pk}/", {"po_number": "PO-9"}, format="json")
    assert response.status_code == 200 and response.json()["po_number"] == "PO-9"
    response = client.patch("/api/v1/frameworks/ONE/", {"payment_terms_days": 45}, format="json")
    assert response.status_code == 200 and response.json()["payment_terms_days"] == 45
    assert client.patch("/api/v1/frameworks/TWO/", {"payment_terms_days": 45}, format="json").status_code == 404
    member = api_client(world, "mbra-admin").patch(
        f"/api/v1/contracts/{contract.pk}/", {"po_number": "mine"}, format="json"
    )
    assert member.status_code == 400 and "authority" in member.json()["detail"]


def test_the_authority_edits_the_particulars_on_the_pages(world):
    client = Client()
    client.force_login(world.users["aauth-admin"])
    contract = world.extra["contract-MBRA"]
    response = client.post(reverse("contract-po", kwargs={"pk": contract.pk}), {"po_number": "PO-77"})
    assert response.status_code == 302
    assert "PO-77" in client.get(reverse("contract-detail", kwargs={"pk": contract.pk})).content.decode()
    response = client.post(
        reverse("framework-invoicing", kwargs={"code": "ONE"}),
        {"payment_terms_days": "21", "invoiced_by": world.orgs["INTA"].pk},
    )
    assert response.status_code == 302
    one = Framework.objects.get(code="ONE")
    assert (one.payment_terms_days, one.invoiced_by.code) == (21, "INTA")
    page = client.post(
        reverse("organisation-edit", kwargs={"code": "MBRA"}),
        {"name": "Ashcombe Council", "region": "ENG", "address": "x", "vat_number": "GB1", "finance_email": ""},
    )
    assert page.status_code == 200 and "is not a UK VAT number" in page.content.decode()
    member = Client()
    member.force_login(world.users["mbra-admin"])
    assert member.get(reverse("contract-po", kwargs={"pk": contract.pk})).status_code == 403
