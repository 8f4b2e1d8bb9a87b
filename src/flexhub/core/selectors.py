"""Reads that need rules: the audit log as a user may see and filter it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from flexhub.core.forms import AuditFilterForm
from flexhub.core.models import AuditEntry


def london_day_start(day: dt.date) -> dt.datetime:
    """The UTC instant at which a UK calendar day begins (the UI's dates are UK dates)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


def audit_entries_filtered(*, user: Any, form: AuditFilterForm) -> QuerySet[AuditEntry]:
    """The audit entries `user` may see, narrowed by the filter form when it is valid."""
    entries = AuditEntry.objects.visible_to(user).select_related("organisation")
    if not form.is_bound or not form.is_valid():
        return entries
    data = form.cleaned_data
    if data["object_type"]:
        entries = entries.filter(object_type__iexact=data["object_type"].strip())
    if data["object_id"]:
        entries = entries.filter(object_id=data["object_id"].strip())
    if data["person"]:
        entries = entries.filter(actor_label__icontains=data["person"].strip())
    if data["date_from"]:
        entries = entries.filter(at__gte=london_day_start(data["date_from"]))
    if data["date_to"]:
        entries = entries.filter(at__lt=london_day_start(data["date_to"] + dt.timedelta(days=1)))
    return entries
