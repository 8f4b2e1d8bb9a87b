"""The SLA state of a ticket in plain words, for pages and emails."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Protocol

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe

from flexhub.servicedesk.models import Ticket, TicketStatus
from flexhub.servicedesk.queues import QueueRow


def duration_words(delta: dt.timedelta) -> str:
    """1 h 20 min; 3 days 2 h; 45 min."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''}" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {mins} min" if mins else "")
    return f"{mins} min"


def _when(instant: dt.datetime) -> str:
    return date_format(timezone.localtime(instant), "j M Y H:i")


@dataclass(frozen=True)
class SlaLine:
    label: str
    state: str  # met | due | breached | paused | none
    text: str


def sla_lines(ticket: Ticket, now: dt.datetime | None = None) -> list[SlaLine]:
    now = now or timezone.now()
    lines = []
    if ticket.responded_at:
        if ticket.response_breached_at:
            lines.append(
                SlaLine(
                    "Response",
                    "breached",
                    f"responded at {_when(ticket.responded_at)}, after the target "
                    f"(passed at {_when(ticket.response_breached_at)})",
                )
            )
        else:
            lines.append(SlaLine("Response", "met", f"responded at {_when(ticket.responded_at)}, within the target"))
    elif ticket.response_breached_at:
        lines.append(
            SlaLine(
                "Response",
                "breached",
                f"no response yet: the target passed at "
                f"{_when(ticket.response_breached_at)} ({duration_words(now - ticket.response_breached_at)} ago)",
            )
        )
    elif ticket.respond_due_at:
        lines.append(
            SlaLine(
                "Response",
                "due",
                f"due by {_when(ticket.respond_due_at)} ({duration_words(ticket.respond_due_at - now)} left)",
            )
        )
    if ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED) and ticket.resolved_at:
        if ticket.resolution_breached_at:
            lines.append(
                SlaLine(
                    "Resolution",
                    "breached",
                    f"resolved at {_when(ticket.resolved_at)}, after the target "
                    f"(passed at {_when(ticket.resolution_breached_at)})",
                )
            )
        else:
            lines.append(SlaLine("Resolution", "met", f"resolved at {_when(ticket.resolved_at)}, within the target"))
    elif ticket.resolution_breached_at:
        lines.append(
            SlaLine(
                "Resolution",
                "breached",
                f"the target passed at {_when(ticket.resolution_breached_at)} "
                f"({duration_words(now - ticket.resolution_breached_at)} ago)",
            )
        )
    elif ticket.status == TicketStatus.AWAITING_CUSTOMER:
        lines.append(SlaLine("Resolution", "paused", "the clock is paused while waiting for the customer"))
    elif ticket.resolve_due_at:
        lines.append(
            SlaLine(
                "Resolution",
                "due",
                f"due by {_when(ticket.resolve_due_at)} ({duration_words(ticket.resolve_due_at - now)} left)",
            )
        )
    return lines


class QueueState(Protocol):
    """What the queue's words read of a ticket (a Ticket, or a queue row of values)."""

    @property
    def status(self) -> str: ...

    @property
    def next_due_at(self) -> dt.datetime | None: ...

    @property
    def response_breached_at(self) -> dt.datetime | None: ...

    @property
    def resolution_breached_at(self) -> dt.datetime | None: ...


def queue_words(ticket: QueueState, now: dt.datetime | None = None) -> tuple[str, str]:
    """A short state for queue rows: (tag colour, words)."""
    now = now or timezone.now()
    if ticket.response_breached_at or ticket.resolution_breached_at:
        return "red", "breached"
    if ticket.status == TicketStatus.AWAITING_CUSTOMER:
        return "grey", "paused"
    if ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        return "green", str(TicketStatus(ticket.status).label).lower()
    if ticket.next_due_at:
        left = ticket.next_due_at - now
        colour = "orange" if left < dt.timedelta(hours=1) else "blue"
        return colour, f"{duration_words(left)} left"
    return "grey", "no target"


NO_TOWER = "\N{EN DASH}"  # a ticket with the integrator, in no supplier's tower


def queue_rows_html(rows: Sequence[QueueRow], *, show_member: bool, now: dt.datetime | None = None) -> SafeString:
    """The rows of a queue's table. Written in Python: a page of fifty rows through the template
    engine costs several milliseconds of variable lookups, a queue is the page agents reload all
    day, and the markup is one row shape."""
    now = now or timezone.now()
    detail = reverse("ticket-detail", kwargs={"pk": 0}).removesuffix("0/")
    cell = '<td class="govuk-table__cell">'
    lines = []
    for row in rows:
        colour, words = queue_words(row, now)
        member = f"{cell}{escape(row.member_code)}</td>\n" if show_member else ""
        lines.append(
            f'<tr class="govuk-table__row">\n'
            f'{cell}<a class="govuk-link" href="{detail}{row.pk}/">{escape(row.ref)}</a></td>\n'
            f'<td class="govuk-table__cell flexhub-free-text">{escape(row.title)}</td>\n'
            f"{member}"
            f"{cell}{escape(row.priority)}</td>\n"
            f"{cell}{escape(row.tower_code or NO_TOWER)}</td>\n"
            f"{cell}{escape(row.status_label)}</td>\n"
            f'{cell}<strong class="govuk-tag govuk-tag--{colour}">{escape(words)}</strong></td>\n'
            "</tr>"
        )
    if not lines:
        lines.append(f'<tr class="govuk-table__row">{cell[:-1]} colspan="7">No tickets.</td></tr>')
    return mark_safe("\n".join(lines))  # noqa: S308 (every value escaped above)
