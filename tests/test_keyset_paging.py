"""Lists that grow without bound (the audit log, staff, assets, invoices) are paged by key: every
row once, in the list's order, however deep; no count; a broken link starts again."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from flexhub.assets.models import Asset, DeviceModel
from flexhub.core.errors import RuleError
from flexhub.core.models import AuditEntry
from flexhub.core.paging import keyset_page
from flexhub.core.testing.clients import page_client
from flexhub.directory.models import StaffMember

pytestmark = pytest.mark.django_db


def _staff(world, count: int) -> None:
    """`count` people of MBRA whose names tie in threes, so the order needs its last key."""
    StaffMember.objects.bulk_create(
        StaffMember(
            organisation=world.orgs["MBRA"],
            name=f"Person {i // 3:03d}",
            email=f"p{i}@mbra.example",
            unit="Unit",
            site="Site",
        )
        for i in range(count)
    )


def _audit(world, count: int) -> None:
    """`count` audit entries of MBRA, two at each instant."""
    start = timezone.now().replace(microsecond=123456)
    AuditEntry.objects.bulk_create(
        AuditEntry(
            at=start - dt.timedelta(seconds=i // 2),
            actor_label="test",
            channel="web",
            action="update",
            object_type="directory.staffmember",
            object_id=str(i),
            object_repr=f"entry {i}",
            organisation=world.orgs["MBRA"],
        )
        for i in range(count)
    )


@pytest.mark.parametrize("size", [1, 4, 7, 200])
@pytest.mark.parametrize(
    "ordering", [("name", "pk"), ("-name", "pk"), ("name", "-pk"), ("organisation__code", "-name", "pk")]
)
def test_walking_the_pages_gives_every_row_once_in_order(world, size, ordering):
    _staff(world, 23)
    everyone = StaffMember.objects.filter(email__endswith="@mbra.example")
    expected = list(everyone.order_by(*ordering).values_list("pk", flat=True))
    assert len(expected) == 23
    seen, token = [], None
    for _ in range(100):
        page = keyset_page(everyone, ordering, token, size)
        assert len(page.rows) <= size
        assert page.first == (token is None)
        seen.extend(row.pk for row in page.rows)
        token = page.next_token
        if token is None:
            break
    assert seen == expected


def test_times_keep_their_microseconds_across_pages(world):
    _audit(world, 9)
    entries = AuditEntry.objects.filter(object_type="directory.staffmember", actor_label="test")
    first = keyset_page(entries, ("-at", "-pk"), None, 3)
    second = keyset_page(entries, ("-at", "-pk"), first.next_token, 3)
    expected = list(entries.order_by("-at", "-pk").values_list("pk", flat=True))
    assert [e.pk for e in first.rows + second.rows] == expected[:6]


@pytest.mark.parametrize("token", ["!!!", "bm90IGpzb24", "WzFd", "WyJhIiwieCJd", "W251bGwsMV0"])
def test_a_broken_token_is_refused(world, token):
    with pytest.raises(RuleError, match="start again from the first page"):
        keyset_page(StaffMember.objects.all(), ("name", "pk"), token, 5)


def _walk(client, url: str) -> tuple[list[int], int]:
    """The rows on every page of `url`, following Next; and how many pages."""
    seen, pages, next_url = [], 0, url
    while next_url:
        answer = client.get(next_url)
        assert answer.status_code == 200
        pages += 1
        body = answer.content.decode()
        assert " of " not in re.sub(r"<[^>]+>", "", body.split('aria-label="Pages"')[-1])[:40]
        seen.extend(row.pk for row in answer.context["object_list"])
        found = re.search(r'href="(\?[^"]*after=[^"]+)" rel="next"', body)
        next_url = url.split("?")[0] + found.group(1).replace("&amp;", "&") if found else None
        assert pages < 50
    return seen, pages


def test_the_staff_list_pages_by_key_and_keeps_its_search(world):
    _staff(world, 130)
    client = page_client(world, "mbra-admin")
    seen, pages = _walk(client, reverse("staff-list") + "?q=Person")
    expected = StaffMember.objects.filter(organisation=world.orgs["MBRA"], name__startswith="Person")
    assert seen == list(expected.order_by("name", "pk").values_list("pk", flat=True))
    assert pages == 3
    broken = client.get(reverse("staff-list"), {"after": "nonsense"})
    assert broken.status_code == 200
    assert "The page link is broken or out of date" in broken.content.decode()
    assert len(broken.context["object_list"]) == 50


def test_the_audit_log_pages_by_key_without_counting(world):
    _audit(world, 120)
    client = page_client(world, "mbra-admin")
    seen, pages = _walk(client, reverse("audit-list"))
    assert pages >= 3
    assert len(seen) == len(set(seen)) == AuditEntry.objects.visible_to(world.users["mbra-admin"]).count()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("audit-list")).status_code == 200
    assert [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()] == []


def test_the_asset_register_pages_by_key(world):
    device = DeviceModel.objects.create(kind="thin-client", manufacturer="Acme", model="TC-1")
    Asset.objects.bulk_create(
        Asset(asset_tag=f"PAGE-{i:04d}", serial=f"S{i}", model=device, owner=world.orgs["MBRA"]) for i in range(75)
    )
    seen, pages = _walk(page_client(world, "mbra-admin"), reverse("asset-list"))
    expected = list(
        Asset.objects.visible_to(world.users["mbra-admin"]).order_by("asset_tag", "pk").values_list("pk", flat=True)
    )
    assert len(expected) >= 75
    assert pages == -(-len(expected) // 50)
    assert seen == expected
