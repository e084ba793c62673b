"""Two managers decide the same waiting concession at the same moment: exactly one decision, the other gets a 409
(`decided`), never a 500; one audit row. Runs on PostgreSQL (real row locks); skipped on SQLite."""

from __future__ import annotations

import pytest

from handschlag.concessions.enums import ApprovalStatus, Decision
from handschlag.concessions.inputs import DecisionInput
from handschlag.concessions.models import Concession
from handschlag.concessions.services import concession_decide
from handschlag.core.enums import Role
from handschlag.core.errors import Conflict
from handschlag.core.models import AuditEvent
from tests.alliances.test_concurrency import at_once
from tests.concessions.helpers import record
from tests.factories import AccountFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("second", [Decision.APPROVE, Decision.REJECT])
def test_two_managers_deciding_at_once_make_one_decision(postgres_only, make_user, second):
    seller = make_user(Role.SELLER)
    first_manager, second_manager = make_user(Role.MANAGEMENT), make_user(Role.MANAGEMENT)
    entry = record(seller, AccountFactory(owner=seller).pk, percent="8.00")
    assert entry.approval_status == ApprovalStatus.PENDING
    results, errors = at_once(
        lambda: concession_decide(
            actor=first_manager, concession=entry, data=DecisionInput(decision=Decision.APPROVE)
        ),
        lambda: concession_decide(
            actor=second_manager, concession=entry, data=DecisionInput(decision=second, reason="Zu hoch")
        ),
    )
    assert len(results) == 1
    assert [(type(error), getattr(error, "code", "")) for error in errors] == [(Conflict, "decided")]
    entry = Concession.objects.get(pk=entry.pk)
    assert entry.approval_status in {ApprovalStatus.APPROVED, ApprovalStatus.REJECTED}
    assert entry.decided_by_id == results[0].decided_by_id
    decisions = AuditEvent.objects.filter(action__in=["concession.approve", "concession.reject"])
    assert decisions.count() == 1


def test_two_small_entries_recorded_at_once_still_count_together(postgres_only, make_user):
    """Split-proof under concurrency: the account row is locked while an entry is counted, so two entries each
    within the limit but together above it cannot both pass unseen."""
    seller = make_user(Role.SELLER)
    account = AccountFactory(owner=seller)
    _results, errors = at_once(
        lambda: record(seller, account.pk, kind="free_service", percent=None, amount="1500.00"),
        lambda: record(seller, account.pk, kind="free_service", percent=None, amount="1500.00"),
    )
    assert errors == []
    statuses = sorted(Concession.objects.values_list("approval_status", flat=True))
    assert statuses == [ApprovalStatus.NOT_NEEDED, ApprovalStatus.PENDING]
