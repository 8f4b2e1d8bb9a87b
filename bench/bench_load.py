"""Benchmark `flexhub load` on a generated scenario, and on one twice the size.

    .venv/bin/python bench/bench_load.py [--database-url postgres://...] [--no-double]

The base scenario has 500 members, 2,000 contracts, 10,000 contract lines and
50,000 tickets of 5 events; each size is loaded into a fresh database in a
child process and timed by phase (parse, validate, write). Results go to
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _report import commit, machine, reset_postgres, write_section  # noqa: E402
from generate_scenario import generate  # noqa: E402

BASE = {"members": 500, "contracts": 2000, "lines": 10000, "tickets": 50000, "events": 5}


def child(path: str) -> None:
    """Runs in a fresh process whose environment points at an empty database."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from flexhub.core.audit import Actor
    from flexhub.core.perf import gc_paused
    from flexhub.scenarios.schema import validate
    from flexhub.scenarios.services import scenario_load
    from flexhub.scenarios.yamlio import parse_yaml

    text = Path(path).read_text()
    t0 = time.perf_counter()
    with gc_paused():  # as scenario_parse does
        document = parse_yaml(text)
        t1 = time.perf_counter()
        scenario = validate(document)
    t2 = time.perf_counter()
    scenario_load(actor=Actor.system("bench"), scenario=scenario)
    t3 = time.perf_counter()
    print(json.dumps({"parse": t1 - t0, "validate": t2 - t1, "write": t3 - t2, "total": t3 - t0}))


def run(scale: int, database_url: str | None) -> dict[str, float]:
    sizes = {k: v * scale if k != "events" else v for k, v in BASE.items()}
    with tempfile.TemporaryDirectory() as tmp:
        scenario = Path(tmp) / "scenario.yaml"
        scenario.write_text(generate(**sizes))
        env = {**os.environ, "FLEXHUB_VAR_DIR": tmp, "DJANGO_SETTINGS_MODULE": "flexhub.settings"}
        if database_url:
            env["DATABASE_URL"] = database_url
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(scenario)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        result = json.loads(out.strip().splitlines()[-1])
        result["megabytes"] = scenario.stat().st_size / 1e6
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child")
    parser.add_argument("--database-url", help="PostgreSQL URL of a scratch database (dropped and re-created)")
    parser.add_argument("--no-double", action="store_true", help="skip the doubled scenario")
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    rows = []
    for scale in (1,) if args.no_double else (1, 2):
        if args.database_url:
            reset_postgres(args.database_url)
        result = run(scale, args.database_url)
        rows.append((scale, result))
        print(f"x{scale}: {result['total']:.1f}s ({json.dumps({k: round(v, 1) for k, v in result.items()})})")
    engine = "PostgreSQL" if args.database_url else "SQLite"
    lines = [
        f"## `flexhub load`, {engine}",
        "",
        f"Command: `.venv/bin/python bench/bench_load.py{' --database-url …' if args.database_url else ''}` "
        f"(commit {commit()}). Machine: {machine()}.",
        "",
        "| scenario | file | parse | validate | write | total |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for scale, r in rows:
        label = (
            f"{500 * scale} members, {2000 * scale:,} contracts, {10000 * scale:,} lines, "
            f"{50000 * scale:,} tickets x 5 events"
        )
        lines.append(
            f"| {label} | {r['megabytes']:.1f} MB | {r['parse']:.1f} s | {r['validate']:.1f} s | "
            f"{r['write']:.1f} s | **{r['total']:.1f} s** |"
        )
    if len(rows) == 2:
        ratio = rows[1][1]["total"] / rows[0][1]["total"]
        lines += [
            "",
            f"Doubling the scenario multiplies the time by {ratio:.2f}: it grows linearly "
            "(the target is under 30 s for the base scenario).",
        ]
    write_section(f"load-{engine.lower()}", "\n".join(lines))


if __name__ == "__main__":
    main()
