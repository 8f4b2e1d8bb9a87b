"""Benchmark the rollout portfolio with 500 programmes.

    .venv/bin/python bench/bench_rollout.py [--programmes 500] [--members 50] [--database-url URL]

Builds a scratch database (SQLite in a temporary folder unless --database-url names a scratch
PostgreSQL database): one framework, --members members each with a staff directory of 200 people
over 4 sites and 200 assets (three in four deployed), one template of five stages, and
--programmes programmes started from it through the services (4 waves each, some stages
re-planned or completed). Then it times, in a fresh process each:

- the authority's portfolio page `/rollout/` (every programme on one page), through Django's
  test client: the median and slowest of 20 requests after one warm-up, and its query count;
- the programmes API `/api/v1/programmes/` the same way;
- the whole `flexhub rollout --csv` command, from process start to exit (median of 5).

Results go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _report import commit, machine, reset_postgres, write_section  # noqa: E402

BIN = Path(sys.executable).parent

BUILD = r"""
import datetime as dt, io, sys
import django
django.setup()
from flexhub.assets.services import asset_import
from flexhub.core.audit import Actor
from flexhub.core.services import organisation_save, user_create
from flexhub.directory.services import staff_import
from flexhub.frameworks import services as fw
from decimal import Decimal
from flexhub.rollout import services as rollout

programmes, members = int(sys.argv[1]), int(sys.argv[2])
cli = Actor.for_cli()
authority = organisation_save(actor=cli, code="AUTH", name="Authority", roles=["authority"])
supplier = organisation_save(actor=cli, code="SUP", name="Supplier", roles=["supplier"])
framework = fw.framework_save(actor=cli, code="ROLL", name="Rollout bench", authority=authority,
    suppliers=[supplier], integrator=None, start=dt.date(2020, 1, 1), end=dt.date(2030, 12, 31),
    value_ceiling=Decimal("1000000000.00"))
user_create(actor=cli, username="bench-authority", organisation=authority, role="authority-admin",
    password="bench-password-2026", email="bench@example.gov.uk", check_password=False)
template = rollout.template_save(actor=cli, framework=framework, code="T", name="Bench rollout", stages=[
    rollout.StageInput("survey", "Survey", 30, checklist=("Count desks",)),
    rollout.StageInput("pilot", "Pilot", 45, ("survey",)),
    rollout.StageInput("build", "Build", 60, ("survey",)),
    rollout.StageInput("waves", "Waves", 120, ("pilot", "build"), is_waves=True),
    rollout.StageInput("close", "Close-down", 20, ("waves",)),
])
sites = ["North", "South", "East", "West"]
orgs = []
for m in range(members):
    org = organisation_save(actor=cli, code=f"M{m:03d}", name=f"Member {m}", roles=["member"])
    fw.framework_enrol(actor=cli, framework=framework, organisations=[org])
    staff = "name,email,unit,site,grade,start_date,leave_date,predecessor\n" + "".join(
        f"Person {i},p{i}@m{m}.gov.uk,Unit,{sites[i % 4]},EO,2019-01-01,,\n" for i in range(200))
    staff_import(actor=cli, organisation=org, open_file=lambda s=staff: io.BytesIO(s.encode()))
    assets = "asset_tag,serial,kind,manufacturer,model,site,status,assigned_email\n" + "".join(
        f"A{i},S{i},thin-client,Fujitsu,Futro,{sites[i % 4]},{'in-stock' if i % 4 == 3 else 'deployed'},\n"
        for i in range(200))
    asset_import(actor=cli, organisation=org, open_file=lambda a=assets: io.BytesIO(a.encode()))
    orgs.append(org)
