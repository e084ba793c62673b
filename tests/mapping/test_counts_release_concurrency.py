"""Two runs of one agreement finishing at the same moment: only one shows its counts (docs/adr/0305).

Runs on PostgreSQL (real row locks); skipped on SQLite, which serialises writers anyway.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from handschlag.mapping.models import MappingSettings
from handschlag.mapping.services import _release_counts
from tests.alliances.factories import AgreementFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_runs_finishing_at_once_release_the_counts_once(postgres_only: None) -> None:
    agreement = AgreementFactory()
    start = threading.Barrier(2, timeout=10)
    results: list[Any] = []

    def finish() -> None:
        try:
            start.wait()
            with transaction.atomic():
                results.append(_release_counts(agreement=agreement, finished_at=timezone.now()))
        except Exception as error:
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=finish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(released for released, _k in results) == [False, True]
    assert MappingSettings.objects.filter(agreement=agreement).count() == 1
