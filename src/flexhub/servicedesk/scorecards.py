"""Supplier scorecards per tower and month: tickets received, response and resolution within
target, time each tower held tickets, and reassignments in and out."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Max, Min, Q
from django.utils import timezone

from flexhub.core.charts import Series, line_chart
from flexhub.frameworks.models import Framework
from flexhub.rules.periods import Month, latest_window, months
from flexhub.rules.sla_clock import measure_resolution, measure_response, time_per_tower
from flexhub.rules.ticket_state import response_end
from flexhub.servicedesk.models import SlaPolicy, Ticket, TicketEvent
from flexhub.servicedesk.selectors import sla_context


@dataclass
class TowerMonth:
    received: int = 0
    responded: int = 0
    responded_in_target: int = 0
    resolved: int = 0
    resolved_in_target: int = 0
    held_seconds: int = 0
    reassigned_in: int = 0
    reassigned_out: int = 0

    @property
    def response_rate(self) -> float | None:
        return round(100 * self.responded_in_target / self.responded, 1) if self.responded else None

    @property
    def resolution_rate(self) -> float | None:
        return round(100 * self.resolved_in_target / self.resolved, 1) if self.resolved else None

    @property
    def held_hours(self) -> float:
        return round(self.held_seconds / 3600, 1)


@dataclass
class Scorecard:
    first: Month
    last: Month
    cells: dict[tuple[str, Month], TowerMonth] = field(default_factory=lambda: defaultdict(TowerMonth))


def scorecard(framework: Framework, first: Month, last: Month) -> Scorecard:
    """Measure every ticket active in [first, last] and attribute it to towers and months."""
    context = sla_context(framework)
    card = Scorecard(first, last)
    if context is None:
        return card
    zone = context.zone
    start = dt.datetime.combine(first.first, dt.time(), zone)
    end = dt.datetime.combine(last.next().first, dt.time(), zone)
    tickets = {
        pk: (priority, region)
        for pk, priority, region in Ticket.objects.filter(framework=framework, opened_at__lt=end)
        .exclude(resolved_at__lt=start)
        .values_list("pk", "priority", "member__region")
    }
    events: dict[int, list[tuple[dt.datetime, str, str | None]]] = defaultdict(list)
    ids = list(tickets)
    for chunk in range(0, len(ids), 20000):
        for ticket_id, at, kind, tower_code in (
            TicketEvent.objects.filter(ticket_id__in=ids[chunk : chunk + 20000])
            .exclude(type="comment")
            .order_by("ticket_id", "seq")
            .values_list("ticket_id", "at", "type", "tower__code")
        ):
            events[ticket_id].append((at, kind, tower_code))

    def month_of(instant: dt.datetime) -> Month:
        return Month.of(instant.astimezone(zone).date())

    far = end + dt.timedelta(days=3650)
    for pk, (priority, region) in tickets.items():
        history = events[pk]
        clock = context.clock(priority, region)
        if clock is None or not history:
            continue
        target = context.targets[priority]
        plain = [(at, kind) for at, kind, _ in history]
        tower = history[0][2]
        for at, kind, event_tower in history:
            m = month_of(at)
            if kind == "opened" and tower:
                card.cells[(tower, m)].received += 1
            elif kind == "reassigned" and event_tower:
                if tower:
                    card.cells[(tower, m)].reassigned_out += 1
                card.cells[(event_tower, m)].reassigned_in += 1
                card.cells[(event_tower, m)].received += 1
                tower = event_tower
            elif kind == "resolved" and tower:
                resolution = measure_resolution(clock, plain, target.resolve_minutes, far)
                cell = card.cells[(tower, m)]
                cell.resolved += 1
                cell.resolved_in_target += 0 if resolution.breached else 1
        responded = response_end(plain)
        if responded is not None and history[0][2]:
            response = measure_response(clock, plain[0][0], responded, target.respond_minutes, far)
            cell = card.cells[(history[0][2], month_of(responded))]
            cell.responded += 1
            cell.responded_in_target += 0 if response.breached else 1
        for span_tower, _, span_end, seconds in time_per_tower(clock, history, min(far, dt.datetime.now(dt.UTC))):
            card.cells[(span_tower, month_of(span_end))].held_seconds += seconds
    return card


def scorecard_window(framework: Framework, today: dt.date | None = None) -> tuple[Month, Month]:
    """The months a scorecard shows when none are asked for (rules.periods.latest_window): up to
    twelve, ending at the last month in which a ticket was opened within the framework's term (in
    the SLA timezone), so an ended framework shows its history, not today's empty months. Tickets
    outside the term count only if none fall within it."""
    zone_name = SlaPolicy.objects.filter(framework=framework).values_list("timezone", flat=True).first()
    zone = ZoneInfo(zone_name) if zone_name else timezone.get_default_timezone()
    start = dt.datetime.combine(framework.start, dt.time(), zone)
    end = dt.datetime.combine(framework.end + dt.timedelta(days=1), dt.time(), zone)
    in_term = Q(opened_at__gte=start, opened_at__lt=end)
    opened = Ticket.objects.filter(framework=framework).aggregate(
        first_in_term=Min("opened_at", filter=in_term),
        last_in_term=Max("opened_at", filter=in_term),
        first=Min("opened_at"),
        last=Max("opened_at"),
    )
    pair = ("first_in_term", "last_in_term") if opened["last_in_term"] else ("first", "last")
    with_data = None
    if opened[pair[1]] is not None:
        first, last = (Month.of(opened[key].astimezone(zone).date()) for key in pair)
        with_data = (first, last)
    return latest_window(
        with_data,
        term=(Month.of(framework.start), Month.of(framework.end)),
        today=Month.of(today or timezone.localdate()),
    )


def framework_scorecards(framework: Framework, first: Month | None = None, last: Month | None = None) -> dict[str, Any]:
    """The scorecard of the months asked for, or else of the latest months with tickets
    (`scorecard_window`), by tower, with a chart of each supplier's resolutions within target."""
    default_window = first is None or last is None
    if first is None or last is None:
        first, last = scorecard_window(framework)
    card = scorecard(framework, first, last)
    towers = list(framework.towers.select_related("supplier").order_by("code"))
    month_list = list(months(first, last))
    rows = []
    for tower in towers:
        for month in month_list:
            cell = card.cells.get((tower.code, month))
            if cell is not None and (cell.received or cell.resolved or cell.held_seconds):
                rows.append({"tower": tower, "month": str(month), "cell": cell})
    suppliers: dict[str, list[Any]] = {}
    for tower in towers:
        suppliers.setdefault(tower.supplier.name, []).append(tower.code)
    series = []
    for supplier, codes in suppliers.items():
        values: list[float | None] = []
        for month in month_list:
            resolved = sum(card.cells[(c, month)].resolved for c in codes if (c, month) in card.cells)
            met = sum(card.cells[(c, month)].resolved_in_target for c in codes if (c, month) in card.cells)
            values.append(round(100 * met / resolved, 1) if resolved else None)
        series.append(Series(supplier, values))
    chart = (
        line_chart(
            f"Tickets resolved within target, by supplier, {first} to {last}",
            [str(m) for m in month_list],
            series,
            y_format=lambda v: f"{v:.0f}%",
        )
        if any(v is not None for s in series for v in s.values)
        else ""
    )
    return {
        "first": str(first),
        "last": str(last),
        "default_window": default_window,
        "rows": rows,
        "chart": chart,
        "suppliers": suppliers,
    }


def month_range(first: str, last: str) -> tuple[Any, Any, str]:
    """The months asked for (YYYY-MM), or (None, None) for the latest with tickets (`scorecard_window`)."""
    if not first and not last:
        return None, None, ""
    try:
        start, end = Month.parse(first), Month.parse(last)
    except ValueError:
        return None, None, "Give both months as YYYY-MM, for example 2016-04 and 2017-03."
    if end < start or end.index_from(start) > 35:
        return None, None, "Choose up to 36 months, the first before the last."
    return start, end, ""
