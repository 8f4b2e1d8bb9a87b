"""The asset register: scoped lists, history, assignment, disposal, device power figures."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from flexhub.assets.models import Asset
from flexhub.assets.services import asset_dispose, asset_update
from flexhub.core.audit import Actor
from flexhub.core.errors import RuleError
from flexhub.core.services import organisation_save
from flexhub.directory.models import StaffMember
from flexhub.directory.services import staff_import

pytestmark = pytest.mark.django_db
HEADER = "name,email,unit,site,grade,start_date,leave_date,predecessor\n"
CLI = Actor.for_cli()


def as_actor(world, username):
    return Actor(user=world.users[username], label=username, channel="web")


def login(world, username):
    client = Client()
    client.force_login(world.users[username])
    return client


def with_predecessors(world):
    """MBRA formed from two old bodies, as DIUS was from DTI and DfES."""
    old1 = organisation_save(actor=CLI, code="OLDT", name="Old Trade", roles=["member"])
    old2 = organisation_save(actor=CLI, code="OLDE", name="Old Education", roles=["member"])
    mbra = world.orgs["MBRA"]
    organisation_save(actor=CLI, code=mbra.code, name=mbra.name, roles=mbra.roles, predecessors=[old1, old2])
    return mbra


def run_import(world, text, org="MBRA", apply=True, username=None):
    actor = as_actor(world, username) if username else CLI
    data = text.encode("utf-8-sig")
    return staff_import(actor=actor, organisation=world.orgs[org], open_file=lambda: io.BytesIO(data), apply=apply)


def test_member_users_see_only_their_assets(world):
    body = login(world, "mbra-user").get(reverse("asset-list")).content.decode()
    assert "MBRA-0001" in body and "MBRA-0002" not in body
    assert "MBRA-0002" in login(world, "mbra-admin").get(reverse("asset-list")).content.decode()


def test_asset_history_assignment_and_disposal_needs_a_certificate(world):
    asset = Asset.objects.get(asset_tag="MBRA-0002")
    engineer = StaffMember.objects.get(email="engineer@mbra.gov.uk")
    admin = as_actor(world, "mbra-admin")
    asset_update(actor=admin, asset=asset, status="deployed", site="Leeds", assigned_to=engineer)
    assert list(asset.history.values_list("kind", flat=True))[-2:] == ["status", "assigned_to"]
    with pytest.raises(RuleError, match="record the data sanitisation"):
        asset_update(actor=admin, asset=asset, status="disposed", site="Leeds", assigned_to=None)
    with pytest.raises(RuleError, match="certificate"):
        asset_dispose(actor=admin, asset=asset, method="shred", date=dt.date(2022, 1, 1), certificate_ref=" ")
    asset_dispose(actor=admin, asset=asset, method="crypto-erase", date=dt.date(2022, 1, 1), certificate_ref="C-77")
    asset.refresh_from_db()
    assert asset.status == "disposed" and asset.disposal.certificate_ref == "C-77" and asset.assigned_to is None
    with pytest.raises(RuleError, match="your own organisation"):
        asset_update(
            actor=as_actor(world, "mbrb-admin"),
            asset=Asset.objects.get(asset_tag="MBRA-0001"),
            status="in-repair",
            site="",
            assigned_to=None,
        )


def test_asset_api_change_and_dispose(world):
    api = APIClient()
    api.force_authenticate(world.users["mbra-admin"])
    asset = Asset.objects.get(asset_tag="MBRA-0002")
    changed = api.patch(
        f"/api/v1/assets/{asset.pk}/", {"status": "in-repair", "assigned_to": "engineer@mbra.gov.uk"}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["assigned_to"] == "engineer@mbra.gov.uk"
    foreign = api.patch(f"/api/v1/assets/{asset.pk}/", {"assigned_to": "engineer@mbrb.gov.uk"}, format="json")
    assert foreign.status_code == 400
    done = api.post(
        f"/api/v1/assets/{asset.pk}/dispose/",
        {"method": "shred", "date": "2022-02-01", "certificate_ref": "X1"},
        format="json",
    )
    assert done.json()["status"] == "disposed"


def test_authority_sets_device_power_figures_and_members_only_read_them(world):
    from flexhub.assets.models import DeviceModel

    device = DeviceModel.objects.get(model="Futro S740")
    response = login(world, "aauth-admin").post(
        reverse("device-edit", kwargs={"pk": device.pk}),
        {"kind": "thin-client", "on_watts": "9.5", "sleep_watts": "1.2", "off_watts": "0.4", "tec_kwh": ""},
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert str(device.on_watts) == "9.50"
    assert "9.50" in login(world, "mbra-admin").get(reverse("device-list")).content.decode()
    assert login(world, "mbra-admin").get(reverse("device-edit", kwargs={"pk": device.pk})).status_code == 403
