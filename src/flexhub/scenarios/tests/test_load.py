"""`flexhub load` and `flexhub export` against the shared examples and broken variants."""

from __future__ import annotations

import copy
import dataclasses
import io
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from flexhub.core.audit import Actor
from flexhub.core.models import AuditEntry, Organisation
from flexhub.frameworks.models import CallOffContract, Framework, Service
from flexhub.scenarios.export import scenario_export
from flexhub.scenarios.schema import validate
from flexhub.scenarios.services import scenario_load, scenario_parse
from flexhub.scenarios.yamlio import dump_yaml, parse_yaml
from flexhub.servicedesk.models import Ticket

EXAMPLES = Path(__file__).resolve().parents[5] / "shared" / "examples"  # shared/ sits beside the work tree
PSF = EXAMPLES / "public-sector-flex.yaml"
MET = EXAMPLES / "met-police-towers.yaml"

pytestmark = pytest.mark.django_db


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


@pytest.mark.parametrize("path", [PSF, MET], ids=["psf", "met"])
def test_examples_load_reload_unchanged_and_round_trip(path):
    text = path.read_text()
    first = load_text(text)
    assert first.created["contracts"] >= 2
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


def test_psf_committed_values_follow_the_rules():
    load_text(PSF.read_text())
    values = dict(CallOffContract.objects.values_list("ref", "committed_value"))
    # CO signed first and alone: CORE at 96.00 throughout (2,500 then 2,600 seats from 15 Jan 2009),
    # LAPTOP 400 x 14.00, TEL 2,500 x 6.50 from June 2008, HOST 6 x 450.00, April 2008 to March 2012.
    assert values["PSF-CO-001"] == Decimal("13035964.52")
    assert sum(values.values()) == Decimal("51072648.52")


def test_met_ticket_moves_between_towers():
    load_text(MET.read_text())
    ticket = Ticket.objects.get(ref="MPS-INC-1")
    assert ticket.initial_tower.code == "EUC"
    assert ticket.current_tower.code == "NET"
    assert ticket.status == "resolved"
    assert [e.type for e in ticket.events.all()] == [
        "opened",
        "responded",
        "reassigned",
        "resolved",
    ]


