"""Benchmark the benefits reports: the whole `flexhub report carbon` and `flexhub report savings`
commands for a framework of 500 members with 100,000 assets, as a user runs them.

    .venv/bin/python bench/bench_benefits.py [--database-url postgres://.../scratch]

Loads bench_billing's generated framework (500 members, 2,000 contracts, 10,000 contract lines)
with `flexhub load` into a fresh database, bills 2018 with `flexhub bill --from 2018-01 --to
2018-12` and marks the drafts issued (issuing draws a PDF an invoice, which is not what is
measured), then adds in bulk: a grid factor for 2018, usage profiles, three device models, a
baseline for every member and 100,000 assets (200 a member) with their status history, one in
five deployed or retired during 2018 so the pro rata counts. Then times each command in a
subprocess from process start to exit (a warm-up run, then the median of 7), for the framework
total and for one member. Results go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _report import commit, machine, reset_postgres, write_section  # noqa: E402
from generate_scenario import generate  # noqa: E402

SIZES = {"members": 500, "contracts": 2000, "lines": 10000, "tickets": 0, "events": 5}
ASSETS_PER_MEMBER = 200
YEAR = 2018
TARGET = 2.0  # seconds, issue 12


def setup() -> None:
    """In a child process with the scratch database: the benefits data, in bulk."""
    import datetime as dt
    from decimal import Decimal

    import django

    django.setup()
    from django.db import transaction
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat

    from flexhub.assets.models import Asset, AssetEvent, DeviceModel
    from flexhub.benefits.models import DataCentreShare, EmissionFactor, MemberBaseline, UsageProfile
    from flexhub.billing.models import Invoice
    from flexhub.core.models import Organisation
    from flexhub.frameworks.models import Framework, Service

    with transaction.atomic():
        Invoice.objects.update(
            status="issued",
            number=Concat(Value("BENCH-"), Cast("pk", CharField())),
            issued_at=dt.datetime(YEAR + 1, 1, 5, tzinfo=dt.UTC),
        )
        EmissionFactor.objects.create(year=YEAR, kg_co2e_per_kwh=Decimal("0.28088"), source="benchmark factor")
        for kind in ("thin-client", "desktop", "laptop"):
            UsageProfile.objects.create(kind=kind, hours_on=Decimal(2250), hours_sleep=Decimal(1500))
        thin = DeviceModel.objects.create(
            kind="thin-client", manufacturer="Fujitsu", model="Futro S550", on_watts=12, sleep_watts=2, off_watts=1
        )
        laptop = DeviceModel.objects.create(kind="laptop", manufacturer="Fujitsu", model="Lifebook", tec_kwh=68)
        desktop = DeviceModel.objects.create(kind="desktop", manufacturer="Dell", model="OptiPlex 755", tec_kwh=194)
        framework = Framework.objects.get(code="BENCH")
        DataCentreShare.objects.create(
            service=Service.objects.get(framework=framework, code="CORE"), watts_per_seat=5, pue=Decimal("1.6")
        )
        members = list(Organisation.objects.filter(contracts__framework=framework).distinct())
        MemberBaseline.objects.bulk_create(
            MemberBaseline(
                framework=framework,
                member=m,
                year=2014,
                annual_it_cost=Decimal(3_000_000),
                annual_desktop_cost=Decimal(2_000_000),
                baseline_device=desktop,
            )
            for m in members
        )
        assets = Asset.objects.bulk_create(
            (
                Asset(
                    asset_tag=f"{m.code}-{i:04d}",
                    serial=f"SN{m.code}{i}",
                    model=laptop if i % 10 == 0 else thin,
                    owner=m,
                    status="deployed",
                )
                for m in members
                for i in range(ASSETS_PER_MEMBER)
            ),
            batch_size=5000,
        )
        start = dt.datetime(2016, 1, 1, 9, tzinfo=dt.UTC)
        events = []
        for n, asset in enumerate(assets):
            deployed = start if n % 5 else dt.datetime(YEAR, 1 + n % 12, 1 + n % 28, 9, tzinfo=dt.UTC)
            events.append(AssetEvent(asset=asset, at=deployed, kind="registered", to_value="deployed", actor_label="b"))
            if n % 7 == 0:
                retired = dt.datetime(YEAR, 1 + n % 12, 1 + n % 28, 9, tzinfo=dt.UTC) + dt.timedelta(days=3)
                events.append(
                    AssetEvent(
                        asset=asset,
                        at=retired,
                        kind="status",
                        from_value="deployed",
                        to_value="retired",
                        actor_label="b",
                    )
                )
        AssetEvent.objects.bulk_create(events, batch_size=5000)
        print(len(members), len(assets), len(events))


def _flexhub() -> list[str]:
    script = Path(sys.executable).with_name("flexhub")
    return [str(script)] if script.exists() else [sys.executable, "-m", "flexhub"]


def _time(command: list[str], env: dict[str, str]) -> dict:
    subprocess.run(command, env=env, capture_output=True, text=True, check=True)  # warm-up
    walls, cpus = [], []
    for _ in range(7):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return {
        "median": statistics.median(walls),
        "min": min(walls),
        "max": max(walls),
        "cpu": statistics.median(cpus),
        "bytes": len(done.stdout),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--setup", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup:
        setup()
        return
    engine = "PostgreSQL" if args.database_url else "SQLite"
    with tempfile.TemporaryDirectory() as tmp:
        scenario = Path(tmp) / "scenario.yaml"
        scenario.write_text(generate(**SIZES))
        env = {**os.environ, "FLEXHUB_VAR_DIR": tmp, "DJANGO_SETTINGS_MODULE": "flexhub.settings"}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed flexhub has its bytecode cached
        if args.database_url:
            env["DATABASE_URL"] = args.database_url
            reset_postgres(args.database_url)
        else:
            env.pop("DATABASE_URL", None)
        flexhub = _flexhub()
        for step in (
            ["migrate", "-v0"],
            ["load", str(scenario)],
            ["bill", "--framework", "BENCH", "--from", f"{YEAR}-01", "--to", f"{YEAR}-12"],
        ):
            subprocess.run([*flexhub, *step], env=env, capture_output=True, text=True, check=True)
        done = subprocess.run([sys.executable, __file__, "--setup"], env=env, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(done.stderr)
        made = done.stdout.split()
        load_before = os.getloadavg()[0]
        results = []
        for report in ("carbon", "savings"):
            for who in (["--framework", "BENCH"], ["--org", "M0007"]):
                command = [*flexhub, "report", report, *who, "--year", str(YEAR), "--json"]
                results.append((" ".join(command[len(flexhub) :]), _time(command, env)))
                print(results[-1])
        load = max(load_before, os.getloadavg()[0])
    rows = "\n".join(
        f"| `flexhub {name}`, the whole command ({r['bytes']:,} bytes of JSON) | **{r['median']:.2f} s** "
        f"(min {r['min']:.2f}, max {r['max']:.2f}; CPU {r['cpu']:.2f} s) | under {TARGET:.0f} s |"
        for name, r in results
    )
    body = f"""## The benefits reports, {engine}

Command: `.venv/bin/python bench/bench_benefits.py{" --database-url …" if args.database_url else ""}` (commit {commit()}).
Machine: {machine()}; load average {load:.1f} while it ran{" (busy: other work was running on its 2 cores)" if load > 1 else ""}.
{int(made[0]):,} members of a generated framework (2,000 contracts, 10,000 lines) with {int(made[1]):,} assets and
{int(made[2]):,} status events (one asset in five deployed during {YEAR}, one in seven retired during it), a year of
invoices ({YEAR}) and a baseline for every member; each command timed in a subprocess from start to exit, median
of 7 after a warm-up run.

| what | figure | target |
| --- | ---: | ---: |
{rows}

The carbon report reads each asset's status history once, as plain values in one ordered query, and turns it into
days in use with the pure rules (`rules/carbon.py`); the savings report sums invoice lines by member and service
in the database (one grouped query) and reads the months billed and the pooling saving from the invoices.
"""
    write_section(f"benefits-{engine.lower()}", body)


if __name__ == "__main__":
    main()
