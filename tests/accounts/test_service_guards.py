"""Every account write service checks its actor itself: a user without the capability changes nothing.

Given an account owned by one seller, when marketing, a partner user or another seller calls a write service
directly (no page or endpoint in front of it), then the service refuses and neither the data nor the audit log
changes.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from handschlag.accounts import import_services, services
from handschlag.accounts.enums import ImportStatus, InsightKind
from handschlag.accounts.inputs import AccountInput, AccountPatch, ContactInput, InsightInput, OrderInput
from handschlag.accounts.models import Account, Contact, CustomerInsight, ImportRun, Order
from handschlag.core.enums import Role
from handschlag.core.errors import Forbidden, NotFound
from handschlag.core.models import AuditEvent, User
from tests.factories import AccountFactory, ContactFactory, OrderFactory

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, Any]:
    """Everything an account write could touch, in a form that compares exactly."""
    return {
        "accounts": list(Account.objects.order_by("pk").values()),
        "contacts": list(Contact.objects.order_by("pk").values()),
        "orders": list(Order.objects.order_by("pk").values()),
        "insights": list(CustomerInsight.objects.order_by("pk").values()),
        "imports": list(ImportRun.objects.order_by("pk").values()),
        "audit": AuditEvent.objects.count(),
    }


@pytest.fixture
def world(make_user: Callable[..., User]) -> dict[str, Any]:
    owner = make_user(Role.SELLER)
    account = AccountFactory(owner=owner, city="Ulm")
    rejected = ImportRun.objects.create(
        created_by=None, original_name="a.csv", file="imports/x.upload", status=ImportStatus.REJECTED
    )
    return {
        "account": account,
        "contact": ContactFactory(account=account),
        "order": OrderFactory(account=account),
        "insight": CustomerInsight.objects.create(account=account, kind=InsightKind.GOAL, text="Wachsen"),
        "rejected_import": rejected,
    }


WRITES: dict[str, Callable[[User, dict[str, Any]], object]] = {
    "account_create": lambda actor, w: services.account_create(actor=actor, data=AccountInput(name="Neu")),
    "account_update": lambda actor, w: services.account_update(
        actor=actor, account=w["account"], patch=AccountPatch(city="Bonn")
    ),
    "account_delete": lambda actor, w: services.account_delete(actor=actor, account=w["account"]),
    "account_archive": lambda actor, w: services.account_archive(actor=actor, account=w["account"]),
    "account_restore": lambda actor, w: services.account_restore(actor=actor, account=w["account"]),
    "contact_create": lambda actor, w: services.contact_create(
        actor=actor, account=w["account"], data=ContactInput(last_name="Roth")
    ),
    "contact_update": lambda actor, w: services.contact_update(
        actor=actor, contact=w["contact"], data=ContactInput(last_name="Roth")
    ),
    "contact_delete": lambda actor, w: services.contact_delete(actor=actor, contact=w["contact"]),
    "order_create": lambda actor, w: services.order_create(
        actor=actor, account=w["account"], data=OrderInput(number="NEU-1", value=Decimal("1"))
    ),
    "order_update": lambda actor, w: services.order_update(
        actor=actor, order=w["order"], data=OrderInput(number="NEU-1", value=Decimal("1"))
    ),
    "order_delete": lambda actor, w: services.order_delete(actor=actor, order=w["order"]),
    "insight_create": lambda actor, w: services.insight_create(
        actor=actor, account=w["account"], data=InsightInput(kind=InsightKind.RISK, text="Wechsel")
    ),
    "insight_update": lambda actor, w: services.insight_update(
        actor=actor, insight=w["insight"], data=InsightInput(kind=InsightKind.RISK, text="Wechsel")
    ),
    "insight_delete": lambda actor, w: services.insight_delete(actor=actor, insight=w["insight"]),
    "import_run_create": lambda actor, w: import_services.import_run_create(
        actor=actor, upload=SimpleUploadedFile("a.csv", b"Name\nAlpha GmbH\n")
    ),
    "import_run_import_good_rows": lambda actor, w: import_services.import_run_import_good_rows(
        actor=actor, run=w["rejected_import"]
    ),
}

# who may not do it (besides partner users and marketing, who may do none of them)
SELLER_ON_ANOTHER_SELLERS_ACCOUNT = [name for name in WRITES if name != "account_create"]
SELLER_ON_HIS_OWN_ACCOUNT = [
    "account_delete",
    "account_archive",
    "account_restore",
    "import_run_create",
    "import_run_import_good_rows",
]


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("role", [Role.MARKETING, Role.PARTNER_USER, Role.PROCESS_OWNER])
def test_a_role_without_the_capability_changes_nothing(world, make_user, write, role):
    actor = make_user(role)
    before = snapshot()

    with pytest.raises((Forbidden, NotFound)):
        WRITES[write](actor, world)

    assert snapshot() == before


@pytest.mark.parametrize("write", SELLER_ON_ANOTHER_SELLERS_ACCOUNT)
def test_a_seller_on_another_sellers_account_changes_nothing(world, make_user, write):
    actor = make_user(Role.SELLER)
    before = snapshot()

    with pytest.raises(Forbidden):
        WRITES[write](actor, world)

    assert snapshot() == before


@pytest.mark.parametrize("write", SELLER_ON_HIS_OWN_ACCOUNT)
def test_a_seller_may_not_delete_archive_or_import_even_his_own(world, write):
    actor = world["account"].owner
    before = snapshot()

    with pytest.raises(Forbidden):
        WRITES[write](actor, world)

    assert snapshot() == before


def test_a_partner_user_is_told_nothing_about_the_account(world, make_user):
    with pytest.raises(NotFound):
        WRITES["account_update"](make_user(Role.PARTNER_USER), world)


@pytest.mark.parametrize(
    "write", [name for name in WRITES if name not in SELLER_ON_HIS_OWN_ACCOUNT and name != "account_create"]
)
def test_the_owner_may_change_his_account_and_what_hangs_on_it(world, write):
    WRITES[write](world["account"].owner, world)

    assert AuditEvent.objects.count() == 1
