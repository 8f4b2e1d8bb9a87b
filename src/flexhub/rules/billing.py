"""A month's bill for every member of a framework, as scenario-format.md's billing rules say.

Pure: contracts, deliveries, prices, VAT rates and SLA breaches come in as
plain values; invoices with their lines, VAT and pooling saving come out.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from flexhub.rules.money import ZERO, to_penny
from flexhub.rules.periods import Month
from flexhub.rules.pricing import (
    ContractTerms,
    LineTerms,
    PoolLedger,
    Pricing,
    quantity_runs,
    run_amount,
    unit_prices,
)


@dataclass(frozen=True)
class ServiceTerms:
    """A catalogue service as billing needs it."""

    code: str
    category: str
    unit: str
    pricing: Pricing
    price_texts: tuple[str, ...] = ()

    def text_for(self, price: Decimal) -> str:
        """The price as written in the catalogue ("84.00"), else with two decimals."""
        for band, text in zip(self.pricing.bands, self.price_texts, strict=False):
            if band.price == price:
                return text
        return f"{price:.2f}"


@dataclass(frozen=True)
class MemberContract:
    member: str
    terms: ContractTerms


@dataclass(frozen=True)
class DeliveryTerms:
    member: str
    contract: str
    service: str
    date: dt.date
    quantity: Decimal


@dataclass(frozen=True)
class CreditTerms:
    """Percent of the member's core charge per resolution breach, up to a cap."""

    per_breach: Decimal
    cap: Decimal


@dataclass(frozen=True)
class PoolPrice:
    service: str
    size: int
    band_start: int
    unit_price: Decimal
    unit_price_text: str
    band_price_text: str = ""
    # With a ratchet holding the price below the band's: the month the held price was reached.
    held_since: Month | None = None

    def explanation(self, month: Month) -> str:
        """How the month's unit price was reached, in words a finance officer can check against
        the catalogue."""
        pool = f"pool of {self.size:,} seats on {month.first.day} {month.first:%B %Y}"
        if self.held_since is None:
            return f"{pool}: band from {self.band_start:,} at £{self.unit_price_text}"
        return (
            f"{pool} reaches the band from {self.band_start:,} at £{self.band_price_text}; the price never "
            f"rises, so the lowest price since {self.held_since.first:%B %Y}, £{self.unit_price_text}, applies"
        )


@dataclass
class BillLine:
    kind: str  # charge | delivery | credit
    amount: Decimal
    service: str | None = None
    contract: str | None = None
    quantity: Decimal | int | None = None
    days: int | None = None
    first: dt.date | None = None
    last: dt.date | None = None
    unit_price: Decimal | None = None
    unit_price_text: str | None = None
    priority: str | None = None
    breaches: int | None = None
    percent: Decimal | None = None


@dataclass
class MemberBill:
    member: str
    lines: list[BillLine] = field(default_factory=list)
    vat_rate: Decimal = ZERO
    pooling_saving: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def vat(self) -> Decimal:
        return to_penny(self.net * self.vat_rate)

    @property
    def total(self) -> Decimal:
        return self.net + self.vat


@dataclass
class MonthBill:
    month: Month
    pools: list[PoolPrice]
    bills: list[MemberBill]


def vat_rate_on(rates: Sequence[tuple[dt.date, Decimal]], day: dt.date) -> Decimal:
    """The rate in force on `day`: the latest whose start is on or before it."""
    rate = ZERO
    for start, value in sorted(rates):
        if start <= day:
            rate = value
    return rate


@dataclass
class FrameworkTerms:
    """Everything billing needs of a framework; build once, bill many months."""

    start: dt.date
    end: dt.date
    services: Mapping[str, ServiceTerms]
    contracts: Sequence[MemberContract]
    deliveries: Sequence[DeliveryTerms] = ()
    vat_rates: Sequence[tuple[dt.date, Decimal]] = ()
    credit_rules: Mapping[str, CreditTerms] = field(default_factory=dict)
    _ledger: PoolLedger | None = None
    _prices: dict[str, list[Decimal]] | None = None

    def ledger(self) -> PoolLedger:
        """Pool sizes of every pooled service for every month of the term, from all contracts."""
        if self._ledger is None:
            pricing = {code: s.pricing for code, s in self.services.items()}
            ledger = PoolLedger(Month.of(self.start), Month.of(self.end))
            for contract in self.contracts:
                ledger.add(contract.terms, pricing)
            self._ledger = ledger
        return self._ledger

    def prices(self) -> dict[str, list[Decimal]]:
        """Unit price of each pooled service per month (ratchet applied from the first month)."""
        if self._prices is None:
            ledger = self.ledger()
            self._prices = {
                code: unit_prices(s.pricing, ledger.series(code))
                for code, s in self.services.items()
                if s.pricing.pooled
            }
        return self._prices


def _alone_price(service: ServiceTerms, own_quantity: int) -> Decimal:
    return service.pricing.band_for(own_quantity).price


