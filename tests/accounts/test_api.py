"""Accounts API against every role. A denied request must change nothing."""

from __future__ import annotations

from typing import Any

import pytest

from handschlag.accounts.models import Account, Order
from handschlag.core.api_support import Page
from handschlag.core.enums import Role
from handschlag.core.models import AuditEvent
from tests.conftest import ALL_ROLES, INTERNAL_ROLES
from tests.factories import AccountFactory, OrderFactory

pytestmark = pytest.mark.django_db

CAN_CREATE = {Role.SELLER, Role.MANAGEMENT, Role.ADMIN}
CAN_EDIT_ANY = {Role.MANAGEMENT, Role.ADMIN}
CAN_DELETE = {Role.MANAGEMENT, Role.ADMIN}


def account_snapshot() -> list[tuple[Any, ...]]:
    return list(Account.objects.order_by("pk").values_list("pk", "name", "owner_id", "updated_at"))


class TestAuthentication:
    def test_without_token_is_401_with_the_error_shape(self, api_as):
        response = api_as(None).get("/api/v1/accounts")

        assert response.status_code == 401
        assert (
            response.json()
            == {
                "error": {
                    "code": "unauthenticated",
                    "message": "Log in or send a valid API token.",
                    "fields": {},
                }
            }
            or response.json()["error"]["code"] == "unauthenticated"
        )

    def test_revoked_token_is_refused(self, api_as, seller):
        client = api_as(seller)
        seller.api_tokens.update(revoked_at="2026-01-01T00:00:00Z")

        assert client.get("/api/v1/accounts").status_code == 401

    def test_token_of_deactivated_user_is_refused(self, api_as, seller):
        client = api_as(seller)
        seller.is_active = False
        seller.save()

        assert client.get("/api/v1/accounts").status_code == 401


class TestList:
    @pytest.mark.parametrize("role", INTERNAL_ROLES)
    def test_internal_roles_see_accounts(self, api_as, make_user, role):
        AccountFactory.create_batch(3)

        response = api_as(make_user(role)).get("/api/v1/accounts")

        assert response.status_code == 200
        assert response.json()["count"] == 3

    def test_partner_user_is_refused(self, api_as, partner_user):
        AccountFactory.create_batch(2)

        response = api_as(partner_user).get("/api/v1/accounts")

        assert response.status_code == 404
        assert "items" not in response.json()

    def test_filters_search_and_ordering(self, api_as, seller):
        AccountFactory(name="Alpha Hydraulik", city="Ulm", status="customer")
        AccountFactory(name="Beta Hydraulik", city="Köln", status="prospect")
        AccountFactory(name="Gamma Stahlbau", city="Ulm", status="customer")
        client = api_as(seller)

        def names(**query: Any) -> list[str]:
            return [item["name"] for item in client.get("/api/v1/accounts", **query).json()["items"]]

        assert names(q="hydraulik") == ["Alpha Hydraulik", "Beta Hydraulik"]
        assert names(status="customer", ordering="-name") == ["Gamma Stahlbau", "Alpha Hydraulik"]
        assert names(q="ulm", ordering="name") == ["Alpha Hydraulik", "Gamma Stahlbau"]

    def test_pagination(self, api_as, seller):
        AccountFactory.create_batch(7)

        body = api_as(seller).get("/api/v1/accounts", limit=3, offset=6).json()

        assert body["count"] == 7
        assert body["count_capped"] is False
        assert len(body["items"]) == 1

    def test_a_list_row_is_the_account_as_its_detail_answers_it(self, api_as, seller):
        # given accounts with tags, a revenue and none (the list's rows are made without django-ninja's getter)
        AccountFactory(owner=seller, tags="a,b", annual_revenue="1250000.50", employees=40)
        AccountFactory(owner=None, tags="", annual_revenue=None, employees=None)
        client = api_as(seller)

        items = client.get("/api/v1/accounts").json()["items"]

        assert len(items) == 2
        assert any(item["tags"] == ["a", "b"] for item in items)
        for item in items:
            assert item == client.get(f"/api/v1/accounts/{item['id']}").json()

    def test_count_stops_at_the_cap_and_says_so(self, api_as, seller, monkeypatch):
        # given more accounts than the (lowered) cap of counted matches
        monkeypatch.setattr(Page, "count_cap", 5)
        AccountFactory.create_batch(7)

        # when a page is asked for
        body = api_as(seller).get("/api/v1/accounts", limit=3, offset=3).json()

        # then the count is the cap, marked as such, and paging on still works
        assert (body["count"], body["count_capped"]) == (5, True)
        assert len(body["items"]) == 3
        assert len(api_as(seller).get("/api/v1/accounts", limit=3, offset=6).json()["items"]) == 1

    def test_bad_filter_gets_field_error(self, api_as, seller):
        response = api_as(seller).get("/api/v1/accounts", status="friend")

        assert response.status_code == 400
        assert "status" in response.json()["error"]["fields"]

    def test_query_count_does_not_grow_with_rows(self, api_as, seller, django_assert_max_num_queries):
        client = api_as(seller)
        AccountFactory.create_batch(5, owner=seller)
        with django_assert_max_num_queries(6) as small:
            client.get("/api/v1/accounts")
        AccountFactory.create_batch(40, owner=seller)
        with django_assert_max_num_queries(len(small.captured_queries)):
            client.get("/api/v1/accounts")


