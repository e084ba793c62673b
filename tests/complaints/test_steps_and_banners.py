"""8D steps default to the case owner, list the owning department first and are done in order unless a reason is
given; the threat banner ends with the case; the repeat banner compares with the earlier case (D4, D7)."""

from __future__ import annotations

import pytest

from handschlag.complaints.enums import EightDStep
from handschlag.complaints.forms import StepForm
from handschlag.complaints.inputs import StepPatch
from handschlag.complaints.models import ComplaintStep
from handschlag.complaints.services.cases import complaint_create
from handschlag.complaints.services.lifecycle import complaint_close
from handschlag.complaints.services.routing import complaint_assign
from handschlag.complaints.services.steps import complaint_step_update
from handschlag.core.enums import Role
from handschlag.core.errors import InvalidInput
from handschlag.core.models import AuditEvent
from tests.complaints.conftest import berlin, complaint_input
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def create(org, **overrides):
    return complaint_create(actor=org.seller, data=complaint_input(org.account, **overrides))


def done(org, complaint, step, **extra):
    return complaint_step_update(
        actor=org.owner, complaint=complaint, step=step, patch=StepPatch(done=True, **extra)
    )


class TestStepOwners:
    def test_every_step_starts_with_the_case_owner(self, org):
        complaint = create(org)
        assert set(complaint.steps.values_list("owner__username", flat=True)) == {"prodmeister"}

    def test_a_new_owner_takes_the_open_steps_that_were_the_former_owners(self, org):
        complaint = create(org)
        done(org, complaint, EightDStep.D1)
        colleague = UserFactory(username="kollege", role=Role.PROCESS_OWNER, department=org.production)
        complaint_step_update(
            actor=org.owner, complaint=complaint, step=EightDStep.D2, patch=StepPatch(owner_id=colleague.pk)
        )

        complaint_assign(actor=org.management, complaint=complaint, owner=org.quality_head)

        owners = dict(complaint.steps.values_list("step", "owner__username"))
        assert owners["D1"] == "prodmeister"  # done: stays who did it
        assert owners["D2"] == "kollege"  # someone else's: stays
        assert {owners[step] for step in ("D3", "D4", "D5", "D6", "D7", "D8")} == {"qchef"}

    def test_the_owner_select_lists_the_owning_department_first(self, org):
        complaint = create(org)
        UserFactory(username="aaa", last_name="Aachen", role=Role.PROCESS_OWNER, department=org.quality)

        choices = [label for value, label in StepForm(complaint=complaint).fields["owner"].choices if value]

        production = [label for label in choices if label.endswith("· Produktion")]
        assert choices[: len(production)] == production
        assert len(production) == 2  # head and process owner of production


