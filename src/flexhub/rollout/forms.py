"""Rollout forms: keeping a template, starting a programme from it, re-planning a stage, working
through its checklist and completing it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django import forms

from flexhub.core.forms import GovukDateField, GovukForm
from flexhub.frameworks.models import CallOffContract, Service
from flexhub.rollout.services import StageInput


class ProgrammeStartForm(GovukForm):
    code = forms.CharField(max_length=40, label="Programme code", help_text="For example DESKTOP-2008")
    name = forms.CharField(max_length=200, label="Programme name")
    start = GovukDateField(label="Start date")
    sites = forms.MultipleChoiceField(
        label="Sites to move",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="From your staff directory; one wave per site, each of the people in post there",
    )
    contract: forms.ModelChoiceField[CallOffContract] = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="No contract", label="Contract the seats move to"
    )
    service: forms.ModelChoiceField[Service] = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="No service", label="The seat's service"
    )

    def __init__(self, *args: Any, sites: dict[str, int], contracts: Any, services: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["sites"]
        field.choices = [(site, f"{site} ({people} in post)") for site, people in sites.items()]
        self.fields["contract"].queryset = contracts  # type: ignore[attr-defined]
        self.fields["service"].queryset = services  # type: ignore[attr-defined]


class StageReplanForm(GovukForm):
    duration_days = forms.IntegerField(min_value=1, max_value=3650, label="Duration in days")
    not_before = GovukDateField(label="Cannot start before", required=False)
    reason = forms.CharField(max_length=300, required=False, label="Why the plan changes")


class StageCompleteForm(GovukForm):
    """A stage's checklist, to save as far as it has got or to mark the stage complete (on a
    date, every item checked); the date is asked for only to complete."""

    checked = forms.MultipleChoiceField(
        label="Checklist", widget=forms.CheckboxSelectMultiple, required=False, help_text="Check the items done"
    )
    completed_on = GovukDateField(label="Date completed")

    def __init__(self, *args: Any, checklist: list[str], completing: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["checked"]
        field.choices = [(item, item) for item in checklist]
        if not checklist:
            del self.fields["checked"]
        self.fields["completed_on"].required = completing


STAGE_KEY = re.compile(r"[A-Za-z0-9_-]{1,40}")
STAGE_LINES_HELP = (
    "One stage a line, its parts separated by |: a key, the name, the typical days, the keys of the "
    "stages it waits for (separated by commas), its checklist (items separated by semicolons) and, "
    "for the stage the seats move in, the word waves. For example: pilot | Pilot | 45 | survey | "
    "Twenty users for a month"
)


def parse_stage_lines(text: str) -> list[StageInput]:
    """The stages a template form's lines give; every faulty line is named with what is wrong."""
    stages: list[StageInput] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cells = [cell.strip() for cell in line.split("|")]
        if not 3 <= len(cells) <= 6:
            problems.append(f"Line {number}: give a key, a name and the days, separated by |")
            continue
        key, name, days, after, checklist, waves = [*cells, "", "", ""][:6]
        if not STAGE_KEY.fullmatch(key):
            problems.append(f"Line {number}: a key is 1 to 40 letters, digits, - or _ (not {key!r})")
        if not name:
            problems.append(f"Line {number}: the stage needs a name")
        if not (days.isascii() and days.isdigit()):
            problems.append(f"Line {number}: the days must be a whole number, like 30 (not {days!r})")
        if waves not in ("", "waves"):
            problems.append(f"Line {number}: the last part is the word waves, or nothing (not {waves!r})")
        if key and name and days.isascii() and days.isdigit() and waves in ("", "waves") and STAGE_KEY.fullmatch(key):
            stages.append(
                StageInput(
                    key=key,
                    name=name,
                    duration_days=int(days),
                    depends_on=tuple(k.strip() for k in after.split(",") if k.strip()),
                    checklist=tuple(item.strip() for item in checklist.split(";") if item.strip()),
                    is_waves=waves == "waves",
                )
            )
    if problems:
        raise forms.ValidationError(problems)
    return stages


def fits_lines(stages: Sequence[Any]) -> bool:
    """Whether `stage_lines` can write these stages faithfully: no | in a name or an item, no ;
    in an item (the API and the scenario file allow them)."""
    return not any("|" in s.name or any("|" in item or ";" in item for item in s.checklist) for s in stages)


def stage_lines(stages: Sequence[Any]) -> str:
    """A template's stages written as the form's lines (`parse_stage_lines` reads them back)."""
    lines = []
    for s in stages:
        cells = [s.key, s.name, str(s.duration_days), ", ".join(s.depends_on), "; ".join(s.checklist)]
        if s.is_waves:
            cells.append("waves")
        lines.append(" | ".join(cells).rstrip(" |"))
    return "\n".join(lines)


class TemplateForm(GovukForm):
    """A rollout template: its name and stages (its code only when it is new)."""

    code = forms.CharField(max_length=32, label="Template code", help_text="For example DESKTOP-ROLLOUT")
    name = forms.CharField(max_length=200, label="Template name")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    stages = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), label="Stages", help_text=STAGE_LINES_HELP)

    def __init__(self, *args: Any, new: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not new:
            del self.fields["code"]

    def clean_stages(self) -> list[StageInput]:
        return parse_stage_lines(self.cleaned_data["stages"])
