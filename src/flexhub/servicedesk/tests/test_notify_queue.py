"""The service desk's notices go through the task queue (core.mail): with a queue, raising a
ticket leaves the sending to a worker."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import override_settings
from django_tasks import default_task_backend

from flexhub.core.mail import send_messages
from flexhub.servicedesk import notify
from flexhub.servicedesk.models import Ticket

pytestmark = pytest.mark.django_db

QUEUED = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@override_settings(TASKS=QUEUED)
def test_with_a_queue_the_message_waits_for_a_worker(world):
    ticket = Ticket.objects.filter(member__code="MBRA").order_by("pk").first()

    notify.ticket_raised(ticket.pk)

    assert mail.outbox == []  # nothing sent inside the request
    queued = default_task_backend.results  # type: ignore[attr-defined]
    assert len(queued) == 2  # the member's people and the desk
    assert {result.task.name for result in queued} == {send_messages.name}
    messages = [message for result in queued for message in result.args[0]]
    assert messages and all(ticket.ref in subject for subject, _, _, _ in messages)
    for result in queued:
        send_messages.call(*result.args)  # what the worker does
    sent = sorted(to for m in mail.outbox for to in m.to)
    assert sent == sorted(to for *_, recipients in messages for to in recipients)
