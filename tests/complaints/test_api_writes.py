"""The API operations PATCH /complaints/{id}, POST …/acknowledge and POST …/reopen. A refused request changes
nothing."""

from __future__ import annotations

import pytest

from handschlag.accounts.models import Order
from handschlag.complaints.enums import ComplaintStatus
from handschlag.complaints.models import Complaint
from handschlag.complaints.services.cases import complaint_create
from handschlag.complaints.services.lifecycle import complaint_close
from handschlag.core.enums import Role
from handschlag.core.models import AuditEvent, Notification
from tests.complaints.conftest import complaint_input
from tests.factories import AccountFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(org):
    return complaint_create(actor=org.seller, data=complaint_input(org.account))


def snapshot():
    return (
        list(Complaint.objects.order_by("pk").values()),
        list(Complaint.orders.through.objects.order_by("pk").values_list("complaint_id", "order_id")),
        AuditEvent.objects.filter(action__startswith="complaint").count(),  # not the client's token
        Notification.objects.count(),
    )


class TestPatch:
    def test_the_seller_changes_the_facts_and_records_the_threat(self, api_as, org, case):
        orders = sorted(
            Order.objects.filter(account=org.account, number__in=["AB-1", "AB-2"]).values_list(
                "pk", flat=True
            )
        )

        response = api_as(org.seller).patch(
            f"/api/v1/complaints/{case.pk}",
            {
                "title": "  Risse und Spiel  ",
                "order_ids": [orders[1], orders[0], orders[1]],
                "cancellation_threat": True,
                "cancellation_deadline": "2026-03-06T18:00:00+01:00",
                "threat_scope": "referenced_orders",
            },
        )

        assert response.status_code == 200, response.json()
        body = response.json()
        assert body["title"] == "Risse und Spiel"
        assert body["order_ids"] == orders
        assert body["cancellation_threat"] is True
        assert body["revenue_at_risk"] == "200000.00"
        assert body["description"] == case.description  # not sent, not changed
        event = AuditEvent.objects.get(action="complaint.update")
        assert set(event.changes) == {
            "title",
            "orders",
            "cancellation_threat",
            "cancellation_deadline",
            "deadline_alert_at",
            "threat_scope",
            "revenue_at_risk",
        }
        assert Notification.objects.filter(user=org.management, title__contains="#").count() >= 1

    def test_null_empties_texts_and_orders_but_not_the_title(self, api_as, org, case):
        client = api_as(org.owner)

        emptied = client.patch(f"/api/v1/complaints/{case.pk}", {"product": None, "order_ids": None})
        refused = client.patch(f"/api/v1/complaints/{case.pk}", {"title": None})

        assert emptied.status_code == 200
        assert emptied.json()["product"] == ""
        assert emptied.json()["order_ids"] == []
        assert refused.status_code == 400
        assert "title" in refused.json()["error"]["fields"]

    def test_a_naive_deadline_is_read_in_local_time(self, api_as, org, case):
        response = api_as(org.seller).patch(
            f"/api/v1/complaints/{case.pk}",
            {"cancellation_threat": True, "cancellation_deadline": "2026-03-06T18:00:00"},
        )

        assert response.json()["cancellation_deadline"] == "2026-03-06T17:00:00Z"  # 18:00 in Berlin

    def test_without_threat_there_is_no_deadline(self, api_as, org, case):
        response = api_as(org.seller).patch(
            f"/api/v1/complaints/{case.pk}", {"cancellation_deadline": "2026-03-06T18:00:00+01:00"}
        )

        assert response.status_code == 200
        assert response.json()["cancellation_deadline"] is None

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"title": ""}, "title"),
            ({"title": "x" * 201}, "title"),
            ({"description": "ok\x00"}, "description"),
            ({"severity": "apocalyptic"}, "severity"),
            ({"threat_scope": "everything"}, "threat_scope"),
            ({"order_ids": [0]}, "order_ids"),
            ({"order_ids": [2**70]}, "order_ids"),
            ({"order_ids": list(range(1, 202))}, "order_ids"),
            ({"cancellation_deadline": "0001-01-01T00:00:00"}, "cancellation_deadline"),
            ({"category": "delivery"}, "category"),  # the category routed the case; it is not changed
            ({"owner_id": 1}, "owner_id"),
        ],
    )
    def test_invalid_fields_are_400_and_change_nothing(self, api_as, org, case, payload, field):
        before = snapshot()

        response = api_as(org.seller).patch(f"/api/v1/complaints/{case.pk}", payload)

        assert response.status_code == 400, response.json()
        fields = response.json()["error"]["fields"]
        assert not fields or any(name.split(".")[0] == field for name in fields), response.json()
        assert snapshot() == before

    def test_orders_of_another_account_are_refused(self, api_as, org, case):
        foreign = OrderFactory(account=AccountFactory(owner=org.other_seller))
        before = snapshot()

        response = api_as(org.seller).patch(f"/api/v1/complaints/{case.pk}", {"order_ids": [foreign.pk]})

        assert response.status_code == 400
        assert response.json()["error"]["fields"] == {
            "order_ids": ["Es können nur Aufträge dieses Kunden angegeben werden."]
        }
        assert snapshot() == before

    @pytest.mark.parametrize(
        ("who", "status"),
        [("other_seller", 404), ("quality_head", 404), ("marketing", 404), ("partner_user", 404)],
    )
    def test_who_may_not_gets_an_answer_and_changes_nothing(self, api_as, org, case, make_user, who, status):
        actor = getattr(org, who, None) or make_user(who)
        before = snapshot()

        response = api_as(actor).patch(f"/api/v1/complaints/{case.pk}", {"title": "Fremd"})

        assert response.status_code == status
        assert snapshot() == before


