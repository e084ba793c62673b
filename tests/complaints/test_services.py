"""Complaint services: routing, watchers, revenue at risk, repeat detection, SLA with pauses, 8D, escalation."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.core import mail

from handschlag.complaints.enums import ComplaintCategory, ComplaintStatus, EightDStep, SlaClock, ThreatScope
from handschlag.complaints.inputs import ComplaintPatch, StepPatch
from handschlag.complaints.models import Complaint, ComplaintPause, Escalation, RoutingRule
from handschlag.complaints.services import escalation
from handschlag.complaints.services.cases import complaint_create, complaint_update
from handschlag.complaints.services.collaboration import complaint_comment_add
from handschlag.complaints.services.escalation import complaint_escalations_run_as_system
from handschlag.complaints.services.lifecycle import (
    complaint_acknowledge,
    complaint_close,
    complaint_pause,
    complaint_resume,
)
from handschlag.complaints.services.routing import complaint_assign
from handschlag.complaints.services.steps import complaint_step_update
from handschlag.core.enums import Role
from handschlag.core.errors import Conflict, Forbidden, InvalidInput
from handschlag.core.models import AuditEvent, Notification
from tests.complaints.conftest import berlin, complaint_input
from tests.factories import AccountFactory, UserFactory

pytestmark = pytest.mark.django_db


def create(org, *, actor=None, account=None, at=None, **overrides):
    return complaint_create(
        actor=actor or org.seller,
        data=complaint_input(account or org.account, **overrides),
        now=at,
    )


class TestRouting:
    def test_rule_routes_to_its_process_owner_and_the_seller_watches(self, org):
        complaint = create(org)

        assert complaint.owner == org.owner
        assert complaint.department == org.production
        assert complaint.routing_rule == org.rule
        assert complaint.in_triage is False
        assert list(complaint.watchers.values_list("user__username", "reason")) == [("verkauf", "seller")]
        assert complaint.steps.count() == 8
        assert Notification.objects.filter(user=org.owner, url=f"/complaints/{complaint.pk}/").count() == 1
        assert Notification.objects.filter(user=org.seller).count() == 1
        assert AuditEvent.objects.filter(action="complaint.create", target_id=str(complaint.pk)).count() == 1

    def test_no_matching_rule_goes_to_management_triage_never_to_the_seller(self, org):
        complaint = create(org, category=ComplaintCategory.INVOICE)

        assert complaint.owner is None
        assert complaint.department is None
        assert complaint.in_triage is True
        assert complaint.watchers.filter(user=org.seller).exists()
        assert list(Notification.objects.filter(user=org.management).values_list("url", flat=True)) == [
            f"/complaints/{complaint.pk}/"
        ]

    def test_rule_without_owner_routes_to_the_department_head(self, org):
        RoutingRule.objects.create(category=ComplaintCategory.DELIVERY, department=org.quality)

        assert create(org, category=ComplaintCategory.DELIVERY).owner == org.quality_head

    def test_most_specific_rule_wins(self, org):
        RoutingRule.objects.create(
            category=ComplaintCategory.QUALITY, product_line="Hydraulik", department=org.quality
        )
        RoutingRule.objects.create(
            category=ComplaintCategory.QUALITY,
            product_line="Hydraulik",
            plant="Werk Ulm",
            department=org.production,
            process_owner=org.head,
        )

        assert create(org, product_line="hydraulik").owner == org.quality_head
        assert create(org, product_line="Hydraulik", plant="Werk Ulm").owner == org.head
        assert create(org, product_line="Pneumatik").owner == org.owner

    def test_rule_pointing_at_a_seller_falls_back_to_triage(self, org):
        department = org.production
        department.head = org.seller
        department.save()
        RoutingRule.objects.create(category=ComplaintCategory.SERVICE, department=department)

        complaint = create(org, category=ComplaintCategory.SERVICE)

        assert complaint.owner is None
        assert complaint.in_triage is True

    def test_inactive_rule_is_ignored(self, org):
        org.rule.is_active = False
        org.rule.save()

        assert create(org).in_triage is True

    def test_management_assigns_a_triage_case_but_never_to_the_seller(self, org):
        complaint = create(org, category=ComplaintCategory.INVOICE)

        with pytest.raises(InvalidInput):
            complaint_assign(actor=org.management, complaint=complaint, owner=org.seller)
        complaint_assign(actor=org.management, complaint=complaint, owner=org.quality_head)

        complaint.refresh_from_db()
        assert (complaint.owner, complaint.department, complaint.in_triage) == (
            org.quality_head,
            org.quality,
            False,
        )

    def test_seller_cannot_assign(self, org):
        complaint = create(org, category=ComplaintCategory.INVOICE)

        with pytest.raises(Forbidden):
            complaint_assign(actor=org.seller, complaint=complaint, owner=org.owner)
        complaint.refresh_from_db()
        assert complaint.owner is None


class TestRevenueAtRisk:
    def test_threat_to_all_open_orders(self, org):
        complaint = create(org, cancellation_threat=True, cancellation_deadline=berlin(2026, 3, 2, 18))

        assert complaint.revenue_at_risk == Decimal("200000.00")  # delivered order excluded

    def test_threat_to_the_referenced_orders(self, org):
        order = org.account.orders.get(number="AB-2")
        complaint = create(
            org, cancellation_threat=True, threat_scope=ThreatScope.REFERENCED_ORDERS, order_ids=[order.pk]
        )

        assert complaint.revenue_at_risk == Decimal("80000.00")

    def test_no_threat_no_revenue_at_risk(self, org):
        assert create(org).revenue_at_risk == Decimal("0.00")

    def test_deadline_without_threat_is_refused(self, org):
        with pytest.raises(InvalidInput) as error:
            create(org, cancellation_deadline=berlin(2026, 3, 2, 18))
        assert "cancellation_deadline" in error.value.fields
        assert Complaint.objects.count() == 0

    def test_orders_of_another_account_are_refused(self, org):
        foreign = AccountFactory().orders.create(number="X-1", value=Decimal("1"))

        with pytest.raises(InvalidInput) as error:
            create(org, order_ids=[foreign.pk])
        assert "order_ids" in error.value.fields

    def test_threat_recorded_later_notifies_management(self, org):
        complaint = create(org)
        Notification.objects.all().delete()

        complaint_update(
            actor=org.seller,
            complaint=complaint,
            patch=ComplaintPatch(cancellation_threat=True, cancellation_deadline=berlin(2026, 3, 2, 18)),
        )

        complaint.refresh_from_db()
        assert complaint.revenue_at_risk == Decimal("200000.00")
        assert Notification.objects.filter(user=org.management).count() == 1


class TestRepeatDetection:
    def test_second_case_of_same_account_and_category_is_a_worse_repeat(self, org):
        first = create(org, severity="medium", at=berlin(2025, 11, 3, 10))
        second = create(
            org,
            severity="critical",
            cancellation_threat=True,
            product="Anderes Produkt",
            at=berlin(2026, 3, 2, 10),
        )

        assert second.is_repeat is True
        assert second.repeat_of == first
        assert list(second.earlier_cases.all()) == [first]
        from handschlag.complaints.selectors import complaint_repeat_comparison

        comparison = complaint_repeat_comparison(second)
        assert comparison is not None
        assert (comparison.severity_change, comparison.value_change) == ("worse", "worse")

    def test_same_product_in_another_category_is_a_repeat(self, org):
        create(org, at=berlin(2026, 1, 5, 10))
        second = create(org, category=ComplaintCategory.DELIVERY, at=berlin(2026, 3, 2, 10))

        assert second.is_repeat is True

    def test_outside_the_window_or_other_account_is_not_a_repeat(self, org, settings):
        settings.HANDSCHLAG_COMPLAINT_REPEAT_WINDOW_DAYS = 30
        create(org, at=berlin(2026, 1, 5, 10))
        create(org, account=AccountFactory(owner=org.seller), at=berlin(2026, 2, 27, 10))

        assert create(org, at=berlin(2026, 3, 2, 10)).is_repeat is False


class TestSlaClocks:
    def test_deadlines_from_severity_on_the_business_calendar(self, org):
        # Thursday before Easter 16:00, high: first response 4 h, containment 18 h, resolution 90 h
        complaint = create(org, severity="high", at=berlin(2026, 4, 2, 16))

        assert complaint.first_response_due == berlin(2026, 4, 7, 11)
        assert complaint.containment_due == berlin(2026, 4, 8, 16)
        assert complaint.resolution_due == berlin(2026, 4, 20, 16)

    def test_first_response_by_the_owners_side_only(self, org):
        complaint = create(org, at=berlin(2026, 3, 2, 8))

        with time_machine.travel(berlin(2026, 3, 2, 9), tick=False):
            complaint_comment_add(actor=org.seller, complaint=complaint, text="Kunde ist sauer.")
        complaint.refresh_from_db()
        assert complaint.first_response_at is None
        with time_machine.travel(berlin(2026, 3, 2, 10, 30), tick=False):
            complaint_comment_add(actor=org.owner, complaint=complaint, text="Wir prüfen.")
        complaint.refresh_from_db()
        assert complaint.first_response_at == berlin(2026, 3, 2, 10, 30)
        assert complaint.first_response_seconds == 9000
        assert complaint.status == ComplaintStatus.IN_PROGRESS

    def test_pause_needs_a_reason_is_logged_and_moves_the_deadlines(self, org):
        complaint = create(org, severity="high", at=berlin(2026, 3, 6, 8))  # Friday
        due_before = complaint.resolution_due

        with pytest.raises(InvalidInput):
            complaint_pause(actor=org.owner, complaint=complaint, reason="  ")
        with pytest.raises(Forbidden):
            complaint_pause(actor=org.seller, complaint=complaint, reason="warten")
        with time_machine.travel(berlin(2026, 3, 6, 10), tick=False):
            complaint_pause(actor=org.owner, complaint=complaint, reason="Warten auf Musterteile")
        with pytest.raises(Conflict):
            complaint_pause(actor=org.owner, complaint=complaint, reason="nochmal")
        with time_machine.travel(berlin(2026, 3, 9, 11), tick=False):  # Monday: 7 h Friday + 3 h Monday
            complaint_resume(actor=org.owner, complaint=complaint)

        complaint.refresh_from_db()
        assert complaint.paused_seconds == 10 * 3600
        assert complaint.first_response_due == berlin(2026, 3, 9, 13)  # 4 h + 10 h paused from Fri 08:00
        assert complaint.resolution_due > due_before
        pause = ComplaintPause.objects.get()
        assert (pause.reason, pause.business_seconds) == ("Warten auf Musterteile", 36000)
        assert AuditEvent.objects.filter(
            action="complaint.pause", changes__reason="Warten auf Musterteile"
        ).exists()

    def test_resolution_time_excludes_pauses(self, org):
        complaint = create(org, at=berlin(2026, 3, 2, 8))
        with time_machine.travel(berlin(2026, 3, 2, 12), tick=False):
            complaint_pause(actor=org.owner, complaint=complaint, reason="Kunde im Urlaub")
        with time_machine.travel(berlin(2026, 3, 4, 12), tick=False):
            complaint_resume(actor=org.owner, complaint=complaint)
        with time_machine.travel(berlin(2026, 3, 4, 14), tick=False):
            complaint_close(actor=org.owner, complaint=complaint, summary="Ersatz geliefert")

        complaint.refresh_from_db()
        assert complaint.paused_seconds == 18 * 3600
        assert complaint.resolution_seconds == 6 * 3600  # 4 h Monday + 2 h Wednesday
        assert complaint.status == ComplaintStatus.CLOSED

    def test_d3_done_contains_the_case_with_its_own_clock(self, org):
        complaint = create(org, severity="high", at=berlin(2026, 3, 2, 8))
        with time_machine.travel(berlin(2026, 3, 3, 10), tick=False):
            complaint_step_update(
                actor=org.owner,
                complaint=complaint,
                step=EightDStep.D3,
                patch=StepPatch(owner_id=org.head.pk, notes="Lager gesperrt, 100 % Prüfung", done=True),
            )

        complaint.refresh_from_db()
        assert complaint.contained_at == berlin(2026, 3, 3, 10)
        assert complaint.containment_seconds == 11 * 3600
        assert complaint.first_response_at == berlin(2026, 3, 3, 10)
        step = complaint.steps.get(step="D3")
        assert (step.owner, step.notes) == (org.head, "Lager gesperrt, 100 % Prüfung")

    def test_seller_cannot_work_8d_steps(self, org):
        complaint = create(org)
        with pytest.raises(Forbidden):
            complaint_step_update(
                actor=org.seller, complaint=complaint, step="D3", patch=StepPatch(done=True)
            )
        assert complaint.steps.get(step="D3").done_at is None


class TestEscalation:
    def test_ladder_owner_then_manager_then_management(self, org):
        complaint = create(
            org, severity="critical", at=berlin(2026, 3, 2, 8)
        )  # first response due 10:00, step 2 h
        Notification.objects.all().delete()
        mail.outbox.clear()

        assert complaint_escalations_run_as_system(now=berlin(2026, 3, 2, 9, 59)).fired == 0
        assert complaint_escalations_run_as_system(now=berlin(2026, 3, 2, 10)).fired == 1
        assert complaint_escalations_run_as_system(now=berlin(2026, 3, 2, 10, 5)).fired == 0
        assert complaint_escalations_run_as_system(now=berlin(2026, 3, 2, 12)).fired == 1
        assert complaint_escalations_run_as_system(now=berlin(2026, 3, 2, 14)).fired == 1

        ladder = [
            (escalation.clock, escalation.level, [user.username for user in escalation.recipients.all()])
            for escalation in Escalation.objects.order_by("level")
        ]
        assert ladder == [
            ("first_response", 1, ["prodmeister"]),
            ("first_response", 2, ["prodchef"]),
            ("first_response", 3, ["chefin"]),
        ]
        complaint.refresh_from_db()
        assert complaint.escalation_level == 3
        assert Notification.objects.filter(user=org.seller).count() == 1  # informed at the top rung
        assert len(mail.outbox) == 0  # e-mails leave on commit; the test transaction never commits

    def test_no_manager_falls_back_to_the_department_head(self, org):
        org.owner.manager = None
        org.owner.save()
        create(org, severity="critical", at=berlin(2026, 3, 2, 8))

        complaint_escalations_run_as_system(now=berlin(2026, 3, 2, 12))

        rung = Escalation.objects.get(clock=SlaClock.FIRST_RESPONSE, level=2)
        assert list(rung.recipients.all()) == [org.head]

    def test_after_a_restart_missed_rungs_fire_once(self, org):
        create(org, severity="critical", at=berlin(2026, 3, 2, 8))

        first = complaint_escalations_run_as_system(now=berlin(2026, 3, 4, 12))
        again = complaint_escalations_run_as_system(now=berlin(2026, 3, 4, 12))

        assert first.fired == 6  # first response 3 rungs, containment 3 rungs; resolution not yet due
        assert again.fired == 0
        assert Escalation.objects.count() == 6

    def test_met_closed_and_paused_cases_do_not_escalate(self, org):
        met = create(org, severity="critical", at=berlin(2026, 3, 2, 8))
        complaint_acknowledge(actor=org.owner, complaint=met, now=berlin(2026, 3, 2, 9))
        paused = create(org, severity="critical", at=berlin(2026, 3, 2, 8))
        complaint_pause(actor=org.owner, complaint=paused, reason="Muster", now=berlin(2026, 3, 2, 9))

        complaint_escalations_run_as_system(now=berlin(2026, 3, 2, 11))

        assert Escalation.objects.count() == 0

    def test_one_failing_case_does_not_stop_the_others(self, org, monkeypatch):
        broken = create(org, severity="critical", at=berlin(2026, 3, 2, 8))
        healthy = create(org, severity="critical", at=berlin(2026, 3, 2, 8))
        original = escalation._ladder_recipients

        def ladder(complaint, level):
            if complaint.pk == broken.pk:
                raise RuntimeError("broken data")
            return original(complaint, level)

        monkeypatch.setattr(escalation, "_ladder_recipients", ladder)
        result = complaint_escalations_run_as_system(now=berlin(2026, 3, 2, 10))

        assert result.failed == [broken.pk]
        assert result.fired == 1
        assert list(Escalation.objects.values_list("complaint_id", flat=True)) == [healthy.pk]

    def test_triage_case_escalates_to_management(self, org):
        create(org, category=ComplaintCategory.INVOICE, severity="critical", at=berlin(2026, 3, 2, 8))

        complaint_escalations_run_as_system(now=berlin(2026, 3, 2, 10))

        assert [user.username for user in Escalation.objects.get().recipients.all()] == ["chefin"]

    def test_periodic_task_is_registered_and_runs_the_ladder(self, org):
        from handschlag.core.tasks import (
            discover_tasks,
            enqueue_due_periodic_tasks,
            periodic_tasks,
            run_pending_jobs,
        )

        discover_tasks()
        create(org, severity="critical", at=berlin(2026, 3, 2, 8))
        assert "handschlag.complaints.tasks.complaint_escalations_task" in {t.name for t in periodic_tasks()}
        with time_machine.travel(berlin(2026, 3, 2, 10, 1), tick=False):
            enqueue_due_periodic_tasks()
            run_pending_jobs()
            enqueue_due_periodic_tasks()  # same slot: not queued again
            run_pending_jobs()

        assert Escalation.objects.count() == 1


def test_management_role_users_are_notified_of_threats(org):
    second_manager = UserFactory(username="chef2", role=Role.MANAGEMENT)
    complaint = create(org, cancellation_threat=True)

    assert Notification.objects.filter(user=second_manager, url=f"/complaints/{complaint.pk}/").count() == 1
