"""Benchmark the service desk: the SLA clock on a million tickets, `flexhub sla` for a month
of 50,000 tickets, and the agent queue (page and API) with 100,000 tickets in the database.

    .venv/bin/python bench/bench_servicedesk.py [--database-url postgres://.../scratch]

Results go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from _report import commit, machine, reset_postgres, write_section  # noqa: E402
from generate_scenario import generate  # noqa: E402

MONTH_START = dt.datetime(2018, 3, 1, tzinfo=dt.UTC)
MONTH_END = dt.datetime(2018, 3, 31, 20, tzinfo=dt.UTC)


def clock_million(count: int = 1_000_000) -> dict[str, float]:
    """A million tickets of five events (opened, responded, awaiting, resumed, resolved), measured
    on the business clock with England's bank holidays: events to intervals, then both measures."""
    import numpy as np
    from sla_batch import ArrayClock, intervals_of, measure_batch

    from flexhub.rules.sla_clock import BusinessCalendar, uk_bank_holidays

    rng = random.Random(3)
    calendar = BusinessCalendar.of(
        "Europe/London",
        ["mon", "tue", "wed", "thu", "fri"],
        dt.time(8),
        dt.time(18),
        uk_bank_holidays("ENG", 2014, 2023),
        (2014, 2023),
    )
    index, at, kinds = [], [], []
    base = dt.datetime(2015, 1, 1, tzinfo=dt.UTC).timestamp()
    span = 6 * 365 * 86400
    steps = ("opened", "responded", "awaiting_customer", "resumed", "resolved")
    for i in range(count):
        t = base + rng.randrange(span)
        for kind in steps:
            index.append(i)
            at.append(t)
            kinds.append(kind)
            t += rng.randrange(300, 40000)
    now = dt.datetime(2022, 1, 1, tzinfo=dt.UTC).timestamp()
    clock = ArrayClock.of(calendar)
    started = time.perf_counter()
    owners, starts, ends, opened, responded = intervals_of(index, at, kinds, now)
    middle = time.perf_counter()
    result = measure_batch(
        clock,
        opened,
        responded,
        owners,
        starts,
        ends,
        np.full(count, 30 * 60.0),
        np.full(count, 480 * 60.0),
        np.ones(count, dtype=bool),
        now,
    )
    finished = time.perf_counter()
    return {
        "tickets": count,
        "intervals": middle - started,
        "measure": finished - middle,
        "total": finished - started,
        "breached": int(result.resolution_breached.sum()),
    }


def child(path: str, what: str) -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from flexhub.core.audit import Actor
    from flexhub.core.models import Organisation, User
    from flexhub.core.services import user_create
    from flexhub.scenarios.services import scenario_load, scenario_parse

    started = time.perf_counter()
    scenario_load(actor=Actor.system("bench"), scenario=scenario_parse(Path(path).read_text()))
    result: dict = {"engine": connection.vendor, "load": time.perf_counter() - started}
    if what == "sla":
        from flexhub.billing.sla_report import sla_month_report
        from flexhub.frameworks.models import Framework
        from flexhub.rules.periods import Month

        framework = Framework.objects.get(code="BENCH")
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            report = sla_month_report(framework, Month(2018, 3))
            times.append(time.perf_counter() - t0)
        result.update(sla=statistics.median(times), tickets=len(report["tickets"]))
    else:
        from flexhub.servicedesk.models import Ticket

        agent = user_create(
            actor=Actor.system("bench"),
            username="bench-agent",
            organisation=Organisation.objects.get(code="SUP1"),
            role="agent",
            password=None,
        )
        agent = User.objects.get(pk=agent.pk)
        page = Client()
        page.force_login(agent)
        api = APIClient()
        api.force_authenticate(agent)
        result["tickets_in_db"] = Ticket.objects.count()
        result["open_in_queue"] = (
            Ticket.objects.visible_to(agent).filter(status__in=["open", "awaiting_customer"]).count()
        )
        for label, fetch in (("page", lambda: page.get("/tickets/")), ("api", lambda: api.get("/api/v1/tickets/"))):
            fetch()  # warm up
            times = []
            for _ in range(20):
                t0 = time.perf_counter()
                response = fetch()
                times.append(time.perf_counter() - t0)
                assert response.status_code == 200
            with CaptureQueriesContext(connection) as queries:
                fetch()
            result[f"{label}_median_ms"] = statistics.median(times) * 1000
            result[f"{label}_queries"] = len(queries)
    print(json.dumps(result))


def run_child(what: str, text: str, database_url: str | None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        scenario = Path(tmp) / "scenario.yaml"
        scenario.write_text(text)
        env = {
            **os.environ,
            "FLEXHUB_VAR_DIR": tmp,
            "DJANGO_SETTINGS_MODULE": "flexhub.settings",
            "FLEXHUB_ALLOWED_HOSTS": "testserver,localhost",
        }
        if database_url:
            env["DATABASE_URL"] = database_url
            reset_postgres(database_url)
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(scenario), "--what", what],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise SystemExit(f"benchmark child failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child")
    parser.add_argument("--what")
    parser.add_argument("--database-url")
    parser.add_argument("--skip-clock", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.what)
        return
    engine = "PostgreSQL" if args.database_url else "SQLite"
    clock = None if args.skip_clock else clock_million()
    sla = run_child(
        "sla", generate(500, 2000, 10000, 50000, 5, ticket_window=(MONTH_START, MONTH_END)), args.database_url
    )
    queue = run_child("queue", generate(500, 2000, 10000, 100000, 5, open_share=0.3), args.database_url)
    print(json.dumps({"clock": clock, "sla": sla, "queue": queue}, indent=2))
    rows = []
    if clock:
        rows.append(
            f"| SLA clock, {clock['tickets']:,} tickets of 5 events (business clock, bank holidays; "
            f"events to intervals {clock['intervals']:.1f} s + both measures {clock['measure']:.1f} s) "
            f"| **{clock['total']:.1f} s** | under 10 s |"
        )
    rows.append(
        f"| `flexhub sla` for a month with {sla['tickets']:,} tickets (median of 3) | **{sla['sla']:.2f} s** | under 5 s |"
    )
    rows.append(
        f"| agent queue page, {queue['tickets_in_db']:,} tickets in the database ({queue['open_in_queue']:,} open in "
        f"the agent's towers; median of 20) | **{queue['page_median_ms']:.0f} ms**, {queue['page_queries']} queries "
        f"| under 100 ms |"
    )
    rows.append(
        f"| agent queue API list, same data (median of 20) | **{queue['api_median_ms']:.0f} ms**, "
        f"{queue['api_queries']} queries | under 100 ms |"
    )
    body = (
        f"""## Service desk, {engine}

Command: `.venv/bin/python bench/bench_servicedesk.py{" --database-url …" if args.database_url else ""}` (commit {commit()}).
Machine: {machine()}.

| what | figure | target |
| --- | ---: | ---: |
"""
        + "\n".join(rows)
        + """

The clock uses the cumulative business time of each calendar day (F(t)); elapsed time is F(b) - F(a) and a
breach instant is F's inverse, both binary searches, so a ticket's age or target does not change its cost. The
queue is sorted and filtered on stored, indexed columns (next due time, state, tower), so the number of
queries does not depend on the number of tickets.
"""
    )
    write_section(f"servicedesk-{engine.lower()}", body)


if __name__ == "__main__":
    main()
