"""Rollout programmes: templates reused and never rewriting a running programme, dates from the
rules, progress measured, re-plans and slippage, the seat change a wave offers, pages and API as
every role."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from flexhub.assets.models import Asset
from flexhub.assets.services import asset_update
from flexhub.core.audit import Actor
from flexhub.core.errors import RuleError
from flexhub.core.models import AuditEntry
from flexhub.frameworks.models import SeatChangeRequest
from flexhub.rollout import services
from flexhub.rollout.api import ProgrammeStageSerializer
from flexhub.rollout.forms import parse_stage_lines, stage_lines
from flexhub.rollout.models import Programme, ProgrammeStage, RolloutTemplate, Wave
from flexhub.rollout.selectors import programme_row, stage_json
from flexhub.rollout.services import ProgrammeInput, StageInput, WaveInput
from flexhub.rules.rollout import ProgrammeState

pytestmark = pytest.mark.django_db
CLI = Actor.for_cli()


def as_actor(world, username):
    return Actor(user=world.users[username], label=username, channel="web")


def login(world, username):
    client = Client()
    client.force_login(world.users[username])
    return client


def api(world, username):
    client = APIClient()
    client.force_authenticate(world.users[username])
    return client


def template_one():
    return RolloutTemplate.objects.get(framework__code="ONE", code="DESKTOP")


def programme_of(code):
    return Programme.objects.get(member__code=code, code="DESK-1")


def test_stage_dates_follow_the_rules_and_are_the_baseline(world):
    stages = {s.key: s for s in programme_of("MBRA").stages.all()}
    assert stages["survey"].planned_start == dt.date(2020, 3, 1)
    assert stages["survey"].planned_end == dt.date(2020, 3, 30)
    assert stages["build"].planned_start == dt.date(2020, 3, 31)  # after survey
    assert stages["waves"].planned_start == stages["build"].planned_end + dt.timedelta(days=1)  # build is the longer
    assert all(s.baseline_start == s.planned_start and s.baseline_end == s.planned_end for s in stages.values())
    waves = list(programme_of("MBRA").waves.order_by("number"))
    assert [w.site for w in waves] == ["London", "Leeds"]
    assert waves[-1].planned_date == stages["waves"].planned_end
    # Seats default to the people in post at the site (London's clerk went to the supplier).
    assert [w.seats for w in waves] == [1, 2]


def test_a_template_change_never_rewrites_a_running_programme(world):
    before = list(programme_of("MBRA").stages.values_list("key", "duration_days", "planned_end"))
    services.template_save(
        actor=as_actor(world, "aauth-admin"),
        framework=world.frameworks["ONE"],
        code="DESKTOP",
        name="Ashdown rollout, second edition",
        stages=[StageInput("survey", "Survey", 5), StageInput("waves", "Waves", 10, ("survey",), is_waves=True)],
    )
    assert list(programme_of("MBRA").stages.values_list("key", "duration_days", "planned_end")) == before
    assert programme_of("MBRA").template_name == "Ashdown rollout"
    assert template_one().stages.count() == 2
    entry = AuditEntry.objects.filter(object_type="rollout.rollouttemplate").latest("pk")
    assert entry.actor_label == "aauth-admin" and "stages" in entry.changes


def test_only_the_authority_keeps_templates_and_a_cycle_is_refused(world):
    with pytest.raises(RuleError, match="authority admins"):
        services.template_save(
            actor=as_actor(world, "mbra-admin"), framework=world.frameworks["ONE"], code="X", name="X", stages=[]
        )
    with pytest.raises(RuleError, match=r"cycle: a -> b -> a"):
        services.template_save(
            actor=as_actor(world, "aauth-admin"),
            framework=world.frameworks["ONE"],
            code="LOOP",
            name="Loop",
            stages=[StageInput("a", "A", 1, ("b",)), StageInput("b", "B", 1, ("a",))],
        )
    assert not RolloutTemplate.objects.filter(code__in=["X", "LOOP"]).exists()


def test_programme_start_checks_sites_member_and_dates(world):
    admin = as_actor(world, "mbra-admin")

    def start(**changes):
        fields = {"code": "NEW", "name": "New", "start": dt.date(2021, 1, 1), "waves": [WaveInput("London")]}
        fields.update(changes)
        return services.programme_start(
            actor=admin, template=template_one(), member=world.orgs["MBRA"], programme=ProgrammeInput(**fields)
        )

    with pytest.raises(RuleError, match="'Atlantis' is not a site"):
        start(waves=[WaveInput("Atlantis")])
    with pytest.raises(RuleError, match="already has a programme DESK-1"):
        start(code="DESK-1")
    with pytest.raises(RuleError, match="outside the framework"):
        start(start=dt.date(2030, 1, 1))
    with pytest.raises(RuleError, match="contract must be the member's"):
        start(contract=world.extra["contract-MBRB"])
    with pytest.raises(RuleError, match="only the member's admins"):
        services.programme_start(
            actor=as_actor(world, "mbrb-admin"),
            template=template_one(),
            member=world.orgs["MBRA"],
            programme=ProgrammeInput("NEW", "New", dt.date(2021, 1, 1)),
        )
    assert not Programme.objects.filter(code="NEW").exists()
    assert start().waves.get().seats == 1


def test_progress_is_measured_from_the_asset_register(world):
    row = programme_row(programme_of("MBRA"), today=dt.date(2020, 9, 1))
    london, leeds = row.waves
    assert (london.deployed, london.staff, london.moved, london.complete) == (1, 1, 1, True)
    assert (leeds.deployed, leeds.moved, leeds.complete) == (0, 0, False)
    assert row.to_move == 2
    asset_update(
        actor=CLI,
        asset=Asset.objects.get(asset_tag="MBRA-0002"),
        status="deployed",
        site="Leeds",
        assigned_to=None,
        note="",
    )
    assert programme_row(programme_of("MBRA"), today=dt.date(2020, 9, 1)).to_move == 1


def test_replan_moves_what_follows_keeps_the_baseline_and_shows_slippage(world):
    stage = ProgrammeStage.objects.get(programme=programme_of("MBRA"), key="build")
    baseline_close = ProgrammeStage.objects.get(programme=programme_of("MBRA"), key="close").baseline_end
    services.stage_replan(actor=as_actor(world, "mbra-admin"), stage=stage, duration_days=90, not_before=None)
    close = ProgrammeStage.objects.get(programme=programme_of("MBRA"), key="close")
    assert close.baseline_end == baseline_close
    assert close.slippage_days == 30
    waves_stage = ProgrammeStage.objects.get(programme=programme_of("MBRA"), key="waves")
    assert programme_of("MBRA").waves.order_by("number").last().planned_date == waves_stage.planned_end
    row = programme_row(programme_of("MBRA"), today=dt.date(2020, 3, 15))  # survey under way
    assert row.slippage_days == 30 and row.state is ProgrammeState.AT_RISK
    assert programme_row(programme_of("MBRA"), today=dt.date(2026, 1, 1)).state is ProgrammeState.LATE
    with pytest.raises(RuleError, match="from 1 to 3650"):
        services.stage_replan(actor=as_actor(world, "mbra-admin"), stage=stage, duration_days=0, not_before=None)


def test_a_completed_wave_offers_the_contract_seat_change_filled_in(world):
    london = Wave.objects.get(programme=programme_of("MBRA"), site="London")
    client = login(world, "mbra-admin")
    page = client.get(reverse("programme-detail", kwargs={"pk": london.programme_id})).content.decode()
    assert reverse("wave-seat-change", kwargs={"pk": london.pk}) in page
    form = client.get(reverse("wave-seat-change", kwargs={"pk": london.pk}))
    initial = form.context["form"].initial
    # The contract has 650 CORE seats from 2021-01-01 (its change); the wave's date is before it.
    assert initial["quantity"] == 600 + 1 and initial["effective"] == london.planned_date
    response = client.post(
        reverse("wave-seat-change", kwargs={"pk": london.pk}),
        {
            "service": initial["service"].pk,
            "effective": london.planned_date.isoformat(),
            "quantity": "601",
            "reason": initial["reason"],
        },
    )
    assert response.status_code == 302
    london.refresh_from_db()
    request = SeatChangeRequest.objects.get(pk=london.seat_request_id)
    assert (request.quantity, request.status, request.contract.ref) == (601, "requested", "ONE-MBRA-1")
    with pytest.raises(RuleError, match="already asked"):
        services.wave_seat_change(
            actor=as_actor(world, "mbra-admin"),
            wave=london,
            service=request.service,
            effective=request.effective,
            quantity=601,
        )
    leeds = Wave.objects.get(programme=programme_of("MBRA"), site="Leeds")
    with pytest.raises(RuleError, match="moved 0 of its 2 seats"):
        services.wave_seat_change(
            actor=as_actor(world, "mbra-admin"),
            wave=leeds,
            service=request.service,
            effective=request.effective,
            quantity=1,
        )


def test_stage_complete_and_the_programme_is_done_when_all_is(world):
    admin = as_actor(world, "mbra-admin")
    programme = programme_of("MBRA")
    for stage in programme.stages.all():
        services.stage_complete(actor=admin, stage=stage, completed_on=dt.date(2021, 1, 1), checked=stage.checklist)
    assert programme_row(programme).state is ProgrammeState.LATE  # Leeds still has seats to move
    Wave.objects.filter(programme=programme, site="Leeds").update(seats=0)
    assert programme_row(programme).state is ProgrammeState.DONE
    with pytest.raises(RuleError, match="already complete"):
        services.stage_complete(actor=admin, stage=programme.stages.first(), completed_on=dt.date(2021, 1, 1))


def test_a_stage_is_checked_off_item_by_item_and_completes_only_when_all_are(world):
    admin = as_actor(world, "mbra-admin")
    pilot = programme_of("MBRA").stages.get(key="pilot")
    close = programme_of("MBRA").stages.get(key="close")
    with pytest.raises(RuleError, match="not yet checked: Twenty users for a month"):
        services.stage_complete(actor=admin, stage=pilot, completed_on=dt.date(2021, 1, 1))
    with pytest.raises(RuleError, match="has no item 'Ten users'"):
        services.stage_checklist(actor=admin, stage=pilot, checked=["Ten users"])
    with pytest.raises(RuleError, match="only the member's admins"):
        services.stage_checklist(actor=as_actor(world, "mbrb-admin"), stage=pilot, checked=[])

    services.stage_checklist(actor=admin, stage=pilot, checked=["Twenty users for a month"])
    pilot.refresh_from_db()
    assert pilot.checklist_done == ["Twenty users for a month"] and pilot.checklist_open == []
    entry = AuditEntry.objects.filter(object_type="rollout.programmestage", object_id=str(pilot.pk)).latest("pk")
    assert entry.changes == {"checklist_done": [[], ["Twenty users for a month"]]}
    services.stage_complete(actor=admin, stage=pilot, completed_on=dt.date(2021, 1, 1))
    pilot.refresh_from_db()
    assert pilot.completed_on == dt.date(2021, 1, 1)
    with pytest.raises(RuleError, match="can no longer change"):
        services.stage_checklist(actor=admin, stage=pilot, checked=[])

    # Checked as it completes, in one step; a stage with no checklist completes as before.
    services.stage_complete(
        actor=admin, stage=close, completed_on=dt.date(2021, 1, 1), checked=["Dispose of old desktops securely"]
    )
    build = programme_of("MBRA").stages.get(key="build")
    services.stage_complete(actor=admin, stage=build, completed_on=dt.date(2021, 1, 1))
    assert programme_of("MBRA").stages.get(key="close").checklist_done == ["Dispose of old desktops securely"]


def test_the_checklist_page_saves_as_it_goes_and_completes(world):
    client = login(world, "mbra-admin")
    pilot = programme_of("MBRA").stages.get(key="pilot")
    url = reverse("stage-complete", kwargs={"pk": pilot.pk})
    page = client.get(url).content.decode()
    assert "0 of 1 items checked" in page and 'value="Twenty users for a month"' in page

    refused = client.post(
        url,
        {"step": "complete", "completed_on_day": "1", "completed_on_month": "1", "completed_on_year": "2021"},
    )
    assert refused.status_code == 200
    assert "not yet checked: Twenty users for a month" in refused.content.decode()
    saved = client.post(url, {"step": "save", "checked": ["Twenty users for a month"]})
    assert saved.status_code == 302
    pilot.refresh_from_db()
    assert pilot.checklist_done == ["Twenty users for a month"] and pilot.completed_on is None
    programme_page = client.get(reverse("programme-detail", kwargs={"pk": pilot.programme_id})).content.decode()
    assert "Checklist (1 of 1 checked)" in programme_page
    no_date = client.post(url, {"step": "complete", "checked": ["Twenty users for a month"]})
    assert "Enter the date completed" in no_date.content.decode()
    done = client.post(
        url,
        {
            "step": "complete",
            "checked": ["Twenty users for a month"],
            "completed_on_day": "1",
            "completed_on_month": "1",
            "completed_on_year": "2021",
        },
    )
    assert done.status_code == 302
    pilot.refresh_from_db()
    assert pilot.completed_on == dt.date(2021, 1, 1)
    assert login(world, "mbrb-admin").get(url).status_code == 404
    assert login(world, "mbra-user").get(url).status_code == 403


def test_the_authority_adds_and_changes_a_template_on_its_pages(world):
    client = login(world, "aauth-admin")
    framework_page = client.get(reverse("framework-detail", kwargs={"code": "ONE"})).content.decode()
    new = reverse("rollout-template-new", kwargs={"code": "ONE"})
    assert new in framework_page
    lines = (
        "survey | Site survey | 20 | | Count desks; Check the network\n"
        "\n"
        "waves | Waves | 90 | survey | | waves\n"
        "close | Close-down | 10 | waves"
    )
    added = client.post(new, {"code": "THIN", "name": "Thin client rollout", "stages": lines})
    assert added.status_code == 302
    template = RolloutTemplate.objects.get(framework__code="ONE", code="THIN")
    stages = list(template.stages.order_by("position"))
    assert [(s.key, s.duration_days, s.depends_on, s.is_waves) for s in stages] == [
        ("survey", 20, [], False),
        ("waves", 90, ["survey"], True),
        ("close", 10, ["waves"], False),
    ]
    assert stages[0].checklist == ["Count desks", "Check the network"]
    assert AuditEntry.objects.filter(object_type="rollout.rollouttemplate", object_id=str(template.pk)).exists()

    edit = reverse("rollout-template-edit", kwargs={"pk": template.pk})
    assert edit in client.get(reverse("rollout-template-detail", kwargs={"pk": template.pk})).content.decode()
    form = client.get(edit).content.decode()
    assert "survey | Site survey | 20 |  | Count desks; Check the network" in form
    assert "waves | Waves | 90 | survey |  | waves" in form and 'name="code"' not in form
    changed = client.post(edit, {"name": "Thin clients", "stages": lines.replace("| 90 |", "| 120 |")})
    assert changed.status_code == 302
    template.refresh_from_db()
    assert template.name == "Thin clients" and template.stages.get(key="waves").duration_days == 120


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        ("survey | Survey", "Line 1: give a key, a name and the days, separated by |"),
        ("survey | Survey | thirty", "Line 1: the days must be a whole number, like 30 (not &#x27;thirty&#x27;)"),
        ("a b | Survey | 30", "Line 1: a key is 1 to 40 letters, digits, - or _"),
        ("one | One | 5\ntwo | Two | 5 | | | wave", "Line 2: the last part is the word waves, or nothing"),
        ("one | One | 5 | two\ntwo | Two | 5 | one", "stages depend on each other in a cycle"),
        ("one | One | 5 | nope", "depends on &#x27;nope&#x27;, which is not a stage"),
        ("", "Enter the stages"),
    ],
)
def test_a_faulty_template_is_refused_saying_which_line(world, stages, message):
    response = login(world, "aauth-admin").post(
        reverse("rollout-template-new", kwargs={"code": "ONE"}), {"code": "BAD", "name": "Bad", "stages": stages}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not RolloutTemplate.objects.filter(code="BAD").exists()


def test_only_the_framework_s_authority_keeps_its_templates_on_the_web(world):
    new_one = reverse("rollout-template-new", kwargs={"code": "ONE"})
    edit = reverse("rollout-template-edit", kwargs={"pk": template_one().pk})
    assert login(world, "mbra-admin").get(new_one).status_code == 403
    assert login(world, "mbra-admin").get(edit).status_code == 403
    assert login(world, "aauth-admin").get(reverse("rollout-template-new", kwargs={"code": "TWO"})).status_code == 404
    other = RolloutTemplate.objects.get(framework__code="TWO")
    assert login(world, "aauth-admin").get(reverse("rollout-template-edit", kwargs={"pk": other.pk})).status_code == 404


def test_the_template_pages_refuse_what_they_cannot_keep_faithfully(world):
    client = login(world, "aauth-admin")
    new = reverse("rollout-template-new", kwargs={"code": "ONE"})
    taken = client.post(new, {"code": "DESKTOP", "name": "Another", "stages": "one | One | 5"})
    assert "ONE has a template &#x27;DESKTOP&#x27; already" in taken.content.decode()
    assert template_one().name == "Ashdown rollout"  # not overwritten
    superscript = client.post(new, {"code": "SUP", "name": "Sup", "stages": "one | One | \u00b2"})
    assert superscript.status_code == 200 and "the days must be a whole number" in superscript.content.decode()
    long_name = client.post(new, {"code": "LONG", "name": "Long", "stages": f"one | {'N' * 101} | 5"})
    assert "a name is at most 100 characters" in long_name.content.decode()
    services.template_save(
        actor=CLI,
        framework=template_one().framework,
        code="PIPE",
        name="Piped",
        stages=[StageInput("one", "One", 5, checklist=("Plan; then do",))],
    )
    piped = RolloutTemplate.objects.get(code="PIPE")
    edit = reverse("rollout-template-edit", kwargs={"pk": piped.pk})
    assert 'data-testid="template-not-editable"' in client.get(edit).content.decode()
    refused = client.post(edit, {"name": "Piped", "stages": "one | One | 5 | | Plan; then do"})
    assert refused.status_code == 200
    assert RolloutTemplate.objects.get(code="PIPE").stages.get().checklist == ["Plan; then do"]


def test_a_template_change_is_audited_with_what_changed_in_its_stages(world):
    template = template_one()
    stages = [
        StageInput(s.key, s.name, s.duration_days, tuple(s.depends_on), tuple(s.checklist), s.is_waves)
        for s in template.stages.order_by("position")
    ]
    stages[0] = StageInput("survey", "Survey of every site", 30, checklist=("Count desks and network points",))
    services.template_save(actor=CLI, framework=template.framework, code="DESKTOP", name=template.name, stages=stages)
    entry = AuditEntry.objects.filter(object_type="rollout.rollouttemplate", object_id=str(template.pk)).latest("pk")
    before, after = entry.changes["stages"]
    assert before[0] == "survey 'Site survey' 30d checklist Count desks and network points"
    assert after[0] == "survey 'Survey of every site' 30d checklist Count desks and network points"


def test_stage_lines_read_back_what_they_write():
    stages = [
        StageInput("survey", "Site survey", 30, checklist=("Count desks", "Check the network")),
        StageInput("waves", "Waves", 120, ("survey",), is_waves=True),
        StageInput("close", "Close-down", 20, ("survey", "waves")),
    ]
    assert parse_stage_lines(stage_lines(stages)) == stages


# Pages as every role ---------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "status", "sees", "hidden"),
    [
        ("aauth-admin", 200, ["Ashcombe Council desktops", "Bramblewick Council desktops"], ["Quillfield"]),
        ("mbra-admin", 200, ["Ashcombe Council desktops"], ["Bramblewick", "MBRB"]),
        ("mbra-user", 403, [], []),
        ("supa-agent", 403, [], []),
        ("inta-integrator", 403, [], []),
    ],
)
def test_portfolio_as_every_role(world, username, status, sees, hidden):
    response = login(world, username).get(reverse("rollout-portfolio"))
    assert response.status_code == status
    body = response.content.decode()
    assert all(text in body for text in sees)
    assert not any(text in body for text in hidden)


def test_portfolio_states_filter_and_csv(world):
    client = login(world, "aauth-admin")
    body = client.get(reverse("rollout-portfolio") + "?state=late").content.decode()
    assert "Ashcombe Council desktops" in body  # 2020 plan, waves not done by today
    assert "Ashcombe Council desktops" not in client.get(reverse("rollout-portfolio") + "?state=done").content.decode()
    csv = client.get(reverse("rollout-portfolio-csv")).content.decode("utf-8-sig").splitlines()
    assert csv[0].startswith("member,programme,name,template")
    assert {line.split(",")[0] for line in csv[1:]} == {"MBRA", "MBRB"}
    assert csv[1].split(",")[-3:] == ["late", "3", "2"]


@pytest.mark.parametrize(("username", "status"), [("aauth-admin", 200), ("mbra-admin", 200), ("mbrb-admin", 404)])
def test_programme_page_has_a_gantt_and_its_numbers(world, username, status):
    response = login(world, username).get(reverse("programme-detail", kwargs={"pk": programme_of("MBRA").pk}))
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        assert body.count('class="gantt-stage"') == 5 and body.count('class="gantt-wave"') == 2
        assert "Close-down" in body and "30 Mar 2020" in body  # the survey's end, in the table


def test_programme_csv_and_slippage_highlighted(world):
    stage = ProgrammeStage.objects.get(programme=programme_of("MBRA"), key="pilot")
    services.stage_replan(
        actor=as_actor(world, "mbra-admin"), stage=stage, duration_days=45, not_before=dt.date(2020, 9, 1)
    )
    client = login(world, "mbra-admin")
    url = reverse("programme-detail", kwargs={"pk": programme_of("MBRA").pk})
    body = client.get(url).content.decode()
    assert 'data-stage="pilot" data-slipped="true"' in body and "flexhub-row-slipped" in body
    lines = (
        client.get(reverse("programme-csv", kwargs={"pk": programme_of("MBRA").pk}))
        .content.decode("utf-8-sig")
        .splitlines()
    )
    pilot = next(line for line in lines if ",stage,Pilot," in line)
    assert pilot.split(",")[8] == str(ProgrammeStage.objects.get(pk=stage.pk).slippage_days)
    assert sum(1 for line in lines if ",wave," in line) == 2


def test_member_admin_starts_a_programme_from_the_template_page(world):
    client = login(world, "mbra-admin")
    url = reverse("programme-start", kwargs={"pk": template_one().pk})
    assert "London (1 in post)" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "code": "ROLL-2",
            "name": "Second rollout",
            "start": "2021-02-01",
            "sites": ["Leeds"],
            "contract": "",
            "service": "",
        },
    )
    assert response.status_code == 302
    programme = Programme.objects.get(code="ROLL-2")
    assert programme.member.code == "MBRA" and programme.waves.get().site == "Leeds"
    bad = client.post(
        url, {"code": "ROLL-3", "name": "x", "start": "2040-01-01", "sites": [], "contract": "", "service": ""}
    )
    assert bad.status_code == 200 and "outside the framework" in bad.content.decode()
    assert login(world, "aauth-admin").get(url).status_code == 403


# API -------------------------------------------------------------------------


def test_api_programmes_as_every_role(world):
    assert {p["member"] for p in api(world, "aauth-admin").get("/api/v1/programmes/").json()} == {"MBRA", "MBRB"}
    mine = api(world, "mbra-admin").get("/api/v1/programmes/").json()
    assert [p["member"] for p in mine] == ["MBRA"]
    assert mine[0]["state"] == "late" and mine[0]["seats_to_move"] == 2 and len(mine[0]["stages"]) == 5
    assert api(world, "mbra-admin").get(f"/api/v1/programmes/{programme_of('MBRB').pk}/").status_code == 404
    for username in ("mbra-user", "supa-agent", "inta-integrator"):
        assert api(world, username).get("/api/v1/programmes/").status_code == 403


def test_api_starts_a_programme_and_keeps_a_template(world):
    created = api(world, "mbra-admin").post(
        "/api/v1/programmes/",
        {
            "code": "API-1",
            "name": "From the API",
            "template": template_one().pk,
            "start": "2021-03-01",
            "sites": ["London", "Leeds"],
            "contract": "ONE-MBRA-1",
            "service": "CORE",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert [w["site"] for w in created.json()["waves"]] == ["London", "Leeds"]
    refused = api(world, "aauth-admin").post(
        "/api/v1/programmes/",
        {"code": "API-2", "name": "x", "template": template_one().pk, "start": "2021-03-01"},
        format="json",
    )
    assert refused.status_code == 400 and "member's admins" in refused.json()["detail"]
    loop = api(world, "aauth-admin").post(
        "/api/v1/rollout-templates/",
        {
            "framework": "ONE",
            "code": "LOOP",
            "name": "Loop",
            "stages": [
                {"key": "a", "name": "A", "duration_days": 3, "depends_on": ["b"]},
                {"key": "b", "name": "B", "duration_days": 3, "depends_on": ["a"]},
            ],
        },
        format="json",
    )
    assert loop.status_code == 400 and "cycle" in loop.json()["detail"]
    made = api(world, "aauth-admin").post(
        "/api/v1/rollout-templates/",
        {
            "framework": "ONE",
            "code": "TWOSTEP",
            "name": "Two steps",
            "stages": [
                {"key": "a", "name": "A", "duration_days": 3},
                {"key": "b", "name": "B", "duration_days": 4, "depends_on": ["a"]},
            ],
        },
        format="json",
    )
    assert made.status_code == 201 and [s["key"] for s in made.json()["stages"]] == ["a", "b"]
    foreign = api(world, "aauth-admin").post(
        "/api/v1/rollout-templates/",
        {"framework": "TWO", "code": "X", "name": "X", "stages": [{"key": "a", "name": "A", "duration_days": 3}]},
        format="json",
    )
    assert foreign.status_code == 400 and foreign.json()["field"] == "framework"


def test_api_stages_checked_off_completed_and_replanned(world):
    admin = api(world, "mbra-admin")
    pilot = programme_of("MBRA").stages.get(key="pilot")
    listed = admin.get("/api/v1/programme-stages/", {"programme__code": "DESK-1"}).json()
    assert {s["member"] for s in listed} == {"MBRA"} and len(listed) == 5
    assert api(world, "aauth-admin").get(f"/api/v1/programme-stages/{pilot.pk}/").json()["checklist_done"] == []
    assert api(world, "mbrb-admin").get(f"/api/v1/programme-stages/{pilot.pk}/").status_code == 404
    assert (
        api(world, "mbrb-admin")
        .post(f"/api/v1/programme-stages/{pilot.pk}/checklist/", {"checked": []}, format="json")
        .status_code
        == 404
    )
    assert api(world, "supa-agent").get("/api/v1/programme-stages/").status_code == 403

    refused = admin.post(
        f"/api/v1/programme-stages/{pilot.pk}/complete/", {"completed_on": "2021-01-01"}, format="json"
    )
    assert refused.status_code == 400 and "not yet checked" in refused.content.decode()
    unknown = admin.post(f"/api/v1/programme-stages/{pilot.pk}/checklist/", {"checked": ["Nope"]}, format="json")
    assert unknown.status_code == 400 and "has no item 'Nope'" in unknown.content.decode()
    checked = admin.post(
        f"/api/v1/programme-stages/{pilot.pk}/checklist/", {"checked": ["Twenty users for a month"]}, format="json"
    )
    assert checked.json()["checklist_done"] == ["Twenty users for a month"]
    replanned = admin.post(
        f"/api/v1/programme-stages/{pilot.pk}/replan/", {"duration_days": 60, "reason": "Pilot extended"}, format="json"
    ).json()
    assert replanned["duration_days"] == 60 and replanned["slippage_days"] == 15
    done = admin.post(f"/api/v1/programme-stages/{pilot.pk}/complete/", {"completed_on": "2021-01-01"}, format="json")
    assert done.status_code == 200 and done.json()["completed_on"] == "2021-01-01"
    user = api(world, "mbra-user").post(
        f"/api/v1/programme-stages/{pilot.pk}/checklist/", {"checked": []}, format="json"
    )
    assert user.status_code == 403


def test_api_waves_measured_and_seat_change(world):
    waves = api(world, "mbra-admin").get("/api/v1/waves/").json()
    assert [(w["site"], w["moved"], w["complete"]) for w in waves] == [("London", 1, True), ("Leeds", 0, False)]
    london = waves[0]["id"]
    done = api(world, "mbra-admin").post(f"/api/v1/waves/{london}/seat-change/")
    assert done.status_code == 200 and done.json()["seat_request"] is not None
    assert SeatChangeRequest.objects.get(pk=done.json()["seat_request"]).quantity == 601
    assert api(world, "mbra-admin").post(f"/api/v1/waves/{waves[1]['id']}/seat-change/").status_code == 400
    mbrb_wave = Wave.objects.filter(programme=programme_of("MBRB")).first()
    assert api(world, "mbra-admin").post(f"/api/v1/waves/{mbrb_wave.pk}/seat-change/").status_code == 404


# CLI -------------------------------------------------------------------------


def test_rollout_command_lists_and_shows_a_programme(world):

    out = io.StringIO()
    call_command("rollout", "--framework", "ONE", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split()[:3] == ["MBRA", "DESK-1", "Late"]
    assert lines[-1] == "2 programmes: 2 late; 4 of 6 seats to move"
    out = io.StringIO()
    call_command("rollout", "--org", "MBRA", "--programme", "DESK-1", "--json", stdout=out)
    (shown,) = json.loads(out.getvalue())
    assert shown["member"] == "MBRA" and [w["moved"] for w in shown["waves"]] == [1, 0]
    assert [s["checklist_done"] for s in shown["stages"]] == [[], [], [], [], []]
    out = io.StringIO()
    call_command("rollout", "--org", "MBRA", "--programme", "DESK-1", stdout=out)
    assert "checklist 0 of 1 checked" in out.getvalue()
    with pytest.raises(CommandError, match="4 members have a programme 'DESK-1'"):
        call_command("rollout", "--programme", "DESK-1", stdout=io.StringIO())
    with pytest.raises(CommandError, match="no programme 'NOPE'"):
        call_command("rollout", "--programme", "NOPE", stdout=io.StringIO())


def test_stage_json_writes_what_the_serializer_would(world):

    for stage in programme_of("MBRA").stages.all():
        assert stage_json(stage) == dict(ProgrammeStageSerializer(stage).data)


@pytest.mark.parametrize(
    ("username", "shown"),
    [("aauth-admin", "2 programmes across your members"), ("mbra-admin", "1 programme."), ("mbra-user", None)],
)
def test_the_home_page_leads_to_the_portfolio(world, username, shown):
    body = login(world, username).get("/").content.decode()
    if shown is None:
        assert reverse("rollout-portfolio") not in body
    else:
        assert shown in body and reverse("rollout-portfolio") in body


def test_the_framework_page_lists_its_templates(world):
    url = reverse("framework-detail", kwargs={"code": "ONE"})
    body = login(world, "mbra-admin").get(url).content.decode()
    assert reverse("rollout-template-detail", kwargs={"pk": template_one().pk}) in body
    assert "Quornshire rollout" not in body


def test_the_schema_documents_the_programme_and_wave_lists_as_the_arrays_they_answer():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    for path in ("/api/v1/programmes/", "/api/v1/waves/", "/api/v1/programme-stages/"):
        schema = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema["type"] == "array", path
