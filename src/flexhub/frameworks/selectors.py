"""Reads that need rules: contracts as the pricing rules see them, committed value and headroom."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum

from flexhub.frameworks.models import (
    CallOffContract,
    ContractChange,
    ContractLine,
    Delivery,
    Framework,
    PriceBand,
    Service,
)
from flexhub.rules.billing import DeliveryTerms, FrameworkTerms, MemberContract, ServiceTerms
from flexhub.rules.periods import Month
from flexhub.rules.pricing import Band, ContractTerms, LineTerms, Pricing, pool_size


def framework_pricing(framework: Framework) -> dict[str, Pricing]:
    """Each service's price rule, keyed by service code."""
    bands: dict[int, list[Band]] = defaultdict(list)
    for band in PriceBand.objects.filter(service__framework=framework).order_by("start"):
        bands[band.service_id].append(Band(band.start, band.price))
    return {
        s.code: Pricing(s.pricing_model, tuple(bands[s.pk]), s.ratchet)
        for s in Service.objects.filter(framework=framework)
    }


def contract_terms(contracts: QuerySet[CallOffContract]) -> list[ContractTerms]:
    """The contracts with their lines and changes, in three queries whatever their number, read
    as plain values: a framework's 10,000 lines as model instances (with their service and
    contract) cost a monthly bill two seconds."""
    rows = list(contracts.order_by("signed", "pk").values_list("pk", "ref", "signed", "start", "end"))
    ids = [row[0] for row in rows]
    terms = {pk: (start, end) for pk, _, _, start, end in rows}
    changes: dict[tuple[int, int], list[tuple[dt.date, int]]] = defaultdict(list)
    for contract_id, service_id, effective, quantity in (
        ContractChange.objects.filter(contract_id__in=ids)
        .order_by("effective")
        .values_list("contract_id", "service_id", "effective", "quantity")
    ):
        changes[(contract_id, service_id)].append((effective, quantity))
    lines: dict[int, list[LineTerms]] = defaultdict(list)
    for contract_id, service_id, code, quantity, start, end in ContractLine.objects.filter(
        contract_id__in=ids
    ).values_list("contract_id", "service_id", "service__code", "quantity", "start", "end"):
        contract_start, contract_end = terms[contract_id]
        lines[contract_id].append(
            LineTerms(
                code,
                start or contract_start,
                end or contract_end,
                quantity,
                tuple(changes[(contract_id, service_id)]),
            )
        )
    return [ContractTerms(ref, signed, start, end, tuple(lines[pk])) for pk, ref, signed, start, end in rows]


def pooled_lines(framework: Framework, *, signed_on_or_before: dt.date, exclude_ref: str = "") -> list[LineTerms]:
    """The pooled-service lines of contracts signed by a date, read as plain values (no model
    instances): what the ceiling guard needs to price a new contract."""
    pooled = Service.objects.filter(framework=framework, pricing_model="pooled-volume")
    changes: dict[tuple[int, int], list[tuple[dt.date, int]]] = defaultdict(list)
    for contract_id, service_id, effective, quantity in (
        ContractChange.objects.filter(
            contract__framework=framework, contract__signed__lte=signed_on_or_before, service__in=pooled
        )
        .exclude(contract__ref=exclude_ref)
        .order_by("effective")
        .values_list("contract_id", "service_id", "effective", "quantity")
    ):
        changes[(contract_id, service_id)].append((effective, quantity))
    return [
        LineTerms(code, start or c_start, end or c_end, quantity, tuple(changes[(contract_id, service_id)]))
        for contract_id, service_id, code, quantity, start, end, c_start, c_end in (
            ContractLine.objects.filter(
                contract__framework=framework, contract__signed__lte=signed_on_or_before, service__in=pooled
            )
            .exclude(contract__ref=exclude_ref)
            .values_list(
                "contract_id",
                "service_id",
                "service__code",
                "quantity",
                "start",
                "end",
                "contract__start",
                "contract__end",
            )
        )
    ]


@dataclass(frozen=True)
class CeilingPosition:
    """Where a framework stands against its value ceiling."""

    ceiling: Decimal
    committed: Decimal

    @property
    def headroom(self) -> Decimal:
        return self.ceiling - self.committed

    @property
    def percent_committed(self) -> Decimal:
        if not self.ceiling:
            return Decimal(0)
        return (self.committed * 100 / self.ceiling).quantize(Decimal("0.1"))


def ceiling_position(framework: Framework) -> CeilingPosition:
    committed = framework.contracts.aggregate(total=Sum("committed_value"))["total"] or Decimal("0.00")
    return CeilingPosition(framework.value_ceiling, committed)


def price_table(service: Service, pool: int | None) -> list[dict[str, Any]]:
    """The service's bands, each marked if it is the one in force for the given pool."""
    bands = list(service.bands.all())
    in_force = None
    for band in bands:
        if pool is not None and band.start <= pool:
            in_force = band.pk
    return [{"band": b, "in_force": b.pk == in_force} for b in bands]


def month_in_term(framework: Framework, today: dt.date) -> dt.date:
    """The first day of the month to show "now" for: today's, kept within the framework's term."""
    day = min(max(today, framework.start), framework.end)
    return day.replace(day=1)


def pool_sizes_on(framework: Framework, day: dt.date) -> dict[str, int]:
    """Framework-wide quantity of each pooled service on a day (what the band depends on)."""
    pricing = framework_pricing(framework)
    terms = contract_terms(framework.contracts.filter(start__lte=day, end__gte=day))
    return {
        code: pool_size((line for c in terms for line in c.lines if line.service == code), Month.of(day))
        for code, rule in pricing.items()
        if rule.pooled
    }


def framework_terms(framework: Framework) -> FrameworkTerms:
    """Everything the pricing rules need of a framework, in a handful of queries: services with
    their bands, contracts and deliveries. Service credits are billing's to add."""
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
    members = dict(framework.contracts.values_list("ref", "member__code"))
    contracts = [MemberContract(members[t.ref], t) for t in contract_terms(framework.contracts.all())]
    deliveries = [
        DeliveryTerms(*row)
        for row in Delivery.objects.filter(contract__framework=framework).values_list(
            "contract__member__code", "contract__ref", "service__code", "date", "quantity"
        )
    ]
    return FrameworkTerms(
        start=framework.start,
        end=framework.end,
        services=services,
        contracts=contracts,
        deliveries=deliveries,
        vat_rates=[(v.start, v.rate) for v in framework.vat_rates.all()],
    )
