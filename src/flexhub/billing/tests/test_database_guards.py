"""PostgreSQL's own guards over issued records: they hold against direct SQL, not only through
the services (SQLite, the laptop default, relies on the services)."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from flexhub.billing.models import CreditNote, Invoice, InvoiceLine, NumberSequence

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the database-level guards are PostgreSQL's")


def _refused(match: str):
    """The statement inside fails, and only it is rolled back."""
    return pytest.raises(DatabaseError, match=match)


def test_no_line_is_added_to_an_issued_invoice(world):
    invoice = world.extra["invoice-MBRA"]
    line = invoice.lines.first()
    with _refused("lines of an issued invoice cannot change"), transaction.atomic():
        InvoiceLine.objects.create(
            invoice=invoice, seq=999, kind=line.kind, explanation="slipped in", amount=Decimal("1.00")
        )
    draft = Invoice.objects.filter(status="draft").first()
    with _refused("lines of an issued invoice cannot change"), transaction.atomic():
        InvoiceLine.objects.filter(pk=draft.lines.first().pk).update(invoice=invoice)
    assert invoice.lines.count() == Invoice.objects.get(pk=invoice.pk).lines.count()


def test_an_issued_credit_note_never_changes_nor_goes(world):
    note = CreditNote.objects.first()
    with _refused("cannot change"), transaction.atomic():
        CreditNote.objects.filter(pk=note.pk).update(net=Decimal("0.01"))
    with _refused("cannot change"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM billing_creditnote WHERE id = %s", [note.pk])
    assert CreditNote.objects.get(pk=note.pk).net == note.net


def test_an_invoice_number_sequence_only_moves_forward(world):
    sequence = NumberSequence.objects.filter(last__gt=0).first()
    with _refused("cannot be rewound"), transaction.atomic():
        NumberSequence.objects.filter(pk=sequence.pk).update(last=sequence.last - 1)
    with _refused("cannot be removed"), transaction.atomic():
        NumberSequence.objects.filter(pk=sequence.pk).delete()
    NumberSequence.objects.filter(pk=sequence.pk).update(last=sequence.last + 1)  # forward is how it works
    assert NumberSequence.objects.get(pk=sequence.pk).last == sequence.last + 1


@pytest.mark.parametrize(
    "table",
    ["core_auditentry", "billing_invoice", "billing_invoiceline", "billing_creditnote", "billing_numbersequence"],
)
def test_truncate_is_refused_unless_the_session_asks_for_it(world, table):
    with _refused("cannot be truncated"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE waits for no deferred check
        cursor.execute("SET LOCAL flexhub.allow_truncate = 'off'")
        cursor.execute(f"TRUNCATE {table} CASCADE")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        assert cursor.fetchone()[0] > 0


def test_the_service_role_cannot_drop_the_guards():
    """CI runs the PostgreSQL suite as a role that owns no table (docs/operations.md); such a
    role cannot disable or drop a trigger, so the guards above bind the service itself."""
    if os.environ.get("FLEXHUB_EXPECT_NON_OWNER") != "1":
        pytest.skip("set FLEXHUB_EXPECT_NON_OWNER=1 when the suite runs as the service's non-owner role")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, tableowner FROM pg_tables WHERE tablename = 'core_auditentry'")
        user, owner = cursor.fetchone()
    assert user != owner
    for statement in (
        "DROP TRIGGER flexhub_audit_append_only ON core_auditentry",
        "ALTER TABLE billing_invoice DISABLE TRIGGER flexhub_invoice_immutable",
    ):
        with _refused("must be owner"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
