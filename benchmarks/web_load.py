"""Load test of the web application (issue 15): N concurrent users with think time over a realistic mix of pages
and API calls of every role, against a running server; latency percentiles per request kind and overall, and the
CPU the application and PostgreSQL spent per request (from /proc, so run it on the server's machine).

Set up (PostgreSQL, the large demo, Redis as the shared cache, gunicorn with 4 workers), then run:

    createdb -h 127.0.0.1 -U postgres hs_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/hs_bench
    .venv/bin/handschlag migrate && .venv/bin/handschlag demo --size large
    redis-cli -n 1 flushdb        # an empty cache (db 1 of a local Redis: use one no one else uses)
    HANDSCHLAG_CACHE_URL=redis://127.0.0.1:6379/1 .venv/bin/gunicorn handschlag.wsgi -w 4 -b 127.0.0.1:8100 &
    .venv/bin/python benchmarks/web_load.py --url http://127.0.0.1:8100 --users 20 --duration 135 --warmup 15 \
        --database hs_bench

Without HANDSCHLAG_CACHE_URL each gunicorn worker keeps its own cache (figures, counts, duplicate hints) and
computes them itself. `--database` counts the database CPU of that database's backends only (sampled every half
second); without it the whole PostgreSQL server's CPU is counted, which includes any other work on that server.
Run it three times and quote the median run; record `uptime` (the load average) with it —
other work on the machine shows in the tail latencies.

Each virtual user logs in as one of the demo users (round robin over the roles), then loops: pick a request of
its role's mix, send it, wait `--think` seconds (±50 %, uniformly), and so on. The first `--warmup` seconds are
not counted. Results go to stdout as a table and, with --json, as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests

DEMO_PASSWORD = "demo-handschlag"
SEARCH_WORDS = ["werk", "technik", "präzision", "stahl", "maschinen", "berlin", "gmbh", "hydraulik", "nord"]

# role → [(kind, path or callable of the user's state, weight)]
MIX: dict[str, list[tuple[str, str, int]]] = {
    "verkauf": [
        ("home", "/", 3),
        ("accounts list", "/accounts/?owner=me", 3),
        ("accounts search", "/accounts/?q={word}", 3),
        ("accounts sorted", "/accounts/?sort=-revenue", 1),
        ("account detail", "/accounts/{account}/", 3),
        ("complaints list", "/complaints/?queue=watching", 2),
        ("opportunities list", "/coselling/opportunities/", 2),
        ("api accounts", "/api/v1/accounts?q={word}", 2),
        ("concessions list", "/concessions/", 2),
        ("concession detail", "/concessions/{concession}/", 1),
        ("api concessions", "/api/v1/concessions", 1),
        ("api opportunities", "/api/v1/opportunities", 1),
    ],
    "leitung": [
        ("home", "/", 3),
        ("insights", "/insights/", 2),
        ("complaint figures", "/complaints/figures/", 2),
        ("complaints list", "/complaints/", 2),
        ("complaint detail", "/complaints/{complaint}/", 2),
        ("accounts list", "/accounts/", 2),
        ("partner list", "/partners/", 1),
        ("api complaints", "/api/v1/complaints", 1),
        ("concession approvals", "/concessions/approvals/", 1),
        ("concession figures", "/concessions/figures/", 1),
        ("concessions list", "/concessions/", 1),
        ("shared goals", "/insights/goals/", 1),
        ("insights module", "/insights/concessions/", 1),
        ("api goals", "/api/v1/goals", 1),
    ],
    "produktion": [
        ("home", "/", 3),
        ("complaints list", "/complaints/?queue=mine", 4),
        ("complaint detail", "/complaints/{complaint}/", 3),
        ("api complaints", "/api/v1/complaints?queue=mine", 1),
    ],
    "partner": [
        ("home", "/", 2),
        ("partner list", "/partners/", 3),
        ("accounts search", "/accounts/?q={word}", 2),
        ("leads", "/coselling/leads/", 2),
        ("registrations", "/coselling/registrations/", 1),
        ("api partners", "/api/v1/partners", 1),
    ],
    # the partner user of the strategic alliance: the portal
    "nordlicht": [
        ("portal home", "/portal/", 3),
        ("portal leads", "/portal/leads/", 2),
        ("portal registrations", "/portal/registrations/", 1),
        ("portal opportunities", "/portal/opportunities/", 1),
    ],
    "marketing": [
        ("home", "/", 3),
        ("accounts list", "/accounts/?status=customer", 2),
        ("alignment", "/alignment/figures/", 2),
        ("materials", "/alignment/materials/", 1),
    ],
    "admin": [
        ("home", "/", 2),
        ("audit log", "/audit/", 2),
        ("users", "/settings/users/", 1),
    ],
}


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, ok: bool) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            if not ok:
                self.errors[kind] += 1


def _login(base: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    response = session.post(
        f"{base}/login/",
        data={
            "username": username,
            "password": DEMO_PASSWORD,
            "csrfmiddlewaretoken": token.group(1) if token else "",
        },
        headers={"Referer": f"{base}/login/"},
        timeout=30,
        allow_redirects=False,
    )
    if response.status_code != 302:
        raise SystemExit(f"login as {username} failed ({response.status_code}); is the demo loaded?")
    return session


def _ids(session: requests.Session, base: str, path: str, pattern: str) -> list[str]:
    text = session.get(f"{base}{path}", timeout=60).text
    return list(dict.fromkeys(re.findall(pattern, text)))[:50] or ["1"]


def _proc_cpu_seconds(names: tuple[str, ...]) -> float:
    """User + system CPU seconds of every process whose command line contains all of `names` (the gunicorn
    serving this port; PostgreSQL), with those of their children that have ended."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if not all(name in command for name in names):
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            # utime + stime, and cutime + cstime: the CPU of children that have exited and been waited for
            # (PostgreSQL's parallel workers and closed backends under the postmaster; restarted gunicorn
            # workers under their master)
            total += sum(int(value) for value in fields[11:15]) / ticks
        except (OSError, IndexError, ValueError):
            continue
    return total


