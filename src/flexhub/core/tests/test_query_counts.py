"""List pages and list endpoints cost the same number of queries however many rows they show."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from flexhub.assets.services import asset_import
from flexhub.billing.services import billing_issue, billing_run
from flexhub.core.audit import Actor
from flexhub.core.services import user_create
from flexhub.directory.services import staff_import
from flexhub.frameworks import services as framework_services
from flexhub.rules.periods import Month

pytestmark = pytest.mark.django_db
CLI = Actor.for_cli()
PAGES = [
    "/organisations/",
    "/people/",
    "/audit/",
    "/contracts/",
    "/invoices/",
    "/staff/",
    "/assets/",
    "/tickets/",
    "/deliveries/",
    "/seat-changes/",
]
ENDPOINTS = [
    "/api/v1/people/",
    "/api/v1/audit/",
    "/api/v1/contracts/",
    "/api/v1/invoices/",
    "/api/v1/staff/",
    "/api/v1/assets/",
    "/api/v1/tickets/",
    "/api/v1/services/",
    "/api/v1/credit-notes/",
]


def counts(world, username):
    page, api = Client(), APIClient()
    page.force_login(world.users[username])
    api.force_authenticate(world.users[username])
    result = {}
    for url, client in [*((u, page) for u in PAGES), *((u, api) for u in ENDPOINTS)]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code in (200, 403), url
        result[url] = len(queries)
    return result


def grow(world):
    """More of everything for member MBRA: contracts, invoices, people, staff, assets."""
    one = world.frameworks["ONE"]
    for i in range(4):
        framework_services.contract_sign(
            actor=CLI,
            framework=one,
            ref=f"ONE-MBRA-X{i}",
            member=world.orgs["MBRA"],
            signed=dt.date(2020, 1, 20),
            start=dt.date(2020, 2, 1),
            end=dt.date(2020, 12, 31),
            lines=[framework_services.LineInput("CORE", 5 + i)],
        )
    for month in (7, 8, 9):
        billing_run(actor=CLI, framework=one, month=Month(2020, month))
        billing_issue(actor=CLI, framework=one, month=Month(2020, month))
    for i in range(5):
        user_create(
            actor=CLI,
            username=f"mbra-extra{i}",
            organisation=world.orgs["MBRA"],
            role="member-user",
            password=None,
            email=f"extra{i}@mbra.gov.uk",
        )
    staff = "name,email,unit,site,grade,start_date,leave_date,predecessor\n" + "".join(
        f"Extra {i},extra{i}@mbra.gov.uk,Unit {i},Site,,,,\n" for i in range(8)
    )
    staff_import(actor=CLI, organisation=world.orgs["MBRA"], open_file=lambda: io.BytesIO(staff.encode()))
    assets = "asset_tag,serial,kind,manufacturer,model,site,status,assigned_email\n" + "".join(
        f"MBRA-X{i},S{i},laptop,Dell,Latitude {i},Site,deployed,extra{i}@mbra.gov.uk\n" for i in range(8)
    )
    asset_import(actor=CLI, organisation=world.orgs["MBRA"], open_file=lambda: io.BytesIO(assets.encode()))


@pytest.mark.parametrize("username", ["aauth-admin", "mbra-admin"])
def test_no_query_per_row(world, username):
    before = counts(world, username)
    grow(world)
    after = counts(world, username)
    grew = {url: (before[url], after[url]) for url in before if after[url] != before[url]}
    assert grew == {}, f"queries that grew with the rows: {grew}"