class TestAcknowledge:
    def test_the_owner_takes_the_case_up(self, api_as, org, case):
        response = api_as(org.owner).post(f"/api/v1/complaints/{case.pk}/acknowledge")

        assert response.status_code == 200
        body = response.json()
        assert body["status"] == ComplaintStatus.IN_PROGRESS
        first_response = next(clock for clock in body["clocks"] if clock["clock"] == "first_response")
        assert first_response["met_at"] is not None
        assert AuditEvent.objects.filter(action="complaint.acknowledge").count() == 1
        assert Notification.objects.filter(user=org.seller, title__contains=str(case.pk)).count() == 2

    def test_a_second_time_changes_nothing(self, api_as, org, case):
        client = api_as(org.owner)
        client.post(f"/api/v1/complaints/{case.pk}/acknowledge")
        before = snapshot()

        response = client.post(f"/api/v1/complaints/{case.pk}/acknowledge")

        assert response.status_code == 200
        assert snapshot() == before

    def test_a_closed_case_is_409(self, api_as, org, case):
        complaint_close(actor=org.owner, complaint=case, summary="Gelöst")
        before = snapshot()

        response = api_as(org.owner).post(f"/api/v1/complaints/{case.pk}/acknowledge")

        assert response.status_code == 409
        assert response.json()["error"]["code"] == "closed"
        assert snapshot() == before

    @pytest.mark.parametrize(
        ("who", "status"), [("seller", 403), ("quality_head", 404), ("other_seller", 404)]
    )
    def test_who_may_not_changes_nothing(self, api_as, org, case, who, status):
        before = snapshot()

        response = api_as(getattr(org, who)).post(f"/api/v1/complaints/{case.pk}/acknowledge")

        assert response.status_code == status
        assert snapshot() == before

    def test_a_partner_user_gets_404(self, api_as, case, make_user):
        assert (
            api_as(make_user(Role.PARTNER_USER)).post(f"/api/v1/complaints/{case.pk}/acknowledge").status_code
            == 404
        )


class TestReopen:
    def test_the_owner_reopens_with_a_reason(self, api_as, org, case):
        complaint_close(actor=org.owner, complaint=case, summary="Gelöst")

        response = api_as(org.owner).post(f"/api/v1/complaints/{case.pk}/reopen", {"reason": "Neue Risse"})

        assert response.status_code == 200
        body = response.json()
        assert body["status"] == ComplaintStatus.IN_PROGRESS
        assert body["closed_at"] is None
        assert body["reopen_count"] == 1
        assert AuditEvent.objects.get(action="complaint.reopen").changes == {"reason": "Neue Risse"}

    def test_an_open_case_is_409(self, api_as, org, case):
        before = snapshot()

        response = api_as(org.owner).post(f"/api/v1/complaints/{case.pk}/reopen", {"reason": "Neue Risse"})

        assert response.status_code == 409
        assert response.json()["error"]["code"] == "open"
        assert snapshot() == before

    @pytest.mark.parametrize("payload", [{}, {"reason": ""}, {"reason": "x" * 501}, {"reason": "a\x00b"}])
    def test_without_a_clean_reason_is_400(self, api_as, org, case, payload):
        complaint_close(actor=org.owner, complaint=case, summary="Gelöst")
        before = snapshot()

        response = api_as(org.owner).post(f"/api/v1/complaints/{case.pk}/reopen", payload)

        assert response.status_code == 400
        assert snapshot() == before

    @pytest.mark.parametrize(("who", "status"), [("seller", 403), ("quality_head", 404)])
    def test_who_may_not_changes_nothing(self, api_as, org, case, who, status):
        complaint_close(actor=org.owner, complaint=case, summary="Gelöst")
        before = snapshot()

        response = api_as(getattr(org, who)).post(f"/api/v1/complaints/{case.pk}/reopen", {"reason": "Neu"})

        assert response.status_code == status
        assert snapshot() == before
