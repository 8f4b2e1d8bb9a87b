"""The framework page's charts: value against the ceiling, and the price per seat with the pool."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from flexhub.billing.models import Invoice, InvoiceStatus
from flexhub.billing.selectors import billing_terms
from flexhub.core.charts import Series, line_chart
from flexhub.frameworks.models import Framework
from flexhub.rules.periods import Month, months


def ceiling_chart(framework: Framework) -> dict[str, Any]:
    """Committed value (by signing month) and invoiced value (by billing month), cumulative."""
    first, last = Month.of(framework.start), Month.of(framework.end)
    committed: dict[Month, Decimal] = defaultdict(Decimal)
    for signed, value in framework.contracts.values_list("signed", "committed_value"):
        committed[max(first, min(last, Month.of(signed)))] += value
    invoiced: dict[Month, Decimal] = defaultdict(Decimal)
    for period, net in (
        Invoice.objects.filter(framework=framework, status=InvoiceStatus.ISSUED)
        .values_list("period")
        .annotate(net=Sum("net"))
    ):
        invoiced[Month.of(period)] += net
    labels, committed_series, invoiced_series, rows = [], [], [], []
    running_c = running_i = Decimal("0")
    for month in months(first, last):
        running_c += committed[month]
        running_i += invoiced[month]
        labels.append(str(month))
        committed_series.append(running_c)
        invoiced_series.append(running_i)
        rows.append({"month": str(month), "committed": running_c, "invoiced": running_i})
    ceiling = [framework.value_ceiling] * len(labels)
    svg = line_chart(
        f"Committed and invoiced value of {framework.code} against its ceiling",
        labels,
        [
            Series("Ceiling", ceiling, dashed=True),
            Series("Committed", committed_series),
            Series("Invoiced", invoiced_series),
        ],
        y_format=lambda v: f"£{v / 1e6:,.1f}m",
    )
    return {"svg": svg, "rows": [r for i, r in enumerate(rows) if i % 3 == 0 or i == len(rows) - 1]}


def price_chart(framework: Framework) -> dict[str, Any] | None:
    """Price per seat over time with the pool size, for each pooled core service."""
    terms = billing_terms(framework)
    pooled = [code for code, s in terms.services.items() if s.pricing.pooled and s.category == "core"]
    if not pooled:
        return None
    code = pooled[0]
    ledger = terms.ledger()
    sizes = ledger.series(code)
    prices = terms.prices()[code]
    labels = [str(m) for m in months(ledger.first, ledger.last)]
    price_svg = line_chart(
        f"Price per seat of {code} by month",
        labels,
        [Series(f"{code} price per seat", prices)],
        y_format=lambda v: f"£{v:,.2f}",
        zero_based=False,
    )
    pool_svg = line_chart(
        f"Pool size of {code} by month",
        labels,
        [Series(f"{code} pool (seats)", sizes)],
        y_format=lambda v: f"{v:,.0f}",
    )
    rows = []
    previous = None
    for label, size, price in zip(labels, sizes, prices, strict=True):
        if (size, price) != previous:
            rows.append({"month": label, "pool": size, "price": price})
            previous = (size, price)
    return {"service": code, "price_svg": price_svg, "pool_svg": pool_svg, "rows": rows}
