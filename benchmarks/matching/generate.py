"""Generate benchmark inputs: left.csv, right.csv and truth.csv per size, ~30 % overlap, hard negatives.

    python benchmarks/matching/generate.py 10000 100000 1000000

Files go to benchmarks/matching/data/<size>/ (ignored by git); existing files are kept.
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

from handschlag.matching.records import COMPANY_FIELDS
from handschlag.sample_data.synthetic_companies import generate_corpus, records_as_rows

DATA = Path(__file__).resolve().parent / "data"


def generate(size: int) -> Path:
    folder = DATA / str(size)
    if (folder / "truth.csv").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    corpus = generate_corpus(size, overlap=0.3, seed=size)
    for side, records in (("left", corpus.left), ("right", corpus.right)):
        with (folder / f"{side}.csv").open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file, delimiter=";")
            writer.writerow(COMPANY_FIELDS)
            writer.writerows(records_as_rows(records))
    with (folder / "truth.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(("left_id", "right_id"))
        writer.writerows(sorted(corpus.true_pairs))
    print(
        f"generated {size:,} x {size:,} in {time.perf_counter() - started:.0f} s -> {folder}", file=sys.stderr
    )
    return folder


if __name__ == "__main__":
    for argument in sys.argv[1:] or ["10000"]:
        generate(int(argument))
