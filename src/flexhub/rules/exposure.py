"""Whose law can reach a member's data (issue 14): the rules of exposure, as pure functions.

A member's data in a service is handled by the service's suppliers and, through them, by their
sub-processors (organisations too, which may have their own). Each handler is reached by the law
of the jurisdictions recorded against it (a parent group's US operations: the USA PATRIOT Act,
the CLOUD Act), and the data is reached by the law of every country it is held or processed in.
Every jurisdiction other than the United Kingdom's is an exposure, for the member to accept,
accept with mitigations, or refuse.

Classifications follow the Government Security Classifications Policy (August 2024): OFFICIAL,
SECRET, TOP SECRET, in that order; OFFICIAL-SENSITIVE is not a level but a handling caveat on
OFFICIAL, so it ranks as OFFICIAL against a service's accreditation.

A decision is taken on the facts as they stood (`exposure_facts`); when the facts of its exposure
differ from those it was taken on, it goes back for review (`stale_decisions`), whatever the
change was: a supplier gaining a jurisdiction, the data moving, a sub-processor added, the
member raising its classification.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

HOME_JURISDICTION = "GB"  # the framework's own law; every other jurisdiction is foreign
OFFICIAL = "OFFICIAL"
SECRET = "SECRET"
TOP_SECRET = "TOP SECRET"
CLASSIFICATIONS = (OFFICIAL, SECRET, TOP_SECRET)  # lowest first
SENSITIVE_CAVEAT = "OFFICIAL-SENSITIVE"
ACTIVITIES = ("held", "processed")

ACCEPT = "accept"
ACCEPT_WITH_MITIGATIONS = "accept-with-mitigations"
REFUSE = "refuse"
OUTCOMES = (ACCEPT, ACCEPT_WITH_MITIGATIONS, REFUSE)
CURRENT = "current"
TO_REVIEW = "to-review"
DUE = "due"
UNDECIDED = "undecided"

ABOVE_ACCREDITATION = "above-accreditation"
OUTSIDE_ALLOWED_COUNTRIES = "outside-allowed-countries"
UNREVIEWED_SUB_PROCESSOR = "unreviewed-sub-processor"


def classification_rank(classification: str) -> int:
    """The level's place in the order OFFICIAL < SECRET < TOP SECRET (ValueError for anything else)."""
    try:
        return CLASSIFICATIONS.index(classification)
    except ValueError:
        raise ValueError(f"unknown classification {classification!r} (one of {', '.join(CLASSIFICATIONS)})") from None


def classification_label(classification: str, sensitive: bool) -> str:
    """How the data's marking is written: OFFICIAL-SENSITIVE for OFFICIAL with the caveat."""
    return SENSITIVE_CAVEAT if sensitive and classification == OFFICIAL else classification


def classification_problem(classification: str, sensitive: bool) -> str | None:
    """Why a member's marking is not one the policy has, or None."""
    if classification not in CLASSIFICATIONS:
        return f"unknown classification {classification!r} (one of {', '.join(CLASSIFICATIONS)})"
    if sensitive and classification != OFFICIAL:
        return f"the OFFICIAL-SENSITIVE caveat applies to OFFICIAL information only, not {classification}"
    return None


def above_accreditation(classification: str, accreditation: str) -> bool:
    """Whether data of `classification` is above what a service is accredited for."""
    return classification_rank(classification) > classification_rank(accreditation)


@dataclass(frozen=True)
class Jurisdiction:
    """One jurisdiction whose law reaches an organisation, with the legal basis in words."""

    organisation: str
    jurisdiction: str
    basis: str
    source: str = ""
    review: dt.date | None = None


@dataclass(frozen=True)
class SubProcessing:
    """`sub_processor` handles data for `supplier`; `reviewed` once the authority has looked at it."""

    supplier: str
    sub_processor: str
    reviewed: bool


@dataclass(frozen=True)
class Location:
    """Where a service's data is held or processed: a country and a named site."""

    country: str
    site: str
    activity: str = "held"


@dataclass(frozen=True)
class ServiceFacts:
    """What a service records of itself: its accreditation, who handles its data, where it is."""

    code: str
    accreditation: str
    handlers: tuple[str, ...]
    locations: tuple[Location, ...] = ()


@dataclass(frozen=True)
class Holding:
    """The classification of the data a member puts into a service (OFFICIAL unless it says)."""

    classification: str = OFFICIAL
    sensitive: bool = False

    @property
    def label(self) -> str:
        return classification_label(self.classification, self.sensitive)


