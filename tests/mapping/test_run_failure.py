"""A mapping run whose job fails for the last time ends failed with the reason and can be deleted (issue 9: an
encoded file with empty ids once crashed the run after 80 % and left it there, undeletable)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from handschlag.core import tasks
from handschlag.core.enums import JobStatus, Role
from handschlag.core.models import AuditEvent, Job
from handschlag.mapping import linkage
from handschlag.mapping.enums import MappingStatus
from handschlag.mapping.models import MappingMatch, MappingRun, PartnerRecord
from handschlag.mapping.services import mapping_run_delete
from handschlag.matching import MatchPair
from tests.mapping.helpers import opted_in_agreement, our_accounts, run_mapping

pytestmark = pytest.mark.django_db


@pytest.fixture
def matcher_returns_empty_ids(monkeypatch):
    """Pairs with an empty id on our side make the run crash after 80 %, as empty ids in an encoded file did."""
    monkeypatch.setattr(
        linkage, "match_clear", lambda ours, theirs: [MatchPair(left_id="", right_id="P-1", score=1.0)]
    )


def run_every_attempt() -> None:
    for _attempt in range(5):
        Job.objects.filter(status=JobStatus.QUEUED).update(run_after=timezone.now())  # skip the back-off
        tasks.run_pending_jobs()


def test_a_run_that_crashes_after_80_percent_ends_failed_and_can_be_deleted(
    make_user: Any, django_capture_on_commit_callbacks: Any, matcher_returns_empty_ids: None
) -> None:
    manager = make_user(Role.PARTNER_MANAGER)
    our_accounts()
    agreement = opted_in_agreement(manager=manager)

    run = run_mapping(django_capture_on_commit_callbacks, actor=manager, agreement=agreement)
    assert (run.status, run.progress_percent) == (MappingStatus.MATCHING, 80)  # the first attempt crashed
    run_every_attempt()

    run.refresh_from_db()
    assert (run.status, run.progress_percent) == (MappingStatus.FAILED, 100)
    assert run.message == (
        "The run stopped with an error (ValueError) and has no result. Delete it and start a new run."
    )
    assert (PartnerRecord.objects.count(), MappingMatch.objects.count()) == (0, 0)
    assert Job.objects.get().status == JobStatus.FAILED
    assert AuditEvent.objects.filter(action="mapping_run.fail", target_id=str(run.pk)).count() == 1

    mapping_run_delete(actor=manager, run=run)

    assert not MappingRun.objects.filter(pk=run.pk).exists()
