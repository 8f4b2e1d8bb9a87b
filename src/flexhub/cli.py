"""The `flexhub` console command: Django's management commands with flexhub's settings."""

from __future__ import annotations

import os
import sys


def main() -> None:
    """Run a management command (`flexhub migrate`, `flexhub load FILE`, ...)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flexhub.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["flexhub", *sys.argv[1:]])


if __name__ == "__main__":
    main()
