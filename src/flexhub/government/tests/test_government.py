"""Machinery-of-government changes: dry run, forming in part, merging, who may make them."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from flexhub.assets.models import Asset
from flexhub.billing.models import Invoice
from flexhub.core.audit import Actor
from flexhub.core.errors import RuleError
from flexhub.core.models import AuditEntry, Organisation
from flexhub.core.services import organisation_save
from flexhub.directory.models import StaffMember
from flexhub.directory.services import staff_import
from flexhub.frameworks.models import CallOffContract
from flexhub.frameworks.services import organisation_onboard
from flexhub.government.models import MachineryChange
from flexhub.government.services import mog_apply, mog_plan
from flexhub.servicedesk.models import Ticket

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


def test_machinery_of_government_dry_run_then_form_in_part(world):
    # MBRB also takes part in framework THREE, so only the operator may reshape it; the change
    # moves its contracts in both frameworks and enrols the new body in both.
    mbra, mbrb = world.orgs["MBRA"], world.orgs["MBRB"]
    operator = CLI
    plan = mog_plan(
        actor=operator,
        kind="form",
        predecessors=[mbra, mbrb],
        effective=dt.date(2021, 7, 1),
        reason="New department for digital",
        code="NDD",
        name="New Digital Department",
        units=["Digital"],
    )
    before = StaffMember.objects.filter(organisation=mbra).count()
    assert plan.as_dict()["moves"]["staff"] == 4 and not Organisation.objects.filter(code="NDD").exists()
    assert StaffMember.objects.filter(organisation=mbra).count() == before  # a dry run moves nothing
    issued = list(Invoice.objects.filter(member=mbra, status="issued").values_list("pk", "member_id", "total"))
    change = mog_apply(actor=operator, plan=plan)
    ndd = Organisation.objects.get(code="NDD")
    assert set(ndd.predecessors.values_list("code", flat=True)) == {"MBRA", "MBRB"}
    moved = StaffMember.objects.filter(organisation=ndd)
    assert {s.unit for s in moved} == {"Digital"} and {s.predecessor.code for s in moved} == {"MBRA", "MBRB"}
    assert StaffMember.objects.filter(organisation=mbra, unit="Policy").exists()  # in part: the rest stays
    assert set(CallOffContract.objects.filter(member=ndd).values_list("framework__code", flat=True)) == {
        "ONE",
        "THREE",
    }
    assert set(ndd.frameworks.values_list("code", flat=True)) == {"ONE", "THREE"}
    assert list(Invoice.objects.filter(pk__in=[i[0] for i in issued]).values_list("pk", "member_id", "total")) == issued
    assert change.moved["staff"] == 4 and MachineryChange.objects.filter(successor=ndd).exists()
    assert all(e.kind == "moved" for s in moved for e in s.history.all() if e.kind not in ("joined",))
    assert AuditEntry.objects.filter(organisation=ndd, reason="New department for digital").count() >= 4


def test_merge_moves_everything_and_keeps_the_predecessor(world):
    out = io.StringIO()
    call_command(
        "mog",
        "merge",
        "--from",
        "MBRB",
        "--into",
        "MBRA",
        "--effective",
        "2021-08-01",
        "--reason",
        "Bodies merged",
        "--json",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    assert result["applied"] and result["moves"]["staff"] >= 3
    assert not StaffMember.objects.filter(organisation__code="MBRB").exists()
    assert Organisation.objects.filter(code="MBRB").exists()
    assert Ticket.objects.filter(member__code="MBRB", status__in=["open", "awaiting_customer"]).count() == 0
    dry = io.StringIO()
    call_command(
        "mog",
        "form",
        "--from",
        "MBRA",
        "--code",
        "ZZ",
        "--name",
        "Z",
        "--effective",
        "2021-09-01",
        "--reason",
        "x",
        "--dry-run",
        stdout=dry,
    )
    assert "would move (dry run)" in dry.getvalue() and not Organisation.objects.filter(code="ZZ").exists()


def test_only_the_authority_makes_changes_and_sees_the_page(world):
    with pytest.raises(RuleError, match="authority admin"):
        mog_plan(
            actor=as_actor(world, "mbra-admin"),
            kind="merge",
            predecessors=[world.orgs["MBRB"]],
            into=world.orgs["MBRA"],
            effective=dt.date(2021, 1, 1),
            reason="x",
        )
    with pytest.raises(RuleError, match="you do not administer QUILL"):
        mog_plan(
            actor=as_actor(world, "aauth-admin"),
            kind="merge",
            predecessors=[world.orgs["QUILL"]],
            into=world.orgs["MBRA"],
            effective=dt.date(2021, 1, 1),
            reason="x",
        )
    assert login(world, "mbra-admin").get(reverse("mog-new")).status_code == 403
    cobble = organisation_onboard(
        actor=CLI,
        code="MBRC",
        name="Cobbleford Council",
        roles=["member"],
        region="ENG",
        framework=world.frameworks["ONE"],
    )
    page = (
        login(world, "aauth-admin")
        .post(
            reverse("mog-new"),
            {
                "kind": "merge",
                "into": world.orgs["MBRA"].pk,
                "predecessors": [cobble.pk],
                "effective": "2021-08-01",
                "reason": "merge",
                "move_assets": "on",
                "move_contracts": "on",
                "move_tickets": "on",
                "confirm": "no",
            },
        )
        .content.decode()
    )
    assert 'data-testid="dry-run"' in page and not MachineryChange.objects.filter(reason="merge").exists()


def test_a_predecessor_shows_its_successor(world):
    mbrb = world.orgs["MBRB"]
    organisation_save(actor=CLI, code="MBRA", name=world.orgs["MBRA"].name, roles=["member"], predecessors=[mbrb])
    page = login(world, "aauth-admin").get(reverse("organisation-detail", kwargs={"code": "MBRB"})).content.decode()
    assert 'data-testid="successors"' in page and "Ashcombe Council (MBRA)" in page


def test_form_in_part_by_a_chosen_list_of_staff_and_contracts(world, tmp_path):
    emails = tmp_path / "movers.txt"
    emails.write_text("analyst@mbra.gov.uk\nanalyst@mbrb.gov.uk\n")
    out = io.StringIO()
    call_command(
        "mog",
        "form",
        "--code",
        "PICK",
        "--name",
        "Picked",
        "--from",
        "MBRA,MBRB",
        "--staff-file",
        str(emails),
        "--contracts",
        "ONE-MBRA-1",
        "--effective",
        "2021-07-01",
        "--reason",
        "chosen",
        "--json",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    assert result["moves"]["staff"] == 2 and result["moves"]["contracts"] == 1
    assert set(StaffMember.objects.filter(organisation__code="PICK").values_list("email", flat=True)) == {
        "analyst@mbra.gov.uk",
        "analyst@mbrb.gov.uk",
    }
    assert CallOffContract.objects.get(ref="ONE-MBRB-1").member.code == "MBRB"
    with pytest.raises(CommandError, match="not in the predecessors"):
        emails.write_text("nobody@nowhere.gov.uk\n")
        call_command(
            "mog",
            "form",
            "--code",
            "PICK2",
            "--name",
            "P",
            "--from",
            "MBRA",
            "--staff-file",
            str(emails),
            "--effective",
            "2021-07-01",
            "--reason",
            "x",
        )


def test_a_merge_that_would_put_an_email_or_tag_twice_in_one_organisation_is_refused(world):
    """Emails and asset tags are unique within an organisation, not across flexhub (issue 13):
    the authority, which administers both, is told of the clash before anything moves."""
    staff_import(
        actor=CLI,
        organisation=world.orgs["MBRB"],
        open_file=lambda: io.BytesIO((HEADER + "Twin,analyst@mbra.gov.uk,Policy,London,,,,\n").encode()),
    )
    with pytest.raises(RuleError, match="analyst@mbra.gov.uk would be in MBRA's directory twice"):
        mog_plan(
            actor=CLI,
            kind="merge",
            predecessors=[world.orgs["MBRB"]],
            into=world.orgs["MBRA"],
            effective=dt.date(2021, 8, 1),
            reason="Bodies merged",
        )
    StaffMember.objects.filter(organisation__code="MBRB", email="analyst@mbra.gov.uk").delete()
    tag = Asset.objects.filter(owner__code="MBRA").values_list("asset_tag", flat=True).first()
    other = Asset.objects.filter(owner__code="MBRB").first()
    Asset.objects.filter(pk=other.pk).update(asset_tag=tag)
    with pytest.raises(RuleError, match=f"{tag} would be in MBRA's asset register twice"):
        mog_plan(
            actor=CLI,
            kind="merge",
            predecessors=[world.orgs["MBRB"]],
            into=world.orgs["MBRA"],
            effective=dt.date(2021, 8, 1),
            reason="Bodies merged",
        )
