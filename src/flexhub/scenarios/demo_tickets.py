"""A year of the Met Police's ticket history for the demo, the same on every run.

The tickets are made as a scenario file's ticket specs, checked with the file's own event-order
rule and written by the loader's bulk writer (`servicedesk.loading.tickets_load`), so their state,
due dates and breaches are what loading them from YAML would give, and writing them again
changes nothing. Each response and resolution is placed on its priority's own SLA clock (business
hours and bank holidays included), so the share within target is the one intended here, and the
service credits of the P1 breaches reach the invoices of their months like any other breach.

Only `random()` of a seeded `random.Random` is drawn on: its sequence is the one thing Python
promises not to change between versions, so every supported Python makes the same history.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from flexhub.billing.models import BillingRun
from flexhub.core.audit import Actor
from flexhub.core.bulk import LoadCounts
from flexhub.core.models import Organisation
from flexhub.frameworks.models import Framework
from flexhub.rules.periods import Month, months
from flexhub.rules.sla_clock import Clock
from flexhub.rules.ticket_state import event_order_problems
from flexhub.scenarios.schema import EventSpec, TicketSpec
from flexhub.servicedesk.loading import tickets_load
from flexhub.servicedesk.models import Ticket
from flexhub.servicedesk.selectors import sla_context

MET_FRAMEWORK = "MPSTT"
MET_MEMBER = "MPS"
MET_SEED = 20160401
# The first contract year: both call-offs (end user computing and hosting) run through it.
MET_FIRST, MET_LAST = Month(2016, 4), Month(2017, 3)
MET_PER_MONTH = 85
# The share of new tickets each tower is first routed to; a tower not named gets 10.
MET_TOWER_WEIGHTS = {"EUC": 60, "HOST": 25, "NET": 15}

PRIORITY_WEIGHTS = {"P1": 3, "P2": 12, "P3": 55, "P4": 30}
INCIDENT_SHARE = {"P1": 1.0, "P2": 1.0, "P3": 0.65, "P4": 0.3}
LATE_RESPONSE = 0.06
RESOLUTION_BREACH = {"P1": 0.3, "P2": 0.12, "P3": 0.06, "P4": 0.04}
REASSIGNED = 0.15  # of tickets, routed once to another tower; a quarter of those a second time
AWAITING_CUSTOMER = 0.12  # of P3 and P4 tickets, paused once for the customer
CLOSED_BY_MEMBER = 0.7  # of resolved tickets, confirmed fixed by the member

SITES = (
    "Lambeth",
    "Brixton",
    "Croydon",
    "Charing Cross",
    "Hendon",
    "Wembley",
    "Stoke Newington",
    "Bethnal Green",
    "Lewisham",
    "Kingston",
    "Ealing",
    "Holborn",
    "Sutton",
    "Barking",
    "Hammersmith",
)
SYSTEMS = (
    "Crime recording system",
    "Custody system",
    "Intelligence database",
    "Body-worn video upload",
    "Command and control",
    "Email",
)
# Titles per tower and kind; {site} and {system} are filled in.
TITLES: dict[str, dict[str, tuple[str, ...]]] = {
    "EUC": {
        "incident": (
            "Laptop will not start at {site}",
            "Cannot log in to the desktop at {site}",
            "Printer offline in the {site} custody suite",
            "Smartcard reader not recognised at {site}",
            "{system} client crashes on the {site} front counter",
        ),
        "request": (
            "Laptop for a new starter at {site}",
            "Second monitor for the {site} front counter",
            "Install the {system} client for a detective at {site}",
            "Move six desktops to the new briefing room at {site}",
        ),
    },
    "HOST": {
        "incident": (
            "{system} slow at shift change",
            "{system} unavailable at {site}",
            "Nightly backup of the {system} failed",
            "{system} reports full storage",
        ),
        "request": (
            "More storage for the {system}",
            "Renew the certificate of the {system}",
            "Test copy of the {system} for an upgrade",
        ),
    },
    "NET": {
        "incident": (
            "Wi-Fi drops in the {site} briefing room",
            "Site link to {site} saturated",
            "VPN will not connect from {site}",
            "{system} unreachable from {site}",
        ),
        "request": (
            "New network points for the {site} custody suite",
            "Guest Wi-Fi for a community meeting at {site}",
        ),
    },
}
GENERIC_TITLES = {"incident": ("{system} fault at {site}",), "request": ("Service request from {site}",)}


def _pick(rng: random.Random, weights: Mapping[str, float]) -> str:
    """A key drawn with the given weights (from `random()` alone, see the module's note)."""
    point = rng.random() * sum(weights.values())
    for key, weight in weights.items():
        point -= weight
        if point < 0:
            return key
    return next(reversed(list(weights)))


def _whole(rng: random.Random, low: float, high: float) -> int:
    """A whole number in [low, high]."""
    return int(low + (high - low) * rng.random())


def _choice(rng: random.Random, options: Sequence[str]) -> str:
    return options[min(int(rng.random() * len(options)), len(options) - 1)]


def _opened_at(rng: random.Random, month: Month, priority: str, zone: ZoneInfo) -> dt.datetime:
    """P1 and P2 faults come at any hour; P3 and P4 in working hours on weekdays."""
    day = month.first + dt.timedelta(days=_whole(rng, 0, month.days - 0.001))
    if priority in ("P1", "P2"):
        minute = _whole(rng, 0, 24 * 60 - 0.001)
    else:
        while day.weekday() >= 5:
            day = month.first + dt.timedelta(days=_whole(rng, 0, month.days - 0.001))
        minute = _whole(rng, 7 * 60, 19 * 60 - 0.001)
    local = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), zone)
    return local.astimezone(dt.UTC)


