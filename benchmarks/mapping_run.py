"""Benchmark: an in-app account mapping run, 100,000 of our accounts against a 100,000-record partner list.

    .venv/bin/python benchmarks/mapping_run.py [--size 100000] [--repeat 3] [--held-out] [--database-url URL]

Input: the real-name corpus (handschlag.sample_data.real_name_corpus; made under benchmarks/matching/data/ like the
engine benchmark): its left list becomes our accounts (bulk_create, not timed: the accounts import has its own
benchmark), its right list is the partner's CSV export. Timed, per repetition, "upload to finished matrix" the way
the app does it: `mapping_run_create` (checks, stores the file, queues the job), the worker's job
(`run_pending_jobs`: `mapping_run_execute` reads the list, matches, writes partner records and matches), and the
overlap matrix the run page shows (`overlap_matrix_for` + `overlap_cells_for`). Peak memory is the process's
resident high-water mark during that part (reset through /proc/self/clear_refs before each repetition).
It also reports how much of the true overlap the run found (companies and pairs, against the corpus's truth), and
beside each wall-clock time this process's CPU time (all its threads), and for the worker's job that of the
PostgreSQL backend serving it (read from /proc): on a shared machine the wall clock says how busy the cores were,
the CPU time how much work the run is.
The database is a fresh SQLite file in a temporary folder unless --database-url names one (e.g. your own PG db).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent


def peak_reset() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5", encoding="ascii")


def peak_mib() -> float:
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def backend_cpu_seconds(pid: int | None) -> float:
    """CPU time of the PostgreSQL backend that serves this process's connection (same machine), 0 without one."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--held-out", action="store_true", help="the held-out seed of the corpus")
    parser.add_argument("--data", type=Path, default=HERE / "matching" / "data")
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print the worker's 30 costliest calls (cProfile, cumulative and own time); the profile is kept",
    )
    options = parser.parse_args()

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPOSITORY, capture_output=True, text=True, check=False
    ).stdout.strip()
    work = Path(tempfile.mkdtemp(prefix="handschlag-mapping-bench-"))
    os.environ["HANDSCHLAG_VAR_DIR"] = str(work)
    os.environ["HANDSCHLAG_TASKS_EAGER"] = "0"
    if options.database_url:
        os.environ["DATABASE_URL"] = options.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "handschlag.settings"
    sys.path.insert(0, str(REPOSITORY))
    import django

    import handschlag

    django.setup()
    import csv

    from django.core.files import File
    from django.core.management import call_command
    from django.db import connection
    from tests.factories import PartnerOrganisationFactory, UserFactory
    from tests.mapping.helpers import opted_in_agreement

    import handschlag.mapping.linkage as linkage_module
    import handschlag.mapping.services as services_module
    from handschlag.accounts.enums import AccountStatus
    from handschlag.accounts.models import Account
    from handschlag.core.enums import Role
    from handschlag.core.inputs import input_build
    from handschlag.core.tasks import run_pending_jobs
    from handschlag.mapping.enums import MappingStatus
    from handschlag.mapping.inputs import MappingRunInput
    from handschlag.mapping.models import MappingMatch
    from handschlag.mapping.selectors import overlap_cells_for, overlap_matrix_for
    from handschlag.mapping.services import mapping_run_create
    from handschlag.sample_data import real_name_corpus as corpus

    spent: dict[str, float] = {}
    spent_cpu: dict[str, float] = {}  # this process's CPU time (all its threads), not the database server's

    def timed(module: object, name: str, label: str) -> None:
        original = getattr(module, name)

        def wrapper(*args: object, **kwargs: object) -> object:
            began, began_cpu = time.perf_counter(), time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - began
                spent_cpu[label] = spent_cpu.get(label, 0.0) + time.process_time() - began_cpu

        setattr(module, name, wrapper)

    timed(services_module, "read_clear_list", "read partner list")
    timed(services_module, "our_records_for_mapping", "read our accounts")
    timed(linkage_module, "match_clear", "match")

    folder = options.data / f"{'heldout' if options.held_out else 'dev'}-{options.size}"
    if not (folder / "truth.csv").exists():
        seed = corpus.HELD_OUT_SEED if options.held_out else corpus.DEVELOPMENT_SEED
        corpus.write(corpus.generate(options.size, seed=seed, names=corpus.load_real_names()), folder)
    truth = corpus.read_truth(folder / "truth.csv")

    call_command("migrate", verbosity=0)
    manager = UserFactory(role=Role.PARTNER_MANAGER, username="bench_manager")
    partner_user = UserFactory(
        role=Role.PARTNER_USER, username="bench_partner", organisation=PartnerOrganisationFactory()
    )
    agreement = opted_in_agreement(manager=manager, partner_user=partner_user)
    statuses = [AccountStatus.CUSTOMER, AccountStatus.PROSPECT, AccountStatus.FORMER_CUSTOMER]
    started = time.perf_counter()
    with (folder / "left.csv").open(encoding="utf-8", newline="") as file:
        accounts = [
            Account(
                external_id=row["id"],
                name=row["name"][:200],
                domain=row["domain"][:253],
                street=row["street"][:200],
                postal_code=row["postal_code"][:12],
                city=row["city"][:100],
                country=corpus.country_code(row["country"]) or "DE",
                vat_id=row["vat_id"][:20],
                status=statuses[index % 3],
            )
            for index, row in enumerate(csv.DictReader(file, delimiter=";"))
        ]
    Account.objects.bulk_create(accounts, batch_size=5000)
    account_ids = dict(Account.objects.values_list("pk", "external_id"))
    print(
        f"{connection.vendor}: {len(account_ids):,} accounts stored in {time.perf_counter() - started:.1f} s "
        f"(setup, not timed); partner list {(folder / 'right.csv').stat().st_size / 1e6:.1f} MB",
        flush=True,
    )
    load_before = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    backend = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
    database_cpus: list[float] = []
    totals, phases, peaks, worker_cpus = [], [], [], []
    for repetition in range(options.repeat):
        spent.clear()
        spent_cpu.clear()
        peak_reset()
        started = time.perf_counter()
        with (folder / "right.csv").open("rb") as handle:
            run = mapping_run_create(
                actor=manager,
                agreement=agreement,
                upload=File(handle, name="partner.csv"),
                data=input_build(MappingRunInput, {"skip_bad_rows": True}),
            )
        created, created_cpu, created_database_cpu = (
            time.perf_counter(),
            time.process_time(),
            backend_cpu_seconds(backend),
        )
        if options.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(run_pending_jobs, worker="benchmark")
            profiler.dump_stats(work / f"worker-{repetition + 1}.prof")
            print(f"profile of the worker: {work / f'worker-{repetition + 1}.prof'}")
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        else:
            run_pending_jobs(worker="benchmark")
        run.refresh_from_db()
        executed, worker_cpus = time.perf_counter(), [*worker_cpus, time.process_time() - created_cpu]
        database_cpus.append(backend_cpu_seconds(backend) - created_database_cpu)
        matrix = overlap_matrix_for(run, for_partner=False)
        cells = overlap_cells_for(run, for_partner=False)
        finished = time.perf_counter()
        peaks.append(peak_mib())
        if run.status != MappingStatus.DONE:
            print(f"run {repetition + 1}: {run.status}: {run.message}", file=sys.stderr)
            return 1
        totals.append(finished - started)
        phases.append((created - started, executed - created, finished - executed))
        pairs = [
            (account_ids[account_id], external_id)
            for account_id, external_id in MappingMatch.objects.filter(run=run).values_list(
                "account_id", "partner_record__external_id"
            )
        ]
        figures = corpus.evaluate(pairs, truth)
        inside = ", ".join(
            f"{label} {seconds:.2f} s (CPU {spent_cpu[label]:.2f} s)" for label, seconds in spent.items()
        )
        rest = phases[-1][1] - sum(spent.values())
        rest_cpu = worker_cpus[-1] - sum(spent_cpu.values())
        print(
            f"run {repetition + 1}: inside the worker: {inside}, the rest (clusters, writes) {rest:.2f} s "
            f"(CPU {rest_cpu:.2f} s); the worker's CPU {worker_cpus[-1]:.2f} s, its database backend's "
            f"{database_cpus[-1]:.2f} s; load now " + "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
        )
        overlap_true = figures.entities.true_positives + figures.entities.false_negatives
        print(
            f"run {repetition + 1}: {totals[-1]:.2f} s (upload {phases[-1][0]:.2f} s, worker {phases[-1][1]:.2f} s, "
            f"matrix {phases[-1][2]:.2f} s; {len(matrix)} rows, {len(cells)} cells), peak {peaks[-1]:.0f} MiB; "
            f"{run.match_count:,} overlapping companies found, {overlap_true:,} true "
            f"({run.match_count / overlap_true:.3f}x); pairs P {figures.pairs.precision:.4f} "
            f"R {figures.pairs.recall:.4f} F1 {figures.pairs.f1:.4f} ({run.pair_count:,} pairs, "
            f"{figures.true_pairs:,} true); partner records kept {run.partner_count:,} of {options.size:,}"
            f"{f' ({len(run.row_errors):,} row errors, e.g. {run.row_errors[0]})' if run.row_errors else ''}",
            flush=True,
        )
    print(
        f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, Python "
        f"{platform.python_version()}, {connection.vendor}; commit {commit} (code from "
        f"{Path(handschlag.__file__).parent}); load before {load_before}, after "
        "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    )
    print(
        f"median of {options.repeat}: upload to finished matrix {statistics.median(totals):.2f} s "
        f"(upload {statistics.median(p[0] for p in phases):.2f} s, worker {statistics.median(p[1] for p in phases):.2f} s, "
        f"matrix {statistics.median(p[2] for p in phases):.2f} s); worker CPU {statistics.median(worker_cpus):.2f} s, "
        f"its database backend's {statistics.median(database_cpus):.2f} s; peak {max(peaks):.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
