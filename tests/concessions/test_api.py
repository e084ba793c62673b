"""/api/v1/concessions per role: a seller sees his accounts' entries, management all, marketing none (403), partner
users 404 for everything; bad input answers 400 with field messages; decisions, the approver's account view."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from handschlag.concessions.enums import ApprovalStatus
from handschlag.concessions.models import Concession
from handschlag.core.enums import Role
from handschlag.core.models import AuditEvent
from tests.concessions.helpers import record
from tests.factories import AccountFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(seller):
    return AccountFactory(owner=seller, name="Hohenlohe Antriebstechnik", customer_since=dt.date(2014, 1, 1))


def body(account_id, **overrides):
    data = {
        "account_id": account_id,
        "granted_on": timezone.localdate().isoformat(),
        "kind": "discount_percent",
        "percent": "8.00",
        "list_value": "50000.00",
        "reason": "threatened_to_leave",
        "get_kind": "nothing",
        "nothing_reason": "Kunde droht mit Wechsel",
    }
    data.update(overrides)
    return data


def test_a_seller_records_and_the_answer_carries_the_eur_value(api_as, seller, account):
    response = api_as(seller).post("/api/v1/concessions", body(account.pk))
    assert response.status_code == 201, response.content
    answer = response.json()
    assert (answer["value"], answer["approval_status"], answer["get_status"]) == (
        "4000.00",
        "pending",
        "none",
    )
    assert answer["basis_value"] == "4000.00"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"percent": "-1"}, "percent"),
        ({"percent": "101"}, "percent"),
        ({"kind": "gift"}, "kind"),
        ({"list_value": "-5"}, "list_value"),
        ({"get_kind": "reference", "get_due_on": "2000-01-01"}, "get_due_on"),
        ({"nothing_reason": ""}, "nothing_reason"),
        ({"value": "1.00"}, "value"),  # the value is computed, never sent
    ],
)
def test_bad_input_answers_400_with_the_field(api_as, seller, account, overrides, field):
    response = api_as(seller).post("/api/v1/concessions", body(account.pk, **overrides))
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Concession.objects.exists()


def test_list_per_role(api_as, make_user, seller, account, management_user, partner_user):
    mine = record(seller, account.pk)
    other_seller = make_user(Role.SELLER)
    other = record(other_seller, AccountFactory(owner=other_seller).pk)
    ids = lambda user: sorted(item["id"] for item in api_as(user).get("/api/v1/concessions").json()["items"])  # noqa: E731
    assert ids(seller) == [mine.pk]
    assert ids(other_seller) == [other.pk]
    assert ids(management_user) == sorted([mine.pk, other.pk])
    assert api_as(make_user(Role.MARKETING)).get("/api/v1/concessions").status_code == 403
    assert api_as(partner_user).get("/api/v1/concessions").status_code == 404
    assert api_as(seller).get(f"/api/v1/concessions/{other.pk}").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/concessions",
        "/api/v1/concessions/approvals",
        "/api/v1/concessions/figures",
        "/api/v1/concessions/trap-list",
        "/api/v1/concessions/waterfall",
        "/api/v1/concessions/settings",
        "/api/v1/concessions/delegations",
        "/api/v1/concessions/{id}",
        "/api/v1/concessions/{id}/account-view",
    ],
)
def test_partner_users_get_404_and_learn_nothing(api_as, partner_user, seller, account, path):
    entry = record(seller, account.pk)
    response = api_as(partner_user).get(path.format(id=entry.pk))
    assert response.status_code == 404
    assert "Hohenlohe" not in response.content.decode()


def test_partner_users_cannot_write(api_as, partner_user, seller, account):
    entry = record(seller, account.pk, percent="8.00")
    client = api_as(partner_user)
    assert client.post("/api/v1/concessions", body(account.pk)).status_code == 404
    assert client.post(f"/api/v1/concessions/{entry.pk}/decision", {"decision": "approve"}).status_code == 404
    assert client.patch(f"/api/v1/concessions/{entry.pk}", {"percent": "1.00"}).status_code == 404
    entry.refresh_from_db()
    assert (entry.approval_status, entry.percent) == (ApprovalStatus.PENDING, 8)


def test_decision_through_the_api(api_as, seller, account, management_user):
    entry = record(seller, account.pk, percent="8.00")
    assert (
        api_as(seller).post(f"/api/v1/concessions/{entry.pk}/decision", {"decision": "approve"}).status_code
        == 403
    )
    response = api_as(management_user).post(
        f"/api/v1/concessions/{entry.pk}/decision",
        {"decision": "reject", "reason": "Ohne Gegenleistung nicht", "revision": entry.revision},
    )
    assert response.status_code == 200
    assert response.json()["approval_status"] == "rejected"
    again = api_as(management_user).post(f"/api/v1/concessions/{entry.pk}/decision", {"decision": "approve"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "decided"
    unchanged = api_as(seller).patch(f"/api/v1/concessions/{entry.pk}", {"percent": "8.00"})
    assert unchanged.status_code == 400
    assert unchanged.json()["error"]["code"] == "unchanged"
    changed = api_as(seller).patch(f"/api/v1/concessions/{entry.pk}", {"percent": "6.00"})
    assert changed.status_code == 200
    assert changed.json()["approval_status"] == "pending"
    assert AuditEvent.objects.filter(action="concession.reject").count() == 1


def test_the_account_view_shows_the_approver_the_history(api_as, seller, account, management_user):
    OrderFactory(account=account, number="AB-1", value="12000.00")
    record(seller, account.pk, granted_on=timezone.localdate() - dt.timedelta(days=200), percent="2.00")
    entry = record(
        seller,
        account.pk,
        percent="8.00",
        get_kind="nothing",
        get_value=None,
        get_due_on=None,
        get_description="",
        nothing_reason="droht",
    )
    answer = api_as(management_user).get(f"/api/v1/concessions/{entry.pk}/account-view").json()
    assert answer["may_decide"] is True
    assert answer["customer_years"] >= 10
    assert len(answer["quarters"]) == 4
    assert [item["id"] for item in answer["gives_without_gets"]] == [entry.pk]
    assert [order["number"] for order in answer["open_orders"]] == ["AB-1"]
    assert answer["open_complaints"] == []
    assert answer["past_complaints"] == []
    assert api_as(seller).get(f"/api/v1/concessions/{entry.pk}/account-view").json()["may_decide"] is False


def test_figures_for_management_only(api_as, seller, management_user, account):
    record(seller, account.pk)
    assert api_as(seller).get("/api/v1/concessions/figures").status_code == 403
    answer = api_as(management_user).get("/api/v1/concessions/figures").json()
    assert answer["total"]["entries"] == 1
    assert api_as(seller).get("/api/v1/concessions/trap-list").status_code == 200
    waterfall = api_as(management_user).get("/api/v1/concessions/waterfall", account_id=account.pk).json()
    assert waterfall["list_value"] == "50000.00"
    assert waterfall["invoice"] == "49000.00"


def test_settings_and_limits_for_admins(api_as, admin_user, management_user):
    assert api_as(management_user).get("/api/v1/concessions/settings").status_code == 403
    answer = api_as(admin_user).get("/api/v1/concessions/settings").json()
    assert answer["interest_rate_percent"] == "6.00"
    assert {limit["role"]: limit["max_value"] for limit in answer["limits"]}["seller"] == "2500.00"
    changed = api_as(admin_user).put(
        "/api/v1/concessions/limits", {"role": "seller", "max_value": "1000.00", "max_percent": "3.00"}
    )
    assert changed.status_code == 200
    assert {limit["role"]: limit["max_percent"] for limit in changed.json()["limits"]}["seller"] == "3.00"
    assert AuditEvent.objects.filter(action="approval_limit.set").count() == 1


def test_delegations_through_the_api(api_as, management_user, seller):
    today = timezone.localdate()
    response = api_as(management_user).post(
        "/api/v1/concessions/delegations",
        {
            "delegate_id": seller.pk,
            "starts_on": today.isoformat(),
            "ends_on": (today + dt.timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 201
    assert [item["delegate_id"] for item in api_as(seller).get("/api/v1/concessions/delegations").json()] == [
        seller.pk
    ]
    assert (
        api_as(seller)
        .post(
            "/api/v1/concessions/delegations",
            {"delegate_id": management_user.pk, "starts_on": today.isoformat(), "ends_on": today.isoformat()},
        )
        .status_code
        == 403
    )


def test_the_list_costs_the_same_queries_for_3_and_12_entries(api_as, page_as, seller, account):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(path: str, client) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    api, page = api_as(seller), page_as(seller)
    api.get("/api/v1/concessions")  # the token's first use is recorded once
    page.get("/concessions/")
    for _ in range(3):
        record(seller, account.pk)
    few = (count("/api/v1/concessions", api), count("/concessions/", page))
    for _ in range(9):
        record(seller, account.pk)
    many = (count("/api/v1/concessions", api), count("/concessions/", page))
    assert many == few
