"""Account pages against every role; forms with errors; query counts; German and English formatting."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from handschlag.accounts.models import Account, Contact, Order
from handschlag.core.enums import Role
from handschlag.core.models import AuditEvent
from tests.conftest import ALL_ROLES
from tests.factories import AccountFactory, ContactFactory, OrderFactory

pytestmark = pytest.mark.django_db

CAN_CREATE = {Role.SELLER, Role.MANAGEMENT, Role.ADMIN}
CAN_EDIT_ANY = {Role.MANAGEMENT, Role.ADMIN}


def snapshot() -> list[tuple[Any, ...]]:
    return [
        *Account.objects.order_by("pk").values_list("pk", "name", "updated_at"),
        *Contact.objects.order_by("pk").values_list("pk", "last_name"),
        *Order.objects.order_by("pk").values_list("pk", "number"),
    ]


class TestReadPagesByRole:
    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_list_detail_and_export(self, page_as, make_user, role):
        account = AccountFactory(name="Sichtbar")
        client = page_as(make_user(role))

        responses = [
            client.get("/accounts/").status_code,
            client.get("/accounts/", headers={"HX-Request": "true"}).status_code,
            client.get(f"/accounts/{account.pk}/").status_code,
            client.get("/accounts/export.csv").status_code,
        ]

        if role == Role.PARTNER_USER:
            assert responses == [404, 404, 404, 404]
        else:
            assert responses == [200, 200, 200, 200]

    def test_anonymous_goes_to_login(self, client):
        account = AccountFactory()

        for path in ["/accounts/", f"/accounts/{account.pk}/", "/accounts/new/", "/accounts/export.csv"]:
            response = client.get(path)
            assert (response.status_code, response["Location"]) == (302, f"/login/?next={path}")

    def test_unknown_account_is_404(self, page_as, admin_user):
        assert page_as(admin_user).get("/accounts/999999/").status_code == 404


class TestWritePagesByRole:
    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_create(self, page_as, make_user, role):
        client = page_as(make_user(role, language="en"))

        form = client.get("/accounts/new/")
        response = client.post("/accounts/new/", {"name": "Neu AG", "status": "prospect", "country": "DE"})

        if role in CAN_CREATE:
            account = Account.objects.get()
            assert form.status_code == 200
            assert (response.status_code, response["Location"]) == (302, f"/accounts/{account.pk}/")
        else:
            denied = 404 if role == Role.PARTNER_USER else 403
            assert (form.status_code, response.status_code) == (denied, denied)
            assert not Account.objects.exists()

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_edit_delete_and_children_of_someone_elses_account(self, page_as, make_user, role):
        account = AccountFactory(owner=make_user(Role.SELLER))
        contact = ContactFactory(account=account)
        order = OrderFactory(account=account)
        client = page_as(make_user(role))
        before = snapshot()

        statuses = [
            client.get(f"/accounts/{account.pk}/edit/").status_code,
            client.post(f"/accounts/{account.pk}/contacts/add/", {"last_name": "Neu"}).status_code,
            client.post(f"/accounts/{account.pk}/contacts/{contact.pk}/", {"last_name": "X"}).status_code,
            client.post(f"/accounts/{account.pk}/orders/{order.pk}/delete/").status_code,
            client.post(f"/accounts/{account.pk}/delete/").status_code,
        ]

        if role in CAN_EDIT_ANY:
            assert statuses == [200, 302, 302, 302, 302]
            assert not Account.objects.exists()
        else:
            denied = 404 if role == Role.PARTNER_USER else 403
            assert statuses == [denied] * 5
            assert snapshot() == before

    def test_seller_edits_his_own_and_adds_children(self, page_as, seller):
        account = AccountFactory(owner=seller, name="Alt")
        client = page_as(seller)

        edited = client.post(
            f"/accounts/{account.pk}/edit/",
            {
                "name": "Neu",
                "status": "customer",
                "owner": seller.pk,
                "country": "DE",
                "annual_revenue": "1.234,56",
            },
        )
        added = client.post(
            f"/accounts/{account.pk}/orders/add/", {"number": "AB-1", "value": "15.000,00", "status": "open"}
        )
        deleted = client.post(f"/accounts/{account.pk}/delete/")

        account.refresh_from_db()
        assert (edited.status_code, added.status_code, deleted.status_code) == (302, 302, 403)
        assert added["Location"] == f"/accounts/{account.pk}/#orders"
        assert (account.name, account.annual_revenue) == ("Neu", Decimal("1234.56"))
        assert Order.objects.get().value == Decimal("15000.00")
        assert AuditEvent.objects.get(action="account.update").changes["name"] == ["Alt", "Neu"]

    def test_unknown_child_kind_is_404(self, page_as, admin_user):
        account = AccountFactory()

        assert page_as(admin_user).post(f"/accounts/{account.pk}/invoices/add/", {}).status_code == 404

    def test_child_of_another_account_is_404(self, page_as, admin_user):
        contact = ContactFactory()
        other = AccountFactory()

        response = page_as(admin_user).post(f"/accounts/{other.pk}/contacts/{contact.pk}/delete/")

        assert response.status_code == 404
        assert Contact.objects.filter(pk=contact.pk).exists()


class TestFormErrors:
    def test_create_with_errors_shows_the_messages(self, page_as, make_user):
        client = page_as(make_user(Role.ADMIN, language="en"))

        response = client.post(
            "/accounts/new/", {"name": "X", "status": "prospect", "country": "DE", "vat_id": "DE123456789"}
        )

        assert response.status_code == 400
        assert "Not a valid VAT id (check the country prefix and the digits)." in response.content.decode()
        assert not Account.objects.exists()

    def test_add_child_with_errors_is_400_with_the_message(self, page_as, make_user):
        admin = make_user(Role.ADMIN, language="en")
        account = AccountFactory()
        OrderFactory(account=account, number="AB-1")

        response = page_as(admin).post(
            f"/accounts/{account.pk}/orders/add/", {"number": "AB-1", "value": "1", "status": "open"}
        )

        assert response.status_code == 400
        assert "This account has an order with this number already." in response.content.decode()
        assert Order.objects.count() == 1


class TestListPage:
    def test_htmx_gets_only_the_results(self, page_as, seller):
        AccountFactory(name="Alpha")

        full = page_as(seller).get("/accounts/").content.decode()
        fragment = page_as(seller).get("/accounts/", headers={"HX-Request": "true"}).content.decode()

        assert "<html" in full
        assert "<html" not in fragment
        assert fragment.lstrip().startswith('<div id="results">')
        assert "Alpha" in fragment

    def test_filters_and_search(self, page_as, seller):
        AccountFactory(name="Alpha Hydraulik", owner=seller, status="customer")
        AccountFactory(name="Beta Hydraulik", status="customer")
        AccountFactory(name="Gamma Stahl", owner=seller, status="prospect")

        content = page_as(seller).get("/accounts/", {"q": "hydraulik", "owner": "me"}).content.decode()

        assert "Alpha Hydraulik" in content
        assert "Beta Hydraulik" not in content
        assert "Gamma Stahl" not in content

    def test_query_count_does_not_depend_on_rows(self, page_as, seller, django_assert_max_num_queries):
        client = page_as(seller)
        AccountFactory.create_batch(2, owner=seller)
        with django_assert_max_num_queries(25) as small:
            client.get("/accounts/")
        AccountFactory.create_batch(40, owner=seller)
        with django_assert_max_num_queries(len(small.captured_queries)):
            client.get("/accounts/")

    def test_detail_query_count_does_not_depend_on_children(
        self, page_as, seller, django_assert_max_num_queries
    ):
        client = page_as(seller)
        account = AccountFactory(owner=seller)
        OrderFactory(account=account)
        # each module adds a section to the account page with its own fixed number of queries (complaints,
        # concessions, co-selling, alignment's fit, possible duplicates); what must not happen is growth below
        with django_assert_max_num_queries(40) as small:
            client.get(f"/accounts/{account.pk}/")
        OrderFactory.create_batch(10, account=account)
        ContactFactory.create_batch(10, account=account)
        with django_assert_max_num_queries(len(small.captured_queries)):
            client.get(f"/accounts/{account.pk}/")


class TestLocale:
    def make_account(self) -> Account:
        account = AccountFactory(annual_revenue=Decimal("1234.56"), customer_since=dt.date(2026, 11, 23))
        OrderFactory(account=account, value=Decimal("1234567.89"), due_date=dt.date(2026, 12, 1))
        return account

    def test_german_by_default(self, page_as, seller):
        account = self.make_account()

        content = page_as(seller).get(f"/accounts/{account.pk}/").content.decode()

        assert "1.234,56 €" in content
        assert "23.11.2026" in content
        assert "1.234.567,89 €" in content
        assert "01.12.2026" in content

    def test_english_after_switching(self, page_as, seller):
        account = self.make_account()
        client = page_as(seller)

        switched = client.post("/language/", {"language": "en", "next": f"/accounts/{account.pk}/"})
        content = client.get(f"/accounts/{account.pk}/").content.decode()

        assert (switched.status_code, switched["Location"]) == (302, f"/accounts/{account.pk}/")
        seller.refresh_from_db()
        assert seller.language == "en"
        assert "1,234.56 €" in content
        assert "2026-11-23" in content
        assert "1.234,56" not in content

    def test_language_switch_refuses_foreign_next_and_unknown_language(self, page_as, seller):
        client = page_as(seller)

        response = client.post("/language/", {"language": "fr", "next": "https://evil.example/"})

        assert response["Location"] == "/"
        seller.refresh_from_db()
        assert seller.language == "de"
