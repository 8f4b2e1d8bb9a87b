"""The what-if keeps the names people type and refuses sizes no body could have."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from flexhub.billing.whatif import MAX_JOINER_SEATS, parse_joiners
from flexhub.core.errors import RuleError
from flexhub.core.testing.clients import api_client, page_client


def _ask(world, username, joiners):
    return page_client(world, username).get(
        reverse("whatif"), {"framework": world.frameworks["ONE"].pk, "period": "2020-06", "joiners": joiners}
    )


def test_a_member_sees_the_names_it_typed_in_the_sentence(world):
    page = _ask(world, "mbra-admin", "DWP=20000\nHome Office=5,000").content.decode()
    assert "If DWP joined with 20,000 seats and Home Office joined with 5,000 seats, your price" in page


def test_the_authority_sees_joiners_by_name_beside_the_members(world):
    body = api_client(world, "aauth-admin").get(
        "/api/v1/what-if/", {"framework": "ONE", "period": "2020-06", "join": ["DWP=20000", "MBRB=10"]}
    )
    assert body.status_code == 200, body.content
    rows = {(m["member"], m["joining"]) for m in body.json()["members"]}
    # A joiner may be called what a member is called: it is kept apart, not refused, so the
    # answer tells nobody which codes are members.
    assert {("MBRA", False), ("MBRB", False), ("DWP", True), ("MBRB", True)} <= rows


def test_a_member_naming_another_member_learns_nothing_from_the_answer(world):
    named = _ask(world, "mbra-admin", "MBRB=100")
    unknown = _ask(world, "mbra-admin", "NOSUCH=100")
    assert named.status_code == unknown.status_code == 200
    assert "already a member" not in named.content.decode()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (["DWP=0"], "DWP: enter the seats as a whole number from 1 to 2,000,000"),
        ([f"DWP={MAX_JOINER_SEATS + 1}"], "DWP: enter the seats as a whole number from 1 to 2,000,000"),
        (["DWP=99999999999999999999999999"], "DWP: enter the seats as a whole number from 1 to 2,000,000"),
        (["DWP=-5"], "write a joining body as NAME=SEATS"),
        (["=5"], "write a joining body as NAME=SEATS"),
        ([f"{'N' * 101}=5"], "a name must be 100 characters or fewer"),
        ([f"B{i}=1" for i in range(51)], "try at most 50 joining bodies at a time (there are 51)"),
    ],
)
def test_sizes_beyond_reason_are_refused_with_what_to_do(typed, message):
    with pytest.raises(RuleError, match=re.escape(message)):
        parse_joiners(typed)


def test_the_largest_plausible_body_is_accepted():
    assert parse_joiners([f"NHS={MAX_JOINER_SEATS:,}"])[0].seats == MAX_JOINER_SEATS


def test_an_absurd_size_on_the_page_is_a_form_error_not_a_crash(world):
    response = _ask(world, "aauth-admin", "Everyone=1000000000000")
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page and "from 1 to 2,000,000" in page


def test_the_command_prints_amounts_as_people_read_them(world):
    out = io.StringIO()
    call_command("whatif", "--framework", "ONE", "--period", "2020-06", "--join", "DWP=20000", stdout=out)
    text = out.getvalue()
    assert "if DWP (20,000 seats) joined" in text
    amounts = re.findall(r"-?£[\d,.]+", text)
    assert amounts and all(re.fullmatch(r"-?£\d{1,3}(,\d{3})*\.\d\d", a) for a in amounts), amounts
    assert any("," in a for a in amounts)  # thousands are grouped
