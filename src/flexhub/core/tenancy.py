"""Tenancy, enforced in one place.

Every organisation-owned model's queryset has `visible_to(user)`. The role
rules of DESIGN.md live here and nowhere else: a model states *how* it is
owned (a `TenancyRule`: which lookup leads to its member organisation, its
framework, its person, its supplier) and `ScopedQuerySet.visible_to` turns
that into a filter for the user's role. Base views, API viewsets, exports
and CLI paths that act for a user all start from `visible_to`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self, TypeVar

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q
from django.http import Http404

from flexhub.core.roles import Role

if TYPE_CHECKING:
    from flexhub.core.models import User

ALL_ROLES = frozenset(Role)


@dataclass(frozen=True)
class TenancyRule:
    """How rows of a model belong to organisations.

    organisation: lookup to the owning (member) organisation.
    framework: lookup to the framework the row belongs to; the framework's
      authority and integrator see rows through it.
    person: lookup to the user who owns the row; member users see only those.
    supplier: lookup to the supplier organisation whose agents see the row.
    roles: the roles that may see any row at all.
    """

    organisation: str | None = None
    framework: str | None = None
    person: str | None = None
    supplier: str | None = None
    roles: frozenset[str] = field(default_factory=lambda: ALL_ROLES)


def is_acting_user(user: Any) -> bool:
    """Whether `user` is a signed-in, active login that belongs to an organisation."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and getattr(user, "organisation_id", None)
    )


def reachable_organisation_ids(user: User) -> models.QuerySet[Any]:
    """Ids of the organisations the user's role reaches (a subquery, not a list).

    An authority admin reaches every organisation taking part in a framework
    its organisation runs; an integrator those of the frameworks it
    integrates; everyone else only their own organisation.
    """
    organisation_model = apps.get_model("core", "Organisation")
    own = Q(pk=user.organisation_id)
    if user.role == Role.AUTHORITY_ADMIN:
        reach = own | Q(frameworks__authority_id=user.organisation_id)
    elif user.role == Role.INTEGRATOR:
        reach = own | Q(frameworks__integrator_id=user.organisation_id)
    else:
        reach = own
    ids: models.QuerySet[Any] = organisation_model.objects.filter(reach).values("pk")
    return ids


def administered_organisation_ids(user: User) -> models.QuerySet[Any]:
    """Ids of the organisations whose people and particulars `user` administers (a subquery).

    The one rule for an organisation that takes part in frameworks run by different
    authorities: a member admin administers its own organisation (its people, directory and
    assets); an authority admin its own organisation and every organisation that takes part
    *only* in frameworks its organisation runs. An organisation shared with another
    authority's framework is administered by neither authority: each still runs what belongs
    to its framework (contracts, tickets, bills), its own member admin keeps its people, and
    the operator changes its name, region, logins or shape on the command line.
    """
    organisation_model = apps.get_model("core", "Organisation")
    own: models.QuerySet[Any] = organisation_model.objects.filter(pk=user.organisation_id)
    if user.role == Role.MEMBER_ADMIN:
        return own.values("pk")
    if user.role != Role.AUTHORITY_ADMIN:
        nothing: models.QuerySet[Any] = organisation_model.objects.none().values("pk")
        return nothing
    framework_model = apps.get_model("frameworks", "Framework")
    others = framework_model.objects.exclude(authority_id=user.organisation_id).values("pk")
    wholly_ours = organisation_model.objects.filter(pk__in=reachable_organisation_ids(user)).exclude(
        frameworks__in=others
    )
    ids: models.QuerySet[Any] = (own | wholly_ours).values("pk")
    return ids


def administers(user: Any, organisation: Any) -> bool:
    """Whether `user` administers `organisation` (see `administered_organisation_ids`)."""
    if not is_acting_user(user):
        return False
    return administered_organisation_ids(user).filter(pk=organisation.pk).exists()


def participating_framework_ids(user: User) -> models.QuerySet[Any]:
    """Ids of the frameworks the user's organisation takes part in, in any role."""
    framework_model = apps.get_model("frameworks", "Framework")
    ids: models.QuerySet[Any] = framework_model.objects.filter(participants=user.organisation_id).values("pk")
    return ids


M = TypeVar("M", bound=models.Model)