class DatabaseBackends:
    """The CPU of the PostgreSQL backends serving one database (and their parallel workers), sampled every half
    second so that backends that end during the window (connections closed after CONN_MAX_AGE) keep what they
    used: on a database server that other work shares, the whole server's CPU says little about this load."""

    def __init__(self, database: str) -> None:
        self.marker = f" {database} "
        self.seen: dict[int, float] = {}  # pid → CPU seconds at the last sample
        self.started: dict[int, float] = {}  # pid → CPU seconds when first seen in the window
        self.lock = threading.Lock()

    def sample(self) -> None:
        ticks = os.sysconf("SC_CLK_TCK")
        ours: set[str] = set()
        rows: list[tuple[int, str, float]] = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                if not command.startswith("postgres:"):
                    continue
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                rows.append((int(entry.name), command, sum(int(value) for value in fields[11:13]) / ticks))
            except (OSError, IndexError, ValueError):
                continue
        for pid, command, _cpu in rows:
            if self.marker in command:
                ours.add(str(pid))
        with self.lock:
            for pid, command, cpu in rows:
                leader = command.rsplit("parallel worker for PID ", 1)
                if self.marker in command or (len(leader) == 2 and leader[1].strip() in ours):
                    self.started.setdefault(pid, cpu)
                    self.seen[pid] = cpu

    def seconds(self) -> float:
        with self.lock:
            return sum(self.seen[pid] - self.started[pid] for pid in self.seen)


def _sample_until(backends: DatabaseBackends, stop: float) -> None:
    while time.monotonic() < stop:
        backends.sample()
        time.sleep(0.5)


@dataclass
class VirtualUser:
    username: str
    session: requests.Session
    accounts: list[str]
    complaints: list[str]
    concessions: list[str]


def _prepare(base: str, username: str) -> VirtualUser:
    """Log in and collect ids to open (before the clock starts: a login hashes a password on purpose)."""
    session = _login(base, username)
    accounts = _ids(session, base, "/accounts/", r'href="/accounts/(\d+)/"')
    complaints = _ids(session, base, "/complaints/", r'href="/complaints/(\d+)/"')
    concessions = _ids(session, base, "/concessions/", r'href="/concessions/(\d+)/"')
    return VirtualUser(username, session, accounts, complaints, concessions)


