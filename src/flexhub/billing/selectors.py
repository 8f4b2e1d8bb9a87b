"""Reads for billing: a framework as the billing rules see it, and invoices as users may see them."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from flexhub.frameworks.models import Delivery, Framework, PriceBand, Service
from flexhub.frameworks.selectors import contract_terms
from flexhub.rules.billing import (
    CreditTerms,
    DeliveryTerms,
    FrameworkTerms,
    MemberContract,
    ServiceTerms,
)
from flexhub.rules.pricing import Band, Pricing
from flexhub.servicedesk.models import ServiceCreditRule


def framework_terms(framework: Framework) -> FrameworkTerms:
    """Everything the billing rules need of a framework, in a handful of queries."""
    bands: dict[int, list[PriceBand]] = defaultdict(list)
    for band in PriceBand.objects.filter(service__framework=framework).order_by("start"):
        bands[band.service_id].append(band)
    services = {
        s.code: ServiceTerms(
            s.code,
            s.category,
            s.unit,
            Pricing(s.pricing_model, tuple(Band(b.start, b.price) for b in bands[s.pk]), s.ratchet),
            tuple(b.price_text for b in bands[s.pk]),
        )
        for s in Service.objects.filter(framework=framework)
    }
    contracts_qs = framework.contracts.select_related("member")
    members = {c.ref: c.member.code for c in contracts_qs}
    contracts = [MemberContract(members[t.ref], t) for t in contract_terms(contracts_qs)]
    deliveries = [
        DeliveryTerms(d.contract.member.code, d.contract.ref, d.service.code, d.date, d.quantity)
        for d in Delivery.objects.filter(contract__framework=framework).select_related("contract__member", "service")
    ]
    credit_rules = {
        rule.priority: CreditTerms(rule.per_breach, rule.cap)
        for rule in ServiceCreditRule.objects.filter(policy__framework=framework)
    }
    return FrameworkTerms(
        start=framework.start,
        end=framework.end,
        services=services,
        contracts=contracts,
        deliveries=deliveries,
        vat_rates=[(v.start, v.rate) for v in framework.vat_rates.all()],
        credit_rules=credit_rules,
    )


def invoiced_to_date(framework: Framework) -> Decimal:
    """Net value of the framework's issued invoices, less credit notes."""
    from django.db.models import Sum

    from flexhub.billing.models import CreditNote, Invoice, InvoiceStatus

    invoiced = Invoice.objects.filter(framework=framework, status=InvoiceStatus.ISSUED).aggregate(total=Sum("net"))[
        "total"
    ] or Decimal("0.00")
    credited = CreditNote.objects.filter(framework=framework).aggregate(total=Sum("net"))["total"] or Decimal("0.00")
    return invoiced - credited
