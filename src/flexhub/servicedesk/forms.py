"""Forms of the service desk: raising a ticket, and the steps of working one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms

from flexhub.core.forms import GovukForm, ReadyChoices
from flexhub.servicedesk.models import PRIORITIES, TicketKind

if TYPE_CHECKING:
    from flexhub.frameworks.models import Framework, Service, Tower

PRIORITY_CHOICES = [
    ("P1", "P1: critical, many people cannot work"),
    ("P2", "P2: high, a team or a key service is affected"),
    ("P3", "P3: medium, one person cannot work normally"),
    ("P4", "P4: low, a request or a minor fault"),
]
assert [p for p, _ in PRIORITY_CHOICES] == list(PRIORITIES)


class TicketRaiseForm(GovukForm):
    framework: forms.ModelChoiceField[Framework] = forms.ModelChoiceField(queryset=None, empty_label=None)
    kind = forms.ChoiceField(
        choices=TicketKind.choices,
        widget=forms.RadioSelect,
        initial=TicketKind.INCIDENT,
        label="Is something broken, or do you need something?",
    )
    priority = forms.ChoiceField(choices=PRIORITY_CHOICES, initial="P3", widget=forms.RadioSelect)
    category: forms.ModelChoiceField[Service] = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Which service is it about?",
        empty_label="Not sure",
    )
    title = forms.CharField(max_length=300, label="Summary", help_text="In a few words")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}), required=False, help_text="What happened, who is affected, since when"
    )

    def __init__(self, *args: Any, frameworks: Any, services: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offer("framework", frameworks)
        self.fields["category"].queryset = services  # type: ignore[attr-defined]


class NoteForm(GovukForm):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Note")
    internal = forms.BooleanField(required=False, label="Internal note (never shown to the member)")


class ReassignForm(GovukForm):
    tower: forms.ModelChoiceField[Tower] = forms.ModelChoiceField(queryset=None, empty_label="Choose a tower")
    note = forms.CharField(required=False, label="Why (optional)")

    def __init__(self, *args: Any, towers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tower"].queryset = towers  # type: ignore[attr-defined]


class QueueFilterForm(GovukForm):
    """Narrow a queue; on the page, members and towers are chosen from lists of what the user
    can see (queues.queue_filter_choices). The API, given no lists, takes their codes."""

    member = forms.ChoiceField(required=False, label="Member")
    priority = forms.ChoiceField(choices=[("", "Any"), *[(p, p) for p in PRIORITIES]], required=False)
    state = forms.ChoiceField(
        choices=[
            ("", "Open or waiting"),
            ("open", "Open"),
            ("awaiting_customer", "Waiting for customer"),
            ("resolved", "Resolved"),
            ("closed", "Closed"),
            ("all", "All"),
        ],
        required=False,
    )
    breached = forms.ChoiceField(choices=[("", "Any"), ("yes", "Breached"), ("no", "Not breached")], required=False)
    tower = forms.ChoiceField(required=False, label="Tower")

    def __init__(
        self,
        *args: Any,
        members: list[tuple[str, str]] | None = None,
        towers: list[tuple[str, str]] | None = None,
        show_members: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, choices in (("member", members), ("tower", towers)):
            if choices is None:
                self.fields[name] = forms.CharField(required=False, label=f"{self.fields[name].label} code")
            else:
                field: Any = self.fields[name]
                field.choices = ReadyChoices([("", "Any"), *choices])
        if not show_members:
            del self.fields["member"]
