"""Email sent through the background queue, so that no one waits on the mail server.

A message is written in the request (its templates, its recipients) and handed to the task
queue to send. With FLEXHUB_REDIS_URL set, a worker holds the SMTP conversation, not the request
that raised a ticket or asked for a password reset link (which would otherwise take longer for
an address that has a login than for one that has not). Without a queue the immediate backend
sends at once, in the same process, as before.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from django.core.mail import send_mass_mail
from django_tasks import task

log = logging.getLogger(__name__)

# A message as the queue carries it (plain JSON): subject, body, sender, recipients.
Message = tuple[str, str, str, Sequence[str]]


@task()
def send_messages(messages: list[tuple[str, str, str, list[str]]]) -> int:
    """Send queued messages (a queue carries each as a list); a mail server that is down is
    logged, and the messages are not tried again."""
    try:
        return send_mass_mail([(subject, body, sender, list(to)) for subject, body, sender, to in messages])
    except OSError:
        log.exception("could not send %d email messages", len(messages))
        return 0


def send_soon(messages: Iterable[Message]) -> int:
    """Queue `messages` (subject, body, sender, recipients) to be sent; how many were queued."""
    queued = [(subject, body, sender, list(to)) for subject, body, sender, to in messages]
    if not queued:
        return 0
    try:
        send_messages.enqueue(queued)
    except Exception:  # a queue that is down must not undo or fail what was already committed
        log.exception("could not queue %d email messages", len(queued))
        return 0
    return len(queued)
