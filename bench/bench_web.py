"""flexhub under load as users meet it: gunicorn with the production settings, 2 sync workers,
DEBUG off, driven by wrk at 1 and 10 concurrent clients, beside a bare Django view served the
same way.

    .venv/bin/python bench/bench_web.py [--tickets 100000] [--history 900000]
                                        [--database-url postgres://postgres@127.0.0.1:5432/flexhub_bench_web]
                                        [--seconds 10]

It builds a scratch database from the bench generator (500 members, 2,000 contracts, --tickets
tickets of which 30% open), optionally adds --history closed tickets (the queue must not slow
down with them), signs in through the sign-in page, and for every endpoint counts the answers
that were not 2xx; for ticket creation it also checks that the tickets stored equal the 2xx
answers. It needs wrk (Debian: apt-get install wrk). Results go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _report import commit, machine, reset_postgres, write_section  # noqa: E402
from generate_scenario import generate  # noqa: E402

BIN = Path(sys.executable).parent
PASSWORD = "bench-password-2026"
FLEXHUB_PORT, BARE_PORT = 8931, 8932


@dataclass(frozen=True)
class Endpoint:
    label: str
    path: str
    auth: str  # session (the agent signed in), agent-token, member-token, or none
    floor: float | None  # requests a second at 10 clients that the issue asks for
    method: str = "GET"
    body: str = ""
    bare: bool = False


ENDPOINTS = [
    Endpoint("agent's queue page `/tickets/`", "/tickets/", "session", 250),
    Endpoint("ticket list API `/api/v1/tickets/`", "/api/v1/tickets/", "agent-token", 400),
    Endpoint("ticket detail page", "/tickets/{ticket}/", "session", 300),
    Endpoint("ticket detail API", "/api/v1/tickets/{ticket}/", "agent-token", 600),
    Endpoint(
        "create a ticket through the API",
        "/api/v1/tickets/",
        "member-token",
        150,
        method="POST",
        body='{"framework": "BENCH", "priority": "P3", "title": "Benchmark ticket"}',
    ),
    Endpoint("sign-in page (no query)", "/accounts/login/", "none", 1000),
    Endpoint("bare Django view, same server", "/", "none", None, bare=True),
]


def run(args: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    done = subprocess.run(args, env=env, input=stdin, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{' '.join(args[:3])} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def flexhub(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    return run([str(BIN / "flexhub"), *args], env, stdin)


ADD_HISTORY = """
from django.db import connection
from flexhub.servicedesk.models import Ticket
fields = [f for f in Ticket._meta.concrete_fields if f.column != "id"]
columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
chosen = []
for f in fields:
    name = connection.ops.quote_name(f.column)
    if f.name == "ref":
        chosen.append(name + " || '-H' || %s")
    elif f.name == "status":
        chosen.append("'closed'")
    else:
        chosen.append(name)
table = connection.ops.quote_name(Ticket._meta.db_table)
base = Ticket.objects.count()
rounds = -(-{history} // base)
with connection.cursor() as cursor:
    for n in range(rounds):
        limit = min(base, {history} - n * base)
        cursor.execute(
            f"INSERT INTO {{table}} ({{columns}}) SELECT {{', '.join(chosen)}} FROM {{table}} "
            f"WHERE ref NOT LIKE '%%-H%%' ORDER BY id LIMIT %s",
            [str(n), limit],
        )
print(Ticket.objects.count())
"""


def sign_in(base: str, username: str) -> str:
    """Sign in through the sign-in page as a browser does; the session cookie."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    form = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token})
    opener.open(urllib.request.Request(f"{base}/accounts/login/", data=form.encode(), headers={"Referer": base}))
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise SystemExit("signing in through the page failed")
    return cookies["sessionid"]


def request(url: str, endpoint: Endpoint, headers: dict[str, str]) -> tuple[int, bytes]:
    data = endpoint.body.encode() if endpoint.method == "POST" else None
    req = urllib.request.Request(url, data=data, headers=headers, method=endpoint.method)
    try:
        with urllib.request.urlopen(req) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wrk_script(endpoint: Endpoint, headers: dict[str, str], folder: Path) -> Path:
    lines = [f'wrk.method = "{endpoint.method}"']
    if endpoint.body:
        lines.append(f"wrk.body = '{endpoint.body}'")
    lines += [f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()]
    script = folder / f"{abs(hash(endpoint.label))}.lua"
    script.write_text("\n".join(lines) + "\n")
    return script


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def load(url: str, script: Path, clients: int, seconds: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t1" if clients == 1 else "-t2", f"-c{clients}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, flags=re.M))
    if set(latency) != {"50", "99"}:
        raise SystemExit(f"wrk measured nothing at {url} with {clients} clients:\n{out}")
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50": _ms(latency["50"]),
        "p99": _ms(latency["99"]),
        "requests": requests,
        "not_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
    }


