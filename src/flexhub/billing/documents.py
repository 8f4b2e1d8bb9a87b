"""The PDFs of issued invoices and credit notes, made once at issue and kept with their SHA-256.

Drawn with fpdf2 (pure Python, nothing to install beside it) in its standard Helvetica, whose
character set is Latin-1: any other character is written as its nearest plain form. The
document's creation date is the moment of issue, so the same document always gives the same
bytes and the same hash.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import unicodedata
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

from django.http import HttpResponse
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from flexhub.billing.models import CreditNote, CreditNotePdf, Invoice, InvoiceLine, InvoicePdf
from flexhub.rules.money import money_display

LONDON = ZoneInfo("Europe/London")
PLAIN = str.maketrans(
    {
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": "...",
        "\u00d7": "x",  # multiplication sign
    }
)


def _latin1(text: str) -> str:
    """Text Helvetica can draw: Latin-1 as it is (£ included), other characters in plain form."""
    text = text.translate(PLAIN)
    if all(ord(c) < 256 for c in text):
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c if ord(c) < 256 else "?" for c in decomposed if not unicodedata.combining(c))


def _day(value: dt.date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


class _Page(FPDF):
    def __init__(self, *, title: str, issued_at: dt.datetime) -> None:
        super().__init__(format="A4")
        self.set_creation_date(issued_at)
        self.set_title(title)
        self.set_author("flexhub")
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 18, 18)
        self.add_page()

    def line_text(self, text: str, *, size: float = 10, bold: bool = False, height: float = 5) -> None:
        self.set_font("Helvetica", "B" if bold else "", size)
        self.multi_cell(0, height, _latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def parties(self, supplier: Sequence[str], customer: Sequence[str]) -> None:
        top = self.get_y()
        width = (self.w - self.l_margin - self.r_margin) / 2
        for column, (heading, lines) in enumerate((("From", supplier), ("To", customer))):
            self.set_xy(self.l_margin + column * width, top)
            self.set_font("Helvetica", "B", 9)
            self.cell(width, 5, heading, new_x=XPos.LEFT, new_y=YPos.NEXT)
            self.set_font("Helvetica", "", 10)
            self.multi_cell(width - 4, 5, _latin1("\n".join(line for line in lines if line)))
            column_bottom = self.get_y()
            if column == 0:
                left_bottom = column_bottom
        self.set_xy(self.l_margin, max(left_bottom, self.get_y()) + 4)

    def facts(self, rows: Iterable[tuple[str, str]]) -> None:
        for key, value in rows:
            if not value:
                continue
            self.set_font("Helvetica", "B", 10)
            self.cell(45, 6, _latin1(key))
            self.set_font("Helvetica", "", 10)
            self.multi_cell(0, 6, _latin1(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)

    # replaces FPDF.table (a context manager this module never uses) with a plain table of rows
    def table(  # type: ignore[override]
        self, header: Sequence[str], widths: Sequence[float], rows: Iterable[Sequence[str]]
    ) -> None:
        aligns = ["L", "L", "R", "R", "R"]
        self.set_font("Helvetica", "B", 9)
        for text, width, align in zip(header, widths, aligns, strict=False):
            self.cell(width, 6, text, border="B", align=align)
        self.ln()
        self.set_font("Helvetica", "", 9)
        for row in rows:
            top = self.get_y()
            heights = []
            for i, (text, width, align) in enumerate(zip(row, widths, aligns, strict=False)):
                self.set_xy(self.l_margin + sum(widths[:i]), top)
                self.multi_cell(width, 5, _latin1(text), align=align)
                heights.append(self.get_y() - top)
            self.set_xy(self.l_margin, top + max(heights))
        self.ln(1)

    def totals(self, rows: Iterable[tuple[str, str]], width: float) -> None:
        for i, (label, value) in enumerate(rows):
            bold = i == 2
            self.set_font("Helvetica", "B" if bold else "", 10)
            self.cell(self.w - self.l_margin - self.r_margin - width, 6, _latin1(label), align="R")
            self.cell(width, 6, _latin1(value), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _line_row(line: InvoiceLine) -> list[str]:
    if line.kind == "credit":
        description = f"Service credit ({line.priority})"
    else:
        description = line.service_code + (f" - contract {line.contract_ref}" if line.contract_ref else "")
    if line.explanation:
        description += f"\n{line.explanation}"
    dates = ""
    if line.first_day:
        dates = f"{line.first_day:%d %b}" + (f" to {line.last_day:%d %b %Y}" if line.last_day != line.first_day else "")
        if line.days:
            dates += f" ({line.days} days)"
    quantity = "" if line.quantity is None else f"{line.quantity.normalize():,f}"
    unit_price = f"£{line.unit_price}" if line.unit_price else ""
    return [description, dates, quantity, unit_price, money_display(line.amount)]


def invoice_pdf_bytes(invoice: Invoice) -> bytes:
    """The full VAT invoice as a PDF, from what issuing fixed on the invoice."""
    assert invoice.issued_at is not None and invoice.number
    page = _Page(title=f"VAT invoice {invoice.number}", issued_at=invoice.issued_at)
    page.line_text("VAT invoice", size=18, bold=True, height=9)
    page.ln(2)
    page.parties(
        [invoice.supplier_name, invoice.supplier_address, f"VAT registration number {invoice.supplier_vat_number}"],
        [invoice.customer_name, invoice.customer_address],
    )
    page.facts(
        [
            ("Invoice number", invoice.number),
            ("Issue date", _day(invoice.issued_on)),
            ("Tax point", f"{_day(invoice.tax_point)} (the last day of the month supplied)"),
            ("Due date", _day(invoice.due_on)),
            ("Your purchase order", invoice.po_number),
            ("Service", f"{invoice.framework.name}, {invoice.period:%B %Y}"),
        ]
    )
    widths = [82, 38, 18, 16, 20]
    page.table(
        ["Description", "Dates", "Quantity", "Unit price", "Amount"],
        widths,
        [_line_row(line) for line in invoice.lines.order_by("seq")],
    )
    rate = f"{(invoice.vat_rate * 100).normalize():f}%"
    page.totals(
        [
            ("Net (excluding VAT)", money_display(invoice.net)),
            (f"VAT at {rate}", money_display(invoice.vat)),
            ("Total due", money_display(invoice.total)),
        ],
        widths[-1] + 10,
    )
    page.ln(4)
    page.line_text(
        f"Pooling saving this month: {money_display(invoice.pooling_saving)}, what {invoice.customer_name} would have "
        "paid alone at its own band, less what it pays in the framework's pool.",
        size=9,
    )
    return bytes(page.output())


def credit_note_pdf_bytes(note: CreditNote) -> bytes:
    """A credit note as a PDF: it corrects an issued invoice at that invoice's VAT rate."""
    invoice = note.invoice
    page = _Page(title=f"Credit note {note.number}", issued_at=note.issued_at)
    page.line_text("Credit note", size=18, bold=True, height=9)
    page.ln(2)
    page.parties(
        [invoice.supplier_name, invoice.supplier_address, f"VAT registration number {invoice.supplier_vat_number}"],
        [invoice.customer_name, invoice.customer_address],
    )
    page.facts(
        [
            ("Credit note number", note.number),
            ("Date", _day(note.issued_at.astimezone(LONDON).date())),
            ("Against invoice", f"{invoice.number} of {_day(invoice.issued_on)}"),
            ("Your purchase order", invoice.po_number),
            ("Reason", note.reason),
        ]
    )
    rate = f"{(invoice.vat_rate * 100).normalize():f}%"
    page.totals(
        [
            ("Net credited (excluding VAT)", money_display(note.net)),
            (f"VAT at {rate}", money_display(note.vat)),
            ("Total credited", money_display(note.total)),
        ],
        30,
    )
    return bytes(page.output())


