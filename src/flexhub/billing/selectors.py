"""Reads for billing: a framework as the billing rules see it, and invoices as users may see them."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from django.db.models import Sum

from flexhub.billing.models import CreditNote, Invoice, InvoiceStatus
from flexhub.frameworks.models import Framework
from flexhub.frameworks.selectors import framework_terms
from flexhub.rules.billing import CreditTerms, FrameworkTerms
from flexhub.servicedesk.models import ServiceCreditRule


def billing_terms(framework: Framework) -> FrameworkTerms:
    """The framework's pricing terms with the service-credit rules of its SLA policy added."""
    credit_rules = {
        rule.priority: CreditTerms(rule.per_breach, rule.cap)
        for rule in ServiceCreditRule.objects.filter(policy__framework=framework)
    }
    return dataclasses.replace(framework_terms(framework), credit_rules=credit_rules)


def invoiced_to_date(framework: Framework) -> Decimal:
    """Net value of the framework's issued invoices, less credit notes."""
    invoiced = Invoice.objects.filter(framework=framework, status=InvoiceStatus.ISSUED).aggregate(total=Sum("net"))[
        "total"
    ] or Decimal("0.00")
    credited = CreditNote.objects.filter(framework=framework).aggregate(total=Sum("net"))["total"] or Decimal("0.00")
    return invoiced - credited
