"""An organisation shared by frameworks of two authorities is administered by neither.

In the test world, framework THREE (authority WOLDS) shares member MBRB and supplier SUPA with
framework ONE (authority AAUTH). A login made for either could read the other framework's
contracts or tickets, a new region would move its bank holidays there, and a merge would move
the other framework's contracts: so neither authority may do any of these, by any route; the
organisation's own member admin keeps its people, and the operator (the command line) the rest.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from flexhub.core import services
from flexhub.core.audit import Actor
from flexhub.core.errors import RuleError
from flexhub.core.models import Organisation, User
from flexhub.core.testing.clients import api_client, page_client
from flexhub.directory.services import staff_import
from flexhub.government.services import mog_plan

pytestmark = pytest.mark.django_db

SHARED = ("MBRB", "SUPA")


def _as(world, username: str) -> Actor:
    return Actor(user=world.users[username], label=username, channel="web")


@pytest.mark.parametrize("authority", ["aauth-admin", "wolds-admin"])
@pytest.mark.parametrize("code", SHARED)
def test_neither_authority_makes_logins_for_a_shared_organisation(world, authority, code):
    role = "agent" if code == "SUPA" else "member-admin"
    with pytest.raises(RuleError, match="may not add people"):
        services.user_create(
            actor=_as(world, authority),
            username="intruder",
            organisation=world.orgs[code],
            role=role,
            password="a-Long-passphrase-5",
        )
    response = api_client(world, authority).post(
        "/api/v1/people/",
        {"username": "intruder", "organisation": code, "role": role, "password": "a-Long-passphrase-5"},
        format="json",
    )
    assert response.status_code == 400
    assert "organisation" in response.json()
    page = page_client(world, authority).post(
        reverse("person-add"),
        {"username": "intruder", "organisation": world.orgs[code].pk, "role": role},
    )
    assert page.status_code == 200  # the form again, with the organisation refused
    assert not User.objects.filter(username="intruder").exists()


def test_an_authority_still_administers_an_organisation_wholly_in_its_frameworks(world):
    made = services.user_create(
        actor=_as(world, "aauth-admin"),
        username="mbra-new",
        organisation=world.orgs["MBRA"],
        role="member-user",
        password="a-Long-passphrase-5",
    )
    assert made.organisation.code == "MBRA"
    services.organisation_update(
        actor=_as(world, "aauth-admin"), organisation=world.orgs["MBRA"], name="Ashcombe Borough", region="SCT"
    )
    assert Organisation.objects.get(code="MBRA").region == "SCT"


def test_a_shared_organisation_keeps_its_own_member_admin(world):
    made = services.user_create(
        actor=_as(world, "mbrb-admin"),
        username="mbrb-new",
        organisation=world.orgs["MBRB"],
        role="member-user",
        password="a-Long-passphrase-5",
    )
    assert made.organisation.code == "MBRB"


@pytest.mark.parametrize("code", SHARED)
def test_neither_authority_renames_or_re_regions_a_shared_organisation(world, code):
    with pytest.raises(RuleError, match=f"you do not administer {code}"):
        services.organisation_update(
            actor=_as(world, "aauth-admin"), organisation=world.orgs[code], name="Renamed", region="NIR"
        )
    edit = reverse("organisation-edit", kwargs={"code": code})
    client = page_client(world, "aauth-admin")
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"name": "Renamed", "region": "NIR"}).status_code == 404
    detail = client.get(reverse("organisation-detail", kwargs={"code": code}))
    assert detail.status_code == 200
    assert edit not in detail.content.decode()
    organisation = Organisation.objects.get(code=code)
    assert (organisation.name, organisation.region) == (world.orgs[code].name, "ENG")


def test_the_people_of_a_shared_organisation_are_not_the_authority_s(world):
    client = api_client(world, "aauth-admin")
    listed = {p["username"] for p in client.get("/api/v1/people/?page_size=100").json()["results"]}
    assert "mbra-admin" in listed
    assert not listed & {"mbrb-admin", "mbrb-user", "supa-agent"}
    for username in ("supa-agent", "mbrb-admin"):
        pk = world.users[username].pk
        assert client.get(f"/api/v1/people/{pk}/").status_code == 404
        assert client.patch(f"/api/v1/people/{pk}/", {"is_active": False}, format="json").status_code == 404
        assert page_client(world, "aauth-admin").get(reverse("person-edit", kwargs={"pk": pk})).status_code == 404
    assert User.objects.get(username="supa-agent").is_active


def test_neither_authority_merges_a_shared_organisation(world):
    with pytest.raises(RuleError, match="you do not administer MBRB"):
        mog_plan(
            actor=_as(world, "aauth-admin"),
            kind="merge",
            predecessors=[world.orgs["MBRB"]],
            into=world.orgs["MBRA"],
            effective=dt.date(2021, 4, 1),
            reason="tidy-up",
        )
    form = page_client(world, "aauth-admin").get(reverse("mog-new")).content.decode()
    assert "Ashcombe Council" in form
    assert "Bramblewick" not in form


def test_the_operator_still_can_on_the_command_line(world):
    call_command("user", "add", "supa-second", "--org", "SUPA", "--role", "agent", stdout=io.StringIO())
    assert User.objects.get(username="supa-second").organisation.code == "SUPA"


def test_neither_authority_imports_the_directory_of_a_shared_member(world):
    content = b"name,email,unit,site,grade,start_date,leave_date,predecessor\nNew Person,new@mbrb.gov.uk,Policy,London,EO,2021-01-04,,\n"
    with pytest.raises(RuleError):
        staff_import(
            actor=_as(world, "aauth-admin"), organisation=world.orgs["MBRB"], open_file=lambda: io.BytesIO(content)
        )
    summary = staff_import(
        actor=_as(world, "mbrb-admin"), organisation=world.orgs["MBRB"], open_file=lambda: io.BytesIO(content)
    )
    assert summary.ok
