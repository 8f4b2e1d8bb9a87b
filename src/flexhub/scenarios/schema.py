"""The scenario format (docs/scenario-format.md): validation into typed specs, every error located.

`validate(document)` walks the whole document, records every problem with its
path in the file (`contracts[2].lines[0].service: unknown service 'TELX'`) and
returns a `Scenario` only when there are none, so a load never starts on a
half-valid file. This module checks the file's shape and types; the rules a
value must meet (a contract's dates, a price's places, the order of a ticket's
events) are `flexhub.rules.validation` and `rules.ticket_state`, which the
services that write the same records check too.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations

from flexhub.assurance.models import Activity, DataLocation, SupplierJurisdiction
from flexhub.core.models import Organisation, Region
from flexhub.core.roles import OrganisationRole
from flexhub.frameworks.models import (
    CallOffContract,
    Category,
    Classification,
    ContractChange,
    ContractLine,
    Delivery,
    Framework,
    PriceBand,
    PricingModel,
    Service,
    Tower,
    Unit,
)
from flexhub.rules.exposure import classification_problem
from flexhub.rules.pricing import (
    POOLED,
    Band,
    ContractTerms,
    LineTerms,
    Pricing,
    ceiling_refusal_text,
    committed_values,
)
from flexhub.rules.rollout import MAX_DURATION_DAYS, ScheduleError, StagePlan, check_stages
from flexhub.rules.ticket_state import EVENT_TYPES, event_order_problems
from flexhub.rules.validation import (
    ChangeShape,
    LineShape,
    Problem,
    band_problems,
    business_hours_problems,
    code_problem,
    contract_problems,
    date_range_problem,
    decimal_problem,
    delivery_problems,
    digits_problem,
    framework_term_problems,
    money_problem,
    payment_terms_problem,
    service_credit_problems,
    sla_target_problems,
    text_problem,
    vat_number_problem,
    vat_rate_problem,
    vat_schedule_problems,
    whole_number_problem,
)
from flexhub.servicedesk.models import (
    PRIORITIES,
    WEEKDAYS,
    Clock,
    ServiceCreditRule,
    SlaPolicy,
    SlaTarget,
    Ticket,
    TicketKind,
)

# The choices of the models that hold these values: one list for the file and the database.
ORG_ROLES = tuple(OrganisationRole.values)
REGIONS = tuple(Region.values)
CATEGORIES = tuple(Category.values)
UNITS = tuple(Unit.values)
CLASSIFICATIONS = tuple(Classification.values)
PRICING_MODELS = tuple(reversed(PricingModel.values))  # pooled-volume, flat: as the format lists them
CLOCKS = tuple(Clock.values)
TICKET_KINDS = tuple(TicketKind.values)
_DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")
MAX_ERRORS = 1000  # reported; a file with more is wrong throughout, and the count of the rest says so


def _max_length(model: type[models.Model], name: str) -> int | None:
    return model._meta.get_field(name).max_length  # type: ignore[union-attr]


def _max_whole(model: type[models.Model], name: str) -> int:
    """The largest value of an integer column on PostgreSQL (SQLite would take more, but a file
    must load the same on both)."""
    field = model._meta.get_field(name)
    return BaseDatabaseOperations.integer_field_ranges[field.get_internal_type()][1]  # type: ignore[union-attr]


def _digits(model: type[models.Model], name: str) -> tuple[int, int]:
    field = model._meta.get_field(name)
    return field.max_digits, field.decimal_places  # type: ignore[union-attr]


# What the columns a load writes can hold, read from the models: the check refuses what the
# write would, so a file that passes `flexhub load --check` never fails in the database.
ORGANISATION_NAME = _max_length(Organisation, "name")
FINANCE_EMAIL = _max_length(Organisation, "finance_email")
FRAMEWORK_NAME = _max_length(Framework, "name")
TOWER_NAME = _max_length(Tower, "name")
SERVICE_NAME = _max_length(Service, "name")
PO_NUMBER = _max_length(CallOffContract, "po_number")
TICKET_TITLE = _max_length(Ticket, "title")
TIMEZONE_NAME = _max_length(SlaPolicy, "timezone")
PRICE_TEXT = _max_length(PriceBand, "price_text")
CEILING_DIGITS = _digits(Framework, "value_ceiling")
PRICE_DIGITS = _digits(PriceBand, "price")
DELIVERY_DIGITS = _digits(Delivery, "quantity")
CREDIT_DIGITS = _digits(ServiceCreditRule, "per_breach")
BAND_FROM_MAX = _max_whole(PriceBand, "start")
LINE_QUANTITY_MAX = _max_whole(ContractLine, "quantity")
CHANGE_QUANTITY_MAX = _max_whole(ContractChange, "quantity")
MINUTES_MAX = _max_whole(SlaTarget, "resolve_minutes")
JURISDICTION_SOURCE = _max_length(SupplierJurisdiction, "source")
LOCATION_SITE = _max_length(DataLocation, "site")
ACTIVITIES = tuple(Activity.values)
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class ScenarioInvalid(Exception):
    """The file breaks the format or the rules; `errors` lists each problem with its path (the
    first MAX_ERRORS, then a line counting the rest), `total` counts them all."""

    def __init__(self, errors: list[str], more: int = 0) -> None:
        if more:
            errors = [*errors, f"... and {more} more errors"]
        super().__init__("\n".join(errors))
        self.errors = errors
        self.total = len(errors) - (1 if more else 0) + more


@dataclass
class ExposureSpec:
    """A jurisdiction whose law reaches the organisation, with the legal basis (the register)."""

    jurisdiction: str
    basis: str
    source: str = ""
    review: dt.date | None = None


@dataclass
class SubProcessorSpec:
    code: str
    reviewed: dt.date | None = None


@dataclass
class ClassificationSpec:
    service: str
    classification: str
    sensitive: bool = False
    position: int = field(default=0, compare=False)  # its place in the file's list, for messages


@dataclass
class LocationSpec:
    country: str
    site: str = ""
    activity: str = "held"


@dataclass
class OrganisationSpec:
    code: str
    name: str
    roles: list[str]
    region: str = "ENG"
    region_given: bool = False
    jurisdictions: list[str] | None = None
    foreign_law_exposure: str | None = None
    predecessors: list[str] | None = None
    address: str | None = None
    vat_number: str | None = None
    finance_email: str | None = None
    exposures: list[ExposureSpec] | None = None
    sub_processors: list[SubProcessorSpec] | None = None
    allowed_countries: list[str] | None = None
    data_classifications: list[ClassificationSpec] | None = None


@dataclass
class TowerSpec:
    code: str
    name: str
    supplier: str


@dataclass
class VatSpec:
    start: dt.date
    rate: Decimal
    text: str


@dataclass
class FrameworkSpec:
    code: str
    name: str
    authority: str
    suppliers: list[str]
    start: dt.date
    end: dt.date
    value_ceiling: Decimal
    vat: list[VatSpec]
    integrator: str | None = None
    towers: list[TowerSpec] = field(default_factory=list)
    payment_terms_days: int = 30
    invoiced_by: str | None = None


@dataclass
class BandSpec:
    start: int
    price: Decimal
    text: str


@dataclass
class ServiceSpec:
    code: str
    name: str
    category: str
    unit: str
    classification: str
    model: str
    ratchet: bool
    bands: list[BandSpec]
    data_locations: list[LocationSpec] | None = None
    handlers: list[str] | None = None

    @property
    def pricing(self) -> Pricing:
        return Pricing(self.model, tuple(Band(b.start, b.price) for b in self.bands), self.ratchet)


@dataclass
class LineSpec:
    service: str
    quantity: int
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass
class ChangeSpec:
    service: str
    effective: dt.date
    quantity: int


@dataclass
class ContractSpec:
    ref: str
    member: str
    signed: dt.date
    start: dt.date
    end: dt.date
    lines: list[LineSpec]
    changes: list[ChangeSpec]
    committed_value: Decimal = Decimal("0.00")
    po_number: str = ""

    def terms(self) -> ContractTerms:
        """The contract as the pricing rules see it."""
        return ContractTerms(
            self.ref,
            self.signed,
            self.start,
            self.end,
            tuple(
                LineTerms(
                    line.service,
                    line.start or self.start,
                    line.end or self.end,
                    line.quantity,
                    tuple(sorted((c.effective, c.quantity) for c in self.changes if c.service == line.service)),
                )
                for line in self.lines
            ),
        )


@dataclass
class DeliverySpec:
    contract: str
    service: str
    date: dt.date
    quantity: Decimal
    text: str


@dataclass
class TargetSpec:
    respond: int
    resolve: int
    clock: str


@dataclass
class CreditSpec:
    per_breach: Decimal
    cap: Decimal
    per_breach_text: str
    cap_text: str


@dataclass
class SlaSpec:
    timezone: str
    days: list[str]
    start: dt.time
    end: dt.time
    targets: dict[str, TargetSpec]
    credits: dict[str, CreditSpec]


@dataclass
class EventSpec:
    at: dt.datetime
    type: str
    tower: str | None = None


@dataclass
class TicketSpec:
    ref: str
    member: str
    kind: str
    priority: str
    title: str
    events: list[EventSpec]
    tower: str | None = None


@dataclass
class Scenario:
    framework: FrameworkSpec
    organisations: list[OrganisationSpec]
    services: list[ServiceSpec]
    contracts: list[ContractSpec]
    deliveries: list[DeliverySpec]
    sla: SlaSpec | None
    tickets: list[TicketSpec]
    rollout: RolloutSpec | None = None


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a yes/no value)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, float):
        return f"the number {value!r}"
    return _shown(value)


def _shown(value: Any) -> str:
    """A value in a message, cut short: a message never repeats a megabyte the file held."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:50]}... ({len(text):,} characters)"