class TestStepOrder:
    def test_steps_in_order_need_no_reason(self, org):
        complaint = create(org)
        for step in ("D1", "D2", "D3", "D4", "D5"):
            assert done(org, complaint, step).out_of_order_reason == ""

    def test_d5_before_d4_is_refused_without_a_reason_and_changes_nothing(self, org):
        complaint = create(org)
        for step in ("D1", "D2", "D3"):
            done(org, complaint, step)

        with pytest.raises(InvalidInput) as refused:
            done(org, complaint, EightDStep.D5, notes="Neue Prüfvorrichtung")

        assert "D4" in refused.value.fields["reason"][0]
        step = ComplaintStep.objects.get(complaint=complaint, step="D5")
        assert (step.done_at, step.notes) == (None, "")

    def test_d5_before_d4_with_a_reason_is_recorded_and_audited(self, org):
        complaint = create(org)
        for step in ("D1", "D2", "D3"):
            done(org, complaint, step)

        step = done(org, complaint, EightDStep.D5, reason="Kunde verlangt die Maßnahme sofort")

        assert step.done_at is not None
        assert step.out_of_order_reason == "Kunde verlangt die Maßnahme sofort"
        event = AuditEvent.objects.filter(action="complaint.step", target_id=str(complaint.pk)).latest("pk")
        assert event.changes["out_of_order_reason"] == ["", "Kunde verlangt die Maßnahme sofort"]

    def test_containment_d3_may_come_first(self, org):
        complaint = create(org)
        assert done(org, complaint, EightDStep.D3).out_of_order_reason == ""

    def test_the_page_asks_for_the_reason_and_shows_it(self, org, client):
        complaint = create(org)
        client.force_login(org.owner)
        url = f"/complaints/{complaint.pk}/steps/D2/"

        refused = client.post(url, {"D2-done": "on"}, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="de")
        assert "Noch nicht erledigt: D1. Bitte begründen Sie, warum D2 schon jetzt abgeschlossen wird." in (
            refused.content.decode()
        )
        client.post(url, {"D2-done": "on", "D2-reason": "Beschreibung lag vom Kunden vor"})

        page = client.get(f"/complaints/{complaint.pk}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
        assert "Vor einem früheren Schritt erledigt: Beschreibung lag vom Kunden vor" in page

    def test_the_api_takes_the_reason_and_returns_it(self, org, client):
        complaint = create(org)
        client.force_login(org.owner)
        url = f"/api/v1/complaints/{complaint.pk}/steps/D4"

        refused = client.patch(url, {"done": True}, content_type="application/json")
        accepted = client.patch(
            url, {"done": True, "reason": "Ursache bekannt"}, content_type="application/json"
        )

        assert refused.status_code == 400
        assert accepted.status_code == 200
        assert accepted.json()["out_of_order_reason"] == "Ursache bekannt"


class TestThreatBanner:
    def test_the_banner_ends_when_the_case_is_closed(self, org, client):
        complaint = create(org, cancellation_threat=True)
        client.force_login(org.seller)
        page = f"/complaints/{complaint.pk}/"
        assert 'id="threat"' in client.get(page).content.decode()

        complaint_close(actor=org.owner, complaint=complaint, summary="Ersatz geliefert")

        assert 'id="threat"' not in client.get(page).content.decode()


class TestRepeatComparison:
    def earlier_and_repeat(self, org):
        earlier = complaint_create(
            actor=org.seller,
            data=complaint_input(org.account, severity="medium"),
            now=berlin(2026, 1, 5, 9),
        )
        for step, notes in (
            ("D4", "Härteofen falsch eingestellt"),
            ("D7", "Härteprüfung jeder Charge, Ofen wöchentlich kalibriert"),
        ):
            complaint_step_update(actor=org.owner, complaint=earlier, step=step, patch=StepPatch(notes=notes))
        complaint_close(actor=org.owner, complaint=earlier, summary="Ersatz geliefert")
        repeat = complaint_create(
            actor=org.seller,
            data=complaint_input(org.account, severity="critical", cancellation_threat=True),
        )
        return earlier, repeat

    def test_the_banner_links_the_earlier_case_beside_this_one(self, org, client):
        earlier, repeat = self.earlier_and_repeat(org)
        client.force_login(org.seller)

        page = client.get(f"/complaints/{repeat.pk}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()

        assert f'Wiederholung von <a href="/complaints/{earlier.pk}/">#{earlier.pk}</a>' in page
        assert "schlimmer als beim letzten Mal" in page
        assert 'id="repeat-side-by-side"' in page
        assert "Fehlerursache (D4)" in page
        assert "Härteofen falsch eingestellt" in page
        assert "Zugesagte Maßnahmen gegen Wiederholung (D7)" in page
        assert "Härteprüfung jeder Charge, Ofen wöchentlich kalibriert" in page
        assert "200.000,00 €" in page  # this case's revenue at risk beside the earlier one's

    def test_the_api_compares_too(self, org, client):
        earlier, repeat = self.earlier_and_repeat(org)
        client.force_login(org.seller)

        body = client.get(f"/api/v1/complaints/{repeat.pk}/repeat").json()

        assert body["previous_id"] == earlier.pk
        assert (body["previous_severity"], body["severity"], body["severity_change"]) == (
            "medium",
            "critical",
            "worse",
        )
        assert body["revenue_at_risk"] == "200000.00"
        assert body["previous_root_cause"]["notes"] == "Härteofen falsch eingestellt"
        assert body["previous_prevention"]["notes"].startswith("Härteprüfung")
        assert client.get(f"/api/v1/complaints/{earlier.pk}/repeat").status_code == 404
