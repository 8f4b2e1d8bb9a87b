"""The asset import's check refuses what the database would, and says nothing of other
registers (issue 13)."""

from __future__ import annotations

import io
import json

import pytest

from flexhub.assets.models import Asset
from flexhub.assets.services import asset_import
from flexhub.core.audit import Actor

pytestmark = pytest.mark.django_db
HEADER = "asset_tag,serial,kind,manufacturer,model,site,status,assigned_email\n"


def run(world, text, *, apply=True):
    data = text.encode()
    return asset_import(
        actor=Actor(user=world.users["mbra-admin"], label="mbra-admin", channel="web"),
        organisation=world.orgs["MBRA"],
        open_file=lambda: io.BytesIO(data),
        apply=apply,
    )


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("T-1," + "s" * 101 + ",laptop,Dell,Latitude,London,in-stock,", "serial"),
        ("T-" + "9" * 63 + ",SN,laptop,Dell,Latitude,London,in-stock,", "asset_tag"),
        ("T-1,SN,laptop," + "D" * 101 + ",Latitude,London,in-stock,", "manufacturer"),
        ("T-1,SN,laptop,Dell,Latitude,London,in-stock,a\x00@mbra.gov.uk", "assigned_email"),
        ("T-1,SN,laptop,Dell,Latitude,Lon\x00don,in-stock,", "site"),
    ],
)
def test_the_dry_run_refuses_what_the_database_would(world, row, column):
    preview = run(world, HEADER + row + "\n", apply=False)
    assert [(p.line, p.column) for p in preview.problems] == [(2, column)]
    assert not run(world, HEADER + row + "\n").applied  # refused, never a DataError


def test_a_tag_another_register_uses_is_neither_refused_nor_named(world):
    summary = run(world, HEADER + "MBRB-0002,SN-X,laptop,Dell,Latitude 5440,Leeds,in-stock,\n")
    assert summary.applied and summary.adds == 1
    assert set(Asset.objects.filter(asset_tag="MBRB-0002").values_list("owner__code", flat=True)) == {"MBRA", "MBRB"}
    assert "MBRB" not in json.dumps(summary.as_dict()["problems"])
