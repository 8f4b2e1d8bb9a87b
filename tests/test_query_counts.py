"""List pages and list endpoints cost the same number of queries however many rows they show.

Every list route (a page built on ListView, an API `list` action) is found from the URL
resolver, with the model it lists; ROW_ADDERS says, per model, how to add rows of it that
the acting logins see. The test counts each list's queries as every role, adds the rows,
checks that each list the role may use now shows more rows (so that comparing the counts
means something) and that no count moved.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.views.generic.list import MultipleObjectMixin
from rest_framework.test import APIClient

from flexhub.assets.services import asset_import
from flexhub.assurance import services as assurance
from flexhub.benefits import services as benefits
from flexhub.billing.services import billing_issue, billing_run, credit_note_issue, payment_record
from flexhub.core.audit import Actor
from flexhub.core.models import Organisation
from flexhub.core.services import organisation_save, user_create
from flexhub.core.testing.world import ACTING_LOGINS, World
from flexhub.directory.models import StaffMember
from flexhub.directory.services import staff_import, tupe_transfer
from flexhub.frameworks import services as framework_services
from flexhub.rollout.services import ProgrammeInput, StageInput, WaveInput, programme_start, template_save
from flexhub.rules.periods import Month
from flexhub.servicedesk.services import ticket_comment, ticket_raise

pytestmark = pytest.mark.django_db
CLI = Actor.for_cli()


# Row adders: each adds a few rows for member MBRA of framework ONE (or for framework ONE),
# which every acting login may see as far as its role sees that model at all.


def add_members(world: World) -> None:
    for i in range(3):
        member = organisation_save(actor=CLI, code=f"XMEM{i}", name=f"Extra Council {i}", roles=["member"])
        framework_services.framework_enrol(actor=CLI, framework=world.frameworks["ONE"], organisations=[member])


def add_people(world: World) -> None:
    """Logins of MBRA; each is an audited change too."""
    for i in range(5):
        user_create(
            actor=CLI,
            username=f"mbra-extra{i}",
            organisation=world.orgs["MBRA"],
            role="member-user",
            password=None,
            email=f"extra{i}@mbra.gov.uk",
        )


def add_frameworks(world: World) -> None:
    for code in ("THREE", "FOUR"):
        framework = framework_services.framework_save(
            actor=CLI,
            code=code,
            name=f"Framework {code.title()}",
            authority=world.orgs["AAUTH"],
            suppliers=[world.orgs["SUPA"]],
            integrator=world.orgs["INTA"],
            start=dt.date(2020, 1, 1),
            end=dt.date(2026, 12, 31),
            value_ceiling=Decimal("1000000.00"),
        )
        framework_services.framework_enrol(actor=CLI, framework=framework, organisations=[world.orgs["MBRA"]])


def add_towers(world: World) -> None:
    for code in ("APP", "HOST", "SEC"):
        framework_services.tower_save(
            actor=CLI, framework=world.frameworks["ONE"], code=code, name=f"ONE {code}", supplier=world.orgs["SUPA"]
        )


def add_services(world: World) -> None:
    for i in range(3):
        framework_services.service_save(
            actor=CLI,
            framework=world.frameworks["ONE"],
            code=f"OPT{i}",
            name=f"Option {i}",
            category="option",
            unit="seat-month",
            classification="OFFICIAL",
            pricing_model="flat",
            ratchet=False,
            bands=[(0, "3.00")],
        )


def add_contracts(world: World) -> None:
    for i in range(4):
        framework_services.contract_sign(
            actor=CLI,
            framework=world.frameworks["ONE"],
            ref=f"ONE-MBRA-X{i}",
            member=world.orgs["MBRA"],
            signed=dt.date(2020, 1, 20),
            start=dt.date(2020, 2, 1),
            end=dt.date(2020, 12, 31),
            lines=[framework_services.LineInput("CORE", 5 + i)],
        )


def add_deliveries(world: World) -> None:
    contract = world.extra["contract-MBRA"]
    consulting = contract.framework.services.get(code="BCS")
    for day in (5, 6, 7):
        framework_services.delivery_record(
            actor=CLI, contract=contract, service=consulting, date=dt.date(2020, 6, day), quantity=Decimal("1")
        )


def add_seat_changes(world: World) -> None:
    contract = world.extra["contract-MBRA"]
    core = contract.framework.services.get(code="CORE")
    for month in (7, 8, 9):
        framework_services.seat_change_request(
            actor=Actor.for_cli(world.users["mbra-admin"]),
            contract=contract,
            service=core,
            effective=dt.date(2021, month, 1),
            quantity=600 + month,
            reason=f"growth {month}",
        )


def add_billing(world: World) -> None:
    """Runs of three more months, and their invoices issued."""
    for month in (7, 8, 9):
        billing_run(actor=CLI, framework=world.frameworks["ONE"], month=Month(2020, month))
        billing_issue(actor=CLI, framework=world.frameworks["ONE"], month=Month(2020, month))


def add_credit_notes(world: World) -> None:
    for i in range(3):
        credit_note_issue(actor=CLI, invoice=world.extra["invoice-MBRA"], net=Decimal("5.00"), reason=f"goodwill {i}")


def add_payments(world: World) -> None:
    for i in range(3):
        payment_record(
            actor=CLI,
            invoice=world.extra["invoice-MBRA"],
            received_on=timezone.localdate(),
            amount=Decimal("1.00"),
            reference=f"BACS {i}",
        )


STAFF_HEADER = "name,email,unit,site,grade,start_date,leave_date,predecessor\n"
ASSET_HEADER = "asset_tag,serial,kind,manufacturer,model,site,status,assigned_email\n"


def add_staff(world: World) -> None:
    staff = STAFF_HEADER + "".join(f"Extra {i},extra{i}@mbra.gov.uk,Unit {i},Site,,,,\n" for i in range(8))
    staff_import(actor=CLI, organisation=world.orgs["MBRA"], open_file=lambda: io.BytesIO(staff.encode()))


def add_assets(world: World) -> None:
    """Assets of new device models, half of them held by member user mbra-user."""
    holders = ["mbra-user@example.gov.uk", "extra0@mbra.gov.uk"]
    assets = ASSET_HEADER + "".join(
        f"MBRA-X{i},S{i},laptop,Dell,Latitude {i},Site,deployed,{holders[i % 2]}\n" for i in range(8)
    )
    asset_import(actor=CLI, organisation=world.orgs["MBRA"], open_file=lambda: io.BytesIO(assets.encode()))


def add_transfers(world: World) -> None:
    for i in range(3):
        tupe_transfer(
            actor=CLI,
            staff=StaffMember.objects.get(email=f"extra{i}@mbra.gov.uk"),
            to_supplier=world.orgs["SUPA"],
            transfer_date=dt.date(2021, 2, 1),
            terms_protected=True,
        )


def add_government_changes(world: World) -> None:
    (model,) = [m for m in apps.get_models() if m._meta.model_name == "machinerychange"]
    for i in range(3):
        change = model.objects.create(
            kind="merge",
            successor=world.orgs["MBRA"],
            effective=dt.date(2021, 1, 1 + i),
            reason=f"reorganised {i}",
            performed_by="test",
            performed_at=timezone.now(),
            moved={},
        )
        change.predecessors.set([world.orgs["MBRA"]])


def add_tickets(world: World) -> None:
    """Tickets raised by mbra-user, each with its opened event and a public comment."""
    user = world.users["mbra-user"]
    for i in range(4):
        ticket = ticket_raise(
            actor=Actor.for_cli(user),
            framework=world.frameworks["ONE"],
            member=world.orgs["MBRA"],
            kind="incident",
            priority="P3",
            title=f"Laptop {i} will not start",
        )
        ticket_comment(actor=Actor.for_cli(user), ticket=ticket, note="Still broken")


def add_exposure_decisions(world: World) -> None:
    """Three more jurisdictions reach SUPA in ONE; MBRA decides on each for its core service data
    and classifies its data in the other services it buys."""
    one = world.frameworks["ONE"]
    core = one.services.get(code="CORE")
    for code in ("JP", "IE", "CN"):
        assurance.supplier_jurisdiction_save(
            actor=CLI, framework=one, organisation=world.orgs["SUPA"], jurisdiction=code, legal_basis=f"{code} law"
        )
        assurance.exposure_decide(
            actor=CLI, member=world.orgs["MBRA"], service=core, jurisdiction=code, outcome="accept", reason="ok"
        )
    for service in one.services.filter(code__in=["TEL", "BCS"]):
        assurance.data_classification_set(
            actor=CLI, member=world.orgs["MBRA"], service=service, classification="OFFICIAL", sensitive=True
        )


def add_register(world: World) -> None:
    """The extra members of ONE become sub-processors of SUPA; ONE's other services get where
    their data is and who handles it."""
    one = world.frameworks["ONE"]
    for i in range(3):
        assurance.sub_processor_save(
            actor=CLI,
            framework=one,
            supplier=world.orgs["SUPA"],
            sub_processor=Organisation.objects.get(code=f"XMEM{i}"),
        )
    for service in one.services.exclude(code="CORE"):
        assurance.data_locations_set(actor=CLI, service=service, locations=[("GB", f"{service.code} hall", "held")])
        assurance.service_handlers_set(actor=CLI, service=service, organisations=[world.orgs["SUPA"]])


def add_baselines(world: World) -> None:
    """A contract and a baseline for each of the extra members add_members enrols in ONE."""
    for i in range(3):
        member = Organisation.objects.get(code=f"XMEM{i}")
        framework_services.contract_sign(
            actor=CLI,
            framework=world.frameworks["ONE"],
            ref=f"ONE-XMEM{i}",
            member=member,
            signed=dt.date(2020, 1, 20),
            start=dt.date(2020, 2, 1),
            end=dt.date(2020, 12, 31),
            lines=[framework_services.LineInput("CORE", 5)],
        )
        benefits.member_baseline_save(
            actor=CLI,
            framework=world.frameworks["ONE"],
            member=member,
            year=2019,
            annual_it_cost=Decimal("500000.00"),
            annual_desktop_cost=Decimal("250000.00"),
        )


ROLLOUT_STAGES = [StageInput("build", "Build", 30), StageInput("waves", "Waves", 60, ("build",), is_waves=True)]


def add_rollout(world: World) -> None:
    """Templates in framework ONE and MBRA programmes started from them, each with two waves."""
    admin = Actor.for_cli(world.users["mbra-admin"])
    for i in range(3):
        template = template_save(
            actor=CLI,
            framework=world.frameworks["ONE"],
            code=f"EXTRA{i}",
            name=f"Extra rollout {i}",
            stages=ROLLOUT_STAGES,
        )
        programme_start(
            actor=admin,
            template=template,
            member=world.orgs["MBRA"],
            programme=ProgrammeInput(
                code=f"EXTRA-{i}",
                name=f"Extra programme {i}",
                start=dt.date(2021, 1, 1),
                waves=[WaveInput("London"), WaveInput("Leeds", seats=5)],
            ),
        )


# The rows each listed model gets, by model name (so a model may move between apps).
ROW_ADDERS: dict[str, Callable[[World], None]] = {
    "organisation": add_members,
    "user": add_people,
    "auditentry": add_people,
    "framework": add_frameworks,
    "tower": add_towers,
    "service": add_services,
    "calloffcontract": add_contracts,
    "delivery": add_deliveries,
    "seatchangerequest": add_seat_changes,
    "billingrun": add_billing,
    "invoice": add_billing,
    "creditnote": add_credit_notes,
    "payment": add_payments,
    "staffmember": add_staff,
    "asset": add_assets,
    "devicemodel": add_assets,
    "tupetransfer": add_transfers,
    "machinerychange": add_government_changes,
    "ticket": add_tickets,
    "ticketevent": add_tickets,
    "exposuredecision": add_exposure_decisions,
    "dataclassification": add_exposure_decisions,
    "rollouttemplate": add_rollout,
    "programme": add_rollout,
    "wave": add_rollout,
    "programmestage": add_rollout,
    "supplierjurisdiction": add_exposure_decisions,
    "subprocessor": add_register,
    "datalocation": add_register,
    "servicehandler": add_register,
    "memberbaseline": add_baselines,
}
# The order to run them in: a transfer needs the staff, a credit note an issued invoice.
ADDER_ORDER = [
    add_members,
    add_people,
    add_frameworks,
    add_towers,
    add_services,
    add_contracts,
    add_deliveries,
    add_seat_changes,
    add_billing,
    add_credit_notes,
    add_payments,
    add_staff,
    add_assets,
    add_transfers,
    add_government_changes,
    add_tickets,
    add_exposure_decisions,
    add_register,
    add_rollout,
    add_baselines,
]

# Lists opened with a query: the whole audit log is over a page long already, so a full page
# would show no more rows; narrowed to changes of logins it does.
LIST_QUERY = {
    "audit-list": "?object_type=core.user",
    "api:auditentry-list": "?object_type=core.user",
}

# Lists a role can never see more rows of, whatever is added, and why.
CANNOT_GROW = {
    ("api:memberbaseline-list", "mbra-admin"): "a member has one baseline in each framework it belongs to",
    ("organisation-list", "mbra-admin"): "a member admin sees only its own organisation",
    ("api:organisation-list", "mbra-admin"): "a member admin sees only its own organisation",
    ("organisation-list", "mbra-user"): "a member user sees only its own organisation",
    ("api:organisation-list", "mbra-user"): "a member user sees only its own organisation",
    ("organisation-list", "supa-agent"): "an agent sees only its own supplier",
    ("api:organisation-list", "supa-agent"): "an agent sees only its own supplier",
}


def _routes(resolver: URLResolver | None = None, namespace: str = "") -> list[tuple[str, URLPattern]]:
    resolver = resolver or get_resolver()
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found.extend(_routes(entry, ns))
        elif entry.name:
            found.append((namespace + entry.name, entry))
    return found


def list_routes() -> dict[str, Any]:
    """Every list page and list endpoint, with the model it lists."""
    lists = {}
    for name, pattern in _routes():
        if pattern.pattern.converters:  # an object's page, or the API's `.json` twin of a list
            continue
        callback = pattern.callback
        view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
        actions = getattr(callback, "actions", None)
        if actions is not None and actions.get("get") == "list":
            lists[name] = view_class.queryset.model
        elif view_class is not None and issubclass(view_class, MultipleObjectMixin):
            lists[name] = view_class.model
    return lists


def test_every_list_has_a_row_adder():
    lists = list_routes()
    # Pages and endpoints alike are found (a few of each, named here so the discovery cannot miss them).
    assert {"ticket-list", "contract-list", "api:ticket-list", "api:service-list"} <= set(lists)
    missing = sorted(name for name, model in lists.items() if model._meta.model_name not in ROW_ADDERS)
    assert missing == [], "lists with no row adder in ROW_ADDERS"
    assert set(ROW_ADDERS.values()) == set(ADDER_ORDER)
    assert {name for name, _ in CANNOT_GROW} | set(LIST_QUERY) <= set(lists)


def shown_rows(name: str, response: Any) -> int:
    """How many rows the list shows on the page it answered."""
    if name.startswith("api:"):
        data = response.json()
        return len(data["results"] if isinstance(data, dict) else data)
    return len(response.context["object_list"])


def measure(world: World, lists: dict[str, Any]) -> dict[tuple[str, str], tuple[int, int | None]]:
    """(list, login) -> (queries, rows shown), or rows None where the role may not use the list."""
    result: dict[tuple[str, str], tuple[int, int | None]] = {}
    for username in ACTING_LOGINS:
        page, api = Client(), APIClient()
        page.force_login(world.users[username])
        api.force_authenticate(world.users[username])
        for name in lists:
            client = api if name.startswith("api:") else page
            url = reverse(name) + LIST_QUERY.get(name, "")
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code in (200, 403), (username, url, response.status_code)
            rows = shown_rows(name, response) if response.status_code == 200 else None
            result[name, username] = (len(queries), rows)
    return result


def test_no_query_per_row(world):
    lists = list_routes()
    before = measure(world, lists)
    for adder in ADDER_ORDER:
        adder(world)
    after = measure(world, lists)

    usable = sorted(key for key, (_, rows) in before.items() if rows is not None)
    assert usable == sorted(key for key, (_, rows) in after.items() if rows is not None), "a list changed 200/403"
    did_not_grow = [key for key in usable if after[key][1] <= before[key][1] and key not in CANNOT_GROW]  # type: ignore[operator]
    assert did_not_grow == [], "lists that show no more rows, so their query count proves nothing"
    grew_anyway = sorted(key for key in CANNOT_GROW if after[key][1] != before[key][1])
    assert grew_anyway == [], "CANNOT_GROW is out of date"
    assert {name for name, username in usable if (name, username) not in CANNOT_GROW} == set(lists), (
        "lists no role compared"
    )
    grew = {key: (before[key][0], after[key][0]) for key in before if after[key][0] != before[key][0]}
    assert grew == {}, f"queries that grew with the rows: {grew}"