def serve(env: dict[str, str], port: int, app: str, chdir: Path | None = None) -> subprocess.Popen[bytes]:
    args = [str(BIN / "gunicorn"), "-c", "python:flexhub.gunicorn_conf", app]
    if chdir:
        args[1:1] = ["--chdir", str(chdir)]
    server = subprocess.Popen(
        args,
        env={**env, "FLEXHUB_BIND": f"127.0.0.1:{port}", "FLEXHUB_WORKERS": "2"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return server
        except urllib.error.HTTPError:
            return server  # it answers (a redirect to sign in, say)
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not start on port {port}")


def measure(tickets: int, history: int, database_url: str | None, seconds: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {
            **os.environ,
            "FLEXHUB_VAR_DIR": tmp,
            "FLEXHUB_DEBUG": "0",
            "FLEXHUB_SECURE_COOKIES": "0",
            "FLEXHUB_REQUIRE_2FA": "0",
            "FLEXHUB_API_RATE": "off",
            "FLEXHUB_API_TICKET_RATE": "off",
            "FLEXHUB_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "FLEXHUB_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        }
        if database_url:
            env["DATABASE_URL"] = database_url
            reset_postgres(database_url)
        scenario = folder / "scenario.yaml"
        scenario.write_text(generate(500, 2000, 10000, tickets, 5, open_share=0.3))
        flexhub(env, "migrate", "-v0")
        flexhub(env, "load", str(scenario))
        stored = tickets
        if history:
            stored = int(flexhub(env, "shell", "-c", ADD_HISTORY.format(history=history)).split()[-1])
        flexhub(
            env, "user", "add", "bench-agent", "--org", "SUP1", "--role", "agent", "--password-stdin", stdin=PASSWORD
        )
        flexhub(
            env,
            "user",
            "add",
            "bench-member",
            "--org",
            "M0001",
            "--role",
            "member-user",
            "--password-stdin",
            stdin=PASSWORD,
        )
        agent_token = flexhub(env, "token", "bench-agent").strip()
        member_token = flexhub(env, "token", "bench-member").strip()
        count_tickets = "from flexhub.servicedesk.models import Ticket; print(Ticket.objects.count())"

        def stored_now() -> int:
            return int(flexhub(env, "shell", "-c", count_tickets).split()[-1])

        servers = [serve(env, FLEXHUB_PORT, "flexhub.wsgi"), serve(env, BARE_PORT, "bare_django:application", HERE)]
        try:
            base = f"http://127.0.0.1:{FLEXHUB_PORT}"
            auth = {
                "session": {"Cookie": f"sessionid={sign_in(base, 'bench-agent')}"},
                "agent-token": {"Authorization": f"Token {agent_token}"},
                "member-token": {"Authorization": f"Token {member_token}", "Content-Type": "application/json"},
                "none": {},
            }
            status, body = request(f"{base}/api/v1/tickets/", ENDPOINTS[1], auth["agent-token"])
            queue = json.loads(body)["results"]
            ticket = queue[0]["id"]
            results: dict[str, object] = {"tickets": stored, "open_in_queue_page": len(queue)}
            rows = []
            for endpoint in ENDPOINTS:
                url = f"http://127.0.0.1:{BARE_PORT if endpoint.bare else FLEXHUB_PORT}" + endpoint.path.format(
                    ticket=ticket
                )
                headers = auth[endpoint.auth]
                status, _ = request(url, endpoint, headers)
                if not 200 <= status < 300:
                    raise SystemExit(f"{endpoint.label}: {url} answered {status} before the load")
                script = wrk_script(endpoint, headers, folder)
                before = stored_now() if endpoint.method == "POST" else 0
                figures = {clients: load(url, script, clients, seconds) for clients in (1, 10)}
                row: dict[str, object] = {"endpoint": endpoint.label, "floor": endpoint.floor, "figures": figures}
                if endpoint.method == "POST":
                    time.sleep(1)  # the last answers wrk did not wait for
                    created = stored_now() - before
                    answered = sum(f["requests"] - f["not_2xx"] for f in figures.values())
                    # wrk stops counting at its deadline, with a request open on each connection:
                    # those are stored unanswered. Any other difference is a ticket lost or doubled.
                    in_flight = sum(figures)
                    if not answered <= created <= answered + in_flight:
                        raise SystemExit(f"{created:,} tickets stored for {answered:,} 2xx answers")
                    row.update(created=created, answered_2xx=answered, in_flight=in_flight)
                rows.append(row)
            results["rows"] = rows
            return results
        finally:
            for server in servers:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=30)


def table(results: dict[str, object]) -> str:
    lines = [
        "| what | c1 rps | c1 p50 | c10 rps | c10 p50 | c10 p99 | not 2xx | must reach (c10) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in results["rows"]:  # type: ignore[attr-defined]
        one, ten = row["figures"][1], row["figures"][10]
        bad = one["not_2xx"] + ten["not_2xx"] + one["socket_errors"] + ten["socket_errors"]
        floor = f"≥ {row['floor']:,.0f} rps" if row["floor"] else "(for comparison)"
        if "created" in row:
            floor += (
                f"; stored {row['created']:,} for {row['answered_2xx']:,} answers "
                f"(and at most {row['in_flight']} open when wrk stopped)"
            )
        lines.append(
            f"| {row['endpoint']} | {one['rps']:,.0f} | {one['p50']:.1f} ms | **{ten['rps']:,.0f}** | "
            f"{ten['p50']:.1f} ms | {ten['p99']:.1f} ms | {bad} | {floor} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--history", type=int, default=0, help="closed tickets to add to the history")
    parser.add_argument("--database-url")
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    results = measure(args.tickets, args.history, args.database_url, args.seconds)
    print(json.dumps(results, indent=2))
    engine = "PostgreSQL" if args.database_url else "SQLite"
    name = f"web-{'postgres' if args.database_url else 'sqlite'}-{results['tickets']}"
    command = "`.venv/bin/python bench/bench_web.py" + (f" --history {args.history}" if args.history else "")
    command += " --database-url postgres://...`" if args.database_url else "`"
    write_section(
        name,
        f"## Under load: pages and API through gunicorn, {engine}, {results['tickets']:,} tickets\n\n"
        f"Command: {command} (commit {commit()}). Machine: {machine()}.\n"
        f"gunicorn with `flexhub/gunicorn_conf.py`, 2 sync workers, DEBUG off; wrk, {args.seconds} s per "
        "figure, at 1 and 10 concurrent clients; the agent's towers hold about 15,000 open tickets.\n\n"
        + table(results),
    )


if __name__ == "__main__":
    main()
