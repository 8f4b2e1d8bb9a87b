"""`flexhub load` and `flexhub export` against the repository's fixture scenarios and broken variants.

The fixtures are src/flexhub/scenarios/tests/fixtures/pooled-framework.yaml (a pooled-volume
framework) and tower-framework.yaml (the tower model); they are read inside the tests.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import io
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from flexhub.billing.models import InvoiceLine
from flexhub.billing.services import billing_run
from flexhub.core.audit import Actor
from flexhub.core.models import AuditEntry, Organisation
from flexhub.frameworks.models import CallOffContract, Framework, Service
from flexhub.rules.periods import Month
from flexhub.scenarios.export import scenario_export
from flexhub.scenarios.schema import ScenarioInvalid, validate
from flexhub.scenarios.services import scenario_load, scenario_parse
from flexhub.scenarios.yamlio import dump_yaml, parse_yaml
from flexhub.servicedesk.models import Ticket

FIXTURES = Path(__file__).resolve().parent / "fixtures"
POOLED = FIXTURES / "pooled-framework.yaml"
TOWERS = FIXTURES / "tower-framework.yaml"

pytestmark = pytest.mark.django_db


@functools.cache
def fixture_text(path: Path) -> str:
    return path.read_text()


def load_text(text: str):
    return scenario_load(actor=Actor.for_cli(), scenario=scenario_parse(text))


def _meaning(scenario):
    """A scenario's content without the as-written text of amounts (0.20 and 0.2 mean the same)."""

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if not k.endswith("text")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        if isinstance(value, Decimal):
            return value.normalize()
        return value

    body = strip(dataclasses.asdict(scenario))
    body["organisations"] = sorted(body["organisations"], key=lambda o: o["code"])
    for org in body["organisations"]:
        org.pop("region_given")
        org["predecessors"] = sorted(org["predecessors"] or [])
        org["jurisdictions"] = org["jurisdictions"] or []
        org["foreign_law_exposure"] = org["foreign_law_exposure"] or ""
    body["framework"]["towers"] = sorted(body["framework"]["towers"], key=lambda t: t["code"])
    for ticket in body["tickets"]:
        for event in ticket["events"]:
            event["at"] = event["at"].timestamp()
    return body


@pytest.mark.parametrize("path", [POOLED, TOWERS], ids=["pooled", "towers"])
def test_fixtures_load_reload_unchanged_and_round_trip(path):
    text = fixture_text(path)
    first = load_text(text)
    assert first.created["contracts"] == 4
    entries = AuditEntry.objects.count()
    again = load_text(text)
    assert not again.created and not again.updated
    assert AuditEntry.objects.count() == entries, "a reload must write nothing"
    framework = Framework.objects.get(code=first.framework)
    exported = dump_yaml(scenario_export(framework))
    assert _meaning(scenario_parse(exported)) == _meaning(scenario_parse(text))
    reloaded = load_text(exported)
    assert not reloaded.created and not reloaded.updated
    assert AuditEntry.objects.count() == entries


def test_pooled_committed_values_follow_the_rules():
    load_text(fixture_text(POOLED))
    values = dict(CallOffContract.objects.values_list("ref", "committed_value"))
    # CCA signed first and alone: its pool never passes 3,150, so WPL at 92.00 throughout,
    # September 2019 to August 2023 (48 months):
    #   WPL 3,000 x 92.00 x 17 months (Sep 2019 to Jan 2021)                =  4,692,000.00
    #       Feb 2021: 92.00 x 3,000 x 9/28 = 88,714.285... ->                      88,714.29
    #                 92.00 x 3,150 x 19/28                                  =    196,650.00
    #       3,150 x 92.00 x 30 months (Mar 2021 to Aug 2023)                 =  8,694,000.00
    #   MOB 350 x 12.75 x 48 = 214,200.00; VOX 3,000 x 5.40 x 46 (from Nov 2019) = 745,200.00;
    #   SRV 8 x 380.00 x 48 = 145,920.00                         total CCA = 14,776,684.29
    assert values["CWS-CCA-001"] == Decimal("14776684.29")
    # LRB (with CCA's pool, 5,400 from Oct 2019: 86.50, kept by the ratchet), Oct 2019 to Mar 2025,
    # 66 months: (2,400 x 86.50 + 120 x 19.50 + 3 x 380.00) x 66 = 210,510.00 x 66
    assert values["CWS-LRB-001"] == Decimal("13931280.00")
    # DHR (pool 6,700, then 6,850: still 86.50), Jan 2020 to Mar 2025, 63 months:
    # (1,300 x 86.50 + 1,300 x 5.40) x 63 = 7,526,610.00; NETX from 18 Mar 2020:
    # 47.00 x 9 x 14/31 = 191.03, then 423.00 x 60 months = 25,380.00
    assert values["CWS-DHR-001"] == Decimal("7552181.03")
    # WMA (all four: pool 8,600 from Apr 2020, 81.00, kept by the ratchet): 1,900 x 81.00 x 48
    assert values["CWS-WMA-001"] == Decimal("7387200.00")
    assert sum(values.values()) == Decimal("43647345.32")