@dataclass(frozen=True)
class EarnedCredit:
    """A member's service credit for one priority in a month: `amount` is what is credited
    (positive), 0.00 where the member had no core charge to take the percentage of."""

    member: str
    priority: str
    breaches: int
    percent: Decimal
    amount: Decimal


def _core_net(terms: FrameworkTerms, bill: MemberBill | None) -> Decimal:
    if bill is None:
        return ZERO
    return sum(
        (
            line.amount
            for line in bill.lines
            if line.kind == "charge" and terms.services[line.service or ""].category == "core"
        ),
        ZERO,
    )


def credits_earned(
    terms: FrameworkTerms, bills: Mapping[str, MemberBill], breaches: Mapping[str, Mapping[str, int]]
) -> list[EarnedCredit]:
    """Every member and priority with a resolution breach in the month: `min(breaches x
    per_breach, cap)` percent of the member's core charges, to the penny half up. A priority
    without a credit rule earns 0%; the percent stands even where there is nothing to credit."""
    earned = []
    for member in sorted(breaches):
        core_net = _core_net(terms, bills.get(member))
        for priority in sorted(breaches[member]):
            count = breaches[member][priority]
            if count <= 0:
                continue
            rule = terms.credit_rules.get(priority)
            percent = min(rule.per_breach * count, rule.cap) if rule else ZERO
            earned.append(EarnedCredit(member, priority, count, percent, to_penny(core_net * percent / 100)))
    return earned


def bill_month(
    terms: FrameworkTerms, month: Month, breaches: Mapping[str, Mapping[str, int]] | None = None
) -> MonthBill:
    """Every member's bill for `month`; `breaches` is {member: {priority: resolution breaches}}."""
    ledger = terms.ledger()
    prices = terms.prices()
    index = month.index_from(ledger.first)
    in_term = 0 <= index <= ledger.last.index_from(ledger.first)
    pools: list[PoolPrice] = []
    month_price: dict[str, Decimal] = {}
    for code, service in terms.services.items():
        if service.pricing.pooled:
            size = ledger.series(code)[index] if in_term else 0
            price = prices[code][index] if in_term else service.pricing.band_for(0).price
            band = service.pricing.band_for(size)
            held_since = None
            if in_term and service.pricing.ratchet and price < band.price:
                held_since = ledger.first.plus(prices[code].index(price))
            pools.append(
                PoolPrice(
                    code, size, band.start, price, service.text_for(price), service.text_for(band.price), held_since
                )
            )
            month_price[code] = price
        else:
            month_price[code] = service.pricing.bands[0].price

    bills: dict[str, MemberBill] = {}
    own_totals: dict[tuple[str, str], int] = defaultdict(int)
    active: list[MemberContract] = []
    for contract in terms.contracts:
        if contract.terms.start <= month.last and contract.terms.end >= month.first:
            active.append(contract)
            for line in contract.terms.lines:
                own_totals[(contract.member, line.service)] += line.quantity_on(month.first)

    saving_exact: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for contract in active:
        for line in contract.terms.lines:
            service = terms.services[line.service]
            price = month_price[line.service]
            runs = quantity_runs(line, month)
            if not runs:
                continue
            bill = bills.setdefault(contract.member, MemberBill(contract.member))
            alone = (
                _alone_price(service, own_totals[(contract.member, line.service)]) if service.pricing.pooled else None
            )
            for run in runs:
                bill.lines.append(
                    BillLine(
                        kind="charge",
                        amount=run_amount(price, run, month),
                        service=line.service,
                        contract=contract.terms.ref,
                        quantity=run.quantity,
                        days=run.days,
                        first=run.first,
                        last=run.last,
                        unit_price=price,
                        unit_price_text=service.text_for(price),
                    )
                )
                if alone is not None:
                    saving_exact[contract.member] += (alone - price) * run.quantity * run.days / month.days

    for delivery in terms.deliveries:
        if Month.of(delivery.date) != month:
            continue
        service = terms.services[delivery.service]
        price = service.pricing.bands[0].price
        bill = bills.setdefault(delivery.member, MemberBill(delivery.member))
        bill.lines.append(
            BillLine(
                kind="delivery",
                amount=to_penny(price * delivery.quantity),
                service=delivery.service,
                contract=delivery.contract,
                quantity=delivery.quantity,
                first=delivery.date,
                last=delivery.date,
                unit_price=price,
                unit_price_text=service.text_for(price),
            )
        )

    for credit in credits_earned(terms, bills, breaches or {}):
        if credit.amount:
            bills[credit.member].lines.append(
                BillLine(
                    kind="credit",
                    amount=-credit.amount,
                    priority=credit.priority,
                    breaches=credit.breaches,
                    percent=credit.percent,
                )
            )

    vat = vat_rate_on(terms.vat_rates, month.last)
    result = []
    for member in sorted(bills):
        bill = bills[member]
        if not bill.lines:
            continue
        bill.vat_rate = vat
        bill.pooling_saving = to_penny(saving_exact[member])
        result.append(bill)
    return MonthBill(month, pools, result)


@dataclass(frozen=True)
class Joiner:
    name: str
    seats: int


