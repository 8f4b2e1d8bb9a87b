"""Background work of the service desk, through Django's Tasks API (the django-tasks backport).

With the default immediate backend a task runs at once in the caller's process; set
FLEXHUB_TASKS_BACKEND to a queue backend (such as django-tasks-rq over Redis) to hand it
to workers when scaled out.
"""

from __future__ import annotations

from typing import Any

from django_tasks import task

from flexhub.servicedesk.services import sla_sweep


@task()
def sla_sweep_task() -> dict[str, Any]:
    """Record SLA breaches as they happen and warn of imminent ones."""
    return sla_sweep()
