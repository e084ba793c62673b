"""The customer's cancellation deadline drives the clock (docs/adr/0201 §9): an alert ahead of it, an escalation
to management when it passes without a first response, each exactly once; shown on the case page and in the API.

Tuesday 3 March 2026 in Baden-Württemberg, business hours 8 to 17. A case of medium severity recorded at 10:00 has its
first response due by the SLA the next morning at 10:00; the customer's deadline is 20:34 the same evening.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test import override_settings

from handschlag.complaints import sla
from handschlag.complaints.enums import ComplaintStatus, SlaClock
from handschlag.complaints.inputs import ComplaintPatch
from handschlag.complaints.models import Complaint, Escalation
from handschlag.complaints.selectors import complaint_clocks
from handschlag.complaints.services.cases import complaint_create, complaint_update
from handschlag.complaints.services.escalation import (
    EscalationRun,
    complaint_escalations_run_as_system,
)
from handschlag.complaints.services.lifecycle import complaint_acknowledge, complaint_close, complaint_pause
from handschlag.core.calendar import BusinessCalendar
from handschlag.core.models import AuditEvent, Notification
from tests.complaints.conftest import berlin, complaint_input

HOUR = dt.timedelta(hours=1)
CALENDAR = BusinessCalendar(state="BW")
CREATED = berlin(2026, 3, 3, 10)
DEADLINE = berlin(2026, 3, 3, 20, 34)


class TestAlertMoment:
    """Pure: `lead` business hours before the deadline, halfway when less than twice that is left."""

    def test_two_business_hours_before_the_end_of_the_working_day_for_an_evening_deadline(self):
        assert sla.deadline_alert_at(CALENDAR, start=CREATED, deadline=DEADLINE, lead=2 * HOUR) == berlin(
            2026, 3, 3, 15
        )

    def test_halfway_through_the_business_time_left_when_little_is_left(self):
        start = berlin(2026, 3, 3, 16)  # one business hour left before the evening deadline
        assert sla.deadline_alert_at(CALENDAR, start=start, deadline=DEADLINE, lead=2 * HOUR) == berlin(
            2026, 3, 3, 16, 30
        )

    def test_at_once_when_no_business_time_is_left(self):
        start = berlin(2026, 3, 3, 17, 30)
        assert sla.deadline_alert_at(CALENDAR, start=start, deadline=DEADLINE, lead=2 * HOUR) == start

    def test_a_deadline_next_week_is_alerted_two_business_hours_ahead(self):
        deadline = berlin(2026, 3, 10, 12)
        assert sla.deadline_alert_at(CALENDAR, start=CREATED, deadline=deadline, lead=2 * HOUR) == berlin(
            2026, 3, 10, 10
        )

    def test_the_effective_first_response_is_the_earlier_of_sla_and_alert(self):
        sla_due = berlin(2026, 3, 4, 10)
        assert sla.first_response_effective_due(sla_due, None) == sla_due
        assert sla.first_response_effective_due(sla_due, berlin(2026, 3, 3, 15)) == berlin(2026, 3, 3, 15)
        assert sla.first_response_effective_due(sla_due, berlin(2026, 3, 5, 15)) == sla_due


def threatened(org, **overrides):
    values = {"severity": "medium", "cancellation_threat": True, "cancellation_deadline": DEADLINE}
    values.update(overrides)
    return complaint_create(actor=org.seller, data=complaint_input(org.account, **values), now=CREATED)


@pytest.mark.django_db
class TestClock:
    def test_the_deadline_sets_the_alert_and_the_first_response_before_the_sla_would(self, org):
        complaint = threatened(org)

        assert complaint.first_response_due == berlin(2026, 3, 4, 10)  # the SLA's own
        assert complaint.deadline_alert_at == berlin(2026, 3, 3, 15)
        clocks = {clock.clock: clock for clock in complaint_clocks(complaint, now=berlin(2026, 3, 3, 11))}
        assert clocks["first_response"].due == berlin(2026, 3, 3, 15)
        assert clocks["first_response"].sla_due == berlin(2026, 3, 4, 10)
        assert clocks["first_response"].set_by_deadline is True
        assert clocks["deadline"].due == DEADLINE
        assert clocks["deadline"].alert_at == berlin(2026, 3, 3, 15)
        assert clocks["deadline"].state == "running"
        late = {clock.clock: clock.state for clock in complaint_clocks(complaint, now=berlin(2026, 3, 3, 21))}
        assert late["first_response"] == "overdue"
        assert late["deadline"] == "overdue"

    def test_without_a_threat_there_is_no_deadline_clock(self, org):
        complaint = complaint_create(
            actor=org.seller, data=complaint_input(org.account, severity="medium"), now=CREATED
        )
        assert complaint.deadline_alert_at is None
        assert [clock.clock for clock in complaint_clocks(complaint)] == [
            "first_response",
            "containment",
            "resolution",
        ]

    @override_settings(HANDSCHLAG_COMPLAINT_DEADLINE_LEAD_HOURS=3)
    def test_the_lead_is_a_setting(self, org):
        assert threatened(org).deadline_alert_at == berlin(2026, 3, 3, 14)

    def test_a_deadline_set_later_is_counted_from_then_and_removing_the_threat_clears_it(
        self, org, monkeypatch
    ):
        complaint = complaint_create(
            actor=org.seller, data=complaint_input(org.account, severity="medium"), now=CREATED
        )
        monkeypatch.setattr("django.utils.timezone.now", lambda: berlin(2026, 3, 3, 16))
        complaint_update(
            actor=org.seller,
            complaint=complaint,
            patch=ComplaintPatch(cancellation_threat=True, cancellation_deadline=DEADLINE),
        )
        complaint.refresh_from_db()
        assert complaint.deadline_alert_at == berlin(2026, 3, 3, 16, 30)

        complaint_update(
            actor=org.seller, complaint=complaint, patch=ComplaintPatch(cancellation_threat=False)
        )
        complaint.refresh_from_db()
        assert (complaint.cancellation_deadline, complaint.deadline_alert_at) == (None, None)


def deadline_rows(complaint):
    return list(
        Escalation.objects.filter(complaint=complaint, clock=SlaClock.DEADLINE)
        .order_by("level")
        .values_list("level", flat=True)
    )


@pytest.mark.django_db
class TestAlertAndEscalation:
    def test_nothing_before_the_alert(self, org):
        complaint = threatened(org)
        complaint_escalations_run_as_system(now=berlin(2026, 3, 3, 14, 59))
        assert deadline_rows(complaint) == []

    def test_the_alert_reaches_owner_and_management_once(self, org):
        complaint = threatened(org)
        Notification.objects.all().delete()

        first = complaint_escalations_run_as_system(now=berlin(2026, 3, 3, 15))
        again = complaint_escalations_run_as_system(now=berlin(2026, 3, 3, 15, 5))

        assert (first.fired, again.fired) == (1, 0)
        assert deadline_rows(complaint) == [1]
        alert = Escalation.objects.get(complaint=complaint, clock=SlaClock.DEADLINE)
        assert {user.username for user in alert.recipients.all()} == {"prodmeister", "chefin"}
        notice = Notification.objects.get(user=org.management)
        assert notice.url == f"/complaints/{complaint.pk}/"
        assert "Stornofrist 03.03.2026 20:34 läuft bald ab" in notice.title
        assert Notification.objects.filter(user=org.seller).count() == 0
        complaint.refresh_from_db()
        assert complaint.escalation_level == 0  # an alert is no escalation
        assert (
            AuditEvent.objects.filter(action="complaint.deadline_alert", target_id=str(complaint.pk)).count()
            == 1
        )

    def test_the_deadline_passing_without_a_response_escalates_to_management_once(self, org):
        complaint = threatened(org)
        complaint_escalations_run_as_system(now=berlin(2026, 3, 3, 15))
        Notification.objects.all().delete()

        passed = complaint_escalations_run_as_system(now=DEADLINE)
        again = complaint_escalations_run_as_system(now=DEADLINE + dt.timedelta(minutes=5))

        assert (passed.fired, again.fired) == (1, 0)
        assert deadline_rows(complaint) == [1, 3]
        complaint.refresh_from_db()
        assert complaint.escalation_level == 3
        escalation = Escalation.objects.get(complaint=complaint, clock=SlaClock.DEADLINE, level=3)
        # owner, his manager, management and the seller (a watcher)
        assert {user.username for user in escalation.recipients.all()} == {
            "prodmeister",
            "prodchef",
            "chefin",
            "verkauf",
        }
        assert "ohne Erstreaktion verstrichen" in Notification.objects.get(user=org.seller).title
        # the SLA's first response is still not due: its ladder has not started
        assert not Escalation.objects.filter(complaint=complaint, clock=SlaClock.FIRST_RESPONSE).exists()

    def test_a_run_only_after_the_deadline_escalates_without_the_stale_alert(self, org):
        complaint = threatened(org)
        complaint_escalations_run_as_system(now=berlin(2026, 3, 3, 21))
        assert deadline_rows(complaint) == [3]

    def test_a_first_response_before_the_alert_stops_both(self, org):
        complaint = threatened(org)
        complaint_acknowledge(actor=org.owner, complaint=complaint, now=berlin(2026, 3, 3, 11))
        complaint_escalations_run_as_system(now=berlin(2026, 3, 3, 15))
        complaint_escalations_run_as_system(now=berlin(2026, 3, 3, 21))
        assert deadline_rows(complaint) == []

    def test_a_first_response_after_the_alert_prevents_the_escalation(self, org):
        complaint = threatened(org)
        complaint_escalations_run_as_system(now=berlin(2026, 3, 3, 15))
        complaint_acknowledge(actor=org.owner, complaint=complaint, now=berlin(2026, 3, 3, 16))
        complaint_escalations_run_as_system(now=berlin(2026, 3, 3, 21))
        assert deadline_rows(complaint) == [1]

    def test_a_pause_does_not_stop_the_customer(self, org):
        complaint = threatened(org)
        complaint_pause(
            actor=org.owner, complaint=complaint, reason="Warten auf Muster", now=berlin(2026, 3, 3, 11)
        )
        complaint_escalations_run_as_system(now=berlin(2026, 3, 3, 21))
        assert deadline_rows(complaint) == [3]

    def test_a_closed_case_is_not_alerted(self, org):
        complaint = threatened(org)
        complaint_close(actor=org.owner, complaint=complaint, summary="Erledigt", now=berlin(2026, 3, 3, 11))
        assert Complaint.objects.get(pk=complaint.pk).status == ComplaintStatus.CLOSED
        complaint_escalations_run_as_system(now=berlin(2026, 3, 3, 21))
        assert deadline_rows(complaint) == []


@pytest.mark.django_db
class TestPageAndApi:
    def test_the_case_page_shows_the_deadline_clock_and_the_alert(self, org, client, monkeypatch):
        complaint = threatened(org)
        monkeypatch.setattr("django.utils.timezone.now", lambda: berlin(2026, 3, 3, 11))
        client.force_login(org.owner)

        page = client.get(f"/complaints/{complaint.pk}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()

        assert 'data-clock="deadline"' in page
        assert "Stornofrist" in page
        assert "03.03.2026 20:34" in page
        assert "früher als laut SLA (04.03.2026 10:00): wegen der Stornofrist des Kunden" in page
        assert "Warnung an Prozessverantwortliche und Geschäftsleitung um 03.03.2026 15:00" in page

    def test_the_api_shows_the_effective_first_response_and_the_deadline(self, org, client):
        complaint = threatened(org)
        client.force_login(org.owner)

        clocks = {
            row["clock"]: row for row in client.get(f"/api/v1/complaints/{complaint.pk}").json()["clocks"]
        }

        assert dt.datetime.fromisoformat(clocks["first_response"]["due"]) == berlin(2026, 3, 3, 15)
        assert dt.datetime.fromisoformat(clocks["first_response"]["sla_due"]) == berlin(2026, 3, 4, 10)
        assert dt.datetime.fromisoformat(clocks["deadline"]["due"]) == DEADLINE
        assert dt.datetime.fromisoformat(clocks["deadline"]["alert_at"]) == berlin(2026, 3, 3, 15)

    def test_the_escalations_list_says_what_the_deadline_did(self, org, client):
        complaint = threatened(org)
        complaint_escalations_run_as_system(now=berlin(2026, 3, 3, 15))
        complaint_escalations_run_as_system(now=DEADLINE)
        client.force_login(org.owner)

        page = client.get(f"/complaints/{complaint.pk}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()

        assert "Stornofrist → Warnung vor Fristablauf" in page
        assert "Stornofrist → ohne Erstreaktion verstrichen, an die Geschäftsleitung eskaliert" in page


def run_twice_at_once(now: dt.datetime) -> list[EscalationRun]:
    """Two workers run the escalations at the same moment."""
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
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_alert_and_escalate_once(postgres_only, org):
    cases = [threatened(org) for _ in range(4)]
    Notification.objects.all().delete()
    for now in (berlin(2026, 3, 3, 15), DEADLINE):
        results = run_twice_at_once(now)
        assert sum(result.fired for result in results) == 4
        assert all(result.failed == [] for result in results)

    for case in cases:
        assert deadline_rows(case) == [1, 3]
    # the management user: one alert and one escalation per case, never two
    assert Notification.objects.filter(user=org.management).count() == 4 * 2
    assert Notification.objects.filter(user=org.seller).count() == 4