class TestCreate:
    PAYLOAD = {
        "name": "Neue Firma",
        "domain": "https://www.neue-firma.de/kontakt",
        "postal_code": "1067",
        "city": "Dresden",
        "vat_id": "DE 136 695 976",
        "annual_revenue": "1234567.50",
        "tags": ["A", "B"],
    }

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_by_role(self, api_as, make_user, role):
        user = make_user(role)
        before = account_snapshot()

        response = api_as(user).post("/api/v1/accounts", self.PAYLOAD)

        if role in CAN_CREATE:
            assert response.status_code == 201, response.content
            body = response.json()
            assert body["domain"] == "neue-firma.de"
            assert body["postal_code"] == "01067"
            assert body["vat_id"] == "DE136695976"
            assert body["annual_revenue"] == "1234567.50"
            assert body["tags"] == ["A", "B"]
            assert AuditEvent.objects.filter(action="account.create", target_id=str(body["id"])).count() == 1
        else:
            assert response.status_code == (404 if role == Role.PARTNER_USER else 403)
            assert account_snapshot() == before

    def test_seller_becomes_owner_and_cannot_assign_someone_else(self, api_as, seller, make_user):
        seller.language = "en"
        seller.save()
        colleague = make_user(Role.SELLER)
        client = api_as(seller)

        own = client.post("/api/v1/accounts", {"name": "Meins"}).json()
        refused = client.post("/api/v1/accounts", {"name": "Seins", "owner_id": colleague.pk})

        assert own["owner_id"] == seller.pk
        assert refused.status_code == 400
        assert refused.json()["error"]["fields"] == {"owner_id": ["You can only make yourself the owner."]}
        assert not Account.objects.filter(name="Seins").exists()

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"name": ""}, "name"),
            ({"name": "X", "vat_id": "DE123456789"}, "vat_id"),
            ({"name": "X", "domain": "not a domain"}, "domain"),
            ({"name": "X", "postal_code": "ABC"}, "postal_code"),
            ({"name": "X", "employees": -1}, "employees"),
            ({"name": "X", "annual_revenue": "12,5"}, "annual_revenue"),
            ({"name": "X", "country": "Atlantis"}, "country"),
        ],
    )
    def test_bad_input_names_the_field_and_writes_nothing(self, api_as, admin_user, payload, field):
        response = api_as(admin_user).post("/api/v1/accounts", payload)

        assert response.status_code == 400
        assert field in response.json()["error"]["fields"]
        assert Account.objects.count() == 0

    def test_duplicate_crm_id(self, api_as, admin_user):
        admin_user.language = "en"
        admin_user.save()
        AccountFactory(external_id="SF-1")

        response = api_as(admin_user).post("/api/v1/accounts", {"name": "X", "external_id": "SF-1"})

        assert response.status_code == 400
        assert response.json()["error"]["fields"] == {"external_id": ["Another account has this CRM id."]}


