"""Shared fixtures of the matching engine tests: a generated, labelled corpus (no database needed)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Protocol

import pytest

from handschlag.matching.records import COMPANY_FIELDS, CompanyRecord
from handschlag.sample_data.synthetic_companies import LabelledCorpus, generate_corpus, records_as_rows

CORPUS_SIZE = 4000


@pytest.fixture(scope="session")
def corpus() -> LabelledCorpus:
    return generate_corpus(CORPUS_SIZE, seed=7)


class CompanyCsvWriter(Protocol):
    def __call__(
        self, path: Path, records: list[CompanyRecord], *, delimiter: str = ";", encoding: str = "utf-8"
    ) -> Path: ...


def _write_company_csv(
    path: Path, records: list[CompanyRecord], *, delimiter: str = ";", encoding: str = "utf-8"
) -> Path:
    with path.open("w", newline="", encoding=encoding) as file:
        writer = csv.writer(file, delimiter=delimiter)
        writer.writerow(COMPANY_FIELDS)
        writer.writerows(records_as_rows(records))
    return path


@pytest.fixture
def write_company_csv() -> CompanyCsvWriter:
    """Writes records as a company CSV file (header ``COMPANY_FIELDS``)."""
    return _write_company_csv
