"""core.compiled.ScopedLookup finds exactly what `visible_to` finds, for every login, compiled
once per role; a scope that depends on more than the user's ids is never compiled."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from flexhub.core.audit import Actor
from flexhub.core.compiled import ScopedLookup
from flexhub.core.models import User
from flexhub.core.testing.world import ACTING_LOGINS
from flexhub.frameworks.models import Framework, Tower
from flexhub.servicedesk import services
from flexhub.servicedesk.api import EVENT_ROWS, TICKET_ROW
from flexhub.servicedesk.models import MEMBER_ROLES, Ticket, TicketEvent
from flexhub.servicedesk.queues import QUEUE_ROW_FIELDS, VISIBLE_FRAMEWORKS, VISIBLE_TOWERS
from flexhub.servicedesk.views import EVENTS_FOR_PAGE

pytestmark = pytest.mark.django_db


def _columns(instance):
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def _ticket_page_scope(user):
    return Ticket.objects.visible_to(user).select_related("framework", "member", "current_tower__supplier")


def test_a_scoped_lookup_finds_exactly_what_visible_to_finds_for_every_login(world):
    lookup = ScopedLookup(_ticket_page_scope, "pk")
    tickets = list(Ticket.objects.values_list("pk", flat=True))
    assert len(tickets) >= 4  # both members' tickets, in both frameworks
    for username in ACTING_LOGINS:
        user = User.objects.get(username=username)
        seen = 0
        for pk in [*tickets, 10**12]:
            expected = _ticket_page_scope(user).filter(pk=pk).first()
            found = lookup.first(user, pk)
            if expected is None:
                assert found is None, (username, pk)
                continue
            seen += 1
            assert _columns(found) == _columns(expected)
            with CaptureQueriesContext(connection) as queries:
                assert found.current_tower is None or _columns(found.current_tower.supplier) == _columns(
                    expected.current_tower.supplier
                )
                assert found.member.code == expected.member.code
            assert len(queries) == 0  # read with the ticket
        assert seen < len(tickets), username  # nobody sees every ticket of both frameworks


def test_a_scoped_lookup_for_someone_not_signed_in_finds_nothing(world):
    lookup = ScopedLookup(_ticket_page_scope, "pk")
    ticket = Ticket.objects.first()
    assert lookup.first(AnonymousUser(), ticket.pk) is None
    inactive = User.objects.get(username=ACTING_LOGINS[0])
    inactive.is_active = False
    assert lookup.first(inactive, ticket.pk) is None


def test_a_role_that_sees_no_rows_finds_none_without_a_query(world):
    lookup = ScopedLookup(lambda user: Ticket.objects.visible_to(user).none(), "pk")
    user = User.objects.get(username=ACTING_LOGINS[0])
    ticket = Ticket.objects.first()
    with CaptureQueriesContext(connection) as queries:
        assert lookup.first(user, ticket.pk) is None
    assert len(queries) == 0


def test_a_scope_that_depends_on_more_than_the_users_ids_is_run_through_django(world, caplog):
    # A made-up scope that reads the user's username: compiled for a stand-in, the stand-in's
    # username would be kept in it and nobody would find their tickets. It must never be
    # compiled, and still answer right.
    def raised_by_them(user):
        return Ticket.objects.visible_to(user).filter(raised_by__username=user.username)

    lookup = ScopedLookup(raised_by_them, "pk")
    found = 0
    for username in ACTING_LOGINS:
        user = User.objects.get(username=username)
        for ticket in Ticket.objects.all():
            expected = raised_by_them(user).filter(pk=ticket.pk).first()
            assert (lookup.first(user, ticket.pk) is None) == (expected is None), (username, ticket.ref)
            found += expected is not None
    assert found > 0
    assert "depends on more than the user's ids" in caplog.text


def test_a_scoped_list_gives_a_tickets_events_as_the_orm_does_internal_notes_only_to_staff(world):
    agent = User.objects.get(username="supa-agent")
    ticket = Ticket.objects.filter(current_tower__supplier=agent.organisation).first()
    services.ticket_comment(
        actor=Actor(user=agent, label=agent.username, channel="web"),
        ticket=ticket,
        note="Checked the switch",
        internal=True,
    )
    services.ticket_comment(
        actor=Actor(user=agent, label=agent.username, channel="web"), ticket=ticket, note="On our way", internal=False
    )
    shown = 0
    for username in ACTING_LOGINS:
        user = User.objects.get(username=username)
        for pk in Ticket.objects.visible_to(user).values_list("pk", flat=True):
            expected = list(TicketEvent.objects.of_visible_ticket(pk, user).order_by("seq"))
            found = EVENTS_FOR_PAGE.all(user, pk)
            assert [_columns(e) for e in found] == [_columns(e) for e in expected], (username, pk)
            if pk == ticket.pk:
                notes = [e.note for e in found]
                assert "On our way" in notes
                assert ("Checked the switch" in notes) == (user.role not in MEMBER_ROLES), username
                shown += 1
    assert shown >= 2  # the agent's and the member's people's views of the ticket


@pytest.mark.parametrize(
    ("compiled_list", "orm"),
    [
        (VISIBLE_TOWERS, lambda user: Tower.objects.visible_to(user).order_by("code", "name")),
        (VISIBLE_FRAMEWORKS, lambda user: Framework.objects.visible_to(user).order_by("pk")),
    ],
)
def test_the_queues_towers_and_frameworks_are_those_visible_to_gives(world, compiled_list, orm):
    sizes = set()
    for username in ACTING_LOGINS:
        user = User.objects.get(username=username)
        found = compiled_list.all(user)
        assert [_columns(row) for row in found] == [_columns(row) for row in orm(user)], username
        sizes.add(len(found))
    assert len(sizes) > 1  # the logins see different rows


def test_scoped_rows_are_the_values_the_orm_reads(world):
    compared = 0
    for username in ACTING_LOGINS:
        user = User.objects.get(username=username)
        for pk in Ticket.objects.values_list("pk", flat=True):
            expected = (
                Ticket.objects.visible_to(user)
                .filter(pk=pk)
                .values_list(*QUEUE_ROW_FIELDS, "description", "category__code")
                .first()
            )
            assert TICKET_ROW.first(user, pk) == expected, (username, pk)
            events = TicketEvent.objects.of_visible_ticket(pk, user).order_by("seq")
            rows = events.values_list("id", "seq", "at", "type", "tower__code", "actor__username", "note", "internal")
            if expected is not None:
                assert EVENT_ROWS.all(user, pk) == list(rows)
                compared += 1
    assert compared > len(ACTING_LOGINS)