def _one_ticket(
    rng: random.Random,
    *,
    month: Month,
    towers: Mapping[str, float],
    targets: Mapping[str, tuple[int, int]],
    clocks: Mapping[str, Clock],
    zone: ZoneInfo,
) -> tuple[str, str, str, str, list[EventSpec]]:
    """(kind, priority, tower, title, events) of one ticket opened in `month`."""
    priority = _pick(rng, {p: w for p, w in PRIORITY_WEIGHTS.items() if p in targets})
    kind = "incident" if rng.random() < INCIDENT_SHARE.get(priority, 0.5) else "request"
    tower = _pick(rng, towers)
    titles = TITLES.get(tower, GENERIC_TITLES)[kind]
    title = _choice(rng, titles).format(site=_choice(rng, SITES), system=_choice(rng, SYSTEMS))
    respond, resolve = targets[priority]
    clock = clocks[priority]
    opened = _opened_at(rng, month, priority, zone)
    late = rng.random() < LATE_RESPONSE
    # Offsets are clock minutes: the response from opening, the rest net of any pause.
    response = max(1, _whole(rng, respond * 1.2, respond * 3) if late else _whole(rng, respond * 0.15, respond * 0.9))
    breached = rng.random() < RESOLUTION_BREACH.get(priority, 0.05)
    resolution = _whole(rng, resolve * 1.1, resolve * 2.2) if breached else _whole(rng, resolve * 0.25, resolve * 0.95)
    resolution = max(resolution, response + 6)
    pause: tuple[int, dt.timedelta] | None = None
    if priority in ("P3", "P4") and rng.random() < AWAITING_CUSTOMER:
        pause = (_whole(rng, response + 1, resolution - 3), dt.timedelta(minutes=_whole(rng, 120, 72 * 60)))
    moves: list[tuple[int, str]] = []
    if rng.random() < REASSIGNED:
        others = {code: weight for code, weight in towers.items() if code != tower}
        if others:
            moves.append((_whole(rng, response + 1, resolution - 2), _pick(rng, others)))
            if rng.random() < 0.25:
                back = {code: weight for code, weight in towers.items() if code != moves[0][1]}
                moves.append((_whole(rng, moves[0][0] + 1, resolution - 1), _pick(rng, back)))
    resumed_at = None
    if pause is not None:
        resumed_at = clock.advance(opened, pause[0] * 60) + pause[1]

    def at(offset: int) -> dt.datetime:
        if pause is None or resumed_at is None or offset <= pause[0]:
            return clock.advance(opened, offset * 60)
        return clock.advance(resumed_at, (offset - pause[0]) * 60)

    steps: list[tuple[int, int, EventSpec]] = [(response, 0, EventSpec(at(response), "responded"))]
    steps += [(offset, 1, EventSpec(at(offset), "reassigned", code)) for offset, code in moves]
    if pause is not None and resumed_at is not None:
        steps.append((pause[0], 2, EventSpec(at(pause[0]), "awaiting_customer")))
        steps.append((pause[0], 3, EventSpec(resumed_at, "resumed")))
    resolved_at = at(resolution)
    events = [EventSpec(opened, "opened")] + [e for _, _, e in sorted(steps, key=lambda s: (s[0], s[1]))]
    events.append(EventSpec(resolved_at, "resolved"))
    if rng.random() < CLOSED_BY_MEMBER:
        events.append(EventSpec(resolved_at + dt.timedelta(minutes=_whole(rng, 60, 5 * 24 * 60)), "closed"))
    return kind, priority, tower, title, events


