"""What a scenario file may cost to read, and what its check must promise (issue 13): a shape no
scenario needs is refused at its line, never a crash, and a file `flexhub load --check` passes
never then fails in the database."""

from __future__ import annotations

import copy
import functools
import io
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from flexhub.core.audit import Actor
from flexhub.core.errors import RuleError
from flexhub.core.models import Organisation
from flexhub.scenarios.schema import MAX_ERRORS, ScenarioInvalid, validate
from flexhub.scenarios.services import scenario_load, scenario_parse
from flexhub.scenarios.yamlio import MAX_DEPTH, MAX_KEYS, parse_yaml

POOLED = Path(__file__).resolve().parent / "fixtures" / "pooled-framework.yaml"


@functools.cache
def _pooled_text() -> str:
    return POOLED.read_text()


def pooled():
    return parse_yaml(_pooled_text())


def refusal(document) -> list[str]:
    with pytest.raises(ScenarioInvalid) as info:
        validate(document)
    return info.value.errors


def test_fifty_thousand_nested_brackets_are_refused_not_a_crash(tmp_path):
    """In a process of its own: with libyaml 0.2.5 (PyYAML 6.0.2) this killed `flexhub load`
    with a segmentation fault."""
    file = tmp_path / "deep.yaml"
    file.write_text("[" * 50_000 + "]" * 50_000)
    result = subprocess.run(
        [sys.executable, "-m", "flexhub", "load", str(file), "--check"],
        capture_output=True,
        text=True,
        env={"FLEXHUB_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        check=False,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr[-500:]
    assert "line 1, column" in result.stderr and "nest" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "text",
    [
        "{a: " * 5000 + "1" + "}" * 5000,  # PyYAML's constructor recursed: a RecursionError
        "- " * 50_000 + "x",
        "\n".join(" " * i + f"k{i}:" for i in range(2000)) + " x",
    ],
)
def test_deep_nesting_of_any_kind_is_refused_at_its_line(text):
    with pytest.raises(RuleError, match=r"^line \d+, column \d+: nested more than 32 levels deep"):
        parse_yaml(text)
    assert MAX_DEPTH == 32


def test_a_mapping_of_a_million_keys_is_refused_at_the_key_past_the_limit():
    text = "framework:\n" + "".join(f"  k{i}: {i}\n" for i in range(1_000_000))
    with pytest.raises(RuleError, match=f"line {MAX_KEYS + 2}, column 3: a mapping of more than {MAX_KEYS} keys"):
        parse_yaml(text)


def test_aliases_cannot_repeat_a_small_file_into_a_huge_one():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    with pytest.raises(RuleError, match="with its aliases repeated, the file holds more than"):
        parse_yaml("\n".join(lines))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: &a [1, *a]", "the alias *a is inside the node it names"),
        ("a: *nowhere", "the alias *nowhere names no anchor before it"),
        ("a: !!python/object/apply:os.system [ls]", "is not used in scenario files"),
        ("a: !!set {x, y}", "is not used in scenario files"),
        ("? [a, b]\n: 1", "a key must be text or a number"),
        ("a: " + "9" * 5000, "cannot be read as int"),
        ("a: 1\n---\nb: 2", "expected a single document"),
        ("a: 1\na: 2", "key 'a' is given twice"),
    ],
)
def test_shapes_no_scenario_has_are_refused_with_their_line(text, message):
    with pytest.raises(RuleError, match=r"^line \d+, column \d+: ") as refused:
        parse_yaml(text)
    assert message in refused.value.message


def test_merge_keys_and_anchors_still_read_as_yaml_has_them():
    assert parse_yaml("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\n") == {
        "base": {"x": 1, "y": 2},
        "c": {"x": 1, "y": 3},
    }


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        (("organisations", 2, "name"), "x" * 201, "organisations[2].name: at most 200 characters, got 201"),
        (("organisations", 2, "address"), "a\x00b", "organisations[2].address: contains a NUL character"),
        (("framework", "name"), "n" * 201, "framework.name: at most 200 characters"),
        (
            ("framework", "value_ceiling"),
            "1" + "0" * 20 + ".00",
            "framework.value_ceiling: 1" + "0" * 20 + ".00 is too large",
        ),
        (("services", 1, "name"), "s" * 201, "services[1].name: at most 200 characters"),
        (("services", 1, "pricing", "price"), "0" * 30 + "1.00", "services[1].pricing.price: at most 24 characters"),
        (("services", 0, "pricing", "bands", 4, "from"), 2**40, "services[0].pricing.bands[4].from: 1099511627776"),
        (("deliveries", 0, "quantity"), float("inf"), "deliveries[0].quantity: Infinity is not a number"),
        (("sla", "targets", "P1", "respond"), 2**40, "sla.targets.P1.respond: 1099511627776 is too large"),
        (("sla", "service_credits", "P1", "per_breach"), "100000.00", "per_breach: 100000.00 is too large"),
        (("tickets", 0, "title"), "t" * 301, "tickets[0].title: at most 300 characters"),
        (("tickets", 0, "events", 0, "at"), "0001-01-01T00:30:00+01:00", "tickets[0].events[0].at: 0001-01-01"),
        (("framework", "end"), "9999-12-31", "framework.end: 9999-12-31 is outside the dates flexhub works with"),
    ],
)
def test_the_check_refuses_what_the_database_or_the_load_would(where, value, message):
    """Each of these passed `flexhub load --check` and then failed the load (a DataError on
    PostgreSQL, an OverflowError, a ValueError), or was quietly cut short on SQLite."""
    document = pooled()
    node = document
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    assert any(message in error for error in refusal(document))


def test_errors_are_capped_and_the_rest_counted():
    document = pooled()
    ticket = document["tickets"][0]
    document["tickets"] = [{**copy.deepcopy(ticket), "colour": i} for i in range(3 * MAX_ERRORS)]
    with pytest.raises(ScenarioInvalid) as info:
        validate(document)
    errors = info.value.errors
    assert len(errors) == MAX_ERRORS + 1 and errors[-1].startswith("... and ")
    assert info.value.total > 3 * MAX_ERRORS


@pytest.mark.django_db
def test_a_name_at_the_column_limit_loads_and_one_past_it_never_reaches_the_database():
    """Run with DATABASE_URL=postgres://... too: there a 201-character name was a DataError."""
    document = pooled()
    document["organisations"][2]["name"] = "N" * 200
    scenario_load(actor=Actor.for_cli(), scenario=scenario_parse(yaml.safe_dump(document)))
    assert Organisation.objects.get(code=document["organisations"][2]["code"]).name == "N" * 200
    document["organisations"][2]["name"] = "N" * 300
    with pytest.raises(ScenarioInvalid):
        scenario_parse(yaml.safe_dump(document))


@pytest.mark.django_db
def test_the_command_counts_every_error_it_caps(tmp_path):
    document = pooled()
    ticket = document["tickets"][0]
    document["tickets"] = [{**copy.deepcopy(ticket), "colour": i} for i in range(2 * MAX_ERRORS)]
    file = tmp_path / "bad.yaml"
    file.write_text(yaml.safe_dump(document))
    with pytest.raises(CommandError) as info:
        call_command("load", str(file), "--check", stdout=io.StringIO())
    first = str(info.value).splitlines()[0]
    count = int(first.split(": ")[1].split(" ")[0])
    assert count > 2 * MAX_ERRORS and len(str(info.value).splitlines()) == MAX_ERRORS + 2
