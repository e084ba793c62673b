"""Source 001 played end to end: Stefan, the seller, records the second, worse complaint of his key account with the
threat to cancel all open orders and a deadline this evening. Production's process owner owns it (not sales);
owner and management are alerted ahead of the deadline; when it passes without a response, management gets it;
the repeat banner shows what was found and promised last time; 8D is worked in order; closed — the banner is gone.

Through the services and the pages (German), on Tuesday 3 March 2026, business hours 8 to 17.
"""

from __future__ import annotations

import pytest

from handschlag.complaints.enums import ComplaintStatus, SlaClock
from handschlag.complaints.inputs import StepPatch
from handschlag.complaints.models import Complaint, Escalation
from handschlag.complaints.services.cases import complaint_create
from handschlag.complaints.services.escalation import complaint_escalations_run_as_system
from handschlag.complaints.services.lifecycle import complaint_close
from handschlag.complaints.services.steps import complaint_step_update
from handschlag.core.models import Notification
from tests.complaints.conftest import berlin, complaint_input

pytestmark = pytest.mark.django_db

DEADLINE = berlin(2026, 3, 3, 20, 34)  # „… erwarten Ihre Stornierungsbestätigung noch heute!“


def german_page(client, complaint):
    response = client.get(f"/complaints/{complaint.pk}/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200
    return response.content.decode()


def test_story_001(org, client):
    # last time: the first complaint, months ago, root cause found and prevention promised, closed
    earlier = complaint_create(
        actor=org.seller,
        data=complaint_input(org.account, title="Spiel im Ventilblock", severity="medium"),
        now=berlin(2025, 11, 4, 9),
    )
    for step, notes in (
        ("D4", "Spannvorrichtung verschlissen"),
        ("D7", "Vorrichtung quartalsweise prüfen, Erstmusterprüfung je Los"),
    ):
        complaint_step_update(actor=org.owner, complaint=earlier, step=step, patch=StepPatch(notes=notes))
    complaint_close(actor=org.owner, complaint=earlier, summary="Nachgearbeitet und geliefert")

    # today 15:30: the customer's mail with photos, worse than last time, and the threat
    complaint = complaint_create(
        actor=org.seller,
        data=complaint_input(
            org.account,
            title="Risse im Ventilblock, schlimmer als beim letzten Mal",
            severity="critical",
            cancellation_threat=True,
            cancellation_deadline=DEADLINE,
        ),
        now=berlin(2026, 3, 3, 15, 30),
    )

    # routed to production's process owner; the seller watches, he does not own it
    assert complaint.owner == org.owner
    assert complaint.department == org.production
    assert complaint.watchers.get().user == org.seller
    assert complaint.revenue_at_risk == 200_000
    # the SLA would want the first response tomorrow morning; the customer's deadline is tonight
    assert complaint.first_response_due == berlin(2026, 3, 4, 8, 30)
    assert complaint.deadline_alert_at == berlin(2026, 3, 3, 16, 15)

    client.force_login(org.seller)
    page = german_page(client, complaint)
    assert "Der Kunde droht mit Stornierung" in page
    assert "bis 03.03.2026 20:34" in page
    assert "Gefährdeter Umsatz" in page or "gefährdeter Umsatz" in page
    assert 'id="department">Produktion' in page
    # the repeat banner: last time's root cause and promise beside this case
    assert f'Wiederholung von <a href="/complaints/{earlier.pk}/">#{earlier.pk}</a>' in page
    assert "schlimmer als beim letzten Mal" in page
    assert "Spannvorrichtung verschlissen" in page
    assert "Vorrichtung quartalsweise prüfen, Erstmusterprüfung je Los" in page

    # nobody answers: 16:15 owner and management are alerted
    Notification.objects.all().delete()
    assert complaint_escalations_run_as_system(now=berlin(2026, 3, 3, 16, 14)).fired == 0
    assert complaint_escalations_run_as_system(now=berlin(2026, 3, 3, 16, 15)).fired == 1
    alerted = set(Notification.objects.values_list("user__username", flat=True))
    assert alerted == {"prodmeister", "chefin"}
    assert Notification.objects.get(user=org.management).title == (
        f"Die Stornofrist 03.03.2026 20:34 läuft bald ab, und Reklamation #{complaint.pk} "
        "(Schlüsselkunde Hydraulik GmbH) hat noch keine Erstreaktion"
    )

    # 20:34 passes without a first response: escalated to management, the seller is told
    assert complaint_escalations_run_as_system(now=DEADLINE).fired == 1
    assert complaint_escalations_run_as_system(now=berlin(2026, 3, 3, 20, 39)).fired == 0
    complaint.refresh_from_db()
    assert complaint.escalation_level == 3
    assert Escalation.objects.filter(complaint=complaint, clock=SlaClock.DEADLINE).count() == 2
    assert "ohne Erstreaktion verstrichen" in Notification.objects.filter(user=org.seller).get().title
    page = german_page(client, complaint)
    assert "Stornofrist → ohne Erstreaktion verstrichen, an die Geschäftsleitung eskaliert" in page

    # the process owner works the 8D report in order, on the page
    client.force_login(org.owner)
    for step in ("D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8"):
        response = client.post(
            f"/complaints/{complaint.pk}/steps/{step}/",
            {f"{step}-done": "on", f"{step}-notes": f"{step} erledigt", f"{step}-owner": org.owner.pk},
            HTTP_HX_REQUEST="true",
            HTTP_ACCEPT_LANGUAGE="de",
        )
        assert response.status_code == 200
        assert 'data-done="1"' in response.content.decode(), step
    assert complaint.steps.filter(done_at__isnull=True).count() == 0
    assert set(complaint.steps.values_list("out_of_order_reason", flat=True)) == {""}

    # closed: the threat banner is gone
    response = client.post(
        f"/complaints/{complaint.pk}/close/", {"summary": "Ursache abgestellt, Kunde hält die Aufträge"}
    )
    assert response.status_code == 302
    assert Complaint.objects.get(pk=complaint.pk).status == ComplaintStatus.CLOSED
    page = german_page(client, complaint)
    assert 'id="threat"' not in page
    assert "Der Kunde droht mit Stornierung" not in page
    assert "Geschlossen" in page or "Abgeschlossen" in page
