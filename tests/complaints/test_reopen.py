"""complaint_reopen: who may reopen, from which state, what happens to the clocks, the audit log and who is told."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from handschlag.complaints.enums import ComplaintStatus, EightDStep
from handschlag.complaints.inputs import StepPatch
from handschlag.complaints.models import Complaint, Escalation
from handschlag.complaints.services.cases import complaint_create
from handschlag.complaints.services.escalation import complaint_escalations_run_as_system
from handschlag.complaints.services.lifecycle import (
    complaint_acknowledge,
    complaint_close,
    complaint_pause,
    complaint_reopen,
)
from handschlag.complaints.services.steps import complaint_step_update
from handschlag.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from handschlag.core.models import AuditEvent, Notification
from tests.complaints.conftest import berlin, complaint_input

pytestmark = pytest.mark.django_db

MONDAY_8 = berlin(2026, 3, 2, 8)


def closed_case(org, *, at=MONDAY_8, **overrides) -> Complaint:
    case = complaint_create(actor=org.seller, data=complaint_input(org.account, **overrides), now=at)
    complaint_acknowledge(actor=org.owner, complaint=case, now=at + dt.timedelta(hours=1))
    complaint_step_update(
        actor=org.owner,
        complaint=case,
        step=EightDStep.D3,
        patch=StepPatch(done=True),
        now=at + dt.timedelta(hours=2),
    )
    complaint_close(
        actor=org.owner, complaint=case, summary="Ersatz geliefert", now=at + dt.timedelta(hours=3)
    )
    case.refresh_from_db()
    return case


def reopen(case, actor, reason="Der Kunde meldet neue Risse"):
    with time_machine.travel(berlin(2026, 3, 3, 10), tick=False):
        return complaint_reopen(actor=actor, complaint=Complaint.objects.get(pk=case.pk), reason=reason)


class TestWhoMayReopen:
    @pytest.mark.parametrize("who", ["owner", "head", "management"])
    def test_the_owners_side_may(self, org, who):
        case = closed_case(org)

        reopened = reopen(case, getattr(org, who))

        assert reopened.status == ComplaintStatus.IN_PROGRESS

    def test_the_seller_and_reporter_sees_the_case_but_may_not(self, org):
        case = closed_case(org)
        events = AuditEvent.objects.count()

        with pytest.raises(Forbidden):
            reopen(case, org.seller)

        assert Complaint.objects.get(pk=case.pk).status == ComplaintStatus.CLOSED
        assert AuditEvent.objects.count() == events

    @pytest.mark.parametrize("who", ["quality_head", "other_seller"])
    def test_strangers_to_the_case_may_not_know_it(self, org, who):
        case = closed_case(org)

        with pytest.raises(NotFound):
            reopen(case, getattr(org, who))

        assert Complaint.objects.get(pk=case.pk).reopen_count == 0


class TestFromWhichState:
    def test_an_open_case_is_a_conflict(self, org):
        case = complaint_create(actor=org.seller, data=complaint_input(org.account))

        with pytest.raises(Conflict) as error:
            reopen(case, org.owner)

        assert error.value.code == "open"
        assert not AuditEvent.objects.filter(action="complaint.reopen").exists()

    def test_a_paused_case_is_open_too(self, org):
        case = complaint_create(actor=org.seller, data=complaint_input(org.account))
        complaint_pause(actor=org.owner, complaint=case, reason="Muster")

        with pytest.raises(Conflict):
            reopen(case, org.owner)

    def test_twice_counts_twice(self, org):
        case = closed_case(org)
        reopen(case, org.owner)
        complaint_close(actor=org.owner, complaint=Complaint.objects.get(pk=case.pk), summary="Wieder gelöst")

        assert reopen(case, org.owner).reopen_count == 2


class TestReason:
    @pytest.mark.parametrize(
        ("reason", "message"),
        [
            ("", "Say why the case is reopened."),
            ("   ", "Say why the case is reopened."),
            ("x" * 501, "At most 500 characters."),
            ("Risse\x00", "The text contains a NUL character."),
        ],
    )
    def test_a_reason_is_required_and_clean(self, org, reason, message, settings):
        settings.LANGUAGE_CODE = "en"
        case = closed_case(org)

        with pytest.raises(InvalidInput) as error:
            reopen(case, org.owner, reason=reason)

        assert error.value.fields == {"reason": [message]}
        assert Complaint.objects.get(pk=case.pk).status == ComplaintStatus.CLOSED


class TestClocks:
    def test_the_resolution_clock_runs_again_and_the_others_stay_met(self, org):
        case = closed_case(org)

        reopened = reopen(case, org.owner)

        assert reopened.closed_at is None
        assert reopened.resolution_seconds is None
        assert reopened.resolution_due == case.resolution_due  # the stored deadline, not a new one
        assert reopened.first_response_at == case.first_response_at
        assert reopened.first_response_seconds == case.first_response_seconds
        assert reopened.contained_at == case.contained_at
        assert reopened.resolution_summary == case.resolution_summary
        assert reopened.reopen_count == 1

    def test_paused_time_is_kept_and_the_case_is_not_paused_again(self, org):
        case = complaint_create(actor=org.seller, data=complaint_input(org.account), now=MONDAY_8)
        complaint_pause(actor=org.owner, complaint=case, reason="Muster", now=berlin(2026, 3, 2, 9))
        complaint_close(actor=org.owner, complaint=case, summary="Gelöst", now=berlin(2026, 3, 2, 11))
        case.refresh_from_db()
        assert case.paused_seconds == 2 * 3600

        reopened = reopen(case, org.owner)

        assert reopened.paused_seconds == 2 * 3600
        assert reopened.paused_since is None
        assert not reopened.is_paused

    def test_closing_again_measures_the_resolution_again(self, org):
        case = closed_case(org)
        reopen(case, org.owner)

        closed = complaint_close(
            actor=org.owner,
            complaint=Complaint.objects.get(pk=case.pk),
            summary="Endgültig gelöst",
            now=berlin(2026, 3, 3, 12),
        )

        assert closed.resolution_seconds > case.resolution_seconds

    def test_rungs_fired_before_stay_and_do_not_fire_twice(self, org):
        case = complaint_create(
            actor=org.seller, data=complaint_input(org.account, severity="critical"), now=MONDAY_8
        )
        complaint_escalations_run_as_system(now=berlin(2026, 3, 2, 12))
        fired = set(Escalation.objects.filter(complaint=case).values_list("clock", "level"))
        assert fired
        complaint_close(actor=org.owner, complaint=case, summary="Gelöst", now=berlin(2026, 3, 2, 13))

        reopen(case, org.owner)
        complaint_escalations_run_as_system(now=berlin(2026, 3, 2, 12))

        assert set(Escalation.objects.filter(complaint=case).values_list("clock", "level")) == fired


class TestAuditAndNotification:
    def test_the_reason_is_in_the_audit_log(self, org):
        case = closed_case(org)

        reopen(case, org.owner, reason="  Der Kunde meldet neue Risse  ")

        event = AuditEvent.objects.get(action="complaint.reopen")
        assert event.actor == org.owner
        assert event.target_id == str(case.pk)
        assert event.changes == {"reason": "Der Kunde meldet neue Risse"}

    def test_watchers_and_the_owner_are_told_but_not_the_one_who_reopens(self, org):
        case = closed_case(org)
        Notification.objects.all().delete()

        reopen(case, org.management)

        told = set(Notification.objects.values_list("user__username", flat=True))
        assert told == {org.seller.username, org.owner.username}
        assert Notification.objects.get(user=org.seller).url == f"/complaints/{case.pk}/"

    def test_the_owner_reopening_does_not_tell_himself(self, org):
        case = closed_case(org)
        Notification.objects.all().delete()

        reopen(case, org.owner)

        assert list(Notification.objects.values_list("user__username", flat=True)) == [org.seller.username]
