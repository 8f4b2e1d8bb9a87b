"""The demo's ONS TUPE story as the README tells it: ONS has a directory and kit, its Newport IT
Services people are ticked and transferred to Fujitsu, `ons-it-transfer.csv` transfers the rest of
IT Services, and loading the demo again puts nobody back."""

from __future__ import annotations

import datetime as dt

import pytest

from flexhub.assets.models import Asset
from flexhub.core.audit import Actor
from flexhub.core.models import Organisation
from flexhub.directory.models import StaffMember, TupeTransfer
from flexhub.directory.selectors import staff_in_post
from flexhub.directory.services import tupe_transfer_import, tupe_transfer_many
from flexhub.scenarios.demo_data import DEMO_DIR, demo_directories
from flexhub.scenarios.services import scenario_load, scenario_parse

pytestmark = pytest.mark.django_db
CLI = Actor.for_cli()
NEWPORT = "Government Buildings, Newport"


@pytest.fixture
def psf(db):
    scenario = scenario_parse((DEMO_DIR / "public-sector-flex.yaml").read_text(encoding="utf-8"))
    scenario_load(actor=CLI, scenario=scenario)
    demo_directories(CLI)
    return Organisation.objects.get(code="ONS"), Organisation.objects.get(code="FJ")


def test_ons_has_a_directory_and_kit_with_an_it_services_unit_at_several_sites(psf):
    ons, _ = psf
    staff = StaffMember.objects.filter(organisation=ons)
    assert staff.count() == 30
    assert {"Newport", "Titchfield", "London"} == {s.site.rsplit(", ", 1)[1] for s in staff}
    it = staff.filter(unit="IT Services")
    assert it.count() == 8 and it.filter(site=NEWPORT).count() == 4
    assert Asset.objects.filter(owner=ons).count() == 32
    assert Asset.objects.filter(owner=ons, assigned_to__in=it).count() == 8


def test_the_ons_story_then_loading_the_demo_again_puts_nobody_back(psf):
    ons, fujitsu = psf
    newport_it = list(staff_in_post(ons, unit="IT Services", site=NEWPORT))
    assert len(newport_it) == 4
    tupe_transfer_many(
        actor=CLI,
        member=ons,
        staff=newport_it,
        to_supplier=fujitsu,
        transfer_date=dt.date(2009, 4, 1),
        terms_protected=True,
    )
    check = tupe_transfer_import(
        actor=CLI,
        member=ons,
        open_file=lambda: (DEMO_DIR / "ons-it-transfer.csv").open("rb"),
        to_supplier=fujitsu,
        transfer_date=dt.date(2009, 4, 1),
        terms_protected=True,
    )
    assert check.applied and len(check.transfers) == 4, [str(p) for p in check.problems]
    assert not StaffMember.objects.filter(organisation=ons, unit="IT Services").exists()
    assert TupeTransfer.objects.filter(from_organisation=ons, to_supplier=fujitsu).count() == 8
    assert not Asset.objects.filter(owner=ons, assigned_to__unit="IT Services").exists()  # kit stays, unassigned
    demo_directories(CLI)
    assert StaffMember.objects.filter(organisation=ons).count() == 22
    assert StaffMember.objects.filter(email__endswith="@ons.gsi.gov.uk").count() == 30
