"""The `flexhub` commands start quickly: they skip Django's system checks (which `flexhub check`
and CI run) and load nothing they do not use."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import import_module

from django.core.management import get_commands

from flexhub.core.management.base import FlexhubCommand


def test_every_flexhub_command_skips_the_system_checks():
    modules = {
        name: import_module(f"{app}.management.commands.{name}")
        for name, app in get_commands().items()
        if app.startswith("flexhub.")
    }
    # A module beside the commands that only helps them (import_common) is no command.
    commands = {name: module.Command() for name, module in modules.items() if hasattr(module, "Command")}
    assert {"bill", "sla", "load", "user", "import-staff"} <= commands.keys()
    for name, command in commands.items():
        assert isinstance(command, FlexhubCommand), name
        assert command.requires_system_checks == [], name


def test_the_bill_command_loads_neither_the_web_layer_nor_pdf_drawing(tmp_path):
    """`flexhub bill` without --issue draws no PDF, and a command serves no page: fpdf2, the
    URLconf and the API views stay unimported (they cost `flexhub bill` most of a second)."""
    code = (
        "import sys, django\n"
        "django.setup()\n"
        "from django.core.management import load_command_class\n"
        "load_command_class('flexhub.billing', 'bill')\n"
        "heavy = ('fpdf', 'flexhub.urls', 'flexhub.billing.api', 'drf_spectacular.views', 'rest_framework.views')\n"
        "print(' '.join(m for m in heavy if m in sys.modules))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "flexhub.settings", "FLEXHUB_VAR_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