def _user_loop(
    base: str, user: VirtualUser, stop: float, warm_until: float, think: float, results: Results, seed: int
) -> None:
    rng = random.Random(seed)
    time.sleep(think * rng.uniform(0, 1))  # users do not all start in the same instant
    mix = MIX[user.username]
    kinds = [item for item in mix for _ in range(item[2])]
    while time.monotonic() < stop:
        kind, template, _weight = rng.choice(kinds)
        path = template.format(
            word=rng.choice(SEARCH_WORDS),
            account=rng.choice(user.accounts),
            complaint=rng.choice(user.complaints),
            concession=rng.choice(user.concessions),
        )
        started = time.monotonic()
        try:
            response = user.session.get(f"{base}{path}", timeout=60)
            ok = response.status_code < 400
        except requests.RequestException:
            ok = False
        elapsed = time.monotonic() - started
        if started >= warm_until and started < stop:
            results.add(kind, elapsed, ok)
        time.sleep(think * rng.uniform(0.5, 1.5))


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="http://127.0.0.1:8100")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=120, help="seconds, warm-up included")
    parser.add_argument("--warmup", type=float, default=15)
    parser.add_argument("--think", type=float, default=1.0, help="seconds between a user's requests (mean)")
    parser.add_argument("--json", type=Path, help="write the figures to this file too")
    parser.add_argument(
        "--database",
        help="count the database CPU of this database's backends only (sampled; e.g. hs_bench), not the whole "
        "PostgreSQL server's — use it when other work uses the same server",
    )
    arguments = parser.parse_args()

    base = arguments.url.rstrip("/")
    roles = list(MIX)
    results = Results()
    # log every user in first, four at a time (logins are not part of the mix and not measured)
    users: list[VirtualUser] = []
    for first in range(0, arguments.users, 4):
        batch = [roles[index % len(roles)] for index in range(first, min(first + 4, arguments.users))]
        prepared: list[VirtualUser | None] = [None] * len(batch)

        def prepare(slot: int, username: str, into: list[VirtualUser | None] = prepared) -> None:
            into[slot] = _prepare(base, username)

        logins = [threading.Thread(target=prepare, args=(slot, name)) for slot, name in enumerate(batch)]
        for thread in logins:
            thread.start()
        for thread in logins:
            thread.join()
        if any(user is None for user in prepared):
            raise SystemExit("a login failed; is the demo loaded and the server up?")
        users.extend(user for user in prepared if user is not None)
    start = time.monotonic()
    stop = start + arguments.duration
    warm_until = start + arguments.warmup
    threads = [
        threading.Thread(
            target=_user_loop,
            args=(base, user, stop, warm_until, arguments.think, results, index),
            daemon=True,
        )
        for index, user in enumerate(users)
    ]
    for thread in threads:
        thread.start()
    # CPU and load average over the counted window only (after the warm-up)
    time.sleep(max(0.0, warm_until - time.monotonic()))
    load_before = os.getloadavg()
    app_processes = ("gunicorn", urlsplit(base).netloc)
    # the whole PostgreSQL server (every process named postgres, the postmaster with its exited children):
    # run it on a machine where no other database work happens at the same time
    db_processes = (("postgres:",), ("bin/postgres",))
    app_cpu_before = _proc_cpu_seconds(app_processes)
    if app_cpu_before == 0:  # bound to another address than the one asked: every gunicorn on the machine
        app_processes = ("gunicorn",)
        app_cpu_before = _proc_cpu_seconds(app_processes)
    db_cpu_before = sum(_proc_cpu_seconds(names) for names in db_processes)
    backends = DatabaseBackends(arguments.database) if arguments.database else None
    if backends is not None:
        threading.Thread(target=_sample_until, args=(backends, stop), daemon=True).start()
    time.sleep(max(0.0, stop - time.monotonic()))
    app_cpu = _proc_cpu_seconds(app_processes) - app_cpu_before
    db_cpu = sum(_proc_cpu_seconds(names) for names in db_processes) - db_cpu_before
    if backends is not None:
        backends.sample()
        db_cpu = backends.seconds()
    load_after = os.getloadavg()
    for thread in threads:
        thread.join()

    every = [value for values in results.latencies.values() for value in values]
    requests_total = len(every)
    # CPU counts over the counted window: requests started in it (the few still running at its end are
    # counted too, and those running at its start are not, which evens out)
    sent = requests_total
    summary = {
        "users": arguments.users,
        "think_seconds": arguments.think,
        "duration_seconds": arguments.duration,
        "requests": requests_total,
        "errors": sum(results.errors.values()),
        "p50_ms": round(1000 * statistics.median(every), 1) if every else None,
        "p95_ms": round(1000 * _percentile(every, 0.95), 1) if every else None,
        "p99_ms": round(1000 * _percentile(every, 0.99), 1) if every else None,
        "app_cpu_ms_per_request": round(1000 * app_cpu / sent, 1) if sent else None,
        "db_cpu_ms_per_request": round(1000 * db_cpu / sent, 1) if sent else None,
        "db_cpu_counted": f"backends of {arguments.database}" if arguments.database else "whole server",
        "load_average_before": [round(value, 2) for value in load_before],
        "load_average_after": [round(value, 2) for value in load_after],
        "kinds": {
            kind: {
                "n": len(values),
                "errors": results.errors.get(kind, 0),
                "p50_ms": round(1000 * statistics.median(values), 1),
                "p95_ms": round(1000 * _percentile(values, 0.95), 1),
            }
            for kind, values in sorted(results.latencies.items())
        },
    }
    print(f"{'request':24} {'n':>6} {'err':>4} {'p50 ms':>8} {'p95 ms':>8}")
    for kind, figures in summary["kinds"].items():  # type: ignore[union-attr]
        print(
            f"{kind:24} {figures['n']:>6} {figures['errors']:>4} {figures['p50_ms']:>8} {figures['p95_ms']:>8}"
        )
    print(
        f"all: n={requests_total} errors={summary['errors']} p50={summary['p50_ms']} ms p95={summary['p95_ms']} ms "
        f"p99={summary['p99_ms']} ms; CPU per request: app {summary['app_cpu_ms_per_request']} ms, "
        f"database {summary['db_cpu_ms_per_request']} ms; load {summary['load_average_before']} → "
        f"{summary['load_average_after']}"
    )
    if arguments.json:
        arguments.json.write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
