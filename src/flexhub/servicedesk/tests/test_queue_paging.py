"""Queues paged by key: every ticket once, in the queue's order, whatever the page size; the API's
rows as the ticket serializer writes them; a broken page link explained, never a crash."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from flexhub.core.audit import Actor
from flexhub.core.errors import RuleError
from flexhub.core.testing.clients import api_client, page_client
from flexhub.servicedesk import services
from flexhub.servicedesk.api import (
    EventSerializer,
    TicketDetailSerializer,
    TicketSerializer,
    queue_row_json,
    ticket_events_json,
)
from flexhub.servicedesk.models import OPEN_STATES, Ticket, TicketEvent, TicketStatus
from flexhub.servicedesk.panels import home_tickets
from flexhub.servicedesk.queues import QueueKey, queue_page


def ticket_queue(user, filters):
    """The reference: the whole open queue in its order (soonest breach first, tickets with no
    due time last), as one plain query."""
    assert filters == {}
    return (
        Ticket.objects.visible_to(user)
        .filter(status__in=OPEN_STATES)
        .order_by(F("next_due_at").asc(nulls_last=True), "opened_at", "pk")
    )


def _tickets(world, count: int, seed: int = 7) -> list[Ticket]:
    """`count` tickets of MBRA spread over both towers and both open states, with due times that
    tie, and some with none (paused), so every branch of the order is exercised."""
    rng = random.Random(seed)
    towers = list(world.frameworks["ONE"].towers.order_by("code"))
    start = timezone.now().replace(microsecond=0)
    made = []
    for i in range(count):
        ticket = services.ticket_raise(
            actor=Actor(user=world.users["mbra-user"], label="mbra-user", channel="web"),
            framework=world.frameworks["ONE"],
            member=world.orgs["MBRA"],
            kind="incident",
            priority=rng.choice(["P2", "P3", "P4"]),
            title=f"Ticket {i}",
        )
        paused = rng.random() < 0.25
        Ticket.objects.filter(pk=ticket.pk).update(
            current_tower=rng.choice(towers),
            status=TicketStatus.AWAITING_CUSTOMER if paused else TicketStatus.OPEN,
            next_due_at=None if paused else start + dt.timedelta(minutes=rng.choice([5, 5, 30, 60, 90])),
            opened_at=start - dt.timedelta(minutes=rng.choice([1, 1, 2, 3])),
        )
        made.append(ticket)
    return made


def _walk(user, size: int) -> list[int]:
    seen, after = [], None
    for _ in range(1000):
        page = queue_page(user, {}, after=after, size=size)
        seen.extend(row.pk for row in page.rows)
        if page.next_key is None:
            return seen
        after = page.next_key
    raise AssertionError("the pages never ended")


@pytest.mark.parametrize("username", ["supa-agent", "aauth-admin", "inta-integrator", "mbra-admin"])
@pytest.mark.parametrize("size", [1, 3, 7, 50])
def test_paging_by_key_gives_every_ticket_once_in_the_queues_order(world, username, size):
    _tickets(world, 23)
    user = world.users[username]
    expected = list(ticket_queue(user, {}).values_list("pk", flat=True))
    assert len(expected) >= 23
    assert _walk(user, size) == expected


def test_a_page_stops_at_its_size_and_says_whether_there_is_more(world):
    _tickets(world, 5)
    agent = world.users["supa-agent"]
    total = ticket_queue(agent, {}).count()
    exact = queue_page(agent, {}, size=total)
    assert len(exact.rows) == total and exact.next_key is None
    short = queue_page(agent, {}, size=total - 1)
    assert len(short.rows) == total - 1 and short.next_key is not None


def test_the_key_survives_its_link_and_a_broken_one_is_refused():
    key = QueueKey(None, dt.datetime(2024, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC), 42)
    assert QueueKey.from_token(key.token()) == key
    dated = QueueKey(dt.datetime(2024, 3, 2, tzinfo=dt.UTC), dt.datetime(2024, 3, 1, tzinfo=dt.UTC), 7)
    assert QueueKey.from_token(dated.token()) == dated
    for broken in ("", "nonsense", dated.token()[:-3], "MjAyNHwyMDI0fHg"):
        with pytest.raises(RuleError, match="start again from the first page"):
            QueueKey.from_token(broken)


def test_the_apis_rows_are_what_the_ticket_serializer_writes(world):
    _tickets(world, 4)
    body = api_client(world, "supa-agent").get("/api/v1/tickets/").json()
    assert set(body) == {"next", "results"} and body["next"] is None
    by_id = {t.pk: t for t in Ticket.objects.select_related("framework", "member", "current_tower")}
    assert body["results"] and all(row == TicketSerializer(by_id[row["id"]]).data for row in body["results"])


def test_the_api_walks_the_queue_by_its_next_links(world, settings):
    _tickets(world, 9)
    client = api_client(world, "aauth-admin")
    expected = list(ticket_queue(world.users["aauth-admin"], {}).values_list("pk", flat=True))
    page = queue_page(world.users["aauth-admin"], {}, size=4)
    first = client.get("/api/v1/tickets/", {"after": QueueKey.from_token(page.next_key.token()).token()}).json()
    assert [r["id"] for r in first["results"]] == expected[4 : 4 + 50]
    broken = client.get("/api/v1/tickets/", {"after": "not-a-key"})
    assert broken.status_code == 400 and "start again from the first page" in broken.json()["detail"]


def test_the_page_links_to_the_next_page_and_explains_a_broken_link(world):
    _tickets(world, 55)
    client = page_client(world, "supa-agent")
    first = client.get(reverse("ticket-list"))
    assert len(first.context["object_list"]) == 50
    body = first.content.decode()
    assert 'data-testid="queue-next"' in body
    token = first.context["next_after"]
    second = client.get(reverse("ticket-list"), {"after": token})
    assert len(second.context["object_list"]) == ticket_queue(world.users["supa-agent"], {}).count() - 50
    assert 'data-testid="queue-next"' not in second.content.decode() and "First page" in second.content.decode()
    broken = client.get(reverse("ticket-list"), {"after": "!!!"})
    assert broken.status_code == 200 and len(broken.context["object_list"]) == 50
    assert "The page link is broken or out of date" in broken.content.decode()


def test_a_row_of_values_says_what_the_queue_shows(world):
    (ticket,) = _tickets(world, 1)
    row = queue_page(world.users["supa-agent"], {}).rows[0]
    ticket.refresh_from_db()
    assert (row.pk, row.ref, row.member_code, row.tower_code) == (
        ticket.pk,
        ticket.ref,
        "MBRA",
        ticket.current_tower.code,
    )
    assert queue_row_json(row) == TicketSerializer(ticket).data


def test_a_tickets_events_are_written_as_the_event_serializer_writes_them(world):
    (ticket,) = _tickets(world, 1)
    agent, member = world.users["supa-agent"], world.users["mbra-user"]
    services.ticket_comment(
        actor=Actor(user=agent, label="supa-agent", channel="web"),
        ticket=ticket,
        note="Internal: call back",
        internal=True,
    )
    services.ticket_respond(actor=Actor(user=agent, label="supa-agent", channel="web"), ticket=ticket, note="On it")
    events = TicketEvent.objects.filter(ticket=ticket).order_by("seq")
    assert len(events) == 3
    assert ticket_events_json(ticket, agent) == EventSerializer(events, many=True).data
    shown_to_member = ticket_events_json(ticket, member)
    assert [e["note"] for e in shown_to_member] == [e.note for e in events if not e.internal]
    assert len(shown_to_member) == 2


@pytest.mark.parametrize("username", ["supa-agent", "aauth-admin", "inta-integrator", "mbra-admin", "mbra-user"])
def test_the_home_panel_counts_what_the_queue_holds(world, username):
    """Open, past their target and due within four hours: each as the queue's own filters find
    them (the agent's counts are read through the queue's index, everyone else's by scope)."""
    made = _tickets(world, 23)
    now = timezone.now()
    Ticket.objects.filter(pk__in=[t.pk for t in made[:5]]).update(resolution_breached_at=now)
    Ticket.objects.filter(pk__in=[t.pk for t in made[5:7]]).update(response_breached_at=now, next_due_at=now)
    Ticket.objects.filter(pk=made[7].pk).update(status=TicketStatus.RESOLVED)
    Ticket.objects.filter(pk=made[8].pk).update(next_due_at=now + dt.timedelta(hours=5))
    user = world.users[username]
    queue = ticket_queue(user, {})
    past_target = Q(response_breached_at__isnull=False) | Q(resolution_breached_at__isnull=False)
    breached = queue.filter(past_target)
    due_soon = queue.exclude(past_target).filter(next_due_at__lte=now + dt.timedelta(hours=4))
    panel = home_tickets(user)
    assert queue.count() > breached.count() > 0
    assert (panel["open_tickets"], panel["breached_tickets"], panel["due_soon"]) == (
        queue.count(),
        breached.count(),
        due_soon.count(),
    )


@pytest.mark.parametrize("username", ["supa-agent", "mbra-user"])
def test_a_ticket_from_the_api_is_what_the_detail_serializer_writes(world, username, rf):
    (ticket,) = _tickets(world, 1)
    agent = world.users["supa-agent"]
    services.ticket_comment(
        actor=Actor(user=agent, label="supa-agent", channel="web"), ticket=ticket, note="x", internal=True
    )
    user = world.users[username]
    request = rf.get("/")
    request.user = user
    ticket = Ticket.objects.get(pk=ticket.pk)
    expected = TicketDetailSerializer(ticket, context={"request": request}).data
    answer = api_client(world, username).get(f"/api/v1/tickets/{ticket.pk}/")
    assert answer.status_code == 200
    assert answer.json() == json.loads(json.dumps(expected))
    assert len(answer.json()["events"]) == (2 if username == "supa-agent" else 1)
    assert api_client(world, username).get("/api/v1/tickets/nine/").status_code == 404
