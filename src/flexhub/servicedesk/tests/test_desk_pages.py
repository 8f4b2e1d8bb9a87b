"""What an agent and a member meet on the desk's pages: where a reassignment lands, and the
summary's stated limit."""

from __future__ import annotations

import pytest
from django.urls import reverse

from flexhub.core.audit import Actor
from flexhub.core.errors import RuleError
from flexhub.core.models import Organisation
from flexhub.core.testing.clients import page_client
from flexhub.frameworks import services as framework_services
from flexhub.servicedesk import services
from flexhub.servicedesk.models import TITLE_LIMIT, Ticket


def _ticket(world, title="Laptop will not start"):
    return services.ticket_raise(
        actor=Actor(user=world.users["mbra-user"], label="mbra-user", channel="web"),
        framework=world.frameworks["ONE"],
        member=world.orgs["MBRA"],
        kind="incident",
        priority="P3",
        title=title,
    )


def test_an_agent_who_reassigns_a_ticket_to_another_suppliers_tower_lands_on_its_queue(world):
    framework = world.frameworks["ONE"]
    hosting = Organisation.objects.create(code="HOSTCO", name="Hosting Company", is_supplier=True)
    framework.suppliers.add(hosting)
    tower = framework_services.tower_save(
        actor=Actor.for_cli(), framework=framework, code="HOST", name="Hosting tower", supplier=hosting
    )
    ticket = _ticket(world)
    agent = page_client(world, "supa-agent")
    response = agent.post(reverse("ticket-reassign", kwargs={"pk": ticket.pk}), {"tower": tower.pk}, follow=True)
    assert response.redirect_chain[-1] == (reverse("ticket-list"), 302)
    assert response.status_code == 200
    body = response.content.decode()
    assert f"{ticket.ref} is with Hosting tower now, so it has left your queue." in body
    assert agent.get(reverse("ticket-detail", kwargs={"pk": ticket.pk})).status_code == 404


def test_an_agent_who_reassigns_within_its_towers_stays_on_the_ticket(world):
    ticket = _ticket(world)
    net = world.frameworks["ONE"].towers.get(code="NET")
    response = page_client(world, "supa-agent").post(
        reverse("ticket-reassign", kwargs={"pk": ticket.pk}), {"tower": net.pk}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("ticket-detail", kwargs={"pk": ticket.pk})


def test_the_summary_limit_is_stated_and_a_longer_one_is_refused_not_cut(world):
    client = page_client(world, "mbra-user")
    form = client.get(reverse("ticket-add")).content.decode()
    assert f"Up to {TITLE_LIMIT} characters" in form
    assert "maxlength" not in form  # a browser would cut a paste silently
    long_title = "x" * (TITLE_LIMIT + 1)
    response = client.post(
        reverse("ticket-add"),
        {"framework": world.frameworks["ONE"].pk, "kind": "incident", "priority": "P3", "title": long_title},
    )
    assert response.status_code == 200
    assert f"Summary must be {TITLE_LIMIT} characters or fewer (it has {TITLE_LIMIT + 1})" in response.content.decode()
    assert not Ticket.objects.filter(title__startswith="xxx").exists()


def test_the_service_refuses_a_summary_over_the_limit_from_any_caller(world):
    with pytest.raises(RuleError, match=f"must be {TITLE_LIMIT} characters or fewer") as refused:
        _ticket(world, title="y" * (TITLE_LIMIT + 1))
    assert refused.value.field == "title"
    assert _ticket(world, title="y" * TITLE_LIMIT).title == "y" * TITLE_LIMIT


def test_the_queue_filters_offer_lists_of_what_the_user_can_see(world):
    ticket = _ticket(world)
    agent = page_client(world, "supa-agent").get(reverse("ticket-list")).content.decode()
    assert '<select name="member"' in agent and '<select name="tower"' in agent
    assert '<option value="MBRA">' in agent and '<option value="EUC">' in agent
    assert 'value="QUILL"' not in agent  # a member of a framework SUPA does not serve
    member = page_client(world, "mbra-user").get(reverse("ticket-list")).content.decode()
    assert 'name="member"' not in member and '<select name="tower"' in member
    narrowed = page_client(world, "aauth-admin").get(reverse("ticket-list"), {"member": "MBRB"}).content.decode()
    assert ticket.ref not in narrowed
    assert (
        ticket.ref in page_client(world, "aauth-admin").get(reverse("ticket-list"), {"member": "MBRA"}).content.decode()
    )
