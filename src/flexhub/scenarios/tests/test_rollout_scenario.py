"""The scenario file's `rollout` key: templates and programmes loaded, reloaded without a write,
exported back, and refused with the place and the reason when they are wrong."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from flexhub.core.audit import Actor
from flexhub.core.models import AuditEntry
from flexhub.frameworks.models import Framework
from flexhub.rollout.models import Programme, ProgrammeStage, RolloutTemplate
from flexhub.scenarios.export import scenario_export
from flexhub.scenarios.schema import ScenarioInvalid, validate
from flexhub.scenarios.services import scenario_load, scenario_parse
from flexhub.scenarios.yamlio import dump_yaml, parse_yaml

pytestmark = pytest.mark.django_db
POOLED = Path(__file__).resolve().parent / "fixtures" / "pooled-framework.yaml"

ROLLOUT = {
    "templates": [
        {
            "code": "ROLL",
            "name": "Proven rollout",
            "stages": [
                {"key": "survey", "name": "Survey", "days": 10, "checklist": ["Count desks"]},
                {"key": "waves", "name": "Waves", "days": 40, "after": ["survey"], "waves": True},
                {
                    "key": "close",
                    "name": "Close-down",
                    "days": 5,
                    "after": ["waves"],
                    "checklist": ["Dispose of old desktops", "Return the keys"],
                },
            ],
        }
    ],
    "programmes": [
        {
            "member": "CCA",
            "code": "CCA-ROLL",
            "name": "CCA onto the framework",
            "template": "ROLL",
            "start": "2019-09-02",
            "contract": "CWS-CCA-001",
            "service": "WPL",
            "waves": [{"site": "Head office", "seats": 200}, {"site": "Depot", "seats": 50}],
            "replan": [{"stage": "waves", "days": 50}],
            "completed": {"survey": "2019-09-11"},
            "checked": {"close": ["Return the keys"]},
        }
    ],
}


def document(rollout=None):
    doc = parse_yaml(POOLED.read_text())
    doc["rollout"] = copy.deepcopy(ROLLOUT if rollout is None else rollout)
    return doc


def load(doc):
    return scenario_load(actor=Actor.for_cli(), scenario=validate(doc))


def test_rollout_loads_reloads_without_a_write_and_exports():
    report = load(document())
    assert report.created["rollout templates"] == 1 and report.created["programmes"] == 1
    programme = Programme.objects.get(code="CCA-ROLL")
    assert programme.template_name == "Proven rollout" and programme.contract.ref == "CWS-CCA-001"
    assert [(w.site, w.seats) for w in programme.waves.order_by("number")] == [("Head office", 200), ("Depot", 50)]
    waves = ProgrammeStage.objects.get(programme=programme, key="waves")
    assert waves.slippage_days == 10 and waves.planned_start.isoformat() == "2019-09-12"
    survey = ProgrammeStage.objects.get(programme=programme, key="survey")
    assert survey.completed_on.isoformat() == "2019-09-11" and survey.checklist_done == ["Count desks"]
    assert ProgrammeStage.objects.get(programme=programme, key="close").checklist_done == ["Return the keys"]
    entries = AuditEntry.objects.count()
    again = load(document())
    assert again.unchanged["rollout templates"] == 1 and again.unchanged["programmes"] == 1
    assert AuditEntry.objects.count() == entries
    exported = scenario_export(Framework.objects.get(code=report.framework))
    assert exported["rollout"]["programmes"][0]["replan"] == [{"stage": "waves", "days": 50}]
    assert exported["rollout"]["programmes"][0]["completed"] == {"survey": "2019-09-11"}
    assert exported["rollout"]["programmes"][0]["checked"] == {"close": ["Return the keys"]}
    reparsed = scenario_parse(dump_yaml(exported)).rollout
    assert reparsed.templates[0].stages[1].after == ["survey"] and reparsed.programmes[0].waves[1].seats == 50


def test_a_changed_template_is_rewritten_and_the_programme_keeps_its_copy():
    load(document())
    changed = copy.deepcopy(ROLLOUT)
    changed["templates"][0]["stages"][0]["days"] = 99
    report = load(document(changed))
    assert report.updated["rollout templates"] == 1
    assert RolloutTemplate.objects.get(code="ROLL").stages.get(key="survey").duration_days == 99
    assert ProgrammeStage.objects.get(programme__code="CCA-ROLL", key="survey").duration_days == 10


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda r: r["templates"][0]["stages"][0].update(after=["close"]),
            "rollout.templates[0].stages: stages depend on each other in a cycle: survey -> close -> waves -> survey",
        ),
        (
            lambda r: r["templates"][0]["stages"][1].update(days=0),
            "rollout.templates[0].stages[1].days: must be 1 or more",
        ),
        (
            lambda r: r["programmes"][0].update(template="NOPE"),
            "rollout.programmes[0].template: unknown template 'NOPE'",
        ),
        (lambda r: r["programmes"][0].update(member="FJS"), "rollout.programmes[0].member:"),
        (lambda r: r["programmes"][0].update(start="2040-01-01"), "rollout.programmes[0].start: 2040-01-01 is outside"),
        (lambda r: r["programmes"][0].update(contract="NOPE-1"), "rollout.programmes[0].contract: CCA has no contract"),
        (lambda r: r["programmes"][0]["waves"][0].update(seats=-1), "rollout.programmes[0].waves[0].seats: must be 0"),
        (lambda r: r["programmes"][0].update(completed={"build": "2019-10-01"}), "has no stage 'build'"),
        (lambda r: r["programmes"][0].update(completed={"survey": "2019-01-01"}), "before the programme starts"),
        (
            lambda r: r["programmes"][0].update(checked={"close": ["Burn the desks"]}),
            "rollout.programmes[0].checked.close[0]: 'Burn the desks' is not an item of close's checklist",
        ),
        (
            lambda r: r["programmes"][0].update(checked={"survey": ["Count desks"]}),
            "rollout.programmes[0].checked.survey: the stage is complete",
        ),
        (lambda r: r["programmes"][0].update(checked=["close"]), "rollout.programmes[0].checked: expected a mapping"),
        (lambda r: r["programmes"][0].update(checked={"build": []}), "has no stage 'build'"),
    ],
)
def test_bad_rollout_is_refused_saying_where(change, message):
    rollout = copy.deepcopy(ROLLOUT)
    change(rollout)
    with pytest.raises(ScenarioInvalid) as refused:
        validate(document(rollout))
    assert any(message in error for error in refused.value.errors), refused.value.errors
    assert not Programme.objects.exists()
