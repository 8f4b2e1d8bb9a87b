"""The service desk in a real browser: a member user raises a ticket, an agent of the right
tower answers it, the integrator moves it to another tower."""

from __future__ import annotations

import pytest

from flexhub.servicedesk.models import Ticket
from tests.browser.conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _page(browser, live_server, username):
    page = browser.new_context(base_url=live_server.url, viewport={"width": 1200, "height": 900}).new_page()
    sign_in(page, username)
    return page


def test_raise_answer_and_reassign(browser, live_server, settings, world):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    member = _page(browser, live_server, "mbra-user")
    member.click("nav >> text=Tickets")
    member.click("text=Raise a ticket")
    member.check("input[name=kind][value=incident]")
    member.check("input[name=priority][value=P2]")
    member.fill("#id_title", "Projector in room 4 shows no signal")
    member.fill("#id_description", "Since the meeting at nine")
    member.click("main button[type=submit]")
    member.wait_for_selector("[data-testid=timeline]")
    screenshot(member, "ticket-raised-member")
    ref = member.inner_text("h1").split(":")[0]
    assert "Running" in member.inner_text("[data-testid=sla-response]")

    agent = _page(browser, live_server, "supa-agent")
    agent.goto("/tickets/")
    assert ref in agent.inner_text("[data-testid=ticket-queue]")
    agent.click(f"text={ref}")
    agent.fill("#respond-note", "An engineer is on the way")
    agent.click("button:has-text('Respond')")
    agent.wait_for_selector(".govuk-notification-banner--success")
    screenshot(agent, "ticket-responded-agent")

    integrator = _page(browser, live_server, "inta-integrator")
    ticket = Ticket.objects.get(title="Projector in room 4 shows no signal")
    integrator.goto(f"/tickets/{ticket.pk}/")
    integrator.select_option("[data-testid=reassign] select", label="ONE network (NET)")
    integrator.click("[data-testid=reassign] button")
    integrator.wait_for_selector(".govuk-notification-banner--success")
    screenshot(integrator, "ticket-reassigned-integrator")
    assert "ONE network" in integrator.inner_text("[data-testid=ticket-tower]")

    member.reload()
    timeline = member.inner_text("[data-testid=timeline]")
    assert "An engineer is on the way" in timeline and "Reassigned" in timeline
    assert "Quornshire" not in member.content()