def ticket_history(
    *,
    seed: int,
    first: Month,
    last: Month,
    member: str,
    towers: Mapping[str, float],
    targets: Mapping[str, tuple[int, int]],
    clocks: Mapping[str, Clock],
    zone: ZoneInfo,
    per_month: int,
) -> list[TicketSpec]:
    """About `per_month` resolved tickets of `member` opened in each month from `first` to `last`,
    the same for the same arguments: a realistic mix of priorities and kinds, routed among
    `towers` (some reassigned, some paused awaiting the customer), most within their targets
    (`targets[priority]` is (respond, resolve) minutes on `clocks[priority]`), some not.
    Refs run MPS-INC-1001, MPS-REQ-1002, ... in the order the tickets were opened."""
    rng = random.Random(seed)  # noqa: S311 - made-up demo data, repeatable on purpose; nothing secret
    drawn: list[tuple[str, str, str, str, list[EventSpec]]] = []
    for month in months(first, last):
        count = _whole(rng, per_month * 0.8, per_month * 1.2)
        batch = [
            _one_ticket(rng, month=month, towers=towers, targets=targets, clocks=clocks, zone=zone)
            for _ in range(count)
        ]
        drawn += sorted(batch, key=lambda t: t[4][0].at)
    specs = []
    for serial, (kind, priority, tower, title, events) in enumerate(drawn, start=1001):
        ref = f"{member}-{'INC' if kind == 'incident' else 'REQ'}-{serial}"
        problems = event_order_problems([(e.at, e.type) for e in events])
        if problems:  # a bug here, not in anyone's data: stop before writing any of it
            raise RuntimeError(f"demo ticket {ref} has an impossible history: {problems[0].message}")
        specs.append(TicketSpec(ref, member, kind, priority, title, events, tower))
    return specs


def demo_ticket_history(actor: Actor) -> LoadCounts:
    """Give the Met Police framework its year of ticket history, unless its months were billed
    without it (adding breaches to issued months would leave the invoices short of their credits).
    Idempotent: a second run finds every ticket unchanged."""
    counts = LoadCounts()
    framework = Framework.objects.get(code=MET_FRAMEWORK)
    context = sla_context(framework)
    if context is None:
        return counts
    member = Organisation.objects.get(code=MET_MEMBER)
    towers = {code: float(MET_TOWER_WEIGHTS.get(code, 10)) for code in framework.towers.values_list("code", flat=True)}
    specs = ticket_history(
        seed=MET_SEED,
        first=MET_FIRST,
        last=MET_LAST,
        member=MET_MEMBER,
        towers=towers,
        targets={p: (t.respond_minutes, t.resolve_minutes) for p, t in context.targets.items()},
        clocks={p: clock for p in context.targets if (clock := context.clock(p, member.region)) is not None},
        zone=context.zone,
        per_month=MET_PER_MONTH,
    )
    if not specs:
        return counts
    stored = Ticket.objects.filter(framework=framework, ref=specs[0].ref).exists()
    billed = BillingRun.objects.filter(framework=framework, period__gte=MET_FIRST.first).exists()
    if billed and not stored:
        return counts
    tickets_load(actor=actor, framework=framework, specs=specs, orgs={MET_MEMBER: member}, counts=counts)
    return counts
