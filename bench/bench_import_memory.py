"""Peak memory of checking a large CSV upload, the command's way and the web's way.

    .venv/bin/python bench/bench_import_memory.py [--megabytes 200] [--database-url postgres://.../scratch]

Each run is a process of its own, so its peak resident memory (ru_maxrss) is what that check
cost: the staff import's dry run (`flexhub import-staff --dry-run`, reading the file), and the
web import's store-and-check (the upload kept in the database in parts, then checked from
them). Files: valid rows with every email distinct (20 MB, then the full size), rows that are
all wrong (every problem counted, 100 kept), and one line that never ends. Memory must not grow
with the file; results go to docs/benchmarks.md.
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
from bench_directory import SCENARIO  # noqa: E402

HEADER = b"name,email,unit,site,grade,start_date,leave_date,predecessor\n"


def write_file(path: Path, kind: str, megabytes: int) -> None:
    target = megabytes * 1_000_000
    with path.open("wb") as out:
        out.write(HEADER)
        if kind == "endless":
            out.write(b"Ann Lee,ann@orga.gov.uk,")
            block = b"x" * 1_000_000
            for _ in range(megabytes):
                out.write(block)
            return
        i = size = 0
        while size < target:
            if kind == "valid":
                rows = [
                    f"Person {n},person{n}@orga.gov.uk,Unit {n % 40},Site {n % 12},G{n % 7},2019-04-01,,\n"
                    for n in range(i, i + 10_000)
                ]
            else:
                rows = [f"Person {n},not-an-email-{n},Unit,Site,,2019-02-30,,NOPE\n" for n in range(i, i + 10_000)]
            data = "".join(rows).encode()
            out.write(data)
            size += len(data)
            i += 10_000


def child(way: str, path: str) -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from flexhub.core.audit import Actor
    from flexhub.core.models import Organisation
    from flexhub.directory.services import PART_BYTES, staff_import, staged_import_check, staged_import_store
    from flexhub.scenarios.services import scenario_load, scenario_parse

    actor = Actor.system("bench")
    scenario_load(actor=actor, scenario=scenario_parse(SCENARIO))
    organisation = Organisation.objects.get(code="ORGA")
    file = Path(path)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    if way == "cli":
        summary = staff_import(actor=actor, organisation=organisation, open_file=lambda: file.open("rb"), apply=False)
    else:
        with file.open("rb") as upload:  # as Django hands over an upload: in chunks, from its temporary file
            staged = staged_import_store(
                actor=actor,
                organisation=organisation,
                kind="staff",
                filename=file.name,
                chunks=iter(lambda: upload.read(PART_BYTES), b""),
            )
        summary = staged_import_check(actor=actor, staged=staged)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_mb": peak,
                "before_mb": before,
                "rows": summary.rows,
                "problems": summary.problems.total,
                "first": str(summary.problems[0]) if summary.problems else "",
            }
        )
    )


def run(way: str, kind: str, megabytes: int, database_url: str | None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{kind}.csv"
        write_file(path, kind, megabytes)
        env = {**os.environ, "FLEXHUB_VAR_DIR": tmp, "DJANGO_SETTINGS_MODULE": "flexhub.settings"}
        if database_url:
            env["DATABASE_URL"] = database_url
            reset_postgres(database_url)
        done = subprocess.run(
            [sys.executable, __file__, "--child", way, "--file", str(path)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise SystemExit(f"benchmark child failed:\n{done.stderr[-3000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result["file_mb"] = path.stat().st_size / 1e6
        print(way, kind, json.dumps(result), file=sys.stderr)
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child")
    parser.add_argument("--file")
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.file)
        return
    size = args.megabytes
    runs = [
        ("cli", "valid", 20),
        ("cli", "valid", size),
        ("cli", "invalid", size),
        ("cli", "endless", size),
        ("web", "valid", 20),
        ("web", "valid", size),
        ("web", "endless", size),
    ]
    results = [(way, kind, mb, run(way, kind, mb, args.database_url)) for way, kind, mb in runs]
    engine = "PostgreSQL" if args.database_url else "SQLite"
    names = {
        "cli": "`import-staff --dry-run`",
        "web": "web upload: stored in parts, then checked",
        "valid": "valid rows",
        "invalid": "every row wrong",
        "endless": "one line with no end",
    }
    lines = [
        f"| {names[way]} | {names[kind]}, {r['file_mb']:.0f} MB ({r['rows']:,} rows, "
        f"{r['problems']:,} problem{'' if r['problems'] == 1 else 's'}) "
        f"| **{r['peak_mb']:.0f} MB** ({r['before_mb']:.0f} MB after start-up) | {r['seconds']:.1f} s |"
        for way, kind, _, r in results
    ]
    table = "\n".join(lines)
    body = f"""## Checking a large CSV upload: peak memory, {engine}

Command: `.venv/bin/python bench/bench_import_memory.py{" --database-url …" if args.database_url else ""}` (commit {commit()}).
Machine: {machine()}.

| how | file | peak memory of the process | time |
| --- | --- | ---: | ---: |
{table}

Memory does not grow with the file: it is read (or stored, and read back) in parts of 64 KiB to
1 MiB and decoded line by line; a row over 10,000 bytes stops the check where it starts; only
the first 100 problems are kept, the rest counted; and the emails met so far, to find one given
twice, are kept as 8-byte digests in a temporary table of the database (core.csvimport.SeenKeys),
not in the process.
"""
    print(body)
    write_section(f"import-memory-{engine.lower()}", body)


if __name__ == "__main__":
    main()