def pdf_response(pdf: bytes | memoryview, filename: str, sha256: str) -> HttpResponse:
    """A stored PDF as it was issued, to download; its hash travels with it (RFC 9530's Repr-Digest)."""
    response = HttpResponse(bytes(pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Repr-Digest"] = f"sha-256=:{base64.b64encode(bytes.fromhex(sha256)).decode()}:"
    response["ETag"] = f'"{sha256}"'
    return response


def _stored(pdf: bytes) -> dict[str, object]:
    return {"pdf": pdf, "sha256": hashlib.sha256(pdf).hexdigest()}


def invoice_pdfs_create(invoices: Sequence[Invoice], *, at: dt.datetime) -> list[InvoicePdf]:
    """Make and keep the PDF of each newly issued invoice (in the issuing transaction)."""
    return InvoicePdf.objects.bulk_create(
        InvoicePdf(invoice=invoice, created_at=at, **_stored(invoice_pdf_bytes(invoice))) for invoice in invoices
    )


def credit_note_pdf_create(note: CreditNote) -> CreditNotePdf:
    """Make and keep the PDF of a newly issued credit note (in the issuing transaction)."""
    return CreditNotePdf.objects.create(
        credit_note=note, created_at=note.issued_at, **_stored(credit_note_pdf_bytes(note))
    )
