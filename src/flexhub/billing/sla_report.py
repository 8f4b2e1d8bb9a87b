"""The month's SLA report: tickets measured by the service desk and the service credits they
earn, computed here where both the SLA measures and the billing rules are known."""

from __future__ import annotations

from typing import Any

from flexhub.billing.selectors import billing_terms
from flexhub.billing.services import check_period
from flexhub.frameworks.models import Framework
from flexhub.rules.billing import bill_month, credits_earned
from flexhub.rules.money import money_text
from flexhub.rules.periods import Month
from flexhub.servicedesk.selectors import breach_counts, month_ticket_sla


def sla_month_report(framework: Framework, month: Month) -> dict[str, Any]:
    """`flexhub sla --json` as docs/scenario-format.md describes it: every member and priority with
    a resolution breach in the month, its percent, and the (positive) amount credited, "0.00" where
    the member had no core charge; the invoice carries the non-zero ones as negative lines.

    A month outside the framework's term is refused (RuleError), as billing refuses it: it has
    no bill to credit, and measuring the open tickets to the end of a month centuries away would
    keep the SLA clock busy for as long."""
    check_period(framework, month)
    tickets = month_ticket_sla(framework, month)
    terms = billing_terms(framework)
    breaches = breach_counts(tickets, month)
    bill = bill_month(terms, month, breaches)
    credits = [
        {
            "member": c.member,
            "priority": c.priority,
            "breaches": c.breaches,
            "percent": _number(c.percent),
            "amount": money_text(c.amount),
        }
        for c in credits_earned(terms, {b.member: b for b in bill.bills}, breaches)
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
