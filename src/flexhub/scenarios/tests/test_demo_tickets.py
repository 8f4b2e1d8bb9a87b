"""The demo's Met Police ticket history: the same every run, written once, measured by the SLA
rules like any loaded history, and its P1 breaches credited on the invoices of their months."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from flexhub.billing.models import InvoiceLine
from flexhub.billing.services import billing_run
from flexhub.core.audit import Actor
from flexhub.core.models import AuditEntry
from flexhub.frameworks.models import Framework
from flexhub.rules.periods import Month
from flexhub.rules.sla_clock import ALWAYS, BusinessCalendar, Clock, measure_resolution, uk_bank_holidays
from flexhub.scenarios.demo_data import DEMO_DIR
from flexhub.scenarios.demo_tickets import MET_FIRST, MET_LAST, demo_ticket_history, ticket_history
from flexhub.scenarios.schema import TicketSpec
from flexhub.scenarios.services import scenario_load, scenario_parse
from flexhub.servicedesk.models import Ticket, TicketEvent

LONDON = ZoneInfo("Europe/London")
# The Met Police towers' SLA (met-police-towers.yaml): (respond, resolve) minutes per priority.
TARGETS = {"P1": (10, 120), "P2": (30, 480), "P3": (120, 1440), "P4": (480, 4320)}
BUSINESS = Clock(
    "business",
    BusinessCalendar.of(
        "Europe/London",
        ["mon", "tue", "wed", "thu", "fri"],
        dt.time(7),
        dt.time(19),
        uk_bank_holidays("ENG", 2015, 2018),
        years=(2015, 2018),
    ),
)
CLOCKS = {"P1": Clock(ALWAYS), "P2": Clock(ALWAYS), "P3": BUSINESS, "P4": BUSINESS}


def history(seed: int = 7, per_month: int = 40) -> list[TicketSpec]:
    return ticket_history(
        seed=seed,
        first=MET_FIRST,
        last=MET_LAST,
        member="MPS",
        towers={"EUC": 60, "HOST": 25, "NET": 15},
        targets=TARGETS,
        clocks=CLOCKS,
        zone=LONDON,
        per_month=per_month,
    )


def digest(specs: list[TicketSpec]) -> str:
    text = repr(
        [(s.ref, s.kind, s.priority, s.tower, s.title, [(e.at, e.type, e.tower) for e in s.events]) for s in specs]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def test_the_same_seed_makes_the_same_history_and_another_seed_another():
    assert digest(history()) == digest(history())
    assert digest(history()) != digest(history(seed=8))


def test_the_history_is_a_realistic_year():
    specs = history()
    assert 12 * 40 * 0.8 <= len(specs) <= 12 * 40 * 1.2
    assert len({s.ref for s in specs}) == len(specs)
    opened = [s.events[0].at for s in specs]
    assert opened == sorted(opened)
    assert {Month.of(at.astimezone(LONDON).date()) for at in opened} == {Month(2016, 4).plus(i) for i in range(12)}
    assert set(Counter(s.priority for s in specs)) == {"P1", "P2", "P3", "P4"}
    assert {s.tower for s in specs} == {"EUC", "HOST", "NET"}
    kinds = Counter(e.type for s in specs for e in s.events)
    assert kinds["resolved"] == len(specs)
    assert 0 < kinds["reassigned"] < len(specs) / 3
    assert 0 < kinds["awaiting_customer"] == kinds["resumed"]
    assert all(e.tower != s.tower for s in specs for e in s.events[1:2] if e.type == "reassigned")
    # Measured by the SLA rules: most resolved within target, some not, P1 ones among them.
    breached = Counter(
        s.priority
        for s in specs
        if measure_resolution(
            CLOCKS[s.priority], [(e.at, e.type) for e in s.events], TARGETS[s.priority][1], s.events[-1].at
        ).breached
    )
    assert breached["P1"] > 0
    assert 0.03 * len(specs) < sum(breached.values()) < 0.2 * len(specs)


def met_police() -> Framework:
    scenario = scenario_parse((DEMO_DIR / "met-police-towers.yaml").read_text(encoding="utf-8"))
    scenario_load(actor=Actor.for_cli(), scenario=scenario)
    return Framework.objects.get(code="MPSTT")


@pytest.mark.django_db
def test_the_demo_history_is_written_once_and_its_p1_breaches_are_credited():
    framework = met_police()
    first = demo_ticket_history(Actor.for_cli())
    assert 800 <= first.created["tickets"] <= 1500
    stored = (Ticket.objects.count(), TicketEvent.objects.count(), AuditEntry.objects.count())
    again = demo_ticket_history(Actor.for_cli())
    assert again.created["tickets"] == again.updated["tickets"] == 0
    assert again.unchanged["tickets"] == first.created["tickets"]
    assert (Ticket.objects.count(), TicketEvent.objects.count(), AuditEntry.objects.count()) == stored

    breach = (
        Ticket.objects.filter(framework=framework, priority="P1", resolution_breached_at__isnull=False)
        .order_by("resolution_breached_at")
        .values_list("resolution_breached_at", flat=True)
        .first()
    )
    assert breach is not None
    month = Month.of(breach.astimezone(LONDON).date())
    in_month = sum(
        Month.of(at.astimezone(LONDON).date()) == month
        for at in Ticket.objects.filter(framework=framework, priority="P1").values_list(
            "resolution_breached_at", flat=True
        )
        if at is not None
    )
    billing_run(actor=Actor.for_cli(), framework=framework, month=month)
    credit = InvoiceLine.objects.get(invoice__framework=framework, invoice__period=month.first, kind="credit")
    assert credit.priority == "P1" and credit.amount < 0
    assert credit.explanation.startswith(f"{in_month} P1 resolution breach")


@pytest.mark.django_db
def test_months_billed_without_the_history_get_none_of_it():
    framework = met_police()
    billing_run(actor=Actor.for_cli(), framework=framework, month=MET_FIRST.plus(1))
    before = Ticket.objects.filter(framework=framework).count()
    assert demo_ticket_history(Actor.for_cli()).created["tickets"] == 0
    assert Ticket.objects.filter(framework=framework).count() == before == 2  # the file's own two
