"""The month's SLA report: tickets measured by the service desk and the service credits they
earn, computed here where both the SLA measures and the billing rules are known."""

from __future__ import annotations

from typing import Any

from flexhub.billing.selectors import billing_terms
from flexhub.frameworks.models import Framework
from flexhub.rules.billing import bill_month
from flexhub.rules.money import money_text
from flexhub.rules.periods import Month
from flexhub.servicedesk.selectors import breach_counts, month_ticket_sla


def sla_month_report(framework: Framework, month: Month) -> dict[str, Any]:
    """`flexhub sla --json` as docs/scenario-format.md describes it; credit amounts are given as the
    (positive) value credited, the invoice carries them as negative lines."""
    tickets = month_ticket_sla(framework, month)
    bill = bill_month(billing_terms(framework), month, breach_counts(tickets, month))
    credits = [
        {
            "member": b.member,
            "priority": line.priority,
            "breaches": line.breaches,
            "percent": _number(line.percent),
            "amount": money_text(-line.amount),
        }
        for b in bill.bills
        for line in b.lines
        if line.kind == "credit"
    ]
    return {
        "framework": framework.code,
        "period": str(month),
        "tickets": [
            {
                "ref": t.ref,
                "member": t.member,
                "priority": t.priority,
                "response_minutes": t.response.minutes,
                "resolution_minutes": t.resolution.minutes,
                "response_breached": t.response.breached,
                "resolution_breached": t.resolution.breached,
                "breached_in": t.breached_in,
            }
            for t in tickets
        ],
        "credits": credits,
    }


def _number(value: Any) -> Any:
    """A percentage as a JSON number: 5, or 2.5."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)
