"""Accounts are archived, not deleted, once other records point at them (docs/adr/0004); races end in 409."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone, translation

from handschlag.accounts import services
from handschlag.accounts.inputs import AccountInput, AccountPatch, ContactInput, OrderInput
from handschlag.accounts.models import Account, Contact, Order
from handschlag.accounts.selectors import AccountFilters, account_list
from handschlag.complaints.enums import ComplaintCategory, Severity
from handschlag.complaints.models import Complaint
from handschlag.core.enums import Role
from handschlag.core.errors import Conflict
from handschlag.core.models import AuditEvent
from tests.factories import AccountFactory, ContactFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def complaint_on(account: Account, reporter: Any) -> Complaint:
    return Complaint.objects.create(
        account=account,
        reporter=reporter,
        title="Risse",
        description="Haarrisse im Ventilblock.",
        category=ComplaintCategory.QUALITY,
        severity=Severity.HIGH,
        first_response_due=timezone.now(),
        containment_due=timezone.now(),
        resolution_due=timezone.now(),
    )


class TestDelete:
    def test_an_account_with_a_complaint_is_not_deleted_and_the_answer_says_archive(self, admin_user):
        account = AccountFactory(name="Albtal", legal_form="GmbH")
        OrderFactory(account=account)
        complaint_on(account, admin_user)

        with pytest.raises(Conflict) as caught:
            services.account_delete(actor=admin_user, account=account)

        assert caught.value.code == "account_referenced"
        assert caught.value.message == (
            "Albtal GmbH cannot be deleted because other records refer to it (complaints). Archive it instead: "
            "it then disappears from lists and choices and keeps its history."
        )
        assert (Account.objects.count(), Order.objects.count(), AuditEvent.objects.count()) == (1, 1, 0)

    def test_an_account_nothing_points_at_is_deleted_with_what_hangs_on_it(self, admin_user):
        account = AccountFactory()
        ContactFactory(account=account)

        services.account_delete(actor=admin_user, account=account)

        assert (Account.objects.count(), Contact.objects.count()) == (0, 0)
        assert AuditEvent.objects.get().action == "account.delete"


class TestArchive:
    def test_archived_accounts_leave_lists_and_choices_and_come_back(self, admin_user):
        kept = AccountFactory(name="Bleibt")
        gone = AccountFactory(name="Archiviert")
        complaint_on(gone, admin_user)

        services.account_archive(actor=admin_user, account=gone)
        active = list(account_list(user=admin_user, filters=AccountFilters()))
        archived = list(account_list(user=admin_user, filters=AccountFilters(archived=True)))
        services.account_restore(actor=admin_user, account=gone)

        assert (active, archived) == ([kept], [gone])
        assert list(account_list(user=admin_user, filters=AccountFilters())) == [gone, kept]
        assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == [
            "account.archive",
            "account.restore",
        ]
        assert Complaint.objects.get().account == gone

    def test_archiving_twice_records_it_once(self, admin_user):
        account = AccountFactory()

        first = services.account_archive(actor=admin_user, account=account).archived_at
        second = services.account_archive(actor=admin_user, account=account).archived_at

        assert first is not None
        assert first == second
        assert AuditEvent.objects.count() == 1

    @pytest.mark.parametrize(
        "write",
        [
            lambda actor, account: services.account_update(
                actor=actor, account=account, patch=AccountPatch(city="Bonn")
            ),
            lambda actor, account: services.contact_create(
                actor=actor, account=account, data=ContactInput(last_name="Roth")
            ),
            lambda actor, account: services.order_create(
                actor=actor, account=account, data=OrderInput(number="X-1", value=Decimal("1"))
            ),
        ],
    )
    def test_an_archived_account_is_restored_before_it_is_changed(self, admin_user, write):
        account = AccountFactory(city="Ulm")
        services.account_archive(actor=admin_user, account=account)

        with pytest.raises(Conflict) as caught:
            write(admin_user, account)

        assert caught.value.message == "This account is archived. Restore it before changing it."
        assert Account.objects.get().city == "Ulm"
        assert (Contact.objects.count(), Order.objects.count(), AuditEvent.objects.count()) == (0, 0, 1)


class TestApi:
    def test_delete_with_a_complaint_is_409_and_archive_hides_it(self, api_as, make_user):
        admin = make_user(Role.ADMIN, language="en")
        account = AccountFactory()
        complaint_on(account, admin)
        client = api_as(admin)

        refused = client.delete(f"/api/v1/accounts/{account.pk}")
        archived = client.post(f"/api/v1/accounts/{account.pk}/archive")
        listed = client.get("/api/v1/accounts").json()["items"]
        listed_archived = client.get("/api/v1/accounts", archived="true").json()["items"]
        restored = client.post(f"/api/v1/accounts/{account.pk}/restore")

        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "account_referenced"
        assert archived.status_code == 200
        assert archived.json()["archived_at"] is not None
        assert (listed, [item["id"] for item in listed_archived]) == ([], [account.pk])
        assert restored.status_code == 200
        assert restored.json()["archived_at"] is None

    @pytest.mark.parametrize("role", [Role.SELLER, Role.MARKETING])
    def test_archive_by_a_role_without_the_capability_changes_nothing(self, api_as, make_user, role):
        account = AccountFactory()

        response = api_as(make_user(role)).post(f"/api/v1/accounts/{account.pk}/archive")

        assert response.status_code == 403
        assert Account.objects.get().archived_at is None
        assert not AuditEvent.objects.filter(action="account.archive").exists()

    def test_archive_as_partner_user_is_404(self, api_as, partner_user):
        account = AccountFactory()

        assert api_as(partner_user).post(f"/api/v1/accounts/{account.pk}/archive").status_code == 404
        assert Account.objects.get().archived_at is None

    def test_invalid_email_on_a_contact_is_a_field_error(self, api_as, make_user):
        admin = make_user(Role.ADMIN, language="en")
        account = AccountFactory()

        response = api_as(admin).post(
            f"/api/v1/accounts/{account.pk}/contacts", {"last_name": "Roth", "email": "roth@"}
        )

        assert response.status_code == 400
        assert response.json()["error"]["fields"] == {"email": ["Enter a valid e-mail address."]}
        assert not Contact.objects.exists()


class TestPages:
    def test_delete_with_a_complaint_says_archive_and_archive_works(self, page_as, make_user):
        admin = make_user(Role.ADMIN, language="en")
        account = AccountFactory()
        complaint_on(account, admin)
        client = page_as(admin)

        refused = client.post(f"/accounts/{account.pk}/delete/", follow=True)
        archived = client.post(f"/accounts/{account.pk}/archive/", follow=True)
        listed = client.get("/accounts/")

        assert refused.status_code == 200
        assert "cannot be deleted because other records refer to it" in refused.content.decode()
        assert "Restore" in archived.content.decode()
        assert Account.objects.get().archived_at is not None
        assert f"/accounts/{account.pk}/" not in listed.content.decode()

    def test_invalid_email_on_a_contact_is_shown_on_the_form(self, page_as, make_user):
        admin = make_user(Role.ADMIN, language="en")
        account = AccountFactory()

        response = page_as(admin).post(
            f"/accounts/{account.pk}/contacts/add/", {"last_name": "Roth", "email": "roth@"}
        )

        assert response.status_code == 400
        assert "Enter a valid email address." in response.content.decode()
        assert not Contact.objects.exists()


class TestRaces:
    def test_the_loser_of_a_crm_id_race_gets_a_conflict(self, admin_user, monkeypatch):
        """The other request committed between our check and our insert: the database has the last word."""
        AccountFactory(external_id="SF-1")
        monkeypatch.setattr(services, "_crm_id_taken", lambda external_id, account: False)

        with pytest.raises(Conflict):
            services.account_create(actor=admin_user, data=AccountInput(name="X", external_id="SF-1"))

        assert Account.objects.count() == 1
        assert not AuditEvent.objects.exists()

    def test_the_loser_of_an_order_number_race_gets_a_conflict(self, admin_user, monkeypatch):
        order = OrderFactory(number="AB-1")
        monkeypatch.setattr(services, "_check_order_number", lambda number, account, order: None)

        with pytest.raises(Conflict):
            services.order_create(
                actor=admin_user, account=order.account, data=OrderInput(number="AB-1", value=Decimal("1"))
            )

        assert Order.objects.count() == 1
        assert not AuditEvent.objects.exists()

    @pytest.mark.django_db(transaction=True)
    def test_two_creates_with_the_same_crm_id_at_once_one_account_one_409(self, postgres_only, admin_user):
        barrier = threading.Barrier(2)
        outcomes: list[str] = []
        original = services._crm_id_taken

        def checked_then_wait(external_id: str, account: Account | None) -> bool:
            taken = original(external_id, account)
            barrier.wait(timeout=10)  # both have checked before either inserts
            return taken

        def create(name: str) -> None:
            try:
                services.account_create(actor=admin_user, data=AccountInput(name=name, external_id="SF-7"))
                outcomes.append("created")
            except Conflict:
                outcomes.append("conflict")
            finally:
                connection.close()

        services._crm_id_taken = checked_then_wait  # type: ignore[assignment]
        try:
            threads = [threading.Thread(target=create, args=(name,)) for name in ("A", "B")]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
        finally:
            services._crm_id_taken = original  # type: ignore[assignment]

        assert sorted(outcomes) == ["conflict", "created"]
        assert Account.objects.filter(external_id="SF-7").count() == 1
        assert AuditEvent.objects.filter(action="account.create").count() == 1
