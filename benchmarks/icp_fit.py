"""Benchmark: the ICP fit score of 100,000 accounts, computed in bulk (issue 14, deliverable 4).

    .venv/bin/python benchmarks/icp_fit.py [--accounts 100000] [--repeat 5] [--database-url URL]

Two measurements, each the median of the repetitions:
  1. scoring only: `alignment.icp.fits_of` over 100k rows already in memory (industry, employees, revenue, country,
     postal code) against a profile with four weighted criteria;
  2. end to end: `alignment.selectors.icp_fit_for_accounts` for a management user on a database holding the
     accounts — the one query through the accounts selector plus the scoring, as the ICP page, the API
     (/api/v1/icp/fit) and the band counts run it. Without --database-url a fresh SQLite file in a temporary
     directory is migrated and filled (bulk_create) before the timing.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from random import Random

INDUSTRIES = [
    "Maschinenbau",
    "Automobilzulieferer",
    "Elektrotechnik",
    "Metallverarbeitung",
    "Kunststoff",
    "Lebensmittel",
    "Einzelhandel",
    "Logistik",
    "Chemie",
    "",
]
COUNTRIES = ["DE"] * 8 + ["AT", "CH", "FR", "PL"]


def rows(count: int) -> list[tuple[int, str, int | None, Decimal | None, str, str]]:
    rng = Random(14)
    result = []
    for number in range(1, count + 1):
        employees = rng.choice([None, 5, 25, 80, 150, 400, 900, 3000, 12000])
        revenue = None if employees is None else Decimal(employees * rng.randint(90, 350) * 1000)
        result.append(
            (
                number,
                rng.choice(INDUSTRIES),
                employees,
                revenue,
                rng.choice(COUNTRIES),
                f"{rng.randint(1067, 99998):05d}",
            )
        )
    return result


def criteria() -> list:
    from handschlag.alignment.icp import Criterion

    return [
        Criterion(
            "industry", 4, ("maschinenbau", "automobilzulieferer", "elektrotechnik", "metallverarbeitung")
        ),
        Criterion("employees", 3, minimum=100, maximum=5000),
        Criterion("revenue", 2, minimum=10_000_000),
        Criterion("region", 1, ("de-7", "de-8", "at", "ch")),
    ]


def timed(function, repeat: int) -> tuple[float, float, object]:
    """Median wall time and median CPU time of this process (the machine may be shared: CPU time is the steadier)."""
    walls, cpus = [], []
    result = None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = function()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - start_cpu)
    return statistics.median(walls), statistics.median(cpus), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default="")
    arguments = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    workdir = tempfile.mkdtemp(prefix="icp-bench-")
    os.environ["DATABASE_URL"] = arguments.database_url or f"sqlite:///{workdir}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "handschlag.settings")
    os.environ.setdefault("HANDSCHLAG_VAR_DIR", workdir)
    import django

    django.setup()
    from django.core.management import call_command

    from handschlag.alignment import icp

    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"load average before: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    data = rows(arguments.accounts)
    profile = criteria()
    seconds, cpu, fits = timed(lambda: dict(icp.fits_of(data, profile)), arguments.repeat)
    bands = dict.fromkeys("ABCD", 0)
    for fit in fits.values():  # type: ignore[union-attr]
        bands[fit.band] += 1
    print(
        f"scoring only: {arguments.accounts:,} accounts, median {seconds:.3f} s wall, {cpu:.3f} s CPU of {arguments.repeat} "
        f"({1e6 * seconds / arguments.accounts:.1f} µs per account); bands {bands}"
    )

    from django.db import connection

    call_command("migrate", verbosity=0)
    from handschlag.accounts.models import Account
    from handschlag.alignment.enums import IcpCriterionKind
    from handschlag.alignment.models import IcpCriterion, IcpVersion
    from handschlag.alignment.selectors import icp_fit_for_accounts
    from handschlag.core.enums import Role
    from handschlag.core.models import User
    from handschlag.core.services import organisation_home_ensure

    home = organisation_home_ensure(name="Benchmark GmbH", state="BW")
    user, _created = User.objects.get_or_create(
        username="bench-management", defaults={"role": Role.MANAGEMENT, "organisation": home}
    )
    if Account.objects.count() < arguments.accounts:
        Account.objects.all().delete()
        Account.objects.bulk_create(
            [
                Account(
                    name=f"Firma {number}",
                    industry=industry,
                    employees=employees,
                    annual_revenue=revenue,
                    country=country,
                    postal_code=postal,
                    status="customer",
                )
                for number, industry, employees, revenue, country, postal in data
            ],
            batch_size=5000,
        )
    IcpVersion.objects.all().delete()
    version = IcpVersion.objects.create(number=1, valid_from="2020-01-01")
    IcpCriterion.objects.bulk_create(
        [
            IcpCriterion(
                version=version,
                kind=IcpCriterionKind.INDUSTRY,
                weight=4,
                values="Maschinenbau, Automobilzulieferer, Elektrotechnik, Metallverarbeitung",
            ),
            IcpCriterion(
                version=version, kind=IcpCriterionKind.EMPLOYEES, weight=3, minimum=100, maximum=5000
            ),
            IcpCriterion(version=version, kind=IcpCriterionKind.REVENUE, weight=2, minimum=10_000_000),
            IcpCriterion(
                version=version, kind=IcpCriterionKind.REGION, weight=1, values="DE-7, DE-8, AT, CH"
            ),
        ]
    )
    seconds, cpu, fits = timed(lambda: icp_fit_for_accounts(user=user), arguments.repeat)
    print(
        f"end to end ({connection.vendor}): {len(fits):,} accounts, median {seconds:.3f} s wall, {cpu:.3f} s CPU "  # type: ignore[arg-type]
        f"of {arguments.repeat} (query through the accounts selector + scoring)"
    )


if __name__ == "__main__":
    main()
