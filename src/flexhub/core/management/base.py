"""What every `flexhub` command shares."""

from __future__ import annotations

from django.core.management.base import BaseCommand


class FlexhubCommand(BaseCommand):
    """A `flexhub` command: it skips Django's system checks, which `flexhub check` and CI run, so a
    command starts without loading the URLconf and every view and API module behind it (on the
    benchmark's data that was 0.4 s of `flexhub bill`'s 1.5 s budget)."""

    requires_system_checks = []