def test_tower_ticket_moves_between_towers():
    load_text(fixture_text(TOWERS))
    ticket = Ticket.objects.get(ref="HWT-INC-1")
    assert ticket.initial_tower.code == "DESK"
    assert ticket.current_tower.code == "HOST"
    assert ticket.current_tower.supplier.code == "LAR"
    assert ticket.status == "resolved"
    assert [e.type for e in ticket.events.all()] == [
        "opened",
        "responded",
        "reassigned",
        "reassigned",
        "resolved",
    ]


def _pooled():
    return parse_yaml(fixture_text(POOLED))


def _set(document, path, value):
    node = document
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def _mutate(path, value):
    def apply(document):
        _set(document, path, value)

    return apply


BROKEN = [
    (
        _mutate(["contracts", 0, "lines", 2, "service"], "TELX"),
        "contracts[0].lines[2].service: unknown service 'TELX'",
    ),
    (_mutate(["framework", "colour"], "blue"), "framework: unknown key 'colour'"),
    (
        _mutate(["contracts", 0, "start"], "2019-02-30"),
        "contracts[0].start: 2019-02-30 is not a date that exists",
    ),
    (
        _mutate(["contracts", 1, "lines", 0, "quantity"], -5),
        "contracts[1].lines[0].quantity: must be 0 or more, got -5",
    ),
    (_mutate(["services", 1, "code"], "WPL"), "services[1].code: duplicate service code 'WPL'"),
    (
        _mutate(["contracts", 1, "ref"], "CWS-CCA-001"),
        "contracts[1].ref: duplicate contract ref 'CWS-CCA-001'",
    ),
    (_mutate(["contracts", 0, "member"], "ORR"), "contracts[0].member: ORR is not a member"),
    (_mutate(["framework", "suppliers"], ["LRB"]), "framework.suppliers[0]: LRB is not a supplier"),
    (_mutate(["framework", "authority"], "ZZZ"), "framework.authority: unknown organisation 'ZZZ'"),
    (
        _mutate(["contracts", 0, "end"], "2019-01-01"),
        "contracts[0].end: the contract ends (2019-01-01) before it starts",
    ),
    (
        _mutate(["contracts", 0, "lines", 2, "start"], "2024-01-01"),
        "contracts[0].lines[2].start: 2024-01-01 is outside the contract",
    ),
    (
        _mutate(["contracts", 0, "changes", 0, "effective"], "2024-01-15"),
        "contracts[0].changes[0].effective: 2024-01-15 is outside the contract",
    ),
    (
        _mutate(["contracts", 0, "changes", 0, "service"], "CONS"),
        "contracts[0].changes[0].service: the contract has no line for CONS",
    ),
    (
        _mutate(["tickets", 1, "events", 2, "at"], "2020-07-16T15:00:00+01:00"),
        "tickets[1].events[2].at: 2020-07-16T15:00:00+01:00 is before the previous event",
    ),
    (
        _mutate(["tickets", 0, "events", 0, "type"], "responded"),
        "tickets[0].events[0].type: the first event must be `opened`",
    ),
    (_mutate(["tickets", 0, "priority"], "P5"), "tickets[0].priority: unknown priority 'P5'"),
    (_mutate(["tickets", 0, "tower"], "XYZ"), "tickets[0].tower: unknown tower 'XYZ'"),
    (
        _mutate(["tickets", 0, "events", 1, "at"], "2020-07-06T08:31:00"),
        "tickets[0].events[1].at: '2020-07-06T08:31:00' has no UTC offset",
    ),
    (
        _mutate(["services", 0, "pricing", "bands", 1, "price"], 86.5),
        "services[0].pricing.bands[1].price: expected a decimal amount in quotes",
    ),
    (
        # Committed values in signing order (see test_pooled_committed_values_follow_the_rules):
        # CCA 14,776,684.29 + LRB 13,931,280.00 + DHR 7,552,181.03 = 36,260,145.32 so far;
        # WMA's 7,387,200.00 would make 43,647,345.32; headroom 40,000,000.00 - 36,260,145.32.
        _mutate(["framework", "value_ceiling"], "40000000.00"),
        "contracts[3]: signing CWS-WMA-001 (committed value £7,387,200.00) would pass the framework's "
        "value ceiling of £40,000,000.00: committed so far £36,260,145.32, headroom £3,739,854.68",
    ),
    (
        _mutate(["sla", "targets", "P9"], {"respond": 1, "resolve": 2}),
        "sla.targets: unknown key 'P9'",
    ),
    (
        _mutate(["tickets", 1, "events", 2], {"at": "2020-07-17T09:40:00+01:00", "type": "reassigned"}),
        "tickets[1].events[2]: a `reassigned` event names the `tower`",
    ),
    (
        _mutate(["deliveries", 0, "service"], "WPL"),
        "deliveries[0].service: WPL is charged per seat-month on a contract line",
    ),
    (
        _mutate(["deliveries", 2, "quantity"], 0.5),
        "deliveries[2].quantity: only day services may be delivered in fractions",
    ),
    (
        _mutate(["organisations", 4, "predecessors"], ["DHT", "NOPE"]),
        "organisations[4].predecessors[1]: unknown organisation 'NOPE'",
    ),
    (
        _mutate(["framework", "vat_rate", 0, "rate"], "20"),
        "framework.vat_rate[0].rate: a VAT rate is a fraction",
    ),
    (
        _mutate(["sla", "business_hours", "start"], "8.30am"),
        'sla.business_hours.start: expected a time written "HH:MM"',
    ),
    (lambda d: d["contracts"][2].pop("signed"), "contracts[2]: missing key 'signed'"),
]


