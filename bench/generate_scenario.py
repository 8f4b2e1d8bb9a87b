"""Generate a large, valid scenario file for the load and billing benchmarks.

    python bench/generate_scenario.py --members 500 --contracts 2000 --lines 10000 \
        --tickets 50000 --events 5 -o var/bench/scenario.yaml

Deterministic (seeded), so every run measures the same file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path

START = dt.date(2015, 1, 1)
END = dt.date(2021, 12, 31)
TOWERS = ("EUC", "HOST", "NET", "APPS")


def generate(
    members: int,
    contracts: int,
    lines: int,
    tickets: int,
    events: int,
    seed: int = 7,
    seat_scale: int = 1,
    ticket_window: tuple[dt.datetime, dt.datetime] | None = None,
    open_share: float = 0.0,
    seat_changes: int = 0,
) -> str:
    """The scenario as YAML text, written line by line (no YAML library needed).

    With `seat_changes`, every contract changes the quantity of each of its seat-month lines
    (CORE and the seat-month options) that many times, on distinct days of its term; without,
    about three contracts in ten change their CORE seats once. The changes come from a random
    source of their own, so everything else in the file is the same either way.
    """
    rng = random.Random(seed)
    change_rng = random.Random(seed + 1)
    lines_per_contract = max(1, lines // contracts)
    out: list[str] = []
    w = out.append
    w("framework:")
    w("  code: BENCH")
    w("  name: Benchmark framework")
    w("  authority: AUTH")
    w("  suppliers: [SUP1, SUP2, SUP3]")
    w("  integrator: INT")
    w("  invoiced_by: INT")
    w(f"  start: {START}")
    w(f"  end: {END}")
    w('  value_ceiling: "99999999999999.00"')
    w('  vat_rate: [{from: 2015-01-01, rate: "0.20"}, {from: 2019-01-01, rate: "0.175"}]')
    w("  towers:")
    for i, code in enumerate(TOWERS):
        w(f"    - {{code: {code}, name: Tower {code}, supplier: SUP{i % 3 + 1}}}")
    w("organisations:")
    w('  - {code: AUTH, name: Bench Authority, roles: [authority, member], address: "1 Bench Street\\nLondon"}')
    for i in range(1, 4):
        w(f"  - {{code: SUP{i}, name: Bench Supplier {i}, roles: [supplier], jurisdictions: [GB]}}")
    w(
        '  - {code: INT, name: Bench Integrator, roles: [integrator], address: "2 Bench Street\\nLeeds", vat_number: GB100000187}'
    )
    regions = ("ENG", "ENG", "ENG", "SCT", "NIR")
    for m in range(members):
        w(
            f"  - {{code: M{m:04d}, name: Member body {m}, roles: [member], region: {regions[m % 5]}, "
            f'address: "{m} Member Road\\nLondon"}}'
        )
    w("services:")
    w("  - code: CORE")
    w("    name: Core seat")
    w("    category: core")
    w("    unit: seat-month")
    w("    pricing:")
    w("      model: pooled-volume")
    w("      ratchet: true")
    w("      bands:")
    for start, price in (
        (0, "96.00"),
        (50000, "89.00"),
        (200000, "84.00"),
        (500000, "78.00"),
        (1000000, "71.00"),
    ):
        w(f'        - {{from: {start}, price: "{price}"}}')
    options = [f"OPT{i}" for i in range(1, max(2, lines_per_contract))]
    for i, code in enumerate(options):
        unit = "seat-month" if i % 2 == 0 else "unit-month"
        w(
            f'  - {{code: {code}, name: Option {i}, category: option, unit: {unit}, pricing: {{model: flat, price: "{5 + i}.50"}}}}'
        )
    w(
        '  - {code: DAY, name: Day-rate service, category: additional, unit: day, pricing: {model: flat, price: "850.00"}}'
    )
    w("contracts:")
    total_months = (END.year - START.year) * 12 + END.month - START.month + 1
    spans = []
    for c in range(contracts):
        member = f"M{c % members:04d}"
        first = rng.randrange(0, total_months - 12)
        length = rng.randrange(12, min(60, total_months - first) + 1)
        start = dt.date(START.year + (START.month - 1 + first) // 12, (START.month - 1 + first) % 12 + 1, 1)
        last_index = first + length - 1
        end_month = dt.date(START.year + last_index // 12, last_index % 12 + 1, 1)
        end = (end_month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        signed = start - dt.timedelta(days=rng.randrange(10, 200))
        spans.append((f"C{c:05d}", member, start, end))
        w(f"  - ref: C{c:05d}")
        w(f"    member: {member}")
        w(f"    signed: {signed}")
        w(f"    start: {start}")
        w(f"    end: {end}")
        w("    lines:")
        seats = rng.randrange(10, 5000) * seat_scale
        w(f"      - {{service: CORE, quantity: {seats}}}")
        seat_lines = [("CORE", seats)]
        for code in rng.sample(options, lines_per_contract - 1):
            quantity = rng.randrange(1, 3000) * seat_scale
            w(f"      - {{service: {code}, quantity: {quantity}}}")
            if options.index(code) % 2 == 0:  # a seat-month option
                seat_lines.append((code, quantity))
        if rng.random() < 0.3:
            effective = start + dt.timedelta(days=rng.randrange(1, (end - start).days))
            quantity = max(0, seats + rng.randrange(-200, 400) * seat_scale)
            if not seat_changes:
                w("    changes:")
                w(f"      - {{service: CORE, effective: {effective}, quantity: {quantity}}}")
        if seat_changes:
            w("    changes:")
            term_days = (end - start).days
            for code, quantity in seat_lines:
                for offset in sorted(change_rng.sample(range(1, term_days + 1), min(seat_changes, term_days))):
                    quantity = max(1, quantity + change_rng.randrange(-quantity // 5 - 1, quantity // 5 + 2))
                    w(
                        f"      - {{service: {code}, effective: {start + dt.timedelta(days=offset)}, "
                        f"quantity: {quantity}}}"
                    )
    w("deliveries:")
    for ref, _, start, end in spans[: contracts // 2]:
        day = start + dt.timedelta(days=rng.randrange(0, (end - start).days + 1))
        w(f"  - {{contract: {ref}, service: DAY, date: {day}, quantity: {rng.choice(['0.5', '1', '2.5', '4'])}}}")
    w("sla:")
    w("  timezone: Europe/London")
    w('  business_hours: {days: [mon, tue, wed, thu, fri], start: "08:00", end: "18:00"}')
    w("  targets:")
    w("    P1: {respond: 15, resolve: 240, clock: 24x7}")
    w("    P2: {respond: 30, resolve: 480}")
    w("    P3: {respond: 240, resolve: 1800}")
    w("    P4: {respond: 480, resolve: 3000}")
    w("  service_credits:")
    w('    P1: {per_breach: "5", cap: "15"}')
    w('    P2: {per_breach: "2", cap: "10"}')
    if tickets:
        w("tickets:")
    window_start, window_end = ticket_window or (
        dt.datetime(2015, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2021, 12, 1, tzinfo=dt.UTC),
    )
    span_seconds = int((window_end - window_start).total_seconds())
    for t in range(tickets):
        opened = window_start + dt.timedelta(seconds=rng.randrange(span_seconds))
        w(f"  - ref: T{t:07d}")
        w(f"    member: M{rng.randrange(members):04d}")
        w(f"    kind: {'incident' if t % 3 else 'request'}")
        w(f"    priority: P{rng.randrange(1, 5)}")
        w(f"    tower: {TOWERS[t % 4]}")
        w(f"    title: Benchmark ticket {t}")
        w("    events:")
        at = opened
        steps = ["opened", "responded", "awaiting_customer", "resumed", "reassigned", "resolved"]
        chosen = ["opened", *steps[1 : events - 1], "resolved"] if events >= 2 else ["opened"]
        if rng.random() < open_share:  # still open: no resolution, and not left waiting
            chosen = [k for k in chosen if k not in ("resolved", "awaiting_customer", "resumed")]
        for kind in chosen:
            extra = f", tower: {TOWERS[(t + 1) % 4]}" if kind == "reassigned" else ""
            w(f"      - {{at: {at.isoformat()}, type: {kind}{extra}}}")
            at += dt.timedelta(minutes=rng.randrange(5, 600))
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--contracts", type=int, default=2000)
    parser.add_argument("--lines", type=int, default=10000)
    parser.add_argument("--tickets", type=int, default=50000)
    parser.add_argument("--events", type=int, default=5)
    parser.add_argument(
        "--seat-changes", type=int, default=0, help="changes per seat-month line of every contract (0: a few)"
    )
    parser.add_argument("-o", "--output", default="var/bench/scenario.yaml")
    args = parser.parse_args()
    path = Path(args.output)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        generate(args.members, args.contracts, args.lines, args.tickets, args.events, seat_changes=args.seat_changes)
    )
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
