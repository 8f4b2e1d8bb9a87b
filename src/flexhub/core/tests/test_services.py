from __future__ import annotations

import pytest

from flexhub.core import services
from flexhub.core.audit import Actor
from flexhub.core.errors import RuleError
from flexhub.core.models import AuditEntry, AuditEntryImmutable, User
from flexhub.core.roles import Role

pytestmark = pytest.mark.django_db


def test_user_create_refuses_a_role_the_organisation_cannot_hold(world):
    with pytest.raises(RuleError, match="MBRA is not a supplier"):
        services.user_create(
            actor=Actor.for_cli(),
            username="x-agent",
            organisation=world.orgs["MBRA"],
            role=Role.AGENT,
            password=None,
        )
    with pytest.raises(RuleError, match="not an integrator"):
        services.user_create(
            actor=Actor.for_cli(),
            username="x-int",
            organisation=world.orgs["SUPA"],
            role=Role.INTEGRATOR,
            password=None,
        )
    assert not User.objects.filter(username__in=["x-agent", "x-int"]).exists()


def test_user_create_checks_password_with_django_validators(world):
    with pytest.raises(RuleError, match=r"too common|too short") as info:
        services.user_create(
            actor=Actor.for_cli(),
            username="weak",
            organisation=world.orgs["MBRA"],
            role=Role.MEMBER_USER,
            password="password",
        )
    assert info.value.field == "password"
    assert not User.objects.filter(username="weak").exists()


def test_member_admin_may_add_only_member_roles_to_own_organisation(world):
    actor = Actor(user=world.users["mbra-admin"], label="mbra-admin", channel="web")
    person = services.user_create(
        actor=actor,
        username="new-person",
        organisation=world.orgs["MBRA"],
        role=Role.MEMBER_USER,
        password="a-Long-passphrase-77",
    )
    assert person.check_password("a-Long-passphrase-77")
    with pytest.raises(RuleError, match="may not add people"):
        services.user_create(
            actor=actor,
            username="sneaky",
            organisation=world.orgs["MBRB"],
            role=Role.MEMBER_USER,
            password=None,
        )


def test_user_changes_are_audited_with_before_and_after(world):
    admin = world.users["mbra-admin"]
    actor = Actor(user=admin, label=admin.username, channel="web")
    person = world.users["mbra-user"]
    services.user_update(
        actor=actor,
        user=person,
        role=Role.MEMBER_ADMIN,
        email="new@example.gov.uk",
        first_name="Ann",
        last_name="Other",
        is_active=True,
    )
    entry = AuditEntry.objects.filter(object_type="core.user", object_id=str(person.pk)).first()
    assert entry.actor == admin
    assert entry.action == "update"
    assert entry.changes["role"] == ["member-user", "member-admin"]
    assert entry.changes["email"] == ["mbra-user@example.gov.uk", "new@example.gov.uk"]
    assert entry.organisation == world.orgs["MBRA"]


def test_manager_cannot_lock_themselves_out(world):
    admin = world.users["mbra-admin"]
    with pytest.raises(RuleError, match="your own role"):
        services.user_update(
            actor=Actor(user=admin, label="a", channel="web"),
            user=admin,
            role=admin.role,
            email=admin.email,
            first_name="",
            last_name="",
            is_active=False,
        )


def test_audit_entries_cannot_be_changed_or_deleted(world):
    entry = AuditEntry.objects.first()
    entry.reason = "tampered"
    with pytest.raises(AuditEntryImmutable):
        entry.save()
    with pytest.raises(AuditEntryImmutable):
        entry.delete()


def test_organisation_save_is_idempotent(world):
    before = AuditEntry.objects.count()
    org = world.orgs["MBRA"]
    services.organisation_save(actor=Actor.for_cli(), code=org.code, name=org.name, roles=org.roles, region=org.region)
    assert AuditEntry.objects.count() == before


def test_cli_actor_records_the_operating_system_user(world, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "jsmith")
    services.user_create(
        actor=Actor.for_cli(),
        username="cli-made",
        organisation=world.orgs["MBRA"],
        role=Role.MEMBER_USER,
        password=None,
    )
    entry = AuditEntry.objects.get(object_type="core.user", object_repr="cli-made")
    assert entry.actor_label == "jsmith (cli)"
    assert entry.channel == "cli"


def test_visible_to_scopes_organisations_by_role(world):
    def codes(username):
        from flexhub.core.models import Organisation

        return set(Organisation.objects.visible_to(world.users[username]).values_list("code", flat=True))

    assert codes("aauth-admin") == {"AAUTH", "SUPA", "INTA", "MBRA", "MBRB"}
    assert codes("inta-integrator") == {"AAUTH", "SUPA", "INTA", "MBRA", "MBRB"}
    assert codes("mbra-admin") == {"MBRA"}
    assert codes("mbra-user") == {"MBRA"}
    assert codes("supa-agent") == {"SUPA"}


def test_inactive_users_see_nothing(world):
    from flexhub.core.models import Organisation

    user = world.users["aauth-admin"]
    user.is_active = False
    assert not Organisation.objects.visible_to(user).exists()
    assert not AuditEntry.objects.visible_to(user).exists()
