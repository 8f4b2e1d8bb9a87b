"""Benchmark the staff directory and the machinery-of-government merge.

    .venv/bin/python bench/bench_directory.py [--database-url postgres://.../scratch]

Imports 100,000 and 200,000 generated staff rows (each into a fresh database, in its own
process, so the process's peak memory shows whether memory grows with the file), then merges
an organisation of 50,000 staff and 50,000 assets into another of the same size.
Results go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _report import commit, machine, reset_postgres, write_section  # noqa: E402

SCENARIO = """framework:
  code: DIR
  name: Directory benchmark
  authority: AUTH
  suppliers: [SUP]
  start: 2020-01-01
  end: 2026-12-31
  value_ceiling: "1000000.00"
  vat_rate: "0.20"
organisations:
  - {code: AUTH, name: Authority, roles: [authority]}
  - {code: SUP, name: Supplier, roles: [supplier]}
  - {code: OLDA, name: Old A, roles: [member]}
  - {code: OLDB, name: Old B, roles: [member]}
  - {code: ORGA, name: Organisation A, roles: [member], predecessors: [OLDA, OLDB]}
  - {code: ORGB, name: Organisation B, roles: [member]}
services:
  - {code: CORE, name: Core, category: core, unit: seat-month, pricing: {model: flat, price: "90.00"}}
contracts:
  - ref: A-1
    member: ORGA
    signed: 2020-01-01
    start: 2020-01-01
    end: 2020-12-31
    lines: [{service: CORE, quantity: 10}]
"""


def staff_csv(path: Path, count: int, domain: str, predecessors: tuple[str, ...] = ()) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("name,email,unit,site,grade,start_date,leave_date,predecessor\n")
        for i in range(count):
            predecessor = predecessors[i % len(predecessors)] if predecessors else ""
            out.write(f"Person {i},person{i}@{domain},Unit {i % 40},Site {i % 12},G{i % 7},2019-04-01,,{predecessor}\n")


def assets_csv(path: Path, count: int, prefix: str, domain: str) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("asset_tag,serial,kind,manufacturer,model,site,status,assigned_email\n")
        for i in range(count):
            out.write(
                f"{prefix}{i:07d},SN{prefix}{i},thin-client,Fujitsu,Futro S740,Site {i % 12},deployed,person{i}@{domain}\n"
            )


def child(what: str, rows: int, folder: str) -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from flexhub.assets.services import asset_import
    from flexhub.core.audit import Actor
    from flexhub.core.models import Organisation
    from flexhub.directory.services import staff_import
    from flexhub.scenarios.services import scenario_load, scenario_parse

    actor = Actor.system("bench")
    scenario_load(actor=actor, scenario=scenario_parse(SCENARIO))
    base = Path(folder)
    result: dict = {}
    if what == "import":
        path = base / "staff.csv"
        staff_csv(path, rows, "orga.gov.uk", ("OLDA", "OLDB"))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        summary = staff_import(
            actor=actor, organisation=Organisation.objects.get(code="ORGA"), open_file=lambda: path.open("rb")
        )
        result["seconds"] = time.perf_counter() - started
        assert summary.applied and summary.adds == rows, summary.problems[:3]
        result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        result["peak_before_mb"] = before / 1024
        result["file_mb"] = path.stat().st_size / 1e6
    else:
        from flexhub.government.services import mog_apply, mog_plan

        for code, domain, prefix in (("ORGA", "orga.gov.uk", "A"), ("ORGB", "orgb.gov.uk", "B")):
            org = Organisation.objects.get(code=code)
            staff_path, asset_path = base / f"{code}-staff.csv", base / f"{code}-assets.csv"
            staff_csv(staff_path, rows, domain)
            assets_csv(asset_path, rows, prefix, domain)
            staff_import(actor=actor, organisation=org, open_file=lambda p=staff_path: p.open("rb"))
            asset_import(actor=actor, organisation=org, open_file=lambda p=asset_path: p.open("rb"))
        import datetime as dt

        started = time.perf_counter()
        plan = mog_plan(
            actor=actor,
            kind="merge",
            predecessors=[Organisation.objects.get(code="ORGB")],
            into=Organisation.objects.get(code="ORGA"),
            effective=dt.date(2021, 4, 1),
            reason="benchmark",
        )
        change = mog_apply(actor=actor, plan=plan)
        result["seconds"] = time.perf_counter() - started
        result["moved"] = change.moved
    print(json.dumps(result))


def run(what: str, rows: int, database_url: str | None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "FLEXHUB_VAR_DIR": tmp, "DJANGO_SETTINGS_MODULE": "flexhub.settings"}
        if database_url:
            env["DATABASE_URL"] = database_url
            reset_postgres(database_url)
        done = subprocess.run(
            [sys.executable, __file__, "--child", what, "--rows", str(rows), "--folder", tmp],
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
    parser.add_argument("--rows", type=int, default=0)
    parser.add_argument("--folder")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rows, args.folder)
        return
    small = run("import", 100_000, args.database_url)
    large = run("import", 200_000, args.database_url)
    merge = run("merge", 50_000, args.database_url)
    print(json.dumps({"100k": small, "200k": large, "merge": merge}, indent=2))
    engine = "PostgreSQL" if args.database_url else "SQLite"
    body = f"""## Staff directory and machinery-of-government changes, {engine}

Command: `.venv/bin/python bench/bench_directory.py{" --database-url …" if args.database_url else ""}` (commit {commit()}).
Machine: {machine()}.

| what | figure | target |
| --- | ---: | ---: |
| import 100,000 staff rows ({small["file_mb"]:.1f} MB; every row checked, then written) | **{small["seconds"]:.1f} s** | under 20 s |
| import 200,000 staff rows | {large["seconds"]:.1f} s | |
| peak memory of the importing process, 100,000 rows / 200,000 rows | {small["peak_mb"]:.0f} MB / {large["peak_mb"]:.0f} MB (after start-up {small["peak_before_mb"]:.0f} MB / {large["peak_before_mb"]:.0f} MB) | not growing with the file |
| merge of an organisation of 50,000 staff and 50,000 assets into another of the same size (history and audit for every record moved) | **{merge["seconds"]:.1f} s** | under 30 s |

The file is read twice, never whole: once to check every row, then (only if all is well) again to write
in chunks of 2,000 rows inside one transaction. The emails met so far (to find one given twice) are kept as
8-byte digests in a temporary table of the database, not in the process, so memory does not grow with the file.
"""
    write_section(f"directory-{engine.lower()}", body)


if __name__ == "__main__":
    main()