class _Checker:
    """Typed reads of a document that record each problem with its path and carry on."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.more = 0

    def error(self, path: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(f"{path}: {message}")
        else:
            self.more += 1

    def refused(self) -> ScenarioInvalid:
        return ScenarioInvalid(self.errors, self.more)

    def problems(self, path: str, problems: list[Problem]) -> None:
        """Report the shared rules' problems under `path`."""
        for problem in problems:
            self.error(problem.under(path), problem.message)

    def mapping(
        self, node: Any, path: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> dict[str, Any] | None:
        if not isinstance(node, dict):
            self.error(path, f"expected a mapping, got {_describe(node)}")
            return None
        for key in node:
            if key not in required and key not in optional:
                self.error(path, f"unknown key {_shown(key)}")
        ok = True
        for key in required:
            if key not in node:
                self.error(path, f"missing key {key!r}")
                ok = False
        return node if ok else None

    def items(self, node: Any, path: str, *, optional: bool = False) -> list[Any]:
        if node is None and optional:
            return []
        if not isinstance(node, list):
            self.error(path, f"expected a list, got {_describe(node)}")
            return []
        return node

    def text(self, node: Any, path: str, *, allow_empty: bool = False, max_length: int | None = None) -> str | None:
        """Text as it will be stored: stripped, and (checked here, not by the database) without
        a NUL character and no longer than its column's `max_length`."""
        if isinstance(node, bool) or not isinstance(node, str | int):
            self.error(path, f"expected text, got {_describe(node)}")
            return None
        value = str(node).strip()
        if not value and not allow_empty:
            self.error(path, "must not be empty")
            return None
        if problem := text_problem(value, max_length=max_length):
            self.error(path, problem)
            return None
        return value

    def code(self, node: Any, path: str) -> str | None:
        value = self.text(node, path)
        problem = code_problem(value) if value is not None else None
        if problem:
            self.error(path, problem)
            return None
        return value

    def choice(self, node: Any, path: str, choices: tuple[str, ...], what: str) -> str | None:
        value = self.text(node, path)
        if value is not None and value not in choices:
            self.error(path, f"unknown {what} {value!r} (one of {', '.join(choices)})")
            return None
        return value

    def date(self, node: Any, path: str) -> dt.date | None:
        if not isinstance(node, str) or not re.match(r"^\d{4}-\d{2}-\d{2}$", node):
            self.error(path, f"expected a date written YYYY-MM-DD, got {_describe(node)}")
            return None
        try:
            day = dt.date.fromisoformat(node)
        except ValueError:
            self.error(path, f"{node} is not a date that exists")
            return None
        if problem := date_range_problem(day):
            self.error(path, problem)
            return None
        return day

    def timestamp(self, node: Any, path: str) -> dt.datetime | None:
        if not isinstance(node, str):
            self.error(path, f"expected an ISO 8601 timestamp, got {_describe(node)}")
            return None
        try:
            value = dt.datetime.fromisoformat(node)
        except ValueError:
            self.error(path, f"{node!r} is not a timestamp that exists (ISO 8601 with an offset)")
            return None
        if value.tzinfo is None:
            self.error(path, f"{node!r} has no UTC offset (write e.g. {node}+01:00)")
            return None
        if problem := date_range_problem(value.date()):
            self.error(path, problem)
            return None
        return value

    def whole(self, node: Any, path: str, *, minimum: int | None = 0, maximum: int | None = None) -> int | None:
        if isinstance(node, bool) or not isinstance(node, int):
            self.error(path, f"expected a whole number, got {_describe(node)}")
            return None
        if minimum is not None and node < minimum:
            self.error(path, f"must be {minimum} or more, got {node}")
            return None
        if maximum is not None and (problem := whole_number_problem(node, maximum=maximum)):
            self.error(path, problem)
            return None
        number: int = node
        return number

    def amount(
        self,
        node: Any,
        path: str,
        *,
        minimum: Decimal | None = Decimal(0),
        places: int | None = None,
        digits: tuple[int, int] | None = None,
        max_length: int | None = None,
    ) -> tuple[Decimal, str] | None:
        """A decimal in quotes; `digits` (max digits, decimal places) is its column's size and
        `max_length` that of the column keeping it as written."""
        if not isinstance(node, str) or not _DECIMAL.match(node.strip()):
            hint = (
                f' (write it as a string: "{node}")'
                if isinstance(node, int | float) and not isinstance(node, bool)
                else ""
            )
            self.error(path, f"expected a decimal amount in quotes, got {_describe(node)}{hint}")
            return None
        try:
            value = Decimal(node.strip())
        except InvalidOperation:  # pragma: no cover - the pattern rules it out
            self.error(path, f"{node!r} is not a decimal")
            return None
        if minimum is not None and value < minimum:
            self.error(path, f"must not be negative, got {node}")
            return None
        problem = decimal_problem(node.strip().lstrip("-"), places=places) if places is not None else None
        if problem is None and digits is not None:
            problem = digits_problem(value, max_digits=digits[0], places=digits[1])
        if problem is None:
            problem = text_problem(node.strip(), max_length=max_length)
        if problem:
            self.error(path, problem)
            return None
        return value, node.strip()

    def flag(self, node: Any, path: str) -> bool | None:
        if not isinstance(node, bool):
            self.error(path, f"expected true or false, got {_describe(node)}")
            return None
        return node

    def code_list(self, node: Any, path: str) -> list[str]:
        values = []
        for i, item in enumerate(self.items(node, path)):
            value = self.code(item, f"{path}[{i}]")
            if value is not None:
                values.append(value)
        return values


def validate(document: Any) -> Scenario:
    """Check a parsed scenario document against the format and rules; raise ScenarioInvalid."""
    check = _Checker()
    root = check.mapping(
        document,
        "(file)",
        ("framework", "organisations", "services", "contracts"),
        ("deliveries", "sla", "tickets", "rollout"),
    )
    if root is None:
        raise check.refused()
    organisations = _organisations(check, root["organisations"])
    orgs = {o.code: o for o in organisations}
    framework = _framework(check, root["framework"], orgs)
    services = _services(check, root["services"])
    catalogue = {s.code: s for s in services}
    contracts = _contracts(check, root["contracts"], orgs, catalogue, framework)
    deliveries = _deliveries(check, root.get("deliveries"), contracts, catalogue)
    sla = _sla(check, root["sla"]) if root.get("sla") is not None else None
    towers = {t.code for t in framework.towers} if framework else set()
    tickets = _tickets(check, root.get("tickets"), orgs, towers)
    _assurance_references(check, organisations, services, contracts, deliveries)
    if framework and not check.errors:
        _ceiling_guard(check, framework, contracts, catalogue)
    rollout = _rollout(check, root.get("rollout"), orgs, contracts, catalogue, framework)
    if check.errors or framework is None:
        raise check.refused()
    return Scenario(framework, organisations, services, contracts, deliveries, sla, tickets, rollout)


def _organisations(check: _Checker, node: Any) -> list[OrganisationSpec]:
    result: list[OrganisationSpec] = []
    seen: set[str] = set()
    raw_predecessors: list[tuple[OrganisationSpec, str, list[str]]] = []
    for i, item in enumerate(check.items(node, "organisations")):
        path = f"organisations[{i}]"
        m = check.mapping(
            item,
            path,
            ("code", "name", "roles"),
            (
                "region",
                "jurisdictions",
                "foreign_law_exposure",
                "predecessors",
                "address",
                "vat_number",
                "finance_email",
                "exposures",
                "sub_processors",
                "allowed_countries",
                "data_classifications",
            ),
        )
        if m is None:
            continue
        code = check.code(m["code"], f"{path}.code")
        name = check.text(m["name"], f"{path}.name", max_length=ORGANISATION_NAME)
        roles = []
        for j, role in enumerate(check.items(m["roles"], f"{path}.roles")):
            value = check.choice(role, f"{path}.roles[{j}]", ORG_ROLES, "role")
            if value is not None:
                if value in roles:
                    check.error(f"{path}.roles[{j}]", f"role {value!r} is given twice")
                roles.append(value)
        if isinstance(m["roles"], list) and not m["roles"]:
            check.error(f"{path}.roles", "an organisation needs at least one role")
        region = "ENG"
        if "region" in m:
            region = check.choice(m["region"], f"{path}.region", REGIONS, "region") or "ENG"
        spec = OrganisationSpec(code or "", name or "", roles, region, "region" in m)
        if "jurisdictions" in m:
            spec.jurisdictions = check.code_list(m["jurisdictions"], f"{path}.jurisdictions")
        if "foreign_law_exposure" in m:
            spec.foreign_law_exposure = check.text(
                m["foreign_law_exposure"], f"{path}.foreign_law_exposure", allow_empty=True
            )
        if "address" in m:
            spec.address = check.text(m["address"], f"{path}.address", allow_empty=True)
        if "vat_number" in m:
            spec.vat_number = check.text(m["vat_number"], f"{path}.vat_number", allow_empty=True)
            if spec.vat_number and (problem := vat_number_problem(spec.vat_number)):
                check.error(f"{path}.vat_number", problem)
        if "finance_email" in m:
            spec.finance_email = check.text(
                m["finance_email"], f"{path}.finance_email", allow_empty=True, max_length=FINANCE_EMAIL
            )
            if spec.finance_email and not _is_email(spec.finance_email):
                check.error(f"{path}.finance_email", f"{spec.finance_email!r} is not an email address")
        _organisation_assurance(check, m, path, spec)
        if code is not None:
            if code in seen:
                check.error(f"{path}.code", f"duplicate organisation code {code!r}")
            seen.add(code)
        if "predecessors" in m:
            raw_predecessors.append((spec, path, check.code_list(m["predecessors"], f"{path}.predecessors")))
        result.append(spec)
    for spec, path, codes in raw_predecessors:
        for j, code in enumerate(codes):
            if code not in seen:
                check.error(f"{path}.predecessors[{j}]", f"unknown organisation {code!r}")
            elif code == spec.code:
                check.error(f"{path}.predecessors[{j}]", "an organisation cannot be its own predecessor")
        spec.predecessors = codes
    for i, spec in enumerate(result):
        for j, link in enumerate(spec.sub_processors or []):
            where = f"organisations[{i}].sub_processors[{j}].code"
            if link.code not in seen:
                check.error(where, f"unknown organisation {link.code!r}")
            elif link.code == spec.code:
                check.error(where, "an organisation cannot be its own sub-processor")
    return result


def _is_email(text: str) -> bool:
    try:
        validate_email(text)
    except ValidationError:
        return False
    return True


def _has_role(check: _Checker, orgs: dict[str, OrganisationSpec], code: str | None, role: str, path: str) -> None:
    if code is None:
        return
    if code not in orgs:
        check.error(path, f"unknown organisation {code!r}")
    elif role not in orgs[code].roles:
        check.error(path, f"{code} is not a {role} (its roles: {', '.join(orgs[code].roles)})")


def _framework(check: _Checker, node: Any, orgs: dict[str, OrganisationSpec]) -> FrameworkSpec | None:
    path = "framework"
    m = check.mapping(
        node,
        path,
        ("code", "name", "authority", "suppliers", "start", "end", "value_ceiling", "vat_rate"),
        ("integrator", "towers", "payment_terms_days", "invoiced_by"),
    )
    if m is None:
        return None
    code = check.code(m["code"], f"{path}.code")
    name = check.text(m["name"], f"{path}.name", max_length=FRAMEWORK_NAME)
    authority = check.code(m["authority"], f"{path}.authority")
    _has_role(check, orgs, authority, "authority", f"{path}.authority")
    suppliers = check.code_list(m["suppliers"], f"{path}.suppliers")
    for j, listed in enumerate(suppliers):
        _has_role(check, orgs, listed, "supplier", f"{path}.suppliers[{j}]")
    start = check.date(m["start"], f"{path}.start")
    end = check.date(m["end"], f"{path}.end")
    if start and end:
        check.problems(path, framework_term_problems(start, end))
    ceiling = check.amount(m["value_ceiling"], f"{path}.value_ceiling", digits=CEILING_DIGITS)
    if ceiling and (problem := money_problem(ceiling[1])):
        check.error(f"{path}.value_ceiling", problem)
        ceiling = None
    vat = _vat(check, m["vat_rate"], f"{path}.vat_rate", start)
    integrator = None
    if m.get("integrator") is not None:
        integrator = check.code(m["integrator"], f"{path}.integrator")
        _has_role(check, orgs, integrator, "integrator", f"{path}.integrator")
    towers = []
    tower_codes: set[str] = set()
    for i, item in enumerate(check.items(m.get("towers"), f"{path}.towers", optional=True)):
        tpath = f"{path}.towers[{i}]"
        t = check.mapping(item, tpath, ("code", "name", "supplier"))
        if t is None:
            continue
        tcode = check.code(t["code"], f"{tpath}.code")
        tname = check.text(t["name"], f"{tpath}.name", max_length=TOWER_NAME)
        supplier = check.code(t["supplier"], f"{tpath}.supplier")
        if supplier is not None and supplier not in suppliers:
            check.error(f"{tpath}.supplier", f"{supplier!r} is not one of the framework's suppliers")
        if tcode in tower_codes:
            check.error(f"{tpath}.code", f"duplicate tower code {tcode!r}")
        if tcode and tname and supplier:
            tower_codes.add(tcode)
            towers.append(TowerSpec(tcode, tname, supplier))
    payment_terms_days = 30
    if "payment_terms_days" in m:
        days = check.whole(m["payment_terms_days"], f"{path}.payment_terms_days")
        if days is not None and (problem := payment_terms_problem(days)):
            check.error(f"{path}.payment_terms_days", problem)
        payment_terms_days = days if days is not None else 30
    invoiced_by = None
    if m.get("invoiced_by") is not None:
        invoiced_by = check.code(m["invoiced_by"], f"{path}.invoiced_by")
        if invoiced_by is not None and invoiced_by not in {authority, *suppliers, integrator}:
            check.error(
                f"{path}.invoiced_by", f"{invoiced_by!r} is not the framework's authority, a supplier or its integrator"
            )
    if None in (code, name, authority, start, end, ceiling):
        return None
    assert code and name and authority and start and end and ceiling  # for the type checker
    return FrameworkSpec(
        code,
        name,
        authority,
        suppliers,
        start,
        end,
        ceiling[0],
        vat,
        integrator,
        towers,
        payment_terms_days,
        invoiced_by,
    )


def _vat(check: _Checker, node: Any, path: str, framework_start: dt.date | None) -> list[VatSpec]:
    if isinstance(node, str):
        value = check.amount(node, path)
        if value is None:
            return []
        if problem := vat_rate_problem(*value):
            check.error(path, problem)
            return []
        return [VatSpec(framework_start or dt.date.min, value[0], value[1])]
    items = check.items(node, path)
    rates: list[VatSpec] = []
    for i, item in enumerate(items):
        rpath = f"{path}[{i}]"
        m = check.mapping(item, rpath, ("from", "rate"))
        if m is None:
            continue
        start = check.date(m["from"], f"{rpath}.from")
        rate = check.amount(m["rate"], f"{rpath}.rate")
        if start and rate:
            rates.append(VatSpec(start, rate[0], rate[1]))
    if isinstance(node, list) and len(rates) == len(items) and framework_start:
        check.problems(path, vat_schedule_problems([(r.start, r.rate, r.text) for r in rates], framework_start))
    return rates


def _services(check: _Checker, node: Any) -> list[ServiceSpec]:
    result: list[ServiceSpec] = []
    seen: set[str] = set()
    for i, item in enumerate(check.items(node, "services")):
        path = f"services[{i}]"
        m = check.mapping(
            item,
            path,
            ("code", "name", "category", "unit", "pricing"),
            ("classification", "data_locations", "handlers"),
        )
        if m is None:
            continue
        code = check.code(m["code"], f"{path}.code")
        if code is not None:
            if code in seen:
                check.error(f"{path}.code", f"duplicate service code {code!r}")
            seen.add(code)
        name = check.text(m["name"], f"{path}.name", max_length=SERVICE_NAME)
        category = check.choice(m["category"], f"{path}.category", CATEGORIES, "category")
        unit = check.choice(m["unit"], f"{path}.unit", UNITS, "unit")
        classification = "OFFICIAL"
        if "classification" in m:
            classification = (
                check.choice(m["classification"], f"{path}.classification", CLASSIFICATIONS, "classification")
                or "OFFICIAL"
            )
        pricing = _pricing(check, m["pricing"], f"{path}.pricing")
        if None in (code, name, category, unit) or pricing is None:
            continue
        model, ratchet, bands = pricing
        assert code and name and category and unit
        service = ServiceSpec(code, name, category, unit, classification, model, ratchet, bands)
        _service_assurance(check, m, path, service)
        result.append(service)
    return result


def _pricing(check: _Checker, node: Any, path: str) -> tuple[str, bool, list[BandSpec]] | None:
    if not isinstance(node, dict) or "model" not in node:
        check.mapping(node, path, ("model",), ("price", "bands", "ratchet"))
        return None
    model = check.choice(node["model"], f"{path}.model", PRICING_MODELS, "pricing model")
    if model == "flat":
        m = check.mapping(node, path, ("model", "price"))
        if m is None:
            return None
        price = check.amount(m["price"], f"{path}.price", digits=PRICE_DIGITS, max_length=PRICE_TEXT)
        if price is None:
            return None
        problems = band_problems("flat", [(0, price[1])])
        for problem in problems:
            check.error(f"{path}.price", problem.message)
        return None if problems else ("flat", False, [BandSpec(0, price[0], price[1])])
    if model != POOLED:
        return None
    m = check.mapping(node, path, ("model", "bands"), ("ratchet",))
    if m is None:
        return None
    ratchet = False
    if "ratchet" in m:
        ratchet = bool(check.flag(m["ratchet"], f"{path}.ratchet"))
    items = check.items(m["bands"], f"{path}.bands")
    bands: list[BandSpec] = []
    for i, item in enumerate(items):
        bpath = f"{path}.bands[{i}]"
        b = check.mapping(item, bpath, ("from", "price"))
        if b is None:
            continue
        start = check.whole(b["from"], f"{bpath}.from", minimum=None, maximum=BAND_FROM_MAX)
        price = check.amount(b["price"], f"{bpath}.price", digits=PRICE_DIGITS, max_length=PRICE_TEXT)
        if start is not None and price is not None:
            bands.append(BandSpec(start, price[0], price[1]))
    if len(bands) != len(items) or not isinstance(m["bands"], list):
        return None
    problems = band_problems(POOLED, [(b.start, b.text) for b in bands])
    check.problems(path, problems)
    return None if problems else (POOLED, ratchet, bands)


def _contracts(
    check: _Checker,
    node: Any,
    orgs: dict[str, OrganisationSpec],
    catalogue: dict[str, ServiceSpec],
    framework: FrameworkSpec | None,
) -> list[ContractSpec]:
    result: list[ContractSpec] = []
    seen: set[str] = set()
    units = {code: spec.unit for code, spec in catalogue.items()}
    for i, item in enumerate(check.items(node, "contracts")):
        path = f"contracts[{i}]"
        m = check.mapping(item, path, ("ref", "member", "signed", "start", "end", "lines"), ("changes", "po_number"))
        if m is None:
            continue
        ref = check.code(m["ref"], f"{path}.ref")
        if ref is not None:
            if ref in seen:
                check.error(f"{path}.ref", f"duplicate contract ref {ref!r}")
            seen.add(ref)
        member = check.code(m["member"], f"{path}.member")
        _has_role(check, orgs, member, "member", f"{path}.member")
        signed = check.date(m["signed"], f"{path}.signed")
        start = check.date(m["start"], f"{path}.start")
        end = check.date(m["end"], f"{path}.end")
        lines: list[LineSpec] = []
        line_items = check.items(m["lines"], f"{path}.lines")
        for j, line_node in enumerate(line_items):
            lpath = f"{path}.lines[{j}]"
            ln = check.mapping(line_node, lpath, ("service", "quantity"), ("start", "end"))
            if ln is None:
                continue
            service = check.code(ln["service"], f"{lpath}.service")
            quantity = check.whole(ln["quantity"], f"{lpath}.quantity", minimum=None, maximum=LINE_QUANTITY_MAX)
            lstart = check.date(ln["start"], f"{lpath}.start") if "start" in ln else None
            lend = check.date(ln["end"], f"{lpath}.end") if "end" in ln else None
            if service and quantity is not None and ("start" not in ln or lstart) and ("end" not in ln or lend):
                lines.append(LineSpec(service, quantity, lstart, lend))
        changes: list[ChangeSpec] = []
        change_items = check.items(m.get("changes"), f"{path}.changes", optional=True)
        for j, change_node in enumerate(change_items):
            if type(change_node) is dict and len(change_node) == 3:  # the usual change, read as _events does
                service, quantity = change_node.get("service"), change_node.get("quantity")
                effective = _plain_date(change_node.get("effective"))
                if (
                    type(service) is str
                    and service in catalogue
                    and type(quantity) is int
                    and whole_number_problem(quantity, maximum=CHANGE_QUANTITY_MAX) is None
                    and effective is not None
                ):
                    changes.append(ChangeSpec(service, effective, quantity))
                    continue
            cpath = f"{path}.changes[{j}]"
            cn = check.mapping(change_node, cpath, ("service", "effective", "quantity"))
            if cn is None:
                continue
            service = check.code(cn["service"], f"{cpath}.service")
            effective = check.date(cn["effective"], f"{cpath}.effective")
            quantity = check.whole(cn["quantity"], f"{cpath}.quantity", minimum=None, maximum=CHANGE_QUANTITY_MAX)
            if service and effective and quantity is not None:
                changes.append(ChangeSpec(service, effective, quantity))
        whole = len(lines) == len(line_items) and len(changes) == len(change_items)
        if start and end and framework and whole:
            check.problems(
                path,
                contract_problems(
                    framework_term=(framework.start, framework.end),
                    signed=signed,
                    start=start,
                    end=end,
                    lines=[LineShape(ln.service, ln.quantity, ln.start, ln.end) for ln in lines],
                    changes=[ChangeShape(c.service, c.effective, c.quantity) for c in changes],
                    units=units,
                ),
            )
        po_number = ""
        if m.get("po_number") is not None:
            po_number = check.text(m["po_number"], f"{path}.po_number", allow_empty=True) or ""
            if PO_NUMBER is not None and len(po_number) > PO_NUMBER:
                check.error(f"{path}.po_number", f"a purchase-order number has at most {PO_NUMBER} characters")
        if ref and member and signed and start and end:
            result.append(ContractSpec(ref, member, signed, start, end, lines, changes, po_number=po_number))
    return result


def _plain_date(node: Any) -> dt.date | None:
    """The date `_Checker.date` reads from `node`, or None where it would report a problem."""
    if not isinstance(node, str) or not re.match(r"^\d{4}-\d{2}-\d{2}$", node):
        return None
    try:
        day = dt.date.fromisoformat(node)
    except ValueError:
        return None
    return None if date_range_problem(day) else day


def _service_ref(check: _Checker, node: Any, path: str, catalogue: dict[str, ServiceSpec]) -> str | None:
    code = check.code(node, path)
    if code is not None and code not in catalogue:
        check.error(path, f"unknown service {code!r}")
        return None
    return code


def _deliveries(
    check: _Checker, node: Any, contracts: list[ContractSpec], catalogue: dict[str, ServiceSpec]
) -> list[DeliverySpec]:
    by_ref = {c.ref: c for c in contracts}
    result: list[DeliverySpec] = []
    seen: set[tuple[str, str, dt.date]] = set()
    for i, item in enumerate(check.items(node, "deliveries", optional=True)):
        path = f"deliveries[{i}]"
        m = check.mapping(item, path, ("contract", "service", "date", "quantity"))
        if m is None:
            continue
        ref = check.code(m["contract"], f"{path}.contract")
        contract = by_ref.get(ref or "")
        if ref is not None and contract is None:
            check.error(f"{path}.contract", f"unknown contract {ref!r}")
        service = _service_ref(check, m["service"], f"{path}.service", catalogue)
        day = check.date(m["date"], f"{path}.date")
        quantity = _delivery_quantity(check, m["quantity"], f"{path}.quantity")
        problems: list[Problem] = []
        if contract and service and day and quantity:
            problems = delivery_problems(
                service=service,
                unit=catalogue[service].unit,
                contract_term=(contract.start, contract.end),
                day=day,
                quantity=quantity[0],
            )
            check.problems(path, problems)
        if ref and service and day:
            if (ref, service, day) in seen:
                check.error(path, f"a second delivery of {service} on {day} for {ref}")
            seen.add((ref, service, day))
        if ref and service and day and quantity and not problems:
            result.append(DeliverySpec(ref, service, day, quantity[0], quantity[1]))
    return result


def _delivery_quantity(check: _Checker, node: Any, path: str) -> tuple[Decimal, str] | None:
    if isinstance(node, bool) or not isinstance(node, int | float):
        check.error(path, f"expected a number, got {_describe(node)}")
        return None
    value = Decimal(str(node))
    if problem := digits_problem(value, max_digits=DELIVERY_DIGITS[0], places=DELIVERY_DIGITS[1]):
        check.error(path, problem)  # also .inf and .nan, which no column holds
        return None
    text = str(node) if isinstance(node, int) else format(value.normalize(), "f")
    return value, text


def _sla(check: _Checker, node: Any) -> SlaSpec | None:
    m = check.mapping(node, "sla", ("business_hours", "targets"), ("timezone", "service_credits"))
    if m is None:
        return None
    timezone = "Europe/London"
    if "timezone" in m:
        timezone = check.text(m["timezone"], "sla.timezone", max_length=TIMEZONE_NAME) or timezone
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            check.error("sla.timezone", f"unknown timezone {timezone!r}")
    hours = check.mapping(m["business_hours"], "sla.business_hours", ("days", "start", "end"))
    days: list[str] = []
    start = end = None
    if hours is not None:
        day_items = check.items(hours["days"], "sla.business_hours.days")
        for i, day in enumerate(day_items):
            value = check.choice(day, f"sla.business_hours.days[{i}]", WEEKDAYS, "day")
            if value:
                days.append(value)
        start = _time(check, hours["start"], "sla.business_hours.start")
        end = _time(check, hours["end"], "sla.business_hours.end")
        if start and end and len(days) == len(day_items):
            check.problems("sla.business_hours", business_hours_problems(days, start, end))
    targets: dict[str, TargetSpec] = {}
    tmap = check.mapping(m["targets"], "sla.targets", (), PRIORITIES)
    for priority, target in (tmap or {}).items():
        tpath = f"sla.targets.{priority}"
        if priority not in PRIORITIES:
            continue
        t = check.mapping(target, tpath, ("respond", "resolve"), ("clock",))
        if t is None:
            continue
        respond = check.whole(t["respond"], f"{tpath}.respond", minimum=None, maximum=MINUTES_MAX)
        resolve = check.whole(t["resolve"], f"{tpath}.resolve", minimum=None, maximum=MINUTES_MAX)
        if respond is not None and resolve is not None:
            target_problems = sla_target_problems(respond, resolve)
            check.problems(tpath, target_problems)
            if target_problems:
                continue
        clock = "business"
        if "clock" in t:
            clock = check.choice(t["clock"], f"{tpath}.clock", CLOCKS, "clock") or "business"
        if respond and resolve:
            targets[priority] = TargetSpec(respond, resolve, clock)
    credits: dict[str, CreditSpec] = {}
    cmap = check.mapping(m.get("service_credits", {}), "sla.service_credits", (), PRIORITIES)
    for priority, credit in (cmap or {}).items():
        cpath = f"sla.service_credits.{priority}"
        if priority not in PRIORITIES:
            continue
        c = check.mapping(credit, cpath, ("per_breach", "cap"))
        if c is None:
            continue
        per_breach = check.amount(c["per_breach"], f"{cpath}.per_breach", places=2, digits=CREDIT_DIGITS)
        cap = check.amount(c["cap"], f"{cpath}.cap", places=2, digits=CREDIT_DIGITS)
        if per_breach and cap:
            credit_problems = service_credit_problems(per_breach[0], cap[0], cap[1])
            check.problems(cpath, credit_problems)
            if credit_problems:
                continue
            credits[priority] = CreditSpec(per_breach[0], cap[0], per_breach[1], cap[1])
    if start is None or end is None or hours is None:
        return None
    return SlaSpec(timezone, days, start, end, targets, credits)


def _time(check: _Checker, node: Any, path: str) -> dt.time | None:
    if isinstance(node, int) and not isinstance(node, bool):
        check.error(path, f'expected a time in quotes like "08:00", got {node}')
        return None
    match = _TIME.match(node) if isinstance(node, str) else None
    if match is None:
        check.error(path, f'expected a time written "HH:MM", got {_describe(node)}')
        return None
    return dt.time(int(match.group(1)), int(match.group(2)))


_TICKET_REQUIRED = frozenset(("ref", "member", "kind", "priority", "title", "events"))
_TICKET_KEYS = _TICKET_REQUIRED | {"tower"}


def _tickets(check: _Checker, node: Any, orgs: dict[str, OrganisationSpec], towers: set[str]) -> list[TicketSpec]:
    result: list[TicketSpec] = []
    seen: set[str] = set()
    members = {code for code, org in orgs.items() if "member" in org.roles}
    for i, item in enumerate(check.items(node, "tickets", optional=True)):
        if type(item) is dict and _TICKET_REQUIRED <= item.keys() <= _TICKET_KEYS:
            # The usual ticket, read without building the paths its problems would be reported at;
            # anything else (or anything wrong) is read below with every check and message.
            ref, member, kind, priority = item["ref"], item["member"], item["kind"], item["priority"]
            title, tower = item["title"], item.get("tower")
            if (
                type(ref) is str
                and ref not in seen
                and ref == ref.strip()
                and code_problem(ref) is None
                and type(member) is str
                and member in members
                and type(kind) is str
                and kind in TICKET_KINDS
                and type(priority) is str
                and priority in PRIORITIES
                and type(title) is str
                and (tower is None or (type(tower) is str and tower in towers))
            ):
                title = title.strip()
                if title and text_problem(title, max_length=TICKET_TITLE) is None:
                    seen.add(ref)
                    events = _events(check, item["events"], f"tickets[{i}].events", towers)
                    if events:
                        result.append(TicketSpec(ref, member, kind, priority, title, events, tower))
                    continue
        path = f"tickets[{i}]"
        m = check.mapping(item, path, ("ref", "member", "kind", "priority", "title", "events"), ("tower",))
        if m is None:
            continue
        ref = check.code(m["ref"], f"{path}.ref")
        if ref is not None:
            if ref in seen:
                check.error(f"{path}.ref", f"duplicate ticket ref {ref!r}")
            seen.add(ref)
        member = check.code(m["member"], f"{path}.member")
        _has_role(check, orgs, member, "member", f"{path}.member")
        kind = check.choice(m["kind"], f"{path}.kind", TICKET_KINDS, "kind")
        priority = check.choice(m["priority"], f"{path}.priority", PRIORITIES, "priority")
        title = check.text(m["title"], f"{path}.title", max_length=TICKET_TITLE)
        tower = None
        if m.get("tower") is not None:
            tower = check.code(m["tower"], f"{path}.tower")
            if tower and tower not in towers:
                check.error(f"{path}.tower", f"unknown tower {tower!r}")
        events = _events(check, m["events"], f"{path}.events", towers)
        if ref and member and kind and priority and title and events:
            result.append(TicketSpec(ref, member, kind, priority, title, events, tower))
    return result


_UNROUTED_EVENTS = frozenset(EVENT_TYPES) - {"reassigned"}


def _events(check: _Checker, node: Any, path: str, towers: set[str]) -> list[EventSpec]:
    items = check.items(node, path)
    read: list[tuple[dt.datetime | None, str | None, str | None]] = []
    for j, item in enumerate(items):
        if type(item) is dict and type(item.get("at")) is str:
            # The usual event, read without building the paths its problems would be reported at;
            # anything else (or anything wrong) is read below with every check and message.
            kind, tower = item.get("type"), item.get("tower")
            if type(kind) is str and (
                (len(item) == 2 and kind in _UNROUTED_EVENTS)
                or (len(item) == 3 and kind == "reassigned" and type(tower) is str and tower in towers)
            ):
                try:
                    at = dt.datetime.fromisoformat(item["at"])
                except ValueError:
                    at = None
                if at is not None and at.tzinfo is not None and date_range_problem(at.date()) is None:
                    read.append((at, kind, tower))
                    continue
        epath = f"{path}[{j}]"
        e = check.mapping(item, epath, ("at", "type"), ("tower",))
        if e is None:
            read.append((None, None, None))
            continue
        at = check.timestamp(e["at"], f"{epath}.at")
        kind = check.choice(e["type"], f"{epath}.type", EVENT_TYPES, "event type")
        tower = None
        if kind == "reassigned":
            if "tower" not in e:
                check.error(epath, "a `reassigned` event names the `tower` it moves to")
            else:
                tower = check.code(e["tower"], f"{epath}.tower")
                if tower and tower not in towers:
                    check.error(f"{epath}.tower", f"unknown tower {tower!r}")
        elif "tower" in e:
            check.error(epath, f"only `reassigned` events name a tower, not `{kind}`")
        read.append((at, kind, tower))
    if isinstance(node, list):
        check.problems(path, event_order_problems([(at, kind) for at, kind, _ in read]))
    return [EventSpec(at, kind, tower) for at, kind, tower in read if at and kind]


def _ceiling_guard(
    check: _Checker,
    framework: FrameworkSpec,
    contracts: list[ContractSpec],
    catalogue: dict[str, ServiceSpec],
) -> None:
    """Fix every contract's committed value and refuse the first that passes the ceiling."""
    pricing = {code: spec.pricing for code, spec in catalogue.items()}
    values = committed_values([c.terms() for c in contracts], pricing, framework.start, framework.end)
    order = sorted(range(len(contracts)), key=lambda i: (contracts[i].signed, i))
    committed = Decimal("0.00")
    for index in order:
        contract = contracts[index]
        contract.committed_value = values[contract.ref]
        refusal = ceiling_refusal_text(contract.ref, contract.committed_value, committed, framework.value_ceiling)
        if refusal:
            check.error(f"contracts[{index}]", refusal)
            return
        committed += contract.committed_value


# Assurance (issue 14): the register, where data lives, and members' classifications -------------


def _organisation_assurance(check: _Checker, m: dict[str, Any], path: str, spec: OrganisationSpec) -> None:
    """The optional assurance keys of an organisation: `exposures`, `sub_processors`,
    `allowed_countries` (members) and `data_classifications` (members)."""
    if "exposures" in m:
        spec.exposures = []
        seen: set[str] = set()
        for j, item in enumerate(check.items(m["exposures"], f"{path}.exposures")):
            epath = f"{path}.exposures[{j}]"
            e = check.mapping(item, epath, ("jurisdiction", "basis"), ("source", "review"))
            if e is None:
                continue
            jurisdiction = check.code(e["jurisdiction"], f"{epath}.jurisdiction")
            basis = check.text(e["basis"], f"{epath}.basis")
            source = (
                check.text(e["source"], f"{epath}.source", allow_empty=True, max_length=JURISDICTION_SOURCE)
                if "source" in e
                else ""
            )
            review = check.date(e["review"], f"{epath}.review") if e.get("review") is not None else None
            if jurisdiction in seen:
                check.error(f"{epath}.jurisdiction", f"jurisdiction {jurisdiction!r} is given twice")
            if jurisdiction and basis and source is not None:
                seen.add(jurisdiction)
                spec.exposures.append(ExposureSpec(jurisdiction, basis, source, review))
    if "sub_processors" in m:
        spec.sub_processors = []
        for j, item in enumerate(check.items(m["sub_processors"], f"{path}.sub_processors")):
            spath = f"{path}.sub_processors[{j}]"
            s = check.mapping(item, spath, ("code",), ("reviewed",))
            if s is None:
                continue
            code = check.code(s["code"], f"{spath}.code")
            reviewed = check.date(s["reviewed"], f"{spath}.reviewed") if s.get("reviewed") is not None else None
            if code is not None:
                spec.sub_processors.append(SubProcessorSpec(code, reviewed))
    for key in ("allowed_countries", "data_classifications"):
        if key in m and "member" not in spec.roles:
            check.error(f"{path}.{key}", "only a member has this")
    if "allowed_countries" in m:
        spec.allowed_countries = check.code_list(m["allowed_countries"], f"{path}.allowed_countries")
    if "data_classifications" in m:
        spec.data_classifications = []
        for j, item in enumerate(check.items(m["data_classifications"], f"{path}.data_classifications")):
            cpath = f"{path}.data_classifications[{j}]"
            c = check.mapping(item, cpath, ("service", "classification"), ("sensitive",))
            if c is None:
                continue
            service = check.code(c["service"], f"{cpath}.service")
            classification = check.choice(
                c["classification"], f"{cpath}.classification", CLASSIFICATIONS, "classification"
            )
            sensitive = bool(check.flag(c["sensitive"], f"{cpath}.sensitive")) if "sensitive" in c else False
            if classification and (problem := classification_problem(classification, sensitive)):
                check.error(f"{cpath}.sensitive", problem)
            elif service and classification:
                spec.data_classifications.append(ClassificationSpec(service, classification, sensitive, j))


def _service_assurance(check: _Checker, m: dict[str, Any], path: str, service: ServiceSpec) -> None:
    """A service's optional `data_locations` and `handlers`."""
    if "data_locations" in m:
        service.data_locations = []
        for j, item in enumerate(check.items(m["data_locations"], f"{path}.data_locations")):
            lpath = f"{path}.data_locations[{j}]"
            loc = check.mapping(item, lpath, ("country",), ("site", "activity"))
            if loc is None:
                continue
            country = check.code(loc["country"], f"{lpath}.country")
            site = (
                check.text(loc["site"], f"{lpath}.site", allow_empty=True, max_length=LOCATION_SITE)
                if "site" in loc
                else ""
            )
            activity = (
                check.choice(loc["activity"], f"{lpath}.activity", ACTIVITIES, "activity")
                if "activity" in loc
                else "held"
            )
            if country and site is not None and activity:
                service.data_locations.append(LocationSpec(country, site, activity))
    if "handlers" in m:
        service.handlers = check.code_list(m["handlers"], f"{path}.handlers")


def _assurance_references(
    check: _Checker,
    organisations: list[OrganisationSpec],
    services: list[ServiceSpec],
    contracts: list[ContractSpec],
    deliveries: list[DeliverySpec],
) -> None:
    """A service's handlers are organisations of the file; a member classifies only the data it
    puts into a service it buys in the file (on a contract line or a delivery)."""
    codes = {o.code for o in organisations}
    for i, service in enumerate(services):
        for j, code in enumerate(service.handlers or []):
            if code not in codes:
                check.error(f"services[{i}].handlers[{j}]", f"unknown organisation {code!r}")
    catalogue = {s.code for s in services}
    member_of = {c.ref: c.member for c in contracts}
    bought: set[tuple[str, str]] = {(c.member, line.service) for c in contracts for line in c.lines}
    bought |= {(member_of[d.contract], d.service) for d in deliveries if d.contract in member_of}
    for i, spec in enumerate(organisations):
        for held in spec.data_classifications or []:
            where = f"organisations[{i}].data_classifications[{held.position}].service"
            if held.service not in catalogue:
                check.error(where, f"unknown service {held.service!r}")
            elif (spec.code, held.service) not in bought:
                check.error(where, f"{spec.code} buys no {held.service} in this file")


# Rollout ---------------------------------------------------------------------


@dataclass
class StageSpec:
    key: str
    name: str
    days: int
    after: list[str]
    checklist: list[str]
    waves: bool


@dataclass
class TemplateSpec:
    code: str
    name: str
    description: str
    stages: list[StageSpec]


@dataclass
class WaveSpec:
    site: str
    seats: int


@dataclass
class ReplanSpec:
    stage: str
    days: int
    not_before: dt.date | None


@dataclass
class ProgrammeSpec:
    member: str
    code: str
    name: str
    template: str
    start: dt.date
    contract: str | None
    service: str | None
    waves: list[WaveSpec]
    replans: list[ReplanSpec]
    completed: dict[str, dt.date]
    checked: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class RolloutSpec:
    templates: list[TemplateSpec]
    programmes: list[ProgrammeSpec]


def _rollout(
    check: _Checker,
    node: Any,
    orgs: dict[str, OrganisationSpec],
    contracts: list[ContractSpec],
    catalogue: dict[str, ServiceSpec],
    framework: FrameworkSpec | None,
) -> RolloutSpec | None:
    """Templates the authority keeps and programmes members started from them (rollout)."""
    if node is None:
        return None
    m = check.mapping(node, "rollout", (), ("templates", "programmes"))
    if m is None:
        return None
    templates = _templates(check, m.get("templates"))
    by_code = {t.code: t for t in templates}
    programmes = _programmes(check, m.get("programmes"), orgs, contracts, catalogue, framework, by_code)
    return RolloutSpec(templates, programmes)


def _templates(check: _Checker, node: Any) -> list[TemplateSpec]:
    result: list[TemplateSpec] = []
    for i, item in enumerate(check.items(node, "rollout.templates", optional=True)):
        path = f"rollout.templates[{i}]"
        m = check.mapping(item, path, ("code", "name", "stages"), ("description",))
        if m is None:
            continue
        code = check.code(m["code"], f"{path}.code")
        name = check.text(m["name"], f"{path}.name", max_length=200)
        description = check.text(m.get("description", ""), f"{path}.description", allow_empty=True) or ""
        stages: list[StageSpec] = []
        stage_nodes = check.items(m["stages"], f"{path}.stages")
        for j, stage_node in enumerate(stage_nodes):
            where = f"{path}.stages[{j}]"
            sm = check.mapping(stage_node, where, ("key", "name", "days"), ("after", "checklist", "waves"))
            if sm is None:
                continue
            key = check.code(sm["key"], f"{where}.key")
            stage_name = check.text(sm["name"], f"{where}.name", max_length=100)
            days = check.whole(sm["days"], f"{where}.days", minimum=1, maximum=MAX_DURATION_DAYS)
            after = check.code_list(sm.get("after", []), f"{where}.after")
            checklist = [
                line
                for k, entry in enumerate(check.items(sm.get("checklist", []), f"{where}.checklist"))
                if (line := check.text(entry, f"{where}.checklist[{k}]", max_length=300)) is not None
            ]
            waves = check.flag(sm.get("waves", False), f"{where}.waves")
            if key and stage_name and days is not None and waves is not None:
                stages.append(StageSpec(key, stage_name, days, after, checklist, waves))
        if isinstance(m["stages"], list) and not stage_nodes:
            check.error(f"{path}.stages", "a template needs at least one stage")
        if stages and len(stages) == len(stage_nodes):  # each stage read: check them together
            try:
                check_stages([StagePlan(st.key, st.days, tuple(st.after)) for st in stages])
            except ScheduleError as error:
                check.error(f"{path}.stages", str(error))
        if sum(1 for st in stages if st.waves) > 1:
            check.error(f"{path}.stages", "only one stage can hold the waves")
        if code in {t.code for t in result}:
            check.error(f"{path}.code", f"a second template {code!r}")
        elif code and name:
            result.append(TemplateSpec(code, name, description, stages))
    return result


def _programmes(
    check: _Checker,
    node: Any,
    orgs: dict[str, OrganisationSpec],
    contracts: list[ContractSpec],
    catalogue: dict[str, ServiceSpec],
    framework: FrameworkSpec | None,
    templates: dict[str, TemplateSpec],
) -> list[ProgrammeSpec]:
    result: list[ProgrammeSpec] = []
    refs = {c.ref: c for c in contracts}
    for i, item in enumerate(check.items(node, "rollout.programmes", optional=True)):
        path = f"rollout.programmes[{i}]"
        m = check.mapping(
            item,
            path,
            ("member", "code", "name", "template", "start"),
            ("contract", "service", "waves", "replan", "completed", "checked"),
        )
        if m is None:
            continue
        member = check.code(m["member"], f"{path}.member")
        if member is not None:
            _has_role(check, orgs, member, OrganisationRole.MEMBER, f"{path}.member")
        code = check.code(m["code"], f"{path}.code")
        name = check.text(m["name"], f"{path}.name", max_length=200)
        template_code = check.code(m["template"], f"{path}.template")
        template = templates.get(template_code or "")
        if template_code and template is None:
            check.error(f"{path}.template", f"unknown template {template_code!r} (not in rollout.templates)")
        start = check.date(m["start"], f"{path}.start")
        if start and framework and not framework.start <= start <= framework.end:
            check.error(f"{path}.start", f"{start} is outside the framework ({framework.start} to {framework.end})")
        contract = check.code(m["contract"], f"{path}.contract") if m.get("contract") is not None else None
        if contract is not None and (contract not in refs or refs[contract].member != member):
            check.error(f"{path}.contract", f"{member} has no contract {contract!r} in this file")
        service = _service_ref(check, m["service"], f"{path}.service", catalogue) if m.get("service") else None
        if service and contract in refs and service not in {line.service for line in refs[contract].lines}:
            check.error(f"{path}.service", f"{contract} has no line for {service}")
        if service and contract is None:
            check.error(f"{path}.service", "a seat's service needs the contract it is a line of")
        keys = {st.key for st in template.stages} if template else set()
        waves: list[WaveSpec] = []
        for j, wave_node in enumerate(check.items(m.get("waves", []), f"{path}.waves")):
            wm = check.mapping(wave_node, f"{path}.waves[{j}]", ("site", "seats"))
            if wm is None:
                continue
            site = check.text(wm["site"], f"{path}.waves[{j}].site", max_length=200)
            seats = check.whole(wm["seats"], f"{path}.waves[{j}].seats", minimum=0, maximum=2_000_000_000)
            if site in {w.site for w in waves}:
                check.error(f"{path}.waves[{j}].site", f"{site!r} has a wave already")
            elif site and seats is not None:
                waves.append(WaveSpec(site, seats))
        if waves and template and not any(st.waves for st in template.stages):
            check.error(f"{path}.waves", f"template {template.code} has no stage for waves")
        replans: list[ReplanSpec] = []
        for j, replan_node in enumerate(check.items(m.get("replan", []), f"{path}.replan")):
            where = f"{path}.replan[{j}]"
            rm = check.mapping(replan_node, where, ("stage", "days"), ("not_before",))
            if rm is None:
                continue
            stage = check.code(rm["stage"], f"{where}.stage")
            if stage and template and stage not in keys:
                check.error(f"{where}.stage", f"template {template.code} has no stage {stage!r}")
            days = check.whole(rm["days"], f"{where}.days", minimum=1, maximum=MAX_DURATION_DAYS)
            not_before = check.date(rm["not_before"], f"{where}.not_before") if rm.get("not_before") else None
            if stage and days is not None:
                replans.append(ReplanSpec(stage, days, not_before))
        completed: dict[str, dt.date] = {}
        done = m.get("completed", {})
        if not isinstance(done, dict):
            check.error(f"{path}.completed", f"expected a mapping of stage to date, got {_describe(done)}")
            done = {}
        for stage_key, day_node in done.items():
            day = check.date(day_node, f"{path}.completed.{stage_key}")
            if template and stage_key not in keys:
                check.error(f"{path}.completed", f"template {template.code} has no stage {stage_key!r}")
            elif day and start and day < start:
                check.error(f"{path}.completed.{stage_key}", f"{day} is before the programme starts ({start})")
            elif day:
                completed[str(stage_key)] = day
        checked = _checked_items(check, m.get("checked", {}), f"{path}.checked", template, completed)
        if (member, code) in {(p.member, p.code) for p in result}:
            check.error(f"{path}.code", f"a second programme {code!r} of {member}")
        elif member and code and name and template and start:
            result.append(
                ProgrammeSpec(
                    member, code, name, template.code, start, contract, service, waves, replans, completed, checked
                )
            )
    return result


def _checked_items(
    check: _Checker, node: Any, path: str, template: TemplateSpec | None, completed: dict[str, dt.date]
) -> dict[str, list[str]]:
    """A programme's `checked`: for stages not yet complete, the checklist items done so far."""
    if not isinstance(node, dict):
        check.error(path, f"expected a mapping of stage to a list of checklist items, got {_describe(node)}")
        return {}
    stages = {st.key: st for st in template.stages} if template else {}
    checked: dict[str, list[str]] = {}
    for stage_key, items in node.items():
        where = f"{path}.{stage_key}"
        stage = stages.get(str(stage_key))
        if template and stage is None:
            check.error(path, f"template {template.code} has no stage {stage_key!r}")
            continue
        if stage_key in completed:
            check.error(where, "the stage is complete, so every item of its checklist is checked already")
            continue
        done: list[str] = []
        for k, item in enumerate(check.items(items, where)):
            text = check.text(item, f"{where}[{k}]", max_length=300)
            if text and stage and text not in stage.checklist:
                check.error(f"{where}[{k}]", f"{text!r} is not an item of {stage.key}'s checklist")
            elif text:
                done.append(text)
        checked[str(stage_key)] = done
    return checked