@dataclass(frozen=True)
class Register:
    """The supplier register: jurisdictions per organisation and who sub-processes for whom."""

    jurisdictions: tuple[Jurisdiction, ...] = ()
    sub_processing: tuple[SubProcessing, ...] = ()

    def jurisdictions_of(self, organisation: str) -> list[Jurisdiction]:
        return [j for j in self.jurisdictions if j.organisation == organisation]

    def sub_processors_of(self, supplier: str) -> list[SubProcessing]:
        return sorted((s for s in self.sub_processing if s.supplier == supplier), key=lambda s: s.sub_processor)


@dataclass(frozen=True)
class Handler:
    """An organisation that handles a service's data: directly (`via` None) or as a
    sub-processor of `via`, reviewed or not."""

    organisation: str
    via: str | None = None
    reviewed: bool = True


@dataclass(frozen=True)
class Route:
    """How a foreign jurisdiction reaches the data: through an organisation (`through`, a
    sub-processor of `via` where it is one) or because the data is in the country (`through`
    None), with the basis in words."""

    basis: str
    through: str | None = None
    via: str | None = None


@dataclass(frozen=True)
class Exposure:
    """One foreign jurisdiction that can reach a member's data in a service, and how."""

    service: str
    jurisdiction: str
    routes: tuple[Route, ...]
    facts: dict[str, Any] = field(compare=False)


@dataclass(frozen=True)
class Mismatch:
    """Something about the data in a service that the member's rules or the service's do not allow."""

    service: str
    kind: str
    detail: str


@dataclass(frozen=True)
class ServiceAssessment:
    """A member's data in one service: its marking, where it is, who handles it, what can reach it."""

    service: str
    holding: Holding
    accreditation: str
    locations: tuple[Location, ...]
    handlers: tuple[Handler, ...]
    exposures: tuple[Exposure, ...]
    mismatches: tuple[Mismatch, ...]


def handlers_of(service: ServiceFacts, register: Register) -> tuple[Handler, ...]:
    """Everyone who handles the service's data: its handlers, then their sub-processors and
    theirs, each once (the first way found), in the order they are reached."""
    found: dict[str, Handler] = {}
    queue = [Handler(code) for code in service.handlers]
    while queue:
        handler = queue.pop(0)
        if handler.organisation in found:
            continue
        found[handler.organisation] = handler
        queue.extend(
            Handler(link.sub_processor, via=handler.organisation, reviewed=link.reviewed)
            for link in register.sub_processors_of(handler.organisation)
        )
    return tuple(found.values())


def _location_text(location: Location) -> str:
    return f"data {location.activity} in {location.country}" + (f" at {location.site}" if location.site else "")


def exposure_facts(
    *,
    jurisdiction: str,
    routes: Sequence[Route],
    holding: Holding,
    service: ServiceFacts,
    handlers: Sequence[Handler],
    reaching: Iterable[str] = (),
) -> dict[str, Any]:
    """The facts a decision on one exposure is taken on, as plain JSON-ready values: when any
    of them changes, the decision is to be reviewed. `reaching` is every foreign jurisdiction
    that reaches the data in the service: a supplier gaining one changes the picture the
    decisions on the others were taken on."""
    return {
        "jurisdiction": jurisdiction,
        "reaching": sorted(set(reaching)),
        "classification": holding.label,
        "accreditation": service.accreditation,
        "routes": sorted(
            " ".join(
                part
                for part in (
                    route.through or "",
                    f"(sub-processor of {route.via})" if route.via else "",
                    route.basis,
                )
                if part
            )
            for route in routes
        ),
        "locations": sorted(_location_text(loc) for loc in service.locations),
        "handlers": sorted(
            h.organisation + (f" (sub-processor of {h.via}{'' if h.reviewed else ', not reviewed'})" if h.via else "")
            for h in handlers
        ),
    }


