"""Resetting a forgotten password by email: linked from the sign-in page, the link starts with
FLEXHUB_BASE_URL, the answer never says whether an address belongs to a login, and the new
password is saved through the audited service."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from flexhub.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_the_sign_in_page_links_to_password_reset():
    page = Client().get(reverse("login")).content.decode()
    assert f'href="{reverse("password-reset")}"' in page
    form = Client().get(reverse("password-reset")).content.decode()
    assert "govuk-frontend.min.css" in form and 'class="govuk-input' in form


def test_a_reset_link_by_email_sets_a_new_password(world, settings):
    settings.FLEXHUB_BASE_URL = "https://flexhub.example.gov.uk/"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user = world.users["mbra-user"]
    client = Client()
    response = client.post(reverse("password-reset"), {"email": "MBRA-user@example.gov.uk"})
    assert response.status_code == 302 and response["Location"] == reverse("password-reset-done")
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["mbra-user@example.gov.uk"] and email.subject == "Reset your flexhub password"
    link = re.search(r"https://flexhub\.example\.gov\.uk/accounts/reset/\S+/", email.body).group(0)
    assert "mbra-user" in email.body and "60 minutes" in email.body
    path = link.removeprefix("https://flexhub.example.gov.uk")
    form = client.get(path, follow=True)
    assert "Choose a new password" in form.content.decode()
    set_url = form.redirect_chain[-1][0]
    short = client.post(set_url, {"new_password1": "short", "new_password2": "short"})
    assert short.status_code == 200 and "govuk-error-summary" in short.content.decode()
    done = client.post(set_url, {"new_password1": "a-Brand-new-secret-77", "new_password2": "a-Brand-new-secret-77"})
    assert done.status_code == 302 and done["Location"] == reverse("password-reset-complete")
    entry = AuditEntry.objects.filter(object_id=str(user.pk), changes__has_key="password").latest("id")
    assert entry.actor == user and "password reset by email" in entry.actor_label
    signed_in = Client().post(reverse("login"), {"username": "mbra-user", "password": "a-Brand-new-secret-77"})
    assert signed_in.status_code == 302
    # The link works once.
    again = Client().get(path, follow=True).content.decode()
    assert "This link does not work" in again


def test_the_answer_is_the_same_for_an_unknown_address(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    known = Client().post(reverse("password-reset"), {"email": "mbra-user@example.gov.uk"})
    unknown = Client().post(reverse("password-reset"), {"email": "nobody@example.gov.uk"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(mail.outbox) == 1
    page = Client().get(reverse("password-reset-done")).content.decode()
    assert "If the address you entered belongs to a flexhub login" in page


def test_a_token_only_login_gets_no_link(world, settings):
    """A login made without a password (API token only) cannot get one by email."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user = world.users["mbra-user"]
    user.set_unusable_password()
    user.save()
    Client().post(reverse("password-reset"), {"email": user.email})
    assert mail.outbox == []
