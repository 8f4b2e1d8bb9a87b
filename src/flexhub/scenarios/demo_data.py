"""The demonstration data behind `flexhub demo` and `make run`."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from flexhub.assets.models import AssetEvent, DeviceModel
from flexhub.assets.services import asset_import, device_model_update
from flexhub.assurance import services as assurance
from flexhub.assurance.models import ExposureDecision
from flexhub.benefits import services as benefits
from flexhub.benefits.models import MemberBaseline
from flexhub.billing.models import BillingRun
from flexhub.billing.selectors import billing_terms
from flexhub.billing.services import billing_issue, billing_run
from flexhub.core import services
from flexhub.core.audit import Actor
from flexhub.core.models import Organisation, User
from flexhub.core.roles import Role
from flexhub.directory.models import StaffEvent
from flexhub.directory.services import staff_import
from flexhub.frameworks.models import Framework, Service, Tower
from flexhub.frameworks.services import framework_enrol
from flexhub.rollout import services as rollout
from flexhub.rollout.models import Programme, RolloutTemplate
from flexhub.rules.periods import Month, months
from flexhub.scenarios.demo_tickets import demo_ticket_history
from flexhub.scenarios.services import scenario_load, scenario_parse
from flexhub.servicedesk import services as desk
from flexhub.servicedesk.models import Ticket

DEMO_PASSWORD = "flexhub-demo-2026"

# (organisation code, role, username) for every demo login.
DEMO_LOGINS: list[tuple[str, str, str]] = [
    ("CO", Role.AUTHORITY_ADMIN, "co-authority"),
    ("CO", Role.MEMBER_ADMIN, "co-admin"),
    ("CO", Role.MEMBER_USER, "co-user"),
    ("DIUS", Role.MEMBER_ADMIN, "dius-admin"),
    ("DIUS", Role.MEMBER_USER, "dius-user"),
    ("ONS", Role.MEMBER_ADMIN, "ons-admin"),
    ("ONS", Role.MEMBER_USER, "ons-user"),
    ("FJ", Role.AGENT, "fj-agent"),
    ("MPS", Role.AUTHORITY_ADMIN, "mps-authority"),
    ("MPS", Role.MEMBER_ADMIN, "mps-admin"),
    ("MPS", Role.MEMBER_USER, "mps-user"),
    ("CSC", Role.AGENT, "csc-agent"),
    ("NETCO", Role.AGENT, "netco-agent"),
    ("ATOS", Role.INTEGRATOR, "atos-integrator"),
]


DEMO_DIR = Path(__file__).resolve().parent / "demo"
DEMO_FILES = ("public-sector-flex.yaml", "met-police-towers.yaml")


def demo_scenario_load(actor: Actor) -> list[str]:
    """Load the demo scenarios (Public Sector Flex and the Met Police towers); idempotent."""
    loaded = []
    for name in DEMO_FILES:
        scenario = scenario_parse((DEMO_DIR / name).read_text(encoding="utf-8"))
        loaded.append(scenario_load(actor=actor, scenario=scenario).framework)
    return loaded


def demo_bill(actor: Actor) -> int:
    """Bill and issue every month of the demo frameworks not billed yet; returns months billed."""
    billed = 0
    for framework in Framework.objects.filter(code__in=["PSF", "MPSTT"]):
        done = {Month.of(p) for p in BillingRun.objects.filter(framework=framework).values_list("period", flat=True)}
        terms = billing_terms(framework)
        for month in months(Month.of(framework.start), Month.of(framework.end)):
            if month in done:
                continue
            billing_run(actor=actor, framework=framework, month=month, terms=terms)
            billing_issue(actor=actor, framework=framework, month=month, send=False)  # history: not mailed
            billed += 1
    return billed


def demo_directories(actor: Actor) -> None:
    """The predecessors' staff directories and kit (DTI and DfES), ready for the DIUS change,
    and ONS's, whose IT Services staff an ONS admin transfers to the supplier under TUPE.

    `dius-new-starters.csv` (with its rejects) and `dius-new-starters-fixed.csv` beside them
    are for a DIUS member admin to try the import; `ons-it-transfer.csv` lists the ONS people
    to transfer from a CSV. A directory loaded once is left alone, so that people moved since
    (by a transfer or a change of government) are not loaded again where they were."""
    for code in ("DTI", "DFES", "ONS"):
        organisation = Organisation.objects.get(code=code)
        if StaffEvent.objects.filter(kind="joined", to_organisation=organisation).exists():
            continue
        for name, importer in (
            (f"{code.lower()}-directory.csv", staff_import),
            (f"{code.lower()}-assets.csv", asset_import),
        ):
            path = DEMO_DIR / name
            # mypy cannot type a lambda whose default binds the loop variable (python/mypy#15459)
            summary = importer(actor=actor, organisation=organisation, open_file=lambda p=path: p.open("rb"))  # type: ignore[misc]
            if not summary.ok:
                raise RuntimeError(f"demo file {name} is broken: {summary.problems[:3]}")


MET_THEMES = (
    "Body-worn video",
    "Command and control replacement",
    "Custody imaging",
    "Digital interview recording",
    "Mobile data for officers",
    "Crime recording consolidation",
    "Automatic number-plate recognition",
    "Intelligence platform",
    "Digital evidence store",
    "Public contact online",
    "Firearms licensing",
    "Forensic case management",
    "Duty management",
    "Airwave handsets refresh",
    "Stop and search app",
    "Court case files",
    "Victim care portal",
    "Property and exhibits",
    "Training records",
    "Estates sensors",
)
MET_AREAS = ("Central", "North", "East", "South", "West", "Specialist Operations", "Met HQ", "Frontline Policing")
MET_PROJECTS = 146


def demo_met_projects(actor: Actor) -> None:
    """The Met's portfolio of 146 technology projects beside the towers, started from its two
    templates over the framework's term: most delivered, some late, some slipped against their
    baseline, and a few multi-year programmes still running. Generated, not typed in: the
    programme pages and the portfolio show what the rules make of them."""
    met = Framework.objects.get(code="MPSTT")
    mps = Organisation.objects.get(code="MPS")
    if Programme.objects.filter(member=mps).exists():
        return
    project = RolloutTemplate.objects.get(framework=met, code="MPS-PROJECT")
    transformation = RolloutTemplate.objects.get(framework=met, code="MPS-PROGRAMME")
    long_running = 16
    for i in range(MET_PROJECTS):
        running = i >= MET_PROJECTS - long_running
        if running:  # the last sixteen: started in the framework's final year, still under way
            start = dt.date(2021, 4, 1) + dt.timedelta(days=(i - MET_PROJECTS + long_running) * 22)
        else:
            start = met.start + dt.timedelta(days=i * 1800 // (MET_PROJECTS - long_running))
        theme, area = MET_THEMES[i % len(MET_THEMES)], MET_AREAS[(i // len(MET_THEMES)) % len(MET_AREAS)]
        programme = rollout.programme_start(
            actor=actor,
            template=transformation if running else project,
            member=mps,
            programme=rollout.ProgrammeInput(code=f"MPS-P{i + 1:03d}", name=f"{theme} ({area})", start=start),
        )
        stages = {s.key: s for s in programme.stages.all()}
        if i % 3 == 0:  # slipped: the build took longer than planned
            build = stages["build"]
            rollout.stage_replan(
                actor=actor, stage=build, duration_days=build.duration_days + 30 + (i % 5) * 15, not_before=None
            )
            stages = {s.key: s for s in programme.stages.all()}
        today = timezone.localdate()
        finished = [] if i % 4 == 3 else list(stages.values())  # every fourth is late: stages left open
        for stage in finished:
            if stage.planned_end <= today:
                rollout.stage_complete(
                    actor=actor, stage=stage, completed_on=stage.planned_end, checked=stage.checklist
                )


def demo_live_tickets() -> None:
    """A few tickets open now, so the queues and SLA clocks have something to show."""
    if Ticket.objects.filter(raised_by__isnull=False).exists():
        return

    def as_user(username: str) -> Actor:
        return Actor(user=User.objects.get(username=username), label=username, channel="web")

    psf = Framework.objects.get(code="PSF")
    raised = [
        desk.ticket_raise(
            actor=as_user("dius-user"),
            framework=psf,
            member=Organisation.objects.get(code="DIUS"),
            kind="incident",
            priority="P2",
            title="Cannot print to the shared printer on floor 2",
            description="Jobs sit in the queue since this morning; colleagues from the DTI side too.",
        ),
        desk.ticket_raise(
            actor=as_user("co-user"),
            framework=psf,
            member=Organisation.objects.get(code="CO"),
            kind="request",
            priority="P4",
            title="Laptop for a new starter in the Cabinet Secretariat",
        ),
        desk.ticket_raise(
            actor=as_user("ons-user"),
            framework=psf,
            member=Organisation.objects.get(code="ONS"),
            kind="incident",
            priority="P3",
            title="Statistical software licence expired",
        ),
    ]
    desk.ticket_respond(actor=as_user("fj-agent"), ticket=raised[0], note="We are looking at the print server.")
    desk.ticket_comment(
        actor=as_user("fj-agent"),
        ticket=raised[0],
        internal=True,
        note="Print spooler on PRN02 hung; restart planned at lunchtime.",
    )
    met = Framework.objects.get(code="MPSTT")
    mps = desk.ticket_raise(
        actor=as_user("mps-user"),
        framework=met,
        member=Organisation.objects.get(code="MPS"),
        kind="incident",
        priority="P2",
        title="Body-worn video uploads failing at Lambeth",
    )
    desk.ticket_respond(actor=as_user("csc-agent"), ticket=mps, note="Uploads reach the desktop; checking the link.")
    desk.ticket_reassign(
        actor=as_user("csc-agent"),
        ticket=mps,
        tower=Tower.objects.get(framework=met, code="NET"),
        note="Site link saturated: network tower.",
    )


ONS_BOARD_REASON = (
    "The PCS union warned the board that Fujitsu Services, part of a group with operations in the"
    " United States, could be compelled under the USA PATRIOT Act to hand over the personal data ONS"
    " holds, and asked that the service stay in-house. The board heard the union, weighed that risk"
    " against running the desktop and infrastructure alone and the framework's savings, and went"
    " ahead with the mitigations listed."
)
ONS_MITIGATIONS = [
    "Census and survey data held only in UK data centres",
    "Encryption keys for personal data held by ONS, not the supplier",
    "The supplier tells ONS of any foreign disclosure request the law allows it to",
]


def demo_assurance(actor: Actor) -> None:
    """The ONS story of issue 14: the board's decision on the US exposure of its data in the core
    service, then a new sub-processor of Fujitsu (a US backup provider, illustrative) that sends
    the decision back to review. Done once: a decision already recorded is left as it is."""
    ons = Organisation.objects.get(code="ONS")
    psf = Framework.objects.get(code="PSF")
    core = psf.services.get(code="CORE")
    if ExposureDecision.objects.filter(member=ons, service=core).exists():
        return
    board = User.objects.get(username="ons-admin")
    assurance.exposure_decide(
        actor=Actor(user=board, label=board.username, channel="web"),
        member=ons,
        service=core,
        jurisdiction="US",
        outcome="accept-with-mitigations",
        mitigations=ONS_MITIGATIONS,
        reason=ONS_BOARD_REASON,
        decided_on=dt.date(2008, 3, 3),
        review_date=dt.date(2027, 3, 3),
    )
    backup = services.organisation_save(
        actor=actor, code="USBK", name="Example Offsite Backup Inc (illustrative)", roles=["supplier"]
    )
    framework_enrol(actor=actor, framework=psf, organisations=[backup])
    assurance.supplier_jurisdiction_save(
        actor=actor,
        framework=psf,
        organisation=backup,
        jurisdiction="US",
        legal_basis="incorporated in the United States: USA PATRIOT Act, CLOUD Act",
        source="supplier's notice of a new sub-processor",
    )
    assurance.sub_processor_save(
        actor=actor, framework=psf, supplier=Organisation.objects.get(code="FJ"), sub_processor=backup
    )


# Device figures from the studies in the project's notes (docs/benefits.md): a 2007 desktop at
# the LBL field study's 194 kWh a year, a laptop within the 62-75 kWh measured, a thin client at
# the desk within the 6-15 W measured.
DEMO_DEVICES = {
    ("Dell", "OptiPlex 755"): {"tec_kwh": Decimal(194)},
    ("Fujitsu", "Lifebook S7220"): {"tec_kwh": Decimal(68)},
    ("Fujitsu", "Futro S550"): {"on_watts": Decimal(12), "sleep_watts": Decimal(2), "off_watts": Decimal("0.5")},
}
# Illustrative baselines (the reporting gives only the Cabinet Office's £2.5m a year target):
# member -> (IT cost a year, desktop cost a year, own saving target).
DEMO_BASELINES = {
    "CO": (Decimal(5_400_000), Decimal(4_800_000), Decimal(2_500_000)),
    "ONS": (Decimal(6_900_000), Decimal(5_100_000), None),
    "DIUS": (Decimal(2_300_000), Decimal(1_500_000), None),
    "AGY": (Decimal(4_000_000), Decimal(2_900_000), None),
    "NIA": (Decimal(3_600_000), Decimal(2_600_000), None),
}
CO_THIN_CLIENTS, CO_LAPTOPS = 2100, 400  # the 2,500 core seats, 400 of them on the laptop option


def demo_benefits(actor: Actor) -> None:
    """The Cabinet Office's 2,500 seats (thin clients, and laptops for 400) in use since its
    contract started, the grid factors the project can cite, the figures the carbon report
    counts by, a data-centre share on the core service and every Flex member's baseline."""
    with (DEMO_DIR / "grid-emission-factors.csv").open("rb") as binary:
        loaded = benefits.factors_load(actor=actor, binary=binary)
    if not loaded.ok:
        raise RuntimeError(f"demo factors are broken: {loaded.problems[:3]}")
    if MemberBaseline.objects.exists():
        return
    co = Organisation.objects.get(code="CO")
    header = "asset_tag,serial,kind,manufacturer,model,site,status,assigned_email\n"
    rows = [
        f"CO-TC{i:05},FJTC{i:06},thin-client,Fujitsu,Futro S550,70 Whitehall,deployed,\n"
        for i in range(CO_THIN_CLIENTS)
    ]
    rows += [
        f"CO-LT{i:05},FJLT{i:06},laptop,Fujitsu,Lifebook S7220,70 Whitehall,deployed,\n" for i in range(CO_LAPTOPS)
    ]
    content = (header + "".join(rows)).encode()
    summary = asset_import(actor=actor, organisation=co, open_file=lambda: io.BytesIO(content))
    if not summary.ok:
        raise RuntimeError(f"demo Cabinet Office assets are broken: {summary.problems[:3]}")
    # The register as it would have been kept since the rollout: deployed when the contract began.
    AssetEvent.objects.filter(asset__owner=co, kind="registered").update(at=dt.datetime(2008, 4, 1, 8, tzinfo=dt.UTC))
    for (manufacturer, model), figures in DEMO_DEVICES.items():
        device = DeviceModel.objects.get(manufacturer=manufacturer, model=model)
        device_model_update(actor=actor, device=device, **figures)
    for kind in ("thin-client", "desktop", "laptop"):
        benefits.usage_profile_save(actor=actor, kind=kind, hours_on=Decimal(2250), hours_sleep=Decimal(1500))
    psf = Framework.objects.get(code="PSF")
    # Servers and cooling behind a seat: about 30 W more while in use (thin client 6-15 W at the
    # desk, 40-50 W with its share, Fraunhofer 2007), over 2,250 hours, is 5 W all year at PUE 1.6.
    benefits.data_centre_share_save(
        actor=actor,
        service=Service.objects.get(framework=psf, code="CORE"),
        watts_per_seat=Decimal(5),
        pue=Decimal("1.6"),
    )
    benefits.savings_target_save(actor=actor, framework=psf, it_percent=Decimal(20), desktop_percent=Decimal(40))
    desktop = DeviceModel.objects.get(manufacturer="Dell", model="OptiPlex 755")
    for code, (it_cost, desktop_cost, target) in DEMO_BASELINES.items():
        benefits.member_baseline_save(
            actor=actor,
            framework=psf,
            member=Organisation.objects.get(code=code),
            year=2007,
            annual_it_cost=it_cost,
            annual_desktop_cost=desktop_cost,
            annual_saving_target=target,
            baseline_device=desktop,
        )


@transaction.atomic
def demo_create() -> list[dict[str, str]]:
    """Load the demo scenario and make sure every demo login exists; returns the logins."""
    actor = Actor.for_cli()
    demo_scenario_load(actor)
    demo_ticket_history(actor)  # before billing: its breaches earn credits
    demo_bill(actor)
    logins = []
    for code, role, username in DEMO_LOGINS:
        organisation = Organisation.objects.get(code=code)
        if not User.objects.filter(username=username).exists():
            services.user_create(
                actor=actor,
                username=username,
                organisation=organisation,
                role=role,
                password=DEMO_PASSWORD,
                email=f"{username}@example.gov.uk",
                first_name=username.split("-")[0].upper(),
                last_name=Role(role).label,
            )
        logins.append(
            {
                "username": username,
                "role": str(role),
                "organisation": f"{organisation.name} ({code})",
            }
        )
    demo_live_tickets()
    demo_directories(actor)
    demo_assurance(actor)
    demo_met_projects(actor)
    demo_benefits(actor)
    return logins