class TestUpdateAndDelete:
    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_update_someone_elses_account_by_role(self, api_as, make_user, role):
        account = AccountFactory(name="Vorher", owner=make_user(Role.SELLER))
        before = account_snapshot()

        response = api_as(make_user(role)).patch(f"/api/v1/accounts/{account.pk}", {"name": "Nachher"})

        if role in CAN_EDIT_ANY:
            assert response.status_code == 200
            assert response.json()["name"] == "Nachher"
        else:
            assert response.status_code == (404 if role == Role.PARTNER_USER else 403)
            assert account_snapshot() == before

    def test_seller_edits_his_own(self, api_as, seller):
        account = AccountFactory(owner=seller)

        response = api_as(seller).patch(f"/api/v1/accounts/{account.pk}", {"city": "Ulm"})

        assert response.status_code == 200
        account.refresh_from_db()
        assert account.city == "Ulm"
        assert AuditEvent.objects.get(action="account.update").changes == {"city": ["Stuttgart", "Ulm"]}

    def test_null_for_a_text_field_is_a_field_error(self, api_as, admin_user):
        account = AccountFactory()

        response = api_as(admin_user).patch(f"/api/v1/accounts/{account.pk}", {"name": None})

        assert response.status_code == 400
        assert "name" in response.json()["error"]["fields"]

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_delete_by_role(self, api_as, make_user, role):
        account = AccountFactory()
        OrderFactory(account=account)

        response = api_as(make_user(role)).delete(f"/api/v1/accounts/{account.pk}")

        if role in CAN_DELETE:
            assert response.status_code == 204
            assert not Account.objects.exists()
            assert not Order.objects.exists()
        else:
            assert response.status_code == (404 if role == Role.PARTNER_USER else 403)
            assert Account.objects.filter(pk=account.pk).exists()

    def test_unknown_id_is_404(self, api_as, admin_user):
        response = api_as(admin_user).get("/api/v1/accounts/999999")

        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


class TestChildren:
    def test_order_lifecycle(self, api_as, seller):
        account = AccountFactory(owner=seller)
        client = api_as(seller)

        created = client.post(
            f"/api/v1/accounts/{account.pk}/orders",
            {"number": "AB-1", "value": "15000.00", "due_date": "2026-12-01"},
        )
        duplicate = client.post(f"/api/v1/accounts/{account.pk}/orders", {"number": "AB-1", "value": "1"})
        order_id = created.json()["id"]
        updated = client.put(
            f"/api/v1/accounts/{account.pk}/orders/{order_id}",
            {"number": "AB-1", "value": "15000.00", "status": "delivered"},
        )

        assert created.status_code == 201
        assert duplicate.status_code == 400
        assert duplicate.json()["error"]["fields"]["number"]
        assert updated.json()["status"] == "delivered"

    def test_child_of_another_account_is_404(self, api_as, admin_user):
        order = OrderFactory()
        other = AccountFactory()

        response = api_as(admin_user).put(
            f"/api/v1/accounts/{other.pk}/orders/{order.pk}", {"number": "X", "value": "1"}
        )

        assert response.status_code == 404
        order.refresh_from_db()
        assert order.number != "X"

    @pytest.mark.parametrize("kind", ["contacts", "orders", "insights"])
    def test_partner_user_cannot_read_children(self, api_as, partner_user, kind):
        account = AccountFactory()

        assert api_as(partner_user).get(f"/api/v1/accounts/{account.pk}/{kind}").status_code == 404


class TestLanguage:
    def test_errors_speak_the_token_owners_language(self, api_as, make_user):
        german, english = make_user(Role.SELLER, language="de"), make_user(Role.SELLER, language="en")

        german_error = api_as(german).post("/api/v1/accounts", {"name": "X", "vat_id": "DE123456789"}).json()
        english_error = (
            api_as(english).post("/api/v1/accounts", {"name": "X", "vat_id": "DE123456789"}).json()
        )

        assert english_error["error"]["fields"]["vat_id"] == [
            "Not a valid VAT id (check the country prefix and the digits)."
        ]
        assert german_error["error"]["fields"]["vat_id"] != english_error["error"]["fields"]["vat_id"]
