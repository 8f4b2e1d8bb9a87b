from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from flexhub.core.models import AuditEntry, User

pytestmark = pytest.mark.django_db


def login(world, username):
    client = Client()
    client.force_login(world.users[username])
    return client


def test_login_page_and_sign_in_with_password(world):
    client = Client()
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert b"govuk-frontend.min.css" in page.content
    response = client.post(reverse("login"), {"username": "mbra-user", "password": "test-password-123"})
    assert response.status_code == 302
    home = client.get(reverse("home"))
    assert b"Ashcombe Council" in home.content
    assert b"Member user" in home.content  # an admin signs in with a second factor too: test_two_factor.py


def test_wrong_password_shows_the_govuk_error_summary(world):
    response = Client().post(reverse("login"), {"username": "mbra-admin", "password": "nope"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert "<title>Error:" in body


def test_pages_need_sign_in():
    response = Client().get(reverse("person-list"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_navigation_shows_only_what_the_role_may_use(world):
    user_page = login(world, "mbra-user").get(reverse("home")).content.decode()
    assert reverse("audit-list") not in user_page
    assert reverse("person-list") not in user_page
    assert reverse("administration") not in user_page
    admin_page = login(world, "mbra-admin").get(reverse("administration")).content.decode()
    assert reverse("audit-list") in admin_page


@pytest.mark.parametrize("username", ["mbra-user", "supa-agent", "inta-integrator"])
def test_non_admins_get_403_on_people_and_audit(world, username):
    client = login(world, username)
    for name in ("person-list", "person-add", "audit-list", "audit-csv"):
        response = client.get(reverse(name))
        assert response.status_code == 403, name
        assert b"cannot use this page" in response.content


def test_member_admin_sees_own_people_only(world):
    body = login(world, "mbra-admin").get(reverse("person-list")).content.decode()
    assert "mbra-user" in body
    assert "mbrb-" not in body


def test_member_admin_adds_a_person_and_it_is_audited(world):
    client = login(world, "mbra-admin")
    response = client.post(
        reverse("person-add"),
        {
            "username": "new-starter",
            "first_name": "New",
            "last_name": "Starter",
            "email": "new@example.gov.uk",
            "organisation": world.orgs["MBRA"].pk,
            "role": "member-user",
            "password": "correct-Horse-battery-9",
        },
    )
    assert response.status_code == 302
    person = User.objects.get(username="new-starter")
    assert person.organisation == world.orgs["MBRA"]
    entry = AuditEntry.objects.get(object_type="core.user", object_id=str(person.pk))
    assert entry.actor == world.users["mbra-admin"]
    assert entry.channel == "web"


def test_adding_a_person_to_a_foreign_organisation_is_refused(world):
    client = login(world, "mbra-admin")
    response = client.post(
        reverse("person-add"),
        {
            "username": "intruder",
            "organisation": world.orgs["MBRB"].pk,
            "role": "member-user",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert "Bramblewick" not in body
    assert not User.objects.filter(username="intruder").exists()


def test_form_errors_name_the_field(world):
    client = login(world, "mbra-admin")
    response = client.post(
        reverse("person-add"),
        {
            "username": "weakling",
            "organisation": world.orgs["MBRA"].pk,
            "role": "member-user",
            "password": "12345678",
        },
    )
    body = response.content.decode()
    assert 'href="#id_password"' in body
    assert "govuk-input--error" in body


def test_member_admin_edits_own_person(world):
    person = world.users["mbra-user"]
    client = login(world, "mbra-admin")
    response = client.post(
        reverse("person-edit", kwargs={"pk": person.pk}),
        {
            "first_name": "Pat",
            "last_name": "Jones",
            "email": "pat@example.gov.uk",
            "role": "member-user",
            "is_active": "",
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.first_name == "Pat"
    assert person.is_active is False


def test_authority_admin_edits_an_organisation(world):
    client = login(world, "aauth-admin")
    org = world.orgs["MBRA"]
    response = client.post(
        reverse("organisation-edit", kwargs={"code": org.code}),
        {"name": "Ashcombe Borough Council", "region": "SCT"},
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.name, org.region) == ("Ashcombe Borough Council", "SCT")
    entry = AuditEntry.objects.filter(object_type="core.organisation", object_id=str(org.pk)).first()
    assert entry.changes["region"] == ["ENG", "SCT"]


def test_audit_log_filters_and_downloads_csv(world):
    client = login(world, "aauth-admin")
    person = world.users["mbra-user"]
    page = client.get(reverse("audit-list"), {"object_type": "core.user", "object_id": person.pk})
    assert page.status_code == 200
    assert "mbra-user" in page.content.decode()
    assert "supa-agent" not in page.content.decode()
    response = client.get(reverse("audit-csv"), {"object_type": "core.user"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows and all(r["object_type"] == "core.user" for r in rows)
    assert {"at_utc", "at_london", "actor", "changes"} <= set(rows[0])


def test_member_admin_audit_is_own_organisation_only(world):
    body = login(world, "mbra-admin").get(reverse("audit-list")).content.decode()
    assert "mbra-user" in body
    assert "mbrb-user" not in body
    assert "Sparrow" not in body


def test_account_page_shows_api_token_on_request(world):
    client = login(world, "mbra-user")
    assert b"api-token" not in client.get(reverse("account")).content
    response = client.post(reverse("account"))
    assert b'data-testid="api-token"' in response.content


def test_password_change_is_audited(world):
    client = Client()
    client.post(reverse("login"), {"username": "mbra-user", "password": "test-password-123"})
    response = client.post(
        reverse("password-change"),
        {
            "old_password": "test-password-123",
            "new_password1": "brand-New-secret-42",
            "new_password2": "brand-New-secret-42",
        },
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(changes__has_key="password").exists()


def test_security_headers(world):
    response = login(world, "mbra-user").get(reverse("home"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_home_page_summarises_what_the_role_may_see(world):
    authority = login(world, "aauth-admin").get(reverse("home")).content.decode()
    assert 'data-testid="dashboard"' in authority and "Framework One" in authority and "Headroom" in authority
    member = login(world, "mbra-admin").get(reverse("home")).content.decode()
    assert world.extra["invoice-MBRA"].number in member and "Saved by pooling" in member
    assert world.extra["invoice-MBRB"].number not in member and "Headroom" not in member
    user = login(world, "mbra-user").get(reverse("home")).content.decode()
    assert "ONE-MBRA-INC-1" in user and "Raise a ticket" in user