def _psf():
    return parse_yaml(PSF.read_text())


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
        _mutate(["contracts", 0, "start"], "2008-02-30"),
        "contracts[0].start: 2008-02-30 is not a date that exists",
    ),
    (
        _mutate(["contracts", 1, "lines", 0, "quantity"], -5),
        "contracts[1].lines[0].quantity: must be 0 or more, got -5",
    ),
    (_mutate(["services", 1, "code"], "CORE"), "services[1].code: duplicate service code 'CORE'"),
    (
        _mutate(["contracts", 1, "ref"], "PSF-CO-001"),
        "contracts[1].ref: duplicate contract ref 'PSF-CO-001'",
    ),
    (_mutate(["contracts", 0, "member"], "FJ"), "contracts[0].member: FJ is not a member"),
    (_mutate(["framework", "suppliers"], ["ONS"]), "framework.suppliers[0]: ONS is not a supplier"),
    (_mutate(["framework", "authority"], "ZZZ"), "framework.authority: unknown organisation 'ZZZ'"),
    (
        _mutate(["contracts", 0, "end"], "2008-01-01"),
        "contracts[0].end: the contract ends (2008-01-01) before it starts",
    ),
    (
        _mutate(["contracts", 0, "lines", 2, "start"], "2013-01-01"),
        "contracts[0].lines[2].start: 2013-01-01 is outside the contract",
    ),
    (
        _mutate(["contracts", 0, "changes", 0, "effective"], "2013-01-15"),
        "contracts[0].changes[0].effective: 2013-01-15 is outside the contract",
    ),
    (
        _mutate(["contracts", 0, "changes", 0, "service"], "BCS"),
        "contracts[0].changes[0].service: the contract has no line for BCS",
    ),
    (
        _mutate(["tickets", 1, "events", 2, "at"], "2008-07-24T15:00:00+01:00"),
        "tickets[1].events[2].at: 2008-07-24T15:00:00+01:00 is before the previous event",
    ),
    (
        _mutate(["tickets", 0, "events", 0, "type"], "responded"),
        "tickets[0].events[0].type: the first event must be `opened`",
    ),
    (_mutate(["tickets", 0, "priority"], "P5"), "tickets[0].priority: unknown priority 'P5'"),
    (_mutate(["tickets", 0, "tower"], "XYZ"), "tickets[0].tower: unknown tower 'XYZ'"),
    (
        _mutate(["tickets", 0, "events", 1, "at"], "2008-07-14T09:52:00"),
        "tickets[0].events[1].at: '2008-07-14T09:52:00' has no UTC offset",
    ),
    (
        _mutate(["services", 0, "pricing", "bands", 1, "price"], 89.0),
        "services[0].pricing.bands[1].price: expected a decimal amount in quotes",
    ),
    (
        _mutate(["framework", "value_ceiling"], "40000000.00"),
        "would pass the framework's value ceiling of £40000000.00: committed so far",
    ),
    (
        _mutate(["sla", "targets", "P9"], {"respond": 1, "resolve": 2}),
        "sla.targets: unknown key 'P9'",
    ),
    (
        _mutate(["tickets", 1, "events", 2], {"at": "2008-07-25T10:00:00+01:00", "type": "reassigned"}),
        "tickets[1].events[2]: a `reassigned` event names the `tower`",
    ),
    (
        _mutate(["deliveries", 0, "service"], "CORE"),
        "deliveries[0].service: CORE is charged per seat-month on a contract line",
    ),
    (
        _mutate(["deliveries", 2, "quantity"], 0.5),
        "deliveries[2].quantity: only day services may be delivered in fractions",
    ),
    (
        _mutate(["organisations", 4, "predecessors"], ["DTI", "NOPE"]),
        "organisations[4].predecessors[1]: unknown organisation 'NOPE'",
    ),
    (
        _mutate(["framework", "vat_rate", 0, "rate"], "17.5"),
        "framework.vat_rate[0].rate: a VAT rate is a fraction",
    ),
    (
        _mutate(["sla", "business_hours", "start"], "8am"),
        'sla.business_hours.start: expected a time written "HH:MM"',
    ),
    (lambda d: d["contracts"][2].pop("signed"), "contracts[2]: missing key 'signed'"),
]


@pytest.mark.parametrize(("mutate", "message"), BROKEN, ids=[m for _, m in BROKEN])
def test_broken_variants_are_refused_with_a_located_message_and_nothing_written(mutate, message, tmp_path):
    document = _psf()
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
    document = _psf()
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
    call_command("load", str(PSF), "--check", stdout=out)
    assert "valid (PSF)" in out.getvalue()
    assert Framework.objects.count() == 0


def test_changing_a_price_in_the_file_updates_and_audits_it(tmp_path):
    load_text(PSF.read_text())
    document = _psf()
    document["services"][1]["pricing"]["price"] = "15.00"
    load_text(yaml.safe_dump(document, sort_keys=False))
    laptop = Service.objects.get(code="LAPTOP")
    assert laptop.bands.get().price == Decimal("15.00")
    entry = AuditEntry.objects.filter(object_type="frameworks.service", object_id=str(laptop.pk)).first()
    assert entry.changes["bands"] == [["0: 14.00"], ["0: 15.00"]]


def test_export_command_and_cli_exit_code(tmp_path):
    load_text(MET.read_text())
    out = tmp_path / "met.yaml"
    call_command("export", "--framework", "MPSTT", "-o", str(out), stdout=io.StringIO())
    assert validate(parse_yaml(out.read_text())).framework.code == "MPSTT"
    with pytest.raises(CommandError, match="unknown framework 'NOPE'"):
        call_command("export", "--framework", "NOPE")


def test_cli_exits_non_zero_without_a_traceback(tmp_path):
    bad = copy.deepcopy(_psf())
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
