"""Two workers escalate the same overdue cases at the same moment: every rung fires exactly once.

Runs on PostgreSQL (real row-level concurrency); skipped on SQLite, which serialises writers anyway.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from handschlag.complaints.models import Escalation
from handschlag.complaints.services.cases import complaint_create
from handschlag.complaints.services.escalation import EscalationRun, complaint_escalations_run_as_system
from handschlag.core.models import Notification
from tests.complaints.conftest import berlin, complaint_input

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_workers_at_once_fire_each_rung_once(postgres_only, org):
    cases = [
        complaint_create(
            actor=org.seller,
            data=complaint_input(org.account, severity="critical"),
            now=berlin(2026, 3, 2, 8),
        )
        for _ in range(5)
    ]
    Notification.objects.all().delete()
    now = berlin(2026, 3, 2, 14)  # first response: all three rungs due
    barrier = threading.Barrier(2)
    results: list[EscalationRun] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(complaint_escalations_run_as_system(now=now))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(result.fired for result in results) == 5 * 3
    assert all(result.failed == [] for result in results)
    assert Escalation.objects.count() == 5 * 3
    for case in cases:
        assert sorted(Escalation.objects.filter(complaint=case).values_list("level", flat=True)) == [1, 2, 3]
    # one notification per recipient and rung, never two
    assert Notification.objects.filter(user=org.owner).count() == 5
    assert Notification.objects.filter(user=org.head).count() == 5
    assert Notification.objects.filter(user=org.management).count() == 5
