from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from flexhub.core.models import User

pytestmark = pytest.mark.django_db


def test_user_add_with_password_from_stdin(world, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("a-Secure-passphrase-8\n"))
    out = io.StringIO()
    call_command(
        "user",
        "add",
        "cli-person",
        "--org",
        "MBRA",
        "--role",
        "member-admin",
        "--password-stdin",
        stdout=out,
    )
    assert "created cli-person" in out.getvalue()
    assert User.objects.get(username="cli-person").check_password("a-Secure-passphrase-8")


def test_user_add_refuses_a_role_the_organisation_cannot_hold(world, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(CommandError, match="not a supplier"):
        call_command("user", "add", "bad-agent", "--org", "MBRA", "--role", "agent")
    with pytest.raises(CommandError, match="unknown organisation"):
        call_command("user", "add", "nobody", "--org", "NOPE", "--role", "agent")


def test_user_add_refuses_a_weak_password(world, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("password\n"))
    with pytest.raises(CommandError, match="too common"):
        call_command("user", "add", "weak", "--org", "MBRA", "--role", "member-user", "--password-stdin")
    assert not User.objects.filter(username="weak").exists()


def test_token_prints_the_same_token_twice(world):
    first, second = io.StringIO(), io.StringIO()
    call_command("token", "mbra-user", stdout=first)
    call_command("token", "mbra-user", stdout=second)
    assert first.getvalue() == second.getvalue()
    assert len(first.getvalue().strip()) == 40


@pytest.mark.django_db(transaction=True)  # the demo commits, and mail goes after the commit
def test_demo_creates_logins_idempotently(settings, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"  # as `make run` has it
    out = io.StringIO()
    call_command("demo", "--json", stdout=out)
    plain = io.StringIO()
    call_command("demo", stdout=plain)
    # `make run` shows the logins, not the demo history's emails on the console.
    assert "Subject:" not in capsys.readouterr().out
    assert plain.getvalue().splitlines()[0] == "Demo logins (password for all: flexhub-demo-2026)"
    assert len(plain.getvalue().splitlines()) == 15
    result = json.loads(out.getvalue())
    roles = {login["role"] for login in result["logins"]}
    assert roles == {"authority-admin", "member-admin", "member-user", "agent", "integrator"}
    for login in result["logins"]:
        user = User.objects.get(username=login["username"])
        assert user.check_password(result["password"])
