"""Supplier scorecards per tower and month: tickets received, response and resolution within
target, time each tower held tickets, and reassignments in and out."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max

from flexhub.core.charts import Series, line_chart
from flexhub.frameworks.models import Framework
from flexhub.rules.periods import Month, months
from flexhub.rules.sla_clock import measure_resolution, measure_response, time_per_tower
from flexhub.rules.ticket_state import response_end
from flexhub.servicedesk.models import Ticket, TicketEvent
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


def framework_scorecards(framework: Framework, first: Month | None = None, last: Month | None = None) -> dict[str, Any]:
    """The scorecard of the last twelve months with activity (or the months asked for), by tower,
    with a chart of each supplier's resolutions within target."""
    if last is None:
        latest = Ticket.objects.filter(framework=framework).aggregate(latest=Max("opened_at"))["latest"]
        last = Month.of(latest.date()) if latest else Month.of(dt.date.today())
    if first is None:
        first = Month(last.year - 1, last.month).next()
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
    return {"first": str(first), "last": str(last), "rows": rows, "chart": chart, "suppliers": suppliers}


def month_range(first: str, last: str) -> tuple[Any, Any, str]:
    """The months asked for (YYYY-MM), or (None, None) for the last twelve with activity."""
    if not first and not last:
        return None, None, ""
    try:
        start, end = Month.parse(first), Month.parse(last)
    except ValueError:
        return None, None, "Give both months as YYYY-MM, for example 2016-04 and 2017-03."
    if end < start or end.index_from(start) > 35:
        return None, None, "Choose up to 36 months, the first before the last."
    return start, end, ""
