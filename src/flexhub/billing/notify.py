"""Issued invoices and credit notes go to the member's finance contact by email, with the PDF
that was kept when they were issued; sent after the issue is committed, through the background
queue (core.mail), so that issuing a month's invoices does not wait on the mail server."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse
from django_tasks import task

from flexhub.billing.models import CreditNotePdf, InvoicePdf, IssuedPdf
from flexhub.core.models import Organisation, User
from flexhub.core.roles import Role
from flexhub.rules.money import money_display

log = logging.getLogger(__name__)


def finance_recipients(member: Organisation) -> list[str]:
    """The member's finance contact; without one, its member admins."""
    if member.finance_email:
        return [member.finance_email]
    admins = User.objects.filter(organisation=member, role=Role.MEMBER_ADMIN, is_active=True).exclude(email="")
    return sorted({u.email for u in admins})


def _base_url() -> str:
    return str(getattr(settings, "FLEXHUB_BASE_URL", "http://127.0.0.1:8000")).rstrip("/")


def documents_send(*, invoice_ids: Sequence[int] = (), credit_note_ids: Sequence[int] = ()) -> int:
    """Email each document's PDF to its member's finance contact; returns the messages sent.
    A mail server that is down is logged, never a failure of the issue."""
    messages: list[tuple[Organisation, str, str, str, IssuedPdf]] = []
    document: IssuedPdf
    for document in InvoicePdf.objects.filter(invoice_id__in=invoice_ids).select_related("invoice__member"):
        invoice = document.invoice
        link = _base_url() + reverse("invoice-detail", kwargs={"pk": invoice.pk})
        body = (
            f"{invoice.supplier_name} has issued VAT invoice {invoice.number} to {invoice.customer_name} for "
            f"{invoice.period:%B %Y}: {money_display(invoice.total)} including VAT, due on "
            f"{invoice.due_on:%d %B %Y}.\n\nThe invoice is attached as a PDF (SHA-256 {document.sha256}) and is "
            f"on flexhub at {link}\n"
        )
        messages.append((invoice.member, f"VAT invoice {invoice.number}", body, f"{invoice.number}.pdf", document))
    for document in CreditNotePdf.objects.filter(credit_note_id__in=credit_note_ids).select_related(
        "credit_note__invoice__member"
    ):
        note = document.credit_note
        link = _base_url() + reverse("credit-note-detail", kwargs={"pk": note.pk})
        body = (
            f"{note.invoice.supplier_name} has issued credit note {note.number} against invoice "
            f"{note.invoice.number}: {money_display(note.total)} including VAT.\nReason: {note.reason}\n\n"
            f"The credit note is attached as a PDF (SHA-256 {document.sha256}) and is on flexhub at {link}\n"
        )
        messages.append((note.invoice.member, f"Credit note {note.number}", body, f"{note.number}.pdf", document))
    sent = 0
    try:
        with get_connection() as connection:
            for member, subject, body, filename, document in messages:
                recipients = finance_recipients(member)
                if not recipients:
                    continue
                email = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, connection=connection)
                email.attach(filename, bytes(document.pdf), "application/pdf")
                sent += email.send()
    except OSError:
        log.exception("could not send issued documents")
    return sent


@task()
def documents_send_task(invoice_ids: list[int], credit_note_ids: list[int]) -> int:
    """`documents_send` on the background queue (the documents are read there by id)."""
    return documents_send(invoice_ids=invoice_ids, credit_note_ids=credit_note_ids)


def documents_send_soon(*, invoice_ids: Sequence[int] = (), credit_note_ids: Sequence[int] = ()) -> None:
    """Queue the documents to be emailed (at once, without a queue); a queue that is down is
    logged, never a failure of the issue already committed."""
    try:
        documents_send_task.enqueue(list(invoice_ids), list(credit_note_ids))
    except Exception:
        log.exception("could not queue the email of %d documents", len(invoice_ids) + len(credit_note_ids))
