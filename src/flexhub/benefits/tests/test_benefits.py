"""Benefits: factors loaded all or nothing, the carbon and savings reports from the register and
the invoices, their pages, API and CLI for every role, and a member never seeing another's."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from flexhub.assets.models import AssetEvent
from flexhub.assets.services import asset_import
from flexhub.benefits import selectors
from flexhub.benefits.models import EmissionFactor, MemberBaseline
from flexhub.benefits.services import factors_load, member_baseline_save
from flexhub.core.audit import Actor
from flexhub.core.errors import RuleError
from flexhub.core.models import AuditEntry

pytestmark = pytest.mark.django_db
CLI = Actor.for_cli()
ASSET_HEADER = "asset_tag,serial,kind,manufacturer,model,site,status,assigned_email\n"
CARBON_KEYS = [
    "org",
    "year",
    "factor",
    "factor_source",
    "devices",
    "kwh",
    "tco2e",
    "baseline_kwh",
    "baseline_tco2e",
    "avoided_tco2e",
]
SAVINGS_KEYS = [
    "org",
    "year",
    "baseline_it",
    "baseline_desktop",
    "invoiced_it",
    "invoiced_desktop",
    "saving_it",
    "saving_desktop",
    "saving_it_percent",
    "saving_desktop_percent",
    "target_it_percent",
    "target_desktop_percent",
    "pooling_saving",
]


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


def thin_clients(world, code="MBRA", count=100, deployed=dt.datetime(2020, 3, 1, 9, tzinfo=dt.UTC)):
    """`count` Futro thin clients for `code`, in use since `deployed` (their history backdated)."""
    rows = "".join(
        f"{code}-TC{i:04},SN{code}TC{i},thin-client,Fujitsu,Futro S740,London,deployed,\n" for i in range(count)
    )
    content = (ASSET_HEADER + rows).encode()
    summary = asset_import(actor=CLI, organisation=world.orgs[code], open_file=lambda: io.BytesIO(content))
    assert summary.ok
    AssetEvent.objects.filter(asset__asset_tag__startswith=f"{code}-TC").update(at=deployed)


def baseline(world, code="MBRA", framework="ONE"):
    return MemberBaseline.objects.get(member__code=code, framework__code=framework)


# Factors -----------------------------------------------------------------------------------


def test_factors_load_all_or_nothing_with_every_problem_by_line(world):
    before = EmissionFactor.objects.count()
    bad = b"year,kg_co2e_per_kwh,source\n2023,0.20707,DESNZ 2023\n19x,0.2,DESNZ\n2024,-1,DESNZ\n2025,0.177,\n2023,0.2,again\n"
    result = factors_load(actor=CLI, binary=io.BytesIO(bad))
    assert [str(p) for p in result.problems] == [
        "row 3, column year: '19x' is not a year from 1990 to 2100",
        "row 4, column kg_co2e_per_kwh: '-1' is not a factor in kg CO2e a kWh (0 to 5)",
        "row 5, column source: say where the factor comes from (for example DESNZ 2024)",
        "row 6, column year: 2023 is given twice (first on row 2)",
    ]
    assert EmissionFactor.objects.count() == before  # nothing half-written
    good = b"year,kg_co2e_per_kwh,source\n2023,0.20707,DESNZ 2023\n2020,0.23314,DESNZ 2020\n"
    result = factors_load(actor=CLI, binary=io.BytesIO(good))
    assert (result.added, result.changed, result.unchanged) == (1, 1, 0)  # 2020 takes the new source
    assert EmissionFactor.objects.get(year=2023).kg_co2e_per_kwh == Decimal("0.20707")
    assert AuditEntry.objects.filter(object_type="benefits.emissionfactor", object_repr__startswith="2023").exists()


def test_factors_file_with_a_wrong_header_is_refused(world):
    result = factors_load(actor=CLI, binary=io.BytesIO(b"year,factor\n2023,0.2\n"))
    assert not result.ok and "header row must be year,kg_co2e_per_kwh,source" in str(result.problems[0])


def test_only_the_authority_loads_factors(world):
    with pytest.raises(RuleError, match="kept by the authority"):
        factors_load(actor=as_actor(world, "mbra-admin"), binary=io.BytesIO(b"year,kg_co2e_per_kwh,source\n"))


def test_factors_command_loads_and_reports_problems(world, tmp_path):
    good = tmp_path / "factors.csv"
    good.write_text("year,kg_co2e_per_kwh,source\n2024,0.20705,DESNZ 2024\n")
    out = io.StringIO()
    call_command("factors", "load", str(good), stdout=out)
    assert "1 added" in out.getvalue()
    bad = tmp_path / "bad.csv"
    bad.write_text("year,kg_co2e_per_kwh,source\n2024,lots,DESNZ\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing loaded: 1 problem"):
        call_command("factors", "load", str(bad), stderr=err)
    assert "row 2, column kg_co2e_per_kwh" in err.getvalue()
    assert EmissionFactor.objects.get(year=2024).kg_co2e_per_kwh == Decimal("0.20705")


# Carbon ------------------------------------------------------------------------------------


def test_carbon_of_an_estate_pro_rata_to_days_in_use_with_its_data_centre_share(world):
    thin_clients(world)
    report = selectors.member_carbon(baseline(world), 2020)
    seats = Decimal(100 * 306) / 366  # in use from 1 March of a leap year
    device = Decimal(10 * 2000 + 2 * 1000) / 1000  # 22 kWh a year over the usage profile
    data_centre = Decimal(5) * 8760 * Decimal("1.5") / 1000  # 65.7 kWh a seat
    assert report.seats == seats
    assert report.kwh == seats * (device + data_centre)
    answer = report.as_json()
    assert list(answer) == CARBON_KEYS
    assert answer["devices"] == [{"model": "Fujitsu Futro S740", "count": 100, "kwh": 1839}]
    assert (answer["kwh"], answer["baseline_kwh"]) == (7332, 16220)
    assert (answer["tco2e"], answer["baseline_tco2e"], answer["avoided_tco2e"]) == (1.7, 3.8, 2.1)
    assert (answer["factor"], answer["factor_source"]) == (0.23314, "Test factor 2020")


def test_carbon_without_a_factor_for_the_year_says_so(world):
    with pytest.raises(RuleError, match="no grid emission factor for 2031"):
        selectors.member_carbon(baseline(world), 2031)


def test_framework_carbon_sums_its_members(world):
    thin_clients(world, "MBRA", 100)
    thin_clients(world, "MBRB", 50)
    total = selectors.whole_framework_carbon(world.frameworks["ONE"], 2020)
    members = {m.org: m for m in total.members}
    assert set(members) == {"MBRA", "MBRB"}
    assert total.kwh == members["MBRA"].kwh + members["MBRB"].kwh
    assert total.as_json()["devices"][0]["count"] == 150


def test_report_carbon_command_prints_the_json_shape(world):
    thin_clients(world)
    out = io.StringIO()
    call_command("report", "carbon", "--org", "MBRA", "--framework", "ONE", "--year", "2020", "--json", stdout=out)
    answer = json.loads(out.getvalue())
    assert list(answer) == CARBON_KEYS and answer["org"] == "MBRA" and answer["avoided_tco2e"] == 2.1
    out = io.StringIO()
    call_command("report", "carbon", "--framework", "ONE", "--year", "2020", "--json", stdout=out)
    total = json.loads(out.getvalue())
    assert total["framework"] == "ONE" and [m["org"] for m in total["members"]] == ["MBRA", "MBRB"]


def test_report_command_refusals(world):
    with pytest.raises(CommandError, match="member of ONE, THREE: say which with --framework"):
        call_command("report", "carbon", "--org", "MBRB", "--year", "2020")
    with pytest.raises(CommandError, match="--year: '20x' is not a year"):
        call_command("report", "savings", "--org", "MBRA", "--year", "20x")
    with pytest.raises(CommandError, match="unknown framework 'NOPE'"):
        call_command("report", "savings", "--framework", "NOPE", "--year", "2020")
    with pytest.raises(CommandError, match="NOPE has declared no baseline"):
        call_command("report", "savings", "--org", "NOPE", "--year", "2020")
    with pytest.raises(CommandError, match="no grid emission factor for 2019"):
        call_command("report", "carbon", "--org", "MBRA", "--framework", "ONE", "--year", "2019")


# Savings -----------------------------------------------------------------------------------


def test_savings_against_the_baseline_for_the_months_billed(world):
    report = selectors.member_savings(baseline(world), 2020)
    answer = report.as_json()
    assert list(answer) == SAVINGS_KEYS
    # One month issued (April 2020): a twelfth of the baseline; 600 core seats at 80.00 and 100
    # telephony seats at 6.50, less the 10.00 credit note on the IT side.
    assert answer["baseline_it"] == "83333.33" and answer["baseline_desktop"] == "50000.00"
    assert answer["invoiced_desktop"] == "48650.00"
    assert answer["invoiced_it"] == "48640.00"
    assert answer["saving_it"] == "34693.33" and answer["saving_it_percent"] == "41.6"
    assert answer["saving_desktop"] == "1350.00" and answer["saving_desktop_percent"] == "2.7"
    assert (answer["target_it_percent"], answer["target_desktop_percent"]) == ("20.0", "40.0")
    assert report.figures.it_target_met and not report.figures.desktop_target_met


def test_report_savings_command_json(world):
    out = io.StringIO()
    call_command("report", "savings", "--org", "MBRA", "--year", "2020", "--json", stdout=out)
    assert json.loads(out.getvalue())["invoiced_it"] == "48640.00"


def test_a_member_admin_declares_only_its_own_baseline(world):
    with pytest.raises(RuleError, match="only your own"):
        member_baseline_save(
            actor=as_actor(world, "mbra-admin"),
            framework=world.frameworks["ONE"],
            member=world.orgs["MBRB"],
            year=2019,
            annual_it_cost=Decimal(1),
            annual_desktop_cost=Decimal(1),
        )
    with pytest.raises(RuleError, match="desktop cost is part of the IT cost"):
        member_baseline_save(
            actor=as_actor(world, "mbra-admin"),
            framework=world.frameworks["ONE"],
            member=world.orgs["MBRA"],
            year=2019,
            annual_it_cost=Decimal(1),
            annual_desktop_cost=Decimal(2),
        )


# Pages and API, for every role -------------------------------------------------------------


def test_member_page_shows_carbon_and_savings_and_downloads_csv(world):
    thin_clients(world)
    client = login(world, "mbra-admin")
    url = reverse("benefits-member", kwargs={"pk": baseline(world).pk})
    page = client.get(url, {"year": 2020}).content.decode()
    assert "2.1 tCO2e" in page and "Fujitsu Futro S740" in page and "savings-chart" in page
    csv_url = reverse("benefits-member-csv", kwargs={"pk": baseline(world).pk})
    assert f'href="{csv_url}?report=carbon&amp;year=2020"' in page
    csv = client.get(csv_url, {"year": 2020, "report": "carbon"}).content.decode()
    assert "MBRA,2020,Fujitsu Futro S740,100,1839" in csv
    assert client.get(csv_url, {"year": 2031, "report": "carbon"}).status_code == 404  # no factor for 2031
    csv = client.get(csv_url).content.decode()
    assert "MBRA,2020,1,83333.33,48640.00,34693.33,41.6,20.0" in csv


def test_a_member_admin_gets_404_for_another_members_baseline(world):
    client = login(world, "mbra-admin")
    other = baseline(world, "MBRB")
    assert client.get(reverse("benefits-member", kwargs={"pk": other.pk})).status_code == 404
    assert client.get(reverse("benefits-baseline-edit", kwargs={"pk": other.pk})).status_code == 404
    assert api(world, "mbra-admin").get(f"/api/v1/baselines/{other.pk}/carbon/").status_code == 404


@pytest.mark.parametrize(
    ("username", "status"),
    [("aauth-admin", 200), ("mbra-admin", 403), ("mbra-user", 403), ("supa-agent", 403), ("inta-integrator", 403)],
)
def test_framework_page_is_its_authoritys(world, username, status):
    thin_clients(world)
    response = login(world, username).get(reverse("benefits-framework", kwargs={"pk": world.frameworks["ONE"].pk}))
    assert response.status_code == status
    if status == 200:
        assert "Carbon by member" in response.content.decode()


def test_another_authority_gets_404_for_a_framework_it_does_not_run(world):
    client = login(world, "aauth-admin")
    assert client.get(reverse("benefits-framework", kwargs={"pk": world.frameworks["TWO"].pk})).status_code == 404


def test_the_authority_sets_the_targets(world):
    client = login(world, "aauth-admin")
    url = reverse("benefits-targets", kwargs={"pk": world.frameworks["ONE"].pk})
    response = client.post(url, {"it_percent": "25", "desktop_percent": "45"})
    assert response.status_code == 302
    assert selectors.savings_target(world.frameworks["ONE"]).it_percent == Decimal(25)
    assert client.post(url, {"it_percent": "250", "desktop_percent": "45"}).status_code == 200  # refused in the form


def test_factors_upload_page_all_or_nothing(world):
    client = login(world, "aauth-admin")
    url = reverse("benefits-factors-load")
    bad = io.BytesIO(b"year,kg_co2e_per_kwh,source\n2023,zero,DESNZ\n")
    bad.name = "f.csv"
    page = client.post(url, {"file": bad}).content.decode()
    assert "Nothing was loaded" in page and "Row 2, kg_co2e_per_kwh" in page
    good = io.BytesIO(b"year,kg_co2e_per_kwh,source\n2023,0.20707,DESNZ 2023\n")
    good.name = "f.csv"
    assert client.post(url, {"file": good}).status_code == 302
    assert EmissionFactor.objects.filter(year=2023).exists()
    assert login(world, "mbra-admin").get(url).status_code == 403


def test_a_member_admin_declares_its_baseline_through_the_page(world):
    MemberBaseline.objects.filter(member__code="MBRA").delete()
    client = login(world, "mbra-admin")
    response = client.post(
        reverse("benefits-baseline-new"),
        {"framework": "ONE", "year": "2019", "annual_it_cost": "900000", "annual_desktop_cost": "500000"},
    )
    assert response.status_code == 302
    assert baseline(world).annual_it_cost == Decimal("900000.00")
    # THREE is not MBRA's framework: not among the choices
    response = client.post(
        reverse("benefits-baseline-new"),
        {"framework": "THREE", "year": "2019", "annual_it_cost": "1", "annual_desktop_cost": "1"},
    )
    assert (
        response.status_code == 200
        and not MemberBaseline.objects.filter(member__code="MBRA", framework__code="THREE").exists()
    )


def test_api_reports_in_the_cli_shape(world):
    thin_clients(world)
    client = api(world, "mbra-admin")
    pk = baseline(world).pk
    carbon = client.get(f"/api/v1/baselines/{pk}/carbon/", {"year": 2020}).json()
    assert list(carbon) == CARBON_KEYS and carbon["avoided_tco2e"] == 2.1
    savings = client.get(f"/api/v1/baselines/{pk}/savings/").json()
    assert list(savings) == SAVINGS_KEYS and savings["year"] == 2020
    listed = client.get("/api/v1/baselines/").json()
    assert {row["member"] for row in listed["results"]} == {"MBRA"}
    assert client.get(f"/api/v1/baselines/{pk}/carbon/", {"year": "20x"}).status_code == 400


def test_framework_totals_api_for_the_authority_only(world):
    client = api(world, "aauth-admin")
    answer = client.get("/api/v1/benefits/savings/", {"framework": "ONE", "year": 2020}).json()
    assert answer["framework"] == "ONE" and [m["org"] for m in answer["members"]] == ["MBRA", "MBRB"]
    assert client.get("/api/v1/benefits/savings/", {"framework": "TWO", "year": 2020}).status_code == 404
    assert (
        api(world, "mbra-admin").get("/api/v1/benefits/savings/", {"framework": "ONE", "year": 2020}).status_code == 403
    )


def test_a_change_late_on_a_summer_evening_falls_on_the_london_date():
    from zoneinfo import ZoneInfo

    from flexhub.benefits.selectors import _local_date

    london = ZoneInfo("Europe/London")
    assert _local_date("2020-06-30 23:30:00", london) == dt.date(2020, 7, 1)  # BST: already 1 July
    assert _local_date("2020-12-31 23:30:00", london) == dt.date(2020, 12, 31)  # GMT: still the 31st
    assert _local_date("2020-06-30 22:59:59.5+00", london) == dt.date(2020, 6, 30)


def test_the_authority_keeps_usage_profiles_and_data_centre_shares_through_pages(world):
    from flexhub.benefits.models import DataCentreShare, UsageProfile
    from flexhub.frameworks.models import Service

    client = login(world, "aauth-admin")
    url = reverse("benefits-profile", kwargs={"kind": "laptop"})
    assert client.post(url, {"hours_on": "2250", "hours_sleep": "1500"}).status_code == 302
    assert UsageProfile.objects.get(kind="laptop").hours_on == Decimal(2250)
    page = client.post(url, {"hours_on": "8000", "hours_sleep": "1500"}).content.decode()
    assert "a year has 8760 hours" in page
    assert client.get(reverse("benefits-profile", kwargs={"kind": "toaster"})).status_code == 404
    assert login(world, "mbra-admin").get(url).status_code == 403
    core = Service.objects.get(framework=world.frameworks["ONE"], code="CORE")
    url = reverse("benefits-share", kwargs={"pk": core.pk})
    assert client.post(url, {"watts_per_seat": "7.5", "pue": "1.4"}).status_code == 302
    assert DataCentreShare.objects.get(service=core).watts_per_seat == Decimal("7.5")
    other = Service.objects.get(framework=world.frameworks["TWO"], code="CORE")
    assert client.get(reverse("benefits-share", kwargs={"pk": other.pk})).status_code == 404
