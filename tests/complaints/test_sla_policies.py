"""SLA targets per severity: page and API per role, validation, audit; new cases use the stored targets."""

from __future__ import annotations

import pytest
from django.utils import translation

from handschlag.complaints.inputs import SlaPolicyInput
from handschlag.complaints.models import SlaPolicy
from handschlag.complaints.selectors import sla_targets_for
from handschlag.complaints.services.cases import complaint_create
from handschlag.complaints.services.configuration import sla_policy_set
from handschlag.core.enums import Role
from handschlag.core.errors import Forbidden, InvalidInput
from handschlag.core.models import AuditEvent
from tests.complaints.conftest import complaint_input
from tests.conftest import ALL_ROLES

pytestmark = pytest.mark.django_db

GOOD = {"first_response_hours": 1, "containment_hours": 4, "resolution_hours": 27, "escalation_step_hours": 1}


def snapshot():
    return (
        list(SlaPolicy.objects.order_by("severity").values()),
        AuditEvent.objects.filter(action__startswith="sla_policy").count(),
    )


class TestApiPerRole:
    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_only_admins_read_and_change_the_targets(self, api_as, make_user, role):
        client = api_as(make_user(role))
        before = snapshot()

        listed = client.get("/api/v1/sla-policies")
        one = client.get("/api/v1/sla-policies/critical")
        changed = client.put("/api/v1/sla-policies/critical", GOOD)

        if role == Role.ADMIN:
            assert listed.status_code == 200
            assert [row["severity"] for row in listed.json()] == ["critical", "high", "medium", "low"]
            assert listed.json()[0] == {
                "severity": "critical",
                "first_response_hours": 2,
                "containment_hours": 9,
                "resolution_hours": 45,
                "escalation_step_hours": 2,
                "is_default": True,
            }
            assert one.status_code == 200
            assert changed.status_code == 200, changed.json()
            assert changed.json() == {"severity": "critical", **GOOD, "is_default": False}
        else:
            refused = 404 if role == Role.PARTNER_USER else 403  # partner users may not know the route
            assert {listed.status_code, one.status_code, changed.status_code} == {refused}
            assert snapshot() == before

    def test_unknown_severity_is_rejected(self, api_as, admin_user):
        assert api_as(admin_user).put("/api/v1/sla-policies/apocalyptic", GOOD).status_code == 400

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({**GOOD, "first_response_hours": 0}, "first_response_hours"),
            ({**GOOD, "escalation_step_hours": -3}, "escalation_step_hours"),
            ({**GOOD, "first_response_hours": 10, "containment_hours": 9}, "containment_hours"),
            ({**GOOD, "resolution_hours": 3}, "resolution_hours"),
            ({**GOOD, "resolution_hours": 999_999}, "resolution_hours"),
            ({**GOOD, "containment_hours": "x"}, "containment_hours"),
        ],
    )
    def test_invalid_targets_change_nothing(self, api_as, admin_user, payload, field):
        before = snapshot()

        response = api_as(admin_user).put("/api/v1/sla-policies/high", payload)

        assert response.status_code == 400
        assert field in response.json()["error"]["fields"], response.json()
        assert snapshot() == before


class TestService:
    def test_set_is_audited_with_the_changes(self, admin_user):
        sla_policy_set(actor=admin_user, severity="high", data=SlaPolicyInput(**GOOD))

        event = AuditEvent.objects.get(action="sla_policy.update")
        assert event.actor == admin_user
        assert event.changes["first_response_hours"] == [4, 1]
        assert event.changes["resolution_hours"] == [90, 27]
        sla_policy_set(
            actor=admin_user, severity="high", data=SlaPolicyInput(**{**GOOD, "resolution_hours": 30})
        )
        latest = AuditEvent.objects.filter(action="sla_policy.update").order_by("-id").first()
        assert latest.changes == {"resolution_hours": [27, 30]}

    def test_saving_the_same_targets_writes_no_audit_event(self, admin_user):
        sla_policy_set(actor=admin_user, severity="low", data=SlaPolicyInput(**GOOD))
        sla_policy_set(actor=admin_user, severity="low", data=SlaPolicyInput(**GOOD))

        assert AuditEvent.objects.filter(action="sla_policy.update").count() == 1

    def test_order_rules_in_english(self, admin_user):
        with translation.override("en"), pytest.raises(InvalidInput) as error:
            sla_policy_set(
                actor=admin_user,
                severity="low",
                data=SlaPolicyInput(
                    **{**GOOD, "first_response_hours": 5, "containment_hours": 4, "resolution_hours": 3}
                ),
            )

        assert error.value.fields == {
            "containment_hours": ["Containment cannot be due before the first response."],
            "resolution_hours": ["Resolution cannot be due before containment."],
        }

    def test_management_may_not(self, management_user):
        with pytest.raises(Forbidden):
            sla_policy_set(actor=management_user, severity="low", data=SlaPolicyInput(**GOOD))
        assert SlaPolicy.objects.count() == 0

    def test_new_cases_use_the_stored_targets(self, org, admin_user):
        sla_policy_set(actor=admin_user, severity="high", data=SlaPolicyInput(**GOOD))

        assert sla_targets_for("high").resolution.total_seconds() == 27 * 3600
        case = complaint_create(
            actor=org.seller,
            data=complaint_input(
                org.account,
            ),
        )
        assert case.severity == "high"
        assert case.first_response_due < case.containment_due < case.resolution_due


class TestPages:
    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_pages_per_role(self, page_as, make_user, role):
        client = page_as(make_user(role, language="en"))

        listed = client.get("/complaints/sla-policies/")
        form = client.get("/complaints/sla-policies/critical/")

        if role == Role.ADMIN:
            assert listed.status_code == form.status_code == 200
            assert 'data-severity="critical"' in listed.content.decode()
            assert "SLA targets" in listed.content.decode()
        else:
            refused = 404 if role == Role.PARTNER_USER else 403  # partner users may not know the page
            assert {listed.status_code, form.status_code} == {refused}
            assert client.post("/complaints/sla-policies/critical/", GOOD).status_code == refused
            assert SlaPolicy.objects.count() == 0

    def test_admin_saves_through_the_form(self, page_as, make_user):
        client = page_as(make_user(Role.ADMIN, language="en"))

        response = client.post("/complaints/sla-policies/medium/", GOOD)

        assert response.status_code == 302
        assert SlaPolicy.objects.get(severity="medium").resolution_hours == 27

    def test_form_shows_the_order_error_and_saves_nothing(self, page_as, make_user):
        client = page_as(make_user(Role.ADMIN, language="en"))

        response = client.post("/complaints/sla-policies/medium/", {**GOOD, "resolution_hours": 2})

        assert response.status_code == 200
        assert "Resolution cannot be due before containment." in response.content.decode()
        assert SlaPolicy.objects.count() == 0

    def test_unknown_severity_page_is_404(self, page_as, make_user):
        assert page_as(make_user(Role.ADMIN)).get("/complaints/sla-policies/nope/").status_code == 404

    def test_admin_navigation_links_the_page(self, page_as, make_user):
        content = page_as(make_user(Role.ADMIN, language="en")).get("/").content.decode()

        assert 'href="/complaints/sla-policies/"' in content
