"""Benchmark the whole `flexhub load FILE` command as a user runs it, on SQLite or PostgreSQL.

    .venv/bin/python bench/bench_load.py [--runs 3] [--baseline REV] [--double]
    .venv/bin/python bench/bench_load.py --database-url postgres://postgres@127.0.0.1:5432/SCRATCH

Two generated scenarios of 500 members, 2,000 contracts, 10,000 contract lines and 50,000
tickets of 5 events: the bench's usual file, in which three contracts in ten change their seats
once, and one in which every contract changes the seats of each of its seat-month lines
SEAT_CHANGES times (issue 16's "each contract with seat changes"). For each run a fresh
database is made and migrated (not timed), then `.venv/bin/flexhub load FILE` is timed in a
subprocess from its start to its exit, and its CPU time taken from the operating system. The
median of the runs is the figure; the fastest and slowest, the CPU time and the load average
of the machine while it ran are written beside it, since other work may share the 2 cores.

With --baseline REV the same runs are made with the code of an earlier commit (its `src/`,
taken with `git archive`, first on PYTHONPATH), for a before-and-after on the same machine.
With --database-url the scratch database named in the URL is dropped and re-created for each
run, and dropped at the end. Results go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _report import commit, machine, reset_postgres, write_section  # noqa: E402
from generate_scenario import generate  # noqa: E402

FLEXHUB = Path(sys.executable).parent / "flexhub"
BASE = {"members": 500, "contracts": 2000, "lines": 10000, "tickets": 50000, "events": 5}
SEAT_CHANGES = 12  # per seat-month line (CORE and two options): 36 a contract, 72,000 in all
TARGETS = {"sqlite": 15.0, "postgresql": 30.0}  # issue 16, for the file with seat changes
BUSY = 0.5  # a 1-minute load average above this before a run means other work was running


@dataclass
class Runs:
    """The timed runs of one scenario with one version of the code."""

    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.walls)

    def text(self) -> str:
        return (
            f"**{self.median:.1f} s** (fastest {min(self.walls):.1f} s, slowest {max(self.walls):.1f} s; "
            f"CPU {statistics.median(self.cpus):.1f} s)"
        )


def drop_postgres(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def timed_load(scenario: Path, database_url: str | None, pythonpath: str | None, runs: Runs) -> None:
    """One run: a fresh, migrated database, then the whole command timed from start to exit."""
    with tempfile.TemporaryDirectory() as var:
        env = {**os.environ, "FLEXHUB_VAR_DIR": var}
        env.pop("DATABASE_URL", None)
        if database_url:
            reset_postgres(database_url)
            env["DATABASE_URL"] = database_url
        if pythonpath:
            env["PYTHONPATH"] = pythonpath
        subprocess.run([FLEXHUB, "migrate", "-v0"], env=env, check=True, capture_output=True)
        load = os.getloadavg()[0]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run([FLEXHUB, "load", str(scenario)], env=env, capture_output=True, text=True)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise SystemExit(f"flexhub load {scenario} failed:\n{done.stdout}{done.stderr}")
    runs.walls.append(wall)
    runs.cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    runs.loads.append(max(load, os.getloadavg()[0]))
    print(f"  {scenario.name}{' (baseline)' if pythonpath else ''}: {wall:.1f} s; {done.stdout.strip()}", flush=True)


def baseline_source(revision: str, into: Path) -> str:
    """The `src/` of an earlier commit, unpacked under `into`; its path, for PYTHONPATH."""
    archive = subprocess.run(["git", "archive", revision, "src"], cwd=HERE.parent, capture_output=True, check=True)
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return str(into / "src")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL URL of a scratch database (re-created, then dropped)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each scenario (the median is shown)")
    parser.add_argument("--baseline", metavar="REV", help="also time the code of this earlier commit")
    parser.add_argument("--double", action="store_true", help="also time the usual scenario at twice the size")
    args = parser.parse_args()
    engine = "postgresql" if args.database_url else "sqlite"
    scenarios = [
        ("usual", BASE, 0),
        ("seat changes", BASE, SEAT_CHANGES),
        *([("usual, doubled", {k: v * 2 if k != "events" else v for k, v in BASE.items()}, 0)] if args.double else []),
    ]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        baseline = baseline_source(args.baseline, Path(tmp)) if args.baseline else None
        try:
            for label, sizes, seat_changes in scenarios:
                path = Path(tmp) / f"{label.replace(' ', '-').replace(',', '')}.yaml"
                text = generate(**sizes, seat_changes=seat_changes)
                path.write_text(text)
                now, before = Runs(), Runs()
                for _ in range(args.runs):
                    timed_load(path, args.database_url, None, now)
                    if baseline:
                        timed_load(path, args.database_url, baseline, before)
                changes = text.count("effective:")
                rows.append((label, sizes, changes, path.stat().st_size / 1e6, now, before if baseline else None))
        finally:
            if args.database_url:
                drop_postgres(args.database_url)
    loads = [load for *_, now, before in rows for load in now.loads + (before.loads if before else [])]
    busy = max(loads) > BUSY
    target = TARGETS[engine]
    name = "PostgreSQL" if args.database_url else "SQLite"
    lines = [
        f"## `flexhub load`, the whole command, {name}",
        "",
        f"Command: `.venv/bin/python bench/bench_load.py --runs {args.runs}"
        f"{f' --baseline {args.baseline}' if args.baseline else ''}"
        f"{' --database-url postgres://…/scratch' if args.database_url else ''}` (commit {commit()}).",
        f"Machine: {machine()}; load average {min(loads):.1f} to {max(loads):.1f} while it ran"
        + (
            " (busy: other work was running on its 2 cores, so the figures are slower than on a quiet machine)."
            if busy
            else "."
        ),
        f"Each figure is `.venv/bin/flexhub load FILE` timed in a subprocess from its start to its exit, into a freshly "
        f"migrated {name} database, median of {args.runs} runs; CPU is the command's own (user and system).",
        "",
        "| scenario | file | whole command | target |"
        if not args.baseline
        else f"| scenario | file | whole command | before (commit {args.baseline}) | target |",
        "| --- | ---: | ---: | ---: |" if not args.baseline else "| --- | ---: | ---: | ---: | ---: |",
    ]
    for label, sizes, changes, megabytes, now, before in rows:
        what = (
            f"{sizes['members']} members, {sizes['contracts']:,} contracts, {sizes['lines']:,} lines, "
            f"{changes:,} seat changes ({label}), {sizes['tickets']:,} tickets x {sizes['events']} events"
        )
        verdict = "under" if now.median < target else "OVER"
        cells = [what, f"{megabytes:.1f} MB", f"{now.text()} ({verdict})"]
        if before is not None:
            cells.append(before.text())
        cells.append(f"under {target:.0f} s")
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        f"The file with seat changes has every contract change the seats of each of its seat-month lines "
        f"{SEAT_CHANGES} times. Issue 16 measured 46 to 48 s for such a file before (11 s for the usual one); "
        "committed values are now worked out per stretch of unchanged seats, the YAML is built from the parser's "
        "events with the common cases inline, and tickets, events, contract lines, seat changes and audit entries "
        "go to the database as plain rows (COPY on PostgreSQL, many rows per statement on SQLite).",
    ]
    write_section(f"load-{engine}", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
