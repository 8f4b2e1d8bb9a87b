"""Every CSV flexhub writes: one writer, so none can forget what a spreadsheet needs.

- UTF-8 with a byte-order mark, so Excel reads the £ and accented names right;
- numbers as plain decimals (`2600`, `0.0125`, never `2.6E+3`), dates and times in ISO 8601;
- a text cell that a spreadsheet would run as a formula (one starting with `=`, `+`, `-`, `@`,
  a tab or a carriage return) is written with a leading apostrophe, as OWASP advises. Numbers
  are data, not text: a negative amount stays `-12.50`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def plain_decimal(value: Decimal) -> Decimal:
    """A quantity without its trailing zeros (2600.00 -> 2600, 2.50 -> 2.5), still a number."""
    return value.normalize()  # written by cell_text without an exponent


def cell_text(value: Any) -> str:
    """One cell as a spreadsheet should receive it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | float):
        return format(Decimal(str(value)), "f")
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """A file whose `write` hands back what it is given, so the csv writer yields each line."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The file line by line, the byte-order mark first: a long export (the audit log) is
    streamed through the same cells as a short one, never held whole."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield BOM + str(writer.writerow([cell_text(h) for h in header]))
    for row in rows:
        yield str(writer.writerow([cell_text(v) for v in row]))


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The whole file as text, the byte-order mark first."""
    out = io.StringIO()
    out.writelines(csv_lines(header, rows))
    return out.getvalue()


def csv_download(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    """A CSV file to download."""
    response = HttpResponse(csv_text(header, rows).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_stream(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> StreamingHttpResponse:
    """A CSV file to download, written as it is sent (for exports of any length)."""
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in csv_lines(header, rows)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