@dataclass
class WhatIf:
    """A month billed as it is and as it would be if the joiners signed up."""

    month: Month
    before: MonthBill
    after: MonthBill
    joiners: list[Joiner]
    joiner_contracts: list[ContractTerms]


def what_if(terms: FrameworkTerms, month: Month, joiners: Sequence[Joiner]) -> WhatIf:
    """Add hypothetical members, each with `seats` of every pooled core service from the
    first day of `month` to the framework's end, and bill the month again."""
    if month < Month.of(terms.start) or month > Month.of(terms.end):
        raise ValueError(f"{month} is outside the framework's term")
    pooled_core = [code for code, s in terms.services.items() if s.pricing.pooled and s.category == "core"]
    latest_signing = max((c.terms.signed for c in terms.contracts), default=month.first)
    signed = max(latest_signing, month.first)
    added = [
        ContractTerms(
            f"WHATIF-{i + 1}",
            signed,
            month.first,
            terms.end,
            tuple(LineTerms(code, month.first, terms.end, j.seats) for code in pooled_core),
        )
        for i, j in enumerate(joiners)
    ]
    grown = FrameworkTerms(
        start=terms.start,
        end=terms.end,
        services=terms.services,
        contracts=[
            *terms.contracts,
            *(MemberContract(j.name, c) for j, c in zip(joiners, added, strict=True)),
        ],
        deliveries=terms.deliveries,
        vat_rates=terms.vat_rates,
        credit_rules=terms.credit_rules,
    )
    return WhatIf(month, bill_month(terms, month), bill_month(grown, month), list(joiners), added)


@dataclass(frozen=True)
class InvoiceDates:
    """The dates a full VAT invoice carries."""

    issued_on: dt.date
    tax_point: dt.date  # the time of supply: the last day of the month billed
    due_on: dt.date


def invoice_dates(month: Month, issued_on: dt.date, payment_terms_days: int) -> InvoiceDates:
    """A month's invoice issued on `issued_on`: the service is supplied through the month, so its
    tax point is the month's last day; it is due `payment_terms_days` after issue."""
    return InvoiceDates(issued_on, month.last, issued_on + dt.timedelta(days=payment_terms_days))


@dataclass(frozen=True)
class Party:
    """A party to a VAT invoice as issuing needs it."""

    code: str
    name: str
    address: str
    vat_number: str = ""


def vat_invoice_problems(supplier: Party | None, customers: Sequence[Party]) -> list[str]:
    """What stops a month's invoices from being full VAT invoices: HMRC asks for the supplier's
    name, address and VAT registration number and the customer's name and address."""
    if supplier is None:
        return ["name who invoices the members (the framework has more than one supplier)"]
    problems = []
    if not supplier.address.strip():
        problems.append(f"the postal address of {supplier.name} ({supplier.code}), who invoices")
    if not supplier.vat_number.strip():
        problems.append(f"the VAT registration number of {supplier.name} ({supplier.code}), who invoices")
    problems.extend(f"the postal address of {c.name} ({c.code}), invoiced" for c in customers if not c.address.strip())
    return problems


# What a member still owes on an issued invoice, and how late it is.
OPEN, PART_PAID, PAID, OVERDUE = "open", "part paid", "paid", "overdue"
AGE_BUCKETS = ("current", "1-30", "31-60", "61-90", "over 90")


def amount_owed(total: Decimal, credited: Decimal, paid: Decimal) -> Decimal:
    """The invoice's total less its credit notes and the payments received (never below zero)."""
    return max(total - credited - paid, ZERO)


def payment_status(*, owed: Decimal, paid: Decimal, due_on: dt.date | None, today: dt.date) -> str:
    """Paid once nothing is owed; overdue once the due date has passed with something owed;
    otherwise part paid or open."""
    if owed <= 0:
        return PAID
    if due_on is not None and today > due_on:
        return OVERDUE
    return PART_PAID if paid > 0 else OPEN


def age_bucket(due_on: dt.date | None, today: dt.date) -> str:
    """The aged-debt column of an amount owed: not yet due, or days overdue in 30-day steps."""
    late = (today - due_on).days if due_on is not None else 0
    if late <= 0:
        return AGE_BUCKETS[0]
    if late <= 30:
        return AGE_BUCKETS[1]
    if late <= 60:
        return AGE_BUCKETS[2]
    if late <= 90:
        return AGE_BUCKETS[3]
    return AGE_BUCKETS[4]


def vat_split(vat_total: Decimal, rate: Decimal, nets: Sequence[Decimal]) -> list[Decimal]:
    """The VAT of each part of an invoice's net (a service, its credits), each net x rate to the
    penny half up, with whatever rounding leaves over put on the largest part, so the parts add up
    to the invoice's VAT exactly, which was worked out once on its whole net."""
    parts = [to_penny(net * rate) for net in nets]
    if parts:
        largest = max(range(len(nets)), key=lambda i: (abs(nets[i]), -i))
        parts[largest] += vat_total - sum(parts, ZERO)
    return parts
