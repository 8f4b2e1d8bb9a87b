"""Writes to organisations and people: each validates, saves and audits in one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from rest_framework.authtoken.models import Token

from flexhub.core.audit import Actor, audit_record, changed, snapshot
from flexhub.core.errors import RuleError
from flexhub.core.models import AuditAction, Organisation, Region, User
from flexhub.core.roles import OrganisationRole, Role
from flexhub.core.tenancy import administers
from flexhub.rules.validation import code_problem, vat_number_problem, vat_number_text

ORGANISATION_AUDIT_FIELDS = [
    "code",
    "name",
    "is_authority",
    "is_member",
    "is_supplier",
    "is_integrator",
    "region",
    "jurisdictions",
    "foreign_law_exposure",
    "address",
    "vat_number",
    "finance_email",
]
USER_AUDIT_FIELDS = ["username", "first_name", "last_name", "email", "role", "is_active"]


def _organisation_snapshot(organisation: Organisation) -> dict[str, Any]:
    values = snapshot(organisation, ORGANISATION_AUDIT_FIELDS)
    if organisation.pk:
        values["predecessors"] = sorted(organisation.predecessors.values_list("code", flat=True))
    return values


@transaction.atomic
def organisation_save(
    *,
    actor: Actor,
    code: str,
    name: str,
    roles: Iterable[str],
    region: str = Region.ENG,
    jurisdictions: Iterable[str] = (),
    foreign_law_exposure: str = "",
    predecessors: Iterable[Organisation] | None = None,
    address: str | None = None,
    vat_number: str | None = None,
    finance_email: str | None = None,
) -> Organisation:
    """Create the organisation with `code`, or bring it in line with the values given.

    Idempotent: saving the same values again writes nothing and audits nothing.
    `predecessors=None`, `address=None`, `vat_number=None` and `finance_email=None` leave
    them as they are (a scenario file that does not mention them does not wipe them).
    """
    if problem := code_problem(code):
        raise RuleError(problem, field="code")
    roles = list(roles)
    unknown = sorted(set(roles) - set(OrganisationRole.values))
    if unknown:
        raise RuleError(f"unknown organisation role {unknown[0]!r}", field="roles")
    if not roles:
        raise RuleError("an organisation needs at least one role", field="roles")
    if region not in Region.values:
        raise RuleError(f"unknown region {region!r} (ENG, SCT or NIR)", field="region")
    organisation = Organisation.objects.filter(code=code).first()
    created = organisation is None
    if organisation is None:
        organisation = Organisation(code=code)
        before: dict[str, Any] = {}
    else:
        before = _organisation_snapshot(organisation)
    organisation.name = name
    organisation.is_authority = OrganisationRole.AUTHORITY in roles
    organisation.is_member = OrganisationRole.MEMBER in roles
    organisation.is_supplier = OrganisationRole.SUPPLIER in roles
    organisation.is_integrator = OrganisationRole.INTEGRATOR in roles
    organisation.region = region
    organisation.jurisdictions = list(jurisdictions)
    organisation.foreign_law_exposure = foreign_law_exposure
    if address is not None:
        organisation.address = address.strip().replace("\r\n", "\n")
    if vat_number is not None:
        if problem := vat_number_problem(vat_number):
            raise RuleError(problem, field="vat_number")
        organisation.vat_number = vat_number_text(vat_number)
    if finance_email is not None:
        finance_email = finance_email.strip()
        if finance_email:
            try:
                validate_email(finance_email)
            except ValidationError as exc:
                raise RuleError(f"{finance_email!r} is not a valid email address", field="finance_email") from exc
        organisation.finance_email = finance_email
    predecessor_list = None if predecessors is None else list(predecessors)
    if predecessor_list and any(p.code == code for p in predecessor_list):
        raise RuleError("an organisation cannot be its own predecessor", field="predecessors")
    after = snapshot(organisation, ORGANISATION_AUDIT_FIELDS)
    if predecessor_list is not None:
        after["predecessors"] = sorted(p.code for p in predecessor_list)
    elif not created:
        after["predecessors"] = before["predecessors"]
    changes = changed(before, after)
    if not changes:
        return organisation
    organisation.save()
    if predecessor_list is not None:
        organisation.predecessors.set(predecessor_list)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        instance=organisation,
        changes=changes,
        organisation=organisation,
    )
    return organisation


@transaction.atomic
def organisation_update(
    *,
    actor: Actor,
    organisation: Organisation,
    name: str,
    region: str,
    address: str | None = None,
    vat_number: str | None = None,
    finance_email: str | None = None,
) -> Organisation:
    """Change an organisation's name, bank-holiday region (which moves its bank holidays in every
    framework it takes part in, so only an administrator of it may) or invoicing particulars."""
    if actor.user is not None and not administers(actor.user, organisation):
        raise RuleError(f"you do not administer {organisation.code}")
    return organisation_save(
        actor=actor,
        code=organisation.code,
        name=name,
        roles=organisation.roles,
        region=region,
        jurisdictions=organisation.jurisdictions,
        foreign_law_exposure=organisation.foreign_law_exposure,
        predecessors=list(organisation.predecessors.all()),
        address=address,
        vat_number=vat_number,
        finance_email=finance_email,
    )


def assignable_roles(*, manager: User | None, organisation: Organisation) -> list[str]:
    """Roles a manager may give to people of `organisation` (all of them for the CLI)."""
    allowed = [r.value for r in Role if organisation.allows_login_role(r)]
    if manager is None:
        return allowed
    if manager.role == Role.AUTHORITY_ADMIN:
        return allowed
    if manager.role == Role.MEMBER_ADMIN and manager.organisation_id == organisation.pk:
        return [r for r in allowed if r in (Role.MEMBER_ADMIN, Role.MEMBER_USER)]
    return []


def _check_role(*, manager: User | None, organisation: Organisation, role: str) -> None:
    if role not in Role.values:
        raise RuleError(f"unknown role {role!r}; roles are {', '.join(Role.values)}", field="role")
    if not organisation.allows_login_role(role):
        needed = {
            Role.AUTHORITY_ADMIN: "an authority",
            Role.MEMBER_ADMIN: "a member",
            Role.MEMBER_USER: "a member",
            Role.AGENT: "a supplier",
            Role.INTEGRATOR: "an integrator",
        }[Role(role)]
        raise RuleError(
            f"{organisation.code} is not {needed}, so it cannot have {role} logins",
            field="role",
        )
    if role not in assignable_roles(manager=manager, organisation=organisation):
        raise RuleError(f"you may not give the role {role}", field="role")


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise RuleError(" ".join(exc.messages), field="password") from exc


@transaction.atomic
def user_create(
    *,
    actor: Actor,
    username: str,
    organisation: Organisation,
    role: str,
    password: str | None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    check_password: bool = True,
) -> User:
    """Create a login in an organisation, refusing a role the organisation cannot hold.

    With no password the login cannot sign in with one (API token only).
    """
    manager = actor.user
    if manager is not None and not administers(manager, organisation):
        raise RuleError("you may not add people to that organisation", field="organisation")
    username = username.strip()
    if not username:
        raise RuleError("enter a username", field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise RuleError(f"the username {username!r} is taken", field="username")
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise RuleError(f"{email!r} is not a valid email address", field="email") from exc
    _check_role(manager=manager, organisation=organisation, role=role)
    user = User(
        username=username,
        organisation=organisation,
        role=role,
        email=email,
        first_name=first_name,
        last_name=last_name,
    )
    if password:
        if check_password:
            _check_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=user,
        changes=changed({}, snapshot(user, USER_AUDIT_FIELDS)),
        organisation=organisation,
    )
    return user


@transaction.atomic
def user_update(
    *,
    actor: Actor,
    user: User,
    role: str,
    email: str,
    first_name: str,
    last_name: str,
    is_active: bool,
) -> User:
    """Change a person's details, role or access; a manager cannot lock themselves out."""
    manager = actor.user
    if manager is not None:
        if not administers(manager, user.organisation):
            raise RuleError("you may not change people of that organisation")
        if manager.pk == user.pk and (not is_active or role != user.role):
            raise RuleError("you cannot change your own role or deactivate yourself", field="role")
    if role != user.role:
        _check_role(manager=manager, organisation=user.organisation, role=role)
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise RuleError(f"{email!r} is not a valid email address", field="email") from exc
    before = snapshot(user, USER_AUDIT_FIELDS)
    user.role = role
    user.email = email
    user.first_name = first_name
    user.last_name = last_name
    user.is_active = is_active
    changes = changed(before, snapshot(user, USER_AUDIT_FIELDS))
    if changes:
        user.save()
        if not is_active:
            Token.objects.filter(user=user).delete()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=user,
            changes=changes,
            organisation=user.organisation,
        )
    return user


@transaction.atomic
def user_set_password(*, actor: Actor, user: User, password: str, check_password: bool = True) -> User:
    """Set a person's password (validated by Django's validators); audited without the value."""
    if check_password:
        _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=user,
        changes={"password": ["(hidden)", "(changed)"]},
        organisation=user.organisation,
    )
    return user


@transaction.atomic
def user_token(*, actor: Actor, user: User) -> str:
    """The person's API token, created (and audited) on first request."""
    token, created = Token.objects.get_or_create(user=user)
    if created:
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=user,
            changes={"api_token": [None, "(issued)"]},
            organisation=user.organisation,
        )
    return str(token.key)
