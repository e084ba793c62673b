"""The loser of two concurrent inserts gets a Conflict (409 in the API), never an IntegrityError (500).

Runs on PostgreSQL (real row-level concurrency); skipped on SQLite, which serialises writers anyway.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from handschlag.complaints.enums import ComplaintCategory
from handschlag.complaints.inputs import RoutingRuleInput
from handschlag.complaints.models import ComplaintWatcher, RoutingRule
from handschlag.complaints.services import configuration
from handschlag.complaints.services.cases import complaint_create
from handschlag.complaints.services.collaboration import complaint_watcher_add
from handschlag.core.enums import Role
from handschlag.core.errors import Conflict
from handschlag.core.models import AuditEvent
from tests.complaints.conftest import complaint_input
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def at_once(work: Callable[[], Any]) -> list[Any]:
    """Run `work` in two threads at the same moment; their results or exceptions."""
    results: list[Any] = []
    start = threading.Barrier(2)

    def run() -> None:
        start.wait()
        try:
            results.append(work())
        except Exception as error:
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_admins_create_the_same_rule_at_once(postgres_only, org, monkeypatch):
    admin = UserFactory(role=Role.ADMIN)
    checked = threading.Barrier(2, timeout=10)
    original = configuration._rule_values

    def both_checked_before_either_inserts(*args: Any, **kwargs: Any) -> Any:
        values = original(*args, **kwargs)
        checked.wait()  # both have found no clash; now both insert
        return values

    monkeypatch.setattr(configuration, "_rule_values", both_checked_before_either_inserts)
    data = RoutingRuleInput(category=ComplaintCategory.DELIVERY, department_id=org.quality.pk)

    results = at_once(lambda: configuration.routing_rule_create(actor=admin, data=data))

    assert sorted(type(result).__name__ for result in results) == ["Conflict", "RoutingRule"]
    assert RoutingRule.objects.filter(category=ComplaintCategory.DELIVERY).count() == 1
    assert AuditEvent.objects.filter(action="routing_rule.create").count() == 1


def test_two_watchers_added_at_once_are_one_watcher(postgres_only, org):
    case = complaint_create(actor=org.seller, data=complaint_input(org.account))

    results = at_once(lambda: complaint_watcher_add(actor=org.owner, complaint=case, user=org.management))

    assert len([result for result in results if isinstance(result, Conflict)]) == 1
    assert ComplaintWatcher.objects.filter(complaint=case, user=org.management).count() == 1
    assert AuditEvent.objects.filter(action="complaint.watcher_add").count() == 1
