"""core.mail: messages are handed to the task queue, so a request does not wait on the mail
server; without a queue they are sent at once, as before."""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail
from django.test import Client, override_settings
from django_tasks import default_task_backend
from django_tasks.backends.dummy import DummyBackend

from flexhub.core.mail import send_messages, send_soon

pytestmark = pytest.mark.django_db

QUEUED = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
MESSAGE = ("Ticket raised", "Your ticket is in.", "flexhub@localhost", ["someone@example.gov.uk"])


def test_without_a_queue_a_message_is_sent_at_once():
    assert send_soon([MESSAGE]) == 1
    assert [(m.subject, m.to) for m in mail.outbox] == [("Ticket raised", ["someone@example.gov.uk"])]
    assert send_soon([]) == 0 and len(mail.outbox) == 1


@override_settings(TASKS=QUEUED)
def test_a_password_reset_link_is_queued_too(world):
    user = next(u for u in world.users.values() if u.email)

    answer = Client().post("/accounts/password-reset/", {"email": user.email})

    assert answer.status_code == 302 and mail.outbox == []
    (queued,) = default_task_backend.results  # type: ignore[attr-defined]
    ((subject, body, _, to),) = queued.args[0]
    assert to == [user.email] and "/accounts/reset/" in body and "\n" not in subject


def test_a_mail_server_that_is_down_is_logged_not_raised(monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPConnectError(421, "down for maintenance")

    monkeypatch.setattr("flexhub.core.mail.send_mass_mail", refuse)

    assert send_messages.call([MESSAGE]) == 0
    assert "could not send 1 email messages" in caplog.text


class DownBackend(DummyBackend):
    """A queue whose server is down."""

    def enqueue(self, task, args, kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@override_settings(TASKS={"default": {"BACKEND": "flexhub.core.tests.test_mail.DownBackend"}})
def test_a_queue_that_is_down_is_logged_not_raised(caplog):
    assert send_soon([MESSAGE]) == 0  # what was committed before it stays committed, and answered
    assert "could not queue 1 email messages" in caplog.text and mail.outbox == []