@pytest.mark.parametrize(("mutate", "message"), BROKEN, ids=[m for _, m in BROKEN])
def test_broken_variants_are_refused_with_a_located_message_and_nothing_written(mutate, message, tmp_path):
    document = _pooled()
    mutate(document)
    file = tmp_path / "broken.yaml"
    file.write_text(yaml.safe_dump(document, sort_keys=False))
    with pytest.raises(CommandError) as info:
        call_command("load", str(file), stdout=io.StringIO())
    assert message in str(info.value)
    assert "nothing loaded" in str(info.value)
    assert Organisation.objects.count() == 0
    assert Framework.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_every_error_in_a_file_is_reported_at_once(tmp_path):
    document = _pooled()
    document["contracts"][0]["lines"][1]["service"] = "TELX"
    document["tickets"][0]["priority"] = "P7"
    file = tmp_path / "two.yaml"
    file.write_text(yaml.safe_dump(document, sort_keys=False))
    with pytest.raises(CommandError) as info:
        call_command("load", str(file))
    text = str(info.value)
    assert "2 errors" in text
    assert "unknown service 'TELX'" in text and "unknown priority 'P7'" in text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("framework:\n  code: PSF\n   name: x\n", "line 3, column"),
        ("framework: {code: PSF}\nframework: {code: X}\n", "key 'framework' is given twice"),
        ("- just\n- a list\n", "(file): expected a mapping"),
        ("", "(file): expected a mapping, got nothing"),
    ],
)
def test_malformed_yaml_is_refused_with_its_place(text, message, tmp_path):
    file = tmp_path / "bad.yaml"
    file.write_text(text)
    with pytest.raises(CommandError, match="nothing loaded") as info:
        call_command("load", str(file))
    assert message in str(info.value)