def assess_service(
    service: ServiceFacts,
    holding: Holding,
    register: Register,
    allowed_countries: Iterable[str] = (),
) -> ServiceAssessment:
    """A member's data in `service`: every foreign jurisdiction that reaches it (through each
    handler's jurisdictions and each country the data is in) and every mismatch. An empty
    `allowed_countries` means the member has set no limit."""
    handlers = handlers_of(service, register)
    routes: dict[str, list[Route]] = {}
    for handler in handlers:
        for reach in register.jurisdictions_of(handler.organisation):
            if reach.jurisdiction != HOME_JURISDICTION:
                routes.setdefault(reach.jurisdiction, []).append(
                    Route(reach.basis, through=handler.organisation, via=handler.via)
                )
    for location in service.locations:
        if location.country != HOME_JURISDICTION:
            routes.setdefault(location.country, []).append(Route(_location_text(location)))
    exposures = tuple(
        Exposure(
            service.code,
            jurisdiction,
            tuple(found),
            exposure_facts(
                jurisdiction=jurisdiction,
                routes=found,
                holding=holding,
                service=service,
                handlers=handlers,
                reaching=routes,
            ),
        )
        for jurisdiction, found in sorted(routes.items())
    )
    mismatches: list[Mismatch] = []
    if above_accreditation(holding.classification, service.accreditation):
        mismatches.append(
            Mismatch(
                service.code,
                ABOVE_ACCREDITATION,
                f"{holding.label} data in a service accredited for {service.accreditation} at most",
            )
        )
    allowed = sorted(set(allowed_countries))
    if allowed:
        for location in service.locations:
            if location.country not in allowed:
                mismatches.append(
                    Mismatch(
                        service.code,
                        OUTSIDE_ALLOWED_COUNTRIES,
                        f"{_location_text(location)}, outside the countries allowed ({', '.join(allowed)})",
                    )
                )
    for handler in handlers:
        if not handler.reviewed:
            mismatches.append(
                Mismatch(
                    service.code,
                    UNREVIEWED_SUB_PROCESSOR,
                    f"{handler.organisation}, a sub-processor of {handler.via}, has not been reviewed",
                )
            )
    return ServiceAssessment(
        service.code,
        holding,
        service.accreditation,
        service.locations,
        handlers,
        exposures,
        tuple(mismatches),
    )


def assess_member(
    services: Iterable[ServiceFacts],
    holdings: Mapping[str, Holding],
    register: Register,
    allowed_countries: Iterable[str] = (),
) -> list[ServiceAssessment]:
    """Every service a member buys, assessed; a service without a recorded holding holds OFFICIAL."""
    allowed = tuple(allowed_countries)
    return [
        assess_service(service, holdings.get(service.code, Holding()), register, allowed)
        for service in sorted(services, key=lambda s: s.code)
    ]


def fact_changes(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[str]:
    """What differs between the facts a decision was taken on and the facts now, in words."""
    if before == after:
        return []
    if after is None:
        return ["the jurisdiction no longer reaches the data"]
    if before is None:
        return ["the exposure is new"]
    changes = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if isinstance(old, list) and isinstance(new, list):
            added = [item for item in new if item not in old]
            removed = [item for item in old if item not in new]
            words = [f"+ {item}" for item in added] + [f"- {item}" for item in removed]
            changes.append(f"{key}: {'; '.join(words)}")
        else:
            changes.append(f"{key}: {old} -> {new}")
    return changes


def stale_decisions(
    decided: Mapping[Any, Mapping[str, Any]], current: Mapping[Any, Mapping[str, Any]]
) -> dict[Any, list[str]]:
    """The decisions (by key) whose exposure's facts differ from those they were taken on,
    with what changed; a decision whose exposure is gone is stale too."""
    stale = {}
    for key, facts in decided.items():
        changes = fact_changes(facts, current.get(key))
        if changes:
            stale[key] = changes
    return stale


def decision_status(outcome: str | None, state: str | None, review: dt.date | None, today: dt.date) -> str:
    """What a decision amounts to today: undecided (none taken), to-review (the facts changed),
    due (its review date has passed), else its outcome."""
    if outcome is None:
        return UNDECIDED
    if state == TO_REVIEW:
        return TO_REVIEW
    if review is not None and review < today:
        return DUE
    return outcome


def decision_problems(
    *, outcome: str, mitigations: Sequence[str], reason: str, decided_on: dt.date, review: dt.date | None
) -> list[tuple[str, str]]:
    """Why a decision cannot be recorded as given, as (field, message) pairs; empty when it can."""
    problems = []
    if outcome not in OUTCOMES:
        problems.append(("outcome", f"choose accept, accept with mitigations or refuse, not {outcome!r}"))
    if outcome == ACCEPT_WITH_MITIGATIONS and not [m for m in mitigations if m.strip()]:
        problems.append(("mitigations", "list the mitigations the acceptance depends on, one a line"))
    if outcome != ACCEPT_WITH_MITIGATIONS and [m for m in mitigations if m.strip()]:
        problems.append(("mitigations", "mitigations go with an acceptance with mitigations only"))
    if not reason.strip():
        problems.append(("reason", "say why: the reason is the record of the decision"))
    if review is not None and review <= decided_on:
        problems.append(("review_date", f"the review date must be after the decision ({decided_on})"))
    return problems