for p in range(programmes):
    org = orgs[p % members]
    programme = rollout.programme_start(actor=cli, template=template, member=org, programme=rollout.ProgrammeInput(
        code=f"P{p:04d}", name=f"Programme {p}", start=dt.date(2021, 1, 1) + dt.timedelta(days=(p * 7) % 1800),
        waves=[rollout.WaveInput(site) for site in sites]))
    stages = {s.key: s for s in programme.stages.all()}
    if p % 3 == 0:
        rollout.stage_replan(actor=cli, stage=stages["build"], duration_days=90, not_before=None)
    if p % 2 == 0 and stages["survey"].planned_end <= dt.date.today():
        rollout.stage_complete(actor=cli, stage=stages["survey"], completed_on=stages["survey"].planned_end)
print("built")
"""

MEASURE = r"""
import json, statistics, sys, time
import django
django.setup()
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from flexhub.core.models import User
from flexhub.core.testing.twofactor import force_login_with_two_factor

path = sys.argv[1]
client = Client(HTTP_HOST="localhost")
force_login_with_two_factor(client, User.objects.get(username="bench-authority"))
warm = client.get(path)
assert warm.status_code == 200, warm.status_code
reset_queries()
with CaptureQueriesContext(connection) as queries:
    client.get(path)
query_count = len(queries)  # now: the captured list is read from the connection's log, which the next request resets
times = []
for _ in range(20):
    started = time.perf_counter()
    response = client.get(path)
    times.append(time.perf_counter() - started)
    assert response.status_code == 200
rows = len(response.json()) if path.startswith("/api/") else response.content.count(b'href="/rollout/programmes/')
print(json.dumps({"median": statistics.median(times), "max": max(times), "queries": query_count, "rows": rows}))
"""


def run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{' '.join(args[:3])} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programmes", type=int, default=500)
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--database-url", default="")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = options.database_url or f"sqlite:///{scratch}/bench.sqlite3"
        if options.database_url:
            reset_postgres(url)
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "flexhub.settings"}
        run([str(BIN / "flexhub"), "migrate", "-v0"], env)
        started = time.perf_counter()
        run([sys.executable, "-c", BUILD, str(options.programmes), str(options.members)], env)
        built = time.perf_counter() - started
        page = json.loads(run([sys.executable, "-c", MEASURE, "/rollout/"], env))
        api = json.loads(run([sys.executable, "-c", MEASURE, "/api/v1/programmes/"], env))
        command = []
        for _ in range(5):
            started = time.perf_counter()
            out = run([str(BIN / "flexhub"), "rollout", "--csv"], env)
            command.append(time.perf_counter() - started)
        assert out.count("\n") == options.programmes + 1, out.count("\n")
    engine = "PostgreSQL" if options.database_url else "SQLite"
    flags = (
        ""
        if options.programmes == 500 and options.members == 50
        else (f" --programmes {options.programmes} --members {options.members}")
    )
    body = f"""## Rollout portfolio, {engine}, {options.programmes} programmes

Command: `.venv/bin/python bench/bench_rollout.py{flags}{" --database-url ..." if options.database_url else ""}` (commit {commit()}).
Machine: {machine()}.

{options.members} members, each with 200 staff and 200 assets over 4 sites; {options.programmes} programmes of 5 stages
and 4 waves each (built through the services in {built:.0f} s, not timed below). Pages and API through Django's test
client in one process (after a warm-up request), the command from process start to exit.

| what | median | slowest | queries | rows |
| --- | ---: | ---: | ---: | ---: |
| authority's portfolio page `/rollout/` (every programme, one page) | **{page["median"]:.3f} s** | {page["max"]:.3f} s | {page["queries"]} | {page["rows"]} |
| programmes API `/api/v1/programmes/` (stages and waves inline) | {api["median"]:.3f} s | {api["max"]:.3f} s | {api["queries"]} | {api["rows"]} |
| `flexhub rollout --csv`, the whole command | {statistics.median(command):.2f} s | {max(command):.2f} s | | {options.programmes} |

The queries do not grow with the programmes: the page reads the programmes, their stages, their waves, and the
assets deployed and the people in post per member and site (two grouped counts), then works out each state with
`rules/rollout.py` (`tests/test_query_counts.py` holds the count while rows are added).
"""
    write_section(f"rollout-{engine.lower()}", body)
    print(body)


if __name__ == "__main__":
    main()
