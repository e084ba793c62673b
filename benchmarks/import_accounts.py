"""Benchmark: import 100,000 accounts from a German CRM export (`;`, Windows-1252, decimal commas, dates).

    .venv/bin/python benchmarks/import_accounts.py [--rows 100000] [--repeat 3] [--database-url URL]

Each repetition runs, on a fresh database and the same file:
  1. `handschlag import accounts FILE` (everything: decoding, header mapping, per-row validation,
     de-duplication, one transaction),
  2. the same import again (every row is now an update by CRM id: the re-import path),
  3. a peer: csv.reader + `Account.objects.bulk_create` of the raw rows, no validation at all — the floor
     any importer on this database stands on.
It prints medians and the ratio import ÷ peer, measured in the same run on the same machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from random import Random


def write_export(path: Path, rows: int) -> None:
    rng = Random(7)
    cities = [
        ("01067", "Dresden"),
        ("70173", "Stuttgart"),
        ("80331", "München"),
        ("50667", "Köln"),
        ("20095", "Hamburg"),
        ("90402", "Nürnberg"),
        ("04103", "Leipzig"),
        ("68159", "Mannheim"),
    ]
    trades = ["Präzisionstechnik", "Maschinenbau", "Hydraulik", "Gießerei", "Stahlbau", "Fördertechnik"]
    lines = [
        "Kundennummer;Firma;Straße;PLZ;Ort;Land;Website;Branche;Mitarbeiter;Jahresumsatz;Status;Kunde seit"
    ]
    for index in range(rows):
        postal_code, city = cities[index % len(cities)]
        name = f"{rng.choice(trades)} Nummer {index} GmbH"
        revenue = f"{rng.randint(100_000, 90_000_000):,}".replace(",", ".") + f",{rng.randint(0, 99):02d}"
        status = rng.choice(["Kunde", "Interessent", "ehemaliger Kunde"])
        since = f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.20{rng.randint(10, 25)}"
        lines.append(
            f"K-{index:07d};{name};Industriestraße {index % 200 + 1};{postal_code};{city};Deutschland;"
            f"www.firma-{index}.de;Maschinenbau;{rng.randint(10, 5000)};{revenue};{status};{since}"
        )
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file per repetition")
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="handschlag-bench-"))
    os.environ["HANDSCHLAG_VAR_DIR"] = str(work)
    if options.database_url:
        os.environ["DATABASE_URL"] = options.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "handschlag.settings"
    import django

    import handschlag

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from handschlag.accounts.models import Account, ImportRun
    from handschlag.core.demo import build_organisation
    from handschlag.core.passwords import demo_passwords_allowed

    export = work / "export.csv"
    write_export(export, options.rows)
    print(f"file: {export.stat().st_size / 1e6:.1f} MB, {options.rows:,} rows; database: {connection.vendor}")
    call_command("migrate", verbosity=0)
    with demo_passwords_allowed():  # the demo's published login, as `handschlag demo` makes it
        build_organisation(size="small")

    import csv

    def peer() -> float:
        started = time.perf_counter()
        with export.open(encoding="cp1252", newline="") as handle:
            reader = csv.reader(handle, delimiter=";")
            next(reader)
            accounts = [
                Account(
                    external_id=row[0],
                    name=row[1],
                    street=row[2],
                    postal_code=row[3],
                    city=row[4],
                    domain=row[6],
                )
                for row in reader
            ]
        Account.objects.bulk_create(accounts, batch_size=2000)
        return time.perf_counter() - started

    def handschlag_import() -> float:
        started = time.perf_counter()
        with open(os.devnull, "w") as quiet:
            call_command("import", "accounts", str(export), "--user", "admin", stdout=quiet, stderr=quiet)
        return time.perf_counter() - started

    first, again, floor = [], [], []
    load_before = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    for repetition in range(options.repeat):
        Account.objects.all().delete()
        ImportRun.objects.all().delete()
        first.append(handschlag_import())
        assert Account.objects.count() == options.rows, Account.objects.count()
        again.append(handschlag_import())
        assert Account.objects.count() == options.rows
        Account.objects.all().delete()
        floor.append(peer())
        print(
            f"run {repetition + 1}: import {first[-1]:.2f} s, re-import {again[-1]:.2f} s, peer {floor[-1]:.2f} s",
            flush=True,
        )
    median_first, median_again, median_floor = (statistics.median(values) for values in (first, again, floor))
    print(
        f"machine: {platform.node()} {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {connection.vendor}; code from {Path(handschlag.__file__).parent}; "
        f"load average before {load_before}, after " + "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    )
    print(
        f"median of {options.repeat}: import {median_first:.2f} s, re-import {median_again:.2f} s, "
        f"peer (bulk_create without checks) {median_floor:.2f} s; import/peer = {median_first / median_floor:.1f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
