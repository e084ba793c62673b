"""Account services: the rules every interface shares (owners, normalisation, audit with changes)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from handschlag.accounts.enums import InsightKind, OrderStatus
from handschlag.accounts.inputs import AccountInput, AccountPatch, ContactInput, InsightInput, OrderInput
from handschlag.accounts.models import Account, Contact, CustomerInsight, Order
from handschlag.accounts.services import (
    account_create,
    account_delete,
    account_update,
    contact_create,
    contact_delete,
    contact_update,
    insight_create,
    insight_update,
    order_create,
    order_update,
)
from handschlag.core.enums import Role
from handschlag.core.errors import InvalidInput
from handschlag.core.inputs import input_build
from handschlag.core.models import AuditEvent
from tests.factories import AccountFactory, ContactFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def fields_of(error: pytest.ExceptionInfo[InvalidInput]) -> dict[str, list[str]]:
    return error.value.fields


class TestAccountInput:
    def test_values_are_normalised(self, admin_user):
        data = input_build(
            AccountInput,
            {
                "name": "  Müller Hydraulik ",
                "domain": "https://www.Mueller-Hydraulik.de/impressum",
                "postal_code": "1067",
                "country": "Deutschland",
                "vat_id": "de 136 695 976",
                "tags": " A ; B ,, C ",
            },
        )

        account = account_create(actor=admin_user, data=data)

        account.refresh_from_db()
        assert (
            account.name,
            account.domain,
            account.postal_code,
            account.country,
            account.vat_id,
            account.tags,
        ) == (
            "Müller Hydraulik",
            "mueller-hydraulik.de",
            "01067",
            "DE",
            "DE136695976",
            "A,B,C",
        )
        assert account.owner is None  # management may leave it open

    def test_all_field_errors_at_once(self):
        with pytest.raises(InvalidInput) as caught:
            input_build(
                AccountInput,
                {
                    "name": " ",
                    "domain": "kein domain",
                    "country": "Atlantis",
                    "vat_id": "DE123456789",
                    "employees": -1,
                    "annual_revenue": "-1",
                    "status": "friend",
                },
            )

        assert sorted(fields_of(caught)) == [
            "annual_revenue",
            "country",
            "domain",
            "employees",
            "name",
            "status",
            "vat_id",
        ]
        assert fields_of(caught)["name"] == ["The company name is required."]
        assert fields_of(caught)["domain"] == ["Not a web address or domain."]

    def test_unknown_fields_are_refused(self):
        with pytest.raises(InvalidInput) as caught:
            input_build(AccountInput, {"name": "X", "ignored": "x"})

        assert list(fields_of(caught)) == ["ignored"]

    def test_a_patch_refuses_null_for_a_text_field_but_knows_what_was_sent(self):
        with pytest.raises(InvalidInput) as caught:
            input_build(AccountPatch, {"city": None})
        patch = input_build(AccountPatch, {"city": " Bonn ", "employees": None})

        assert fields_of(caught) == {"city": ["This field cannot be null."]}
        assert patch.given() == {"city": "Bonn", "employees": None}


class TestAccountCreate:
    def test_seller_becomes_owner(self, seller):
        account = account_create(actor=seller, data=AccountInput(name="Meins"))

        assert account.owner == seller

    def test_seller_cannot_make_a_colleague_the_owner(self, seller, make_user):
        with pytest.raises(InvalidInput) as caught:
            account_create(actor=seller, data=AccountInput(name="X", owner_id=make_user(Role.SELLER).pk))

        assert fields_of(caught) == {"owner_id": ["You can only make yourself the owner."]}
        assert not Account.objects.exists()

    @pytest.mark.parametrize("kind", ["partner", "inactive"])
    def test_owner_must_be_an_active_internal_user(self, admin_user, make_user, kind):
        owner = make_user(Role.PARTNER_USER) if kind == "partner" else make_user(Role.SELLER, is_active=False)

        with pytest.raises(InvalidInput) as caught:
            account_create(actor=admin_user, data=AccountInput(name="X", owner_id=owner.pk))

        assert fields_of(caught) == {"owner_id": ["The owner must be an active user of our company."]}

    def test_unknown_owner(self, admin_user):
        with pytest.raises(InvalidInput) as caught:
            account_create(actor=admin_user, data=AccountInput(name="X", owner_id=999_999))

        assert fields_of(caught) == {"owner_id": ["No such user."]}

    def test_postal_code_checked_against_the_country(self, admin_user):
        with pytest.raises(InvalidInput) as caught:
            account_create(actor=admin_user, data=AccountInput(name="X", country="AT", postal_code="80331"))

        assert fields_of(caught) == {"postal_code": ["Not a postal code of AT."]}

    def test_duplicate_crm_id(self, admin_user):
        AccountFactory(external_id="SF-1")

        with pytest.raises(InvalidInput) as caught:
            account_create(actor=admin_user, data=AccountInput(name="X", external_id="SF-1"))

        assert fields_of(caught) == {"external_id": ["Another account has this CRM id."]}

    def test_audit_event(self, seller):
        account = account_create(actor=seller, data=AccountInput(name="Alpha", city="Ulm"))

        event = AuditEvent.objects.get()
        assert (event.action, event.actor, event.target_type, event.target_id) == (
            "account.create",
            seller,
            "accounts.account",
            str(account.pk),
        )
        assert event.changes == {"name": "Alpha", "city": "Ulm", "owner": seller.pk}


class TestAccountUpdate:
    def test_changes_are_audited_old_and_new(self, admin_user):
        account = AccountFactory(city="Ulm", annual_revenue=Decimal("10.00"))

        account_update(
            actor=admin_user, account=account, patch=AccountPatch(city="Köln", annual_revenue=Decimal("12.5"))
        )

        event = AuditEvent.objects.get(action="account.update")
        assert event.changes == {"city": ["Ulm", "Köln"], "annual_revenue": ["10.00", "12.5"]}

    def test_no_change_no_event(self, admin_user):
        account = AccountFactory(city="Ulm")

        account_update(actor=admin_user, account=account, patch=input_build(AccountPatch, {"city": " Ulm "}))

        assert not AuditEvent.objects.exists()

    def test_seller_may_keep_the_current_owner_but_not_hand_over(self, seller, make_user):
        colleague = make_user(Role.SELLER)
        account = AccountFactory(owner=seller)

        account_update(actor=seller, account=account, patch=AccountPatch(owner_id=seller.pk, city="Bonn"))
        with pytest.raises(InvalidInput):
            account_update(actor=seller, account=account, patch=AccountPatch(owner_id=colleague.pk))

        account.refresh_from_db()
        assert (account.owner, account.city) == (seller, "Bonn")

    def test_management_assigns_any_owner(self, management_user, make_user):
        colleague = make_user(Role.SELLER)
        account = AccountFactory()

        account_update(actor=management_user, account=account, patch=AccountPatch(owner_id=colleague.pk))

        account.refresh_from_db()
        assert account.owner == colleague

    def test_own_crm_id_is_no_clash(self, admin_user):
        account = AccountFactory(external_id="SF-1")

        account_update(actor=admin_user, account=account, patch=AccountPatch(external_id="SF-1", name="Neu"))

        assert Account.objects.get().name == "Neu"

    def test_delete_cascades_and_is_audited(self, admin_user):
        account = AccountFactory(name="Weg", external_id="SF-9")
        OrderFactory(account=account)
        ContactFactory(account=account)

        account_delete(actor=admin_user, account=account)

        assert (Account.objects.count(), Order.objects.count(), Contact.objects.count()) == (0, 0, 0)
        assert AuditEvent.objects.get(action="account.delete").changes == {
            "name": "Weg",
            "external_id": "SF-9",
        }


class TestChildren:
    def test_contact_needs_a_last_name(self):
        with pytest.raises(InvalidInput) as caught:
            input_build(ContactInput, {"first_name": "Anna", "last_name": " "})

        assert fields_of(caught) == {"last_name": ["The last name is required."]}

    @pytest.mark.parametrize("email", ["anna@", "anna roth@example.de", "@example.de", "a@b@c.de"])
    def test_contact_email_is_checked(self, email):
        with pytest.raises(InvalidInput) as caught:
            input_build(ContactInput, {"last_name": "Roth", "email": email})

        assert fields_of(caught) == {"email": ["Enter a valid e-mail address."]}

    def test_contact_lifecycle(self, admin_user):
        account = AccountFactory()

        contact = contact_create(
            actor=admin_user, account=account, data=ContactInput(first_name=" Anna ", last_name="Roth")
        )
        contact_update(
            actor=admin_user,
            contact=contact,
            data=ContactInput(first_name="Anna", last_name="Roth", position="Einkauf"),
        )
        contact_delete(actor=admin_user, contact=contact)

        assert contact.first_name == "Anna"
        assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
            "contact.create",
            "contact.update",
            "contact.delete",
        ]
        assert AuditEvent.objects.get(action="contact.update").changes == {"position": ["", "Einkauf"]}

    def test_order_rules(self, admin_user):
        account = AccountFactory()
        order_create(actor=admin_user, account=account, data=OrderInput(number="AB-1", value=Decimal("5")))

        with pytest.raises(InvalidInput) as shape:
            input_build(OrderInput, {"number": " ", "value": "-1", "status": "lost"})
        with pytest.raises(InvalidInput) as clash:
            order_create(
                actor=admin_user, account=account, data=OrderInput(number="AB-1", value=Decimal("1"))
            )

        assert sorted(fields_of(shape)) == ["number", "status", "value"]
        assert fields_of(clash) == {"number": ["This account has an order with this number already."]}
        assert Order.objects.count() == 1

    def test_same_order_number_on_another_account_is_fine(self, admin_user):
        OrderFactory(number="AB-1")

        order = order_create(
            actor=admin_user, account=AccountFactory(), data=OrderInput(number="AB-1", value=Decimal("1"))
        )

        assert order.pk is not None

    def test_order_update_keeps_its_own_number(self, admin_user):
        order = OrderFactory(number="AB-1", value=Decimal("10.00"), due_date=None, product="")

        order_update(
            actor=admin_user,
            order=order,
            data=OrderInput(number="AB-1", value=Decimal("10.00"), status=OrderStatus.SHIPPED),
        )

        order.refresh_from_db()
        assert order.status == OrderStatus.SHIPPED
        assert AuditEvent.objects.get(action="order.update").changes == {"status": ["open", "shipped"]}

    def test_insight_rules(self, admin_user):
        account = AccountFactory()
        insight = insight_create(
            actor=admin_user,
            account=account,
            data=InsightInput(
                kind=InsightKind.RISK, text="Lieferant wechselt", review_date=dt.date(2026, 3, 1)
            ),
        )

        with pytest.raises(InvalidInput) as caught:
            input_build(InsightInput, {"kind": "wish", "text": ""})
        insight_update(
            actor=admin_user, insight=insight, data=InsightInput(kind=InsightKind.GOAL, text="Zweitlieferant")
        )

        assert sorted(fields_of(caught)) == ["kind", "text"]
        assert fields_of(caught)["text"] == ["Describe it in a sentence."]
        assert CustomerInsight.objects.values_list("kind", "text", "review_date").get() == (
            InsightKind.GOAL,
            "Zweitlieferant",
            None,
        )