class ScopedQuerySet(models.QuerySet[M]):
    """A queryset whose `visible_to(user)` applies the model's `tenancy` rule."""

    def visible_to(self, user: Any) -> Self:
        """The rows `user` may see: none for anonymous or inactive users."""
        if not is_acting_user(user):
            return self.none()
        rule: TenancyRule = self.model.tenancy  # type: ignore[attr-defined]
        if user.role not in rule.roles:
            return self.none()
        condition = self._condition(user, rule)
        return self.none() if condition is None else self.filter(condition)

    def _condition(self, user: User, rule: TenancyRule) -> Q | None:
        org_id = user.organisation_id
        role = user.role
        # Rows that belong to a framework and to no organisation (the catalogue,
        # towers) are shared with everyone taking part in that framework.
        shared = (
            Q(**{f"{rule.framework}__in": participating_framework_ids(user)})
            if rule.framework and not rule.organisation
            else None
        )
        if role in (Role.AUTHORITY_ADMIN, Role.INTEGRATOR):
            through = "authority_id" if role == Role.AUTHORITY_ADMIN else "integrator_id"
            if rule.framework:
                return Q(**{f"{rule.framework}__{through}": org_id})
            if rule.organisation and role == Role.AUTHORITY_ADMIN:
                # Rows of an organisation and of no framework (its directory, its assets) belong
                # to no authority's framework: an authority sees those of the organisations it
                # administers, never those of one shared with another authority.
                return Q(**{f"{rule.organisation}__in": administered_organisation_ids(user)})
            if rule.organisation:
                return Q(**{f"{rule.organisation}__in": reachable_organisation_ids(user)})
            return None
        if role == Role.MEMBER_ADMIN:
            return Q(**{f"{rule.organisation}_id": org_id}) if rule.organisation else shared
        if role == Role.MEMBER_USER:
            if rule.person:
                return Q(**{f"{rule.person}_id": user.pk})
            return Q(**{f"{rule.organisation}_id": org_id}) if rule.organisation else shared
        if role == Role.AGENT:
            return Q(**{f"{rule.supplier}_id": org_id}) if rule.supplier else shared
        return None


class OrganisationQuerySet(models.QuerySet[Any]):
    """Organisations: your own, plus those your role reaches through frameworks."""

    def visible_to(self, user: Any) -> Self:
        if not is_acting_user(user):
            return self.none()
        return self.filter(pk__in=reachable_organisation_ids(user))

    def administered_by(self, user: Any) -> Self:
        """The organisations whose particulars and people `user` may change."""
        if not is_acting_user(user):
            return self.none()
        return self.filter(pk__in=administered_organisation_ids(user))


class UserQuerySet(models.QuerySet[Any]):
    """People: an authority admin sees the people of the organisations it administers (a login
    of an organisation shared with another authority's framework could read that framework, so
    neither authority sees or makes one); member users see themselves; everyone else sees their
    own organisation's people."""

    def visible_to(self, user: Any) -> Self:
        if not is_acting_user(user):
            return self.none()
        if user.role == Role.MEMBER_USER:
            return self.filter(pk=user.pk)
        if user.role == Role.AUTHORITY_ADMIN:
            return self.filter(organisation__in=administered_organisation_ids(user))
        return self.filter(organisation_id=user.organisation_id)


class AuditEntryQuerySet(models.QuerySet[Any]):
    """The audit log: authority admins see changes in their frameworks and the
    organisations they reach; member admins their own organisation's; no one else."""

    def visible_to(self, user: Any) -> Self:
        if not is_acting_user(user):
            return self.none()
        if user.role == Role.AUTHORITY_ADMIN:
            return self.filter(
                Q(framework__authority_id=user.organisation_id)
                | Q(
                    framework__isnull=True,
                    organisation__in=reachable_organisation_ids(user),
                )
            )
        if user.role == Role.MEMBER_ADMIN:
            return self.filter(organisation_id=user.organisation_id)
        return self.none()


def is_authority_of(user: Any, framework: Any) -> bool:
    """Whether `user` is an authority admin of the organisation that runs `framework`."""
    return bool(
        user is not None and user.role == Role.AUTHORITY_ADMIN and user.organisation_id == framework.authority_id
    )


def get_visible_or_404(model: type[M], user: Any, scope: str = "visible_to", **lookup: Any) -> M:
    """The object matching `lookup` if `user` may see it (or, with `scope="administered_by"`,
    administer it); 404 otherwise, never 403."""
    if any(isinstance(value, str) and "\x00" in value for value in lookup.values()):
        raise Http404(f"No {model._meta.verbose_name} found.")  # no key holds one; PostgreSQL cannot compare it
    try:
        return getattr(model._default_manager, scope)(user).get(**lookup)  # type: ignore[no-any-return]
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404(f"No {model._meta.verbose_name} found.") from exc
