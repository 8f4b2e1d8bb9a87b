"""Benchmark billing: one month, a whole seven-year framework, and a committed value.

    .venv/bin/python bench/bench_billing.py [--database-url postgres://.../scratch]

Loads a generated framework (500 members, 2,000 contracts, 10,000 lines, seven
years) into a fresh database in a child process, then times: one month's
billing run (median of 5), the same with every seat count multiplied by 1,000,
all 84 months billed and issued, and the committed value of a new seven-year
contract (median of 5). Results go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
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
from generate_scenario import generate  # noqa: E402

SIZES = {"members": 500, "contracts": 2000, "lines": 10000, "tickets": 0, "events": 5}


def _median(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def child(path: str, whole: bool) -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connection

    from flexhub.billing.selectors import billing_terms
    from flexhub.billing.services import billing_issue, billing_run
    from flexhub.core.audit import Actor
    from flexhub.frameworks.models import Framework
    from flexhub.frameworks.services import committed_value_at_signing
    from flexhub.rules.periods import Month, months
    from flexhub.rules.pricing import ContractTerms, LineTerms
    from flexhub.scenarios.services import scenario_load, scenario_parse

    actor = Actor.system("bench")
    scenario_load(actor=actor, scenario=scenario_parse(Path(path).read_text()))
    framework = Framework.objects.get(code="BENCH")
    month = Month(2018, 6)
    result = {"engine": connection.vendor}
    result["month"] = _median(lambda: billing_run(actor=actor, framework=framework, month=month))
    from flexhub.billing.models import Invoice, InvoiceLine

    result["invoices"] = Invoice.objects.filter(period=month.first).count()
    result["lines"] = InvoiceLine.objects.filter(invoice__period=month.first).count()
    start = dt.date(2015, 1, 1)
    end = dt.date(2021, 12, 31)
    # Signed last, so its pools hold every one of the 2,000 contracts.
    terms = ContractTerms("NEW-7Y", dt.date(2021, 12, 31), start, end, (LineTerms("CORE", start, end, 2500),))
    result["committed"] = _median(lambda: committed_value_at_signing(framework, terms))
    if whole:
        started = time.perf_counter()
        prepared = billing_terms(framework)
        for m in months(Month(2015, 1), Month(2021, 12)):
            billing_run(actor=actor, framework=framework, month=m, terms=prepared)
            billing_issue(actor=actor, framework=framework, month=m)
        result["whole"] = time.perf_counter() - started
        result["whole_invoices"] = Invoice.objects.filter(status="issued").count()
    print(json.dumps(result))


def run(seat_scale: int, whole: bool, database_url: str | None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        scenario = Path(tmp) / "scenario.yaml"
        scenario.write_text(generate(**SIZES, seat_scale=seat_scale))
        env = {**os.environ, "FLEXHUB_VAR_DIR": tmp, "DJANGO_SETTINGS_MODULE": "flexhub.settings"}
        if database_url:
            env["DATABASE_URL"] = database_url
            reset_postgres(database_url)
        args = [sys.executable, __file__, "--child", str(scenario)] + (["--whole"] if whole else [])
        done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
        if done.returncode:
            raise SystemExit(f"benchmark child failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child")
    parser.add_argument("--whole", action="store_true")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.whole)
        return
    base = run(1, True, args.database_url)
    big = run(1000, False, args.database_url)
    print(json.dumps({"base": base, "x1000 seats": big}, indent=2))
    engine = "PostgreSQL" if args.database_url else "SQLite"
    body = f"""## Billing, {engine}

Command: `.venv/bin/python bench/bench_billing.py{" --database-url …" if args.database_url else ""}` (commit {commit()}).
Machine: {machine()}. A generated seven-year framework of 500 members, 2,000 contracts and 10,000 contract lines.

| what | figure | target |
| --- | ---: | ---: |
| one month's billing run ({base["invoices"]} invoices, {base["lines"]:,} lines; median of 5) | **{base["month"]:.2f} s** | under 2 s |
| the same month with every seat count x1,000 | **{big["month"]:.2f} s** | not growing with seats |
| all 84 months billed and issued ({base["whole_invoices"]:,} invoices) | **{base["whole"]:.1f} s** | under 60 s |
| committed value of a new seven-year contract, pools from 2,000 contracts (median of 5) | **{base["committed"] * 1000:.0f} ms** | under 50 ms |

A month's run reads the framework once (contracts, lines and changes in three queries), computes every
charge with the pure rules and writes the invoices and lines in bulk; seat counts are only numbers in the
arithmetic, so a member of 100,000 seats costs the same as one of 10.
"""
    write_section(f"billing-{engine.lower()}", body)


if __name__ == "__main__":
    main()
