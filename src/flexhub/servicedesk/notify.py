"""Email notifications of the service desk, sent after the change is committed.

Each message says which ticket and what changed. A member's people only ever hear
about their own organisation's tickets, and never of internal notes; the service desk
(agents of the tower's supplier, the integrator) hears about the tickets it works.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.template.loader import render_to_string

from flexhub.core.compiled import CompiledList, CompiledLookup
from flexhub.core.mail import send_soon
from flexhub.core.models import User
from flexhub.core.roles import Role
from flexhub.servicedesk.models import Ticket, TicketEvent

# Read after every step of every ticket: compiled once (core.compiled).
TICKET_TO_TELL = CompiledLookup(
    lambda: Ticket.objects.select_related("framework", "member", "current_tower__supplier", "raised_by"), "pk"
)
PEOPLE_IN_ROLE = CompiledList(lambda: User.objects.order_by("pk"), "organisation", "role")


def _ticket(pk: int) -> Ticket | None:
    return TICKET_TO_TELL.first(pk)


def _emails(users: Iterable[User]) -> list[str]:
    return sorted({u.email for u in users if u.email and u.is_active})


def member_recipients(ticket: Ticket) -> list[str]:
    """The raiser, or (for tickets without one) the member's admins."""
    if ticket.raised_by is not None:
        return _emails([ticket.raised_by])
    return _emails(PEOPLE_IN_ROLE.all(ticket.member_id, Role.MEMBER_ADMIN))


def desk_recipients(ticket: Ticket, *, with_integrator: bool = False) -> list[str]:
    """Agents of the supplier running the ticket's tower, and (if asked) the integrator's people."""
    users = []
    if ticket.current_tower is not None:
        users += PEOPLE_IN_ROLE.all(ticket.current_tower.supplier_id, Role.AGENT)
    if with_integrator and ticket.framework.integrator_id:
        users += PEOPLE_IN_ROLE.all(ticket.framework.integrator_id, Role.INTEGRATOR)
    return _emails(users)


def _send(
    template: str, ticket: Ticket, recipients: list[str], event: TicketEvent | None = None, audience: str = "member"
) -> int:
    if not recipients:
        return 0
    context = {
        "ticket": ticket,
        "event": event,
        "audience": audience,
        "base_url": getattr(settings, "FLEXHUB_BASE_URL", "http://127.0.0.1:8000"),
    }
    subject = " ".join(render_to_string(f"servicedesk/email/{template}_subject.txt", context).split())
    body = render_to_string(f"servicedesk/email/{template}.txt", context)
    return send_soon((subject, body, settings.DEFAULT_FROM_EMAIL, [to]) for to in recipients)


def ticket_raised(pk: int) -> None:
    ticket = _ticket(pk)
    if ticket is None:
        return
    _send("raised", ticket, member_recipients(ticket))
    _send("raised", ticket, desk_recipients(ticket), audience="desk")


def ticket_responded(pk: int, event_pk: int) -> None:
    ticket = _ticket(pk)
    event = TicketEvent.objects.filter(pk=event_pk).first()
    if ticket is not None:
        _send("responded", ticket, member_recipients(ticket), event)


def ticket_commented(pk: int, event_pk: int) -> None:
    ticket = _ticket(pk)
    event = TicketEvent.objects.filter(pk=event_pk, internal=False).first()
    if ticket is None or event is None:
        return
    from_member = event.actor is not None and event.actor.organisation_id == ticket.member_id
    if from_member:
        _send("updated", ticket, desk_recipients(ticket), event, audience="desk")
    else:
        _send("updated", ticket, member_recipients(ticket), event)


def ticket_reassigned(pk: int, event_pk: int) -> None:
    ticket = _ticket(pk)
    event = TicketEvent.objects.filter(pk=event_pk).first()
    if ticket is not None:
        _send("routed", ticket, desk_recipients(ticket), event, audience="desk")


def ticket_resolved(pk: int, event_pk: int) -> None:
    ticket = _ticket(pk)
    event = TicketEvent.objects.filter(pk=event_pk).first()
    if ticket is not None:
        _send("resolved", ticket, member_recipients(ticket), event)


def breach_imminent(pk: int) -> None:
    ticket = _ticket(pk)
    if ticket is not None:
        _send("imminent", ticket, desk_recipients(ticket, with_integrator=True), audience="desk")


def breach_recorded(pk: int) -> None:
    ticket = _ticket(pk)
    if ticket is not None:
        _send("breached", ticket, desk_recipients(ticket, with_integrator=True), audience="desk")