def test_missing_and_non_utf8_files(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("load", str(tmp_path / "absent.yaml"))
    file = tmp_path / "latin1.yaml"
    file.write_bytes("name: Caf\xe9\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("load", str(file))


def test_country_code_no_stays_a_string():
    document = parse_yaml("jurisdictions: [GB, NO]\nratchet: false\n")
    assert document == {"jurisdictions": ["GB", "NO"], "ratchet": False}


def test_check_mode_writes_nothing():
    out = io.StringIO()
    call_command("load", str(POOLED), "--check", stdout=out)
    assert "valid (CWS)" in out.getvalue()
    assert Framework.objects.count() == 0


def test_changing_a_price_in_the_file_updates_and_audits_it(tmp_path):
    load_text(fixture_text(POOLED))
    document = _pooled()
    document["services"][1]["pricing"]["price"] = "13.25"
    load_text(yaml.safe_dump(document, sort_keys=False))
    mobile = Service.objects.get(code="MOB")
    assert mobile.bands.get().price == Decimal("13.25")
    entry = AuditEntry.objects.filter(object_type="frameworks.service", object_id=str(mobile.pk)).first()
    assert entry.changes["bands"] == [["0: 12.75"], ["0: 13.25"]]


def test_export_command_and_cli_exit_code(tmp_path):
    load_text(fixture_text(TOWERS))
    out = tmp_path / "towers.yaml"
    call_command("export", "--framework", "HWT", "-o", str(out), stdout=io.StringIO())
    exported = validate(parse_yaml(out.read_text()))
    assert exported.framework.code == "HWT" and exported.framework.integrator == "MER"
    assert sorted((t.code, t.supplier) for t in exported.framework.towers) == [
        ("DESK", "KES"),
        ("HOST", "LAR"),
        ("NET", "BRK"),
    ]
    with pytest.raises(CommandError, match="unknown framework 'NOPE'"):
        call_command("export", "--framework", "NOPE")


def test_cli_exits_non_zero_without_a_traceback(tmp_path):
    bad = copy.deepcopy(_pooled())
    bad["contracts"][0]["member"] = "NOBODY"
    file = tmp_path / "bad.yaml"
    file.write_text(yaml.safe_dump(bad))
    result = subprocess.run(
        [sys.executable, "-m", "flexhub", "load", str(file)],
        capture_output=True,
        text=True,
        env={"FLEXHUB_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode != 0
    assert "contracts[0].member: unknown organisation 'NOBODY'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_price_of_a_fraction_of_a_penny_loads_bills_and_exports_as_written(tmp_path):
    document = _pooled()
    scan = next(s for s in document["services"] if s["code"] == "SCAN")
    scan["pricing"]["price"] = "0.0275"
    text = yaml.safe_dump(document, sort_keys=False)
    load_text(text)
    band = Service.objects.get(code="SCAN").bands.get()
    assert (band.price, band.price_text) == (Decimal("0.0275"), "0.0275")
    framework = Framework.objects.get(code="CWS")
    run = billing_run(actor=Actor.for_cli(), framework=framework, month=Month(2020, 7))
    line = InvoiceLine.objects.get(invoice__run=run, service_code="SCAN")
    # 149,990 pages x £0.0275 = £4,124.725, rounded half up to the penny.
    assert line.amount == Decimal("4124.73")
    out = tmp_path / "cws.yaml"
    call_command("export", "--framework", "CWS", "-o", str(out), stdout=io.StringIO())
    exported = next(s for s in parse_yaml(out.read_text())["services"] if s["code"] == "SCAN")
    assert exported["pricing"]["price"] == "0.0275"
    again = load_text(out.read_text())
    assert not again.created and not again.updated


def test_a_price_with_more_than_four_places_is_refused_where_it_is_written():
    document = _pooled()
    index = next(i for i, s in enumerate(document["services"]) if s["code"] == "SCAN")
    document["services"][index]["pricing"]["price"] = "0.02755"
    with pytest.raises(ScenarioInvalid) as info:
        validate(document)
    assert f"services[{index}].pricing.price: 0.02755 has more than 4 decimal places" in str(info.value)
