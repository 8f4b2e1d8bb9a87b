"""The service navigation: administration sections grouped behind one entry once a role has two
of them, so that the longest navigation (an authority admin's) fits one row at desktop width."""

from __future__ import annotations

import pytest

from flexhub.core.navigation import ADMINISTRATION, sections_of, top_navigation_for
from flexhub.core.testing.clients import page_client

pytestmark = pytest.mark.django_db


def _labels(world, username: str) -> list[str]:
    return [item.label for item in top_navigation_for(world.users[username])]


def test_an_admin_gets_one_administration_entry_last_instead_of_its_sections(world):
    for username in ("aauth-admin", "mbra-admin"):
        labels = _labels(world, username)
        assert labels[-1] == ADMINISTRATION
        assert not {"Organisations", "People", "Audit log", "Changes of government"} & set(labels)
    assert len(_labels(world, "aauth-admin")) <= 8
    sections = [item.label for item in sections_of(world.users["aauth-admin"], ADMINISTRATION)]
    assert sections == ["Organisations", "Changes of government", "Benefits", "People", "Audit log", "Assurance"]


def test_a_role_with_one_section_of_a_group_gets_that_section_itself(world):
    assert "Organisations" in _labels(world, "inta-integrator")
    assert ADMINISTRATION not in _labels(world, "inta-integrator")
    assert ADMINISTRATION not in _labels(world, "mbra-user")


def test_the_administration_page_lists_the_sections_and_is_current_on_each_of_them(world):
    client = page_client(world, "mbra-admin")
    page = client.get("/administration/").content.decode()
    for label, href in (("Organisations", "/organisations/"), ("People", "/people/"), ("Audit log", "/audit/")):
        assert f'href="{href}">{label}</a>' in page
    assert "Changes of government" not in page
    for path in ("/administration/", "/people/", "/audit/"):
        items = client.get(path).context["nav_items"]
        assert [item["label"] for item in items if item["active"]] == [ADMINISTRATION], path
    assert page_client(world, "mbra-user").get("/administration/").status_code == 403
