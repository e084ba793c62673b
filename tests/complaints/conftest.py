"""A small organisation for complaint tests: production with a head and a process owner, quality without a
rule for some categories, management, a seller with a key account that has open orders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from handschlag.accounts.enums import OrderStatus
from handschlag.accounts.models import Account
from handschlag.complaints.enums import ComplaintCategory
from handschlag.complaints.inputs import ComplaintInput
from handschlag.complaints.models import RoutingRule
from handschlag.core.enums import Role
from handschlag.core.models import Department, User
from tests.factories import AccountFactory, DepartmentFactory, OrderFactory, UserFactory

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN)


@dataclass
class Organisation:
    production: Department
    quality: Department
    head: User  # head of production
    owner: User  # process owner in production, reports to the head
    quality_head: User
    management: User
    seller: User
    other_seller: User
    account: Account
    rule: RoutingRule


@pytest.fixture
def org(db: None) -> Organisation:
    production = DepartmentFactory(name="Produktion")
    quality = DepartmentFactory(name="Qualität")
    management = UserFactory(username="chefin", role=Role.MANAGEMENT, email="chefin@example.test")
    head = UserFactory(
        username="prodchef", role=Role.PROCESS_OWNER, department=production, manager=management
    )
    production.head = head
    production.save()
    owner = UserFactory(username="prodmeister", role=Role.PROCESS_OWNER, department=production, manager=head)
    quality_head = UserFactory(username="qchef", role=Role.PROCESS_OWNER, department=quality)
    quality.head = quality_head
    quality.save()
    seller = UserFactory(username="verkauf", role=Role.SELLER, manager=management)
    other_seller = UserFactory(username="verkauf2", role=Role.SELLER)
    account = AccountFactory(name="Schlüsselkunde Hydraulik", owner=seller)
    OrderFactory(account=account, number="AB-1", value=Decimal("120000.00"), product="Ventilblock VB-40")
    OrderFactory(account=account, number="AB-2", value=Decimal("80000.00"), status=OrderStatus.IN_PRODUCTION)
    OrderFactory(account=account, number="AB-3", value=Decimal("5000.00"), status=OrderStatus.DELIVERED)
    rule = RoutingRule.objects.create(
        category=ComplaintCategory.QUALITY, department=production, process_owner=owner
    )
    return Organisation(
        production=production,
        quality=quality,
        head=head,
        owner=owner,
        quality_head=quality_head,
        management=management,
        seller=seller,
        other_seller=other_seller,
        account=account,
        rule=rule,
    )


def complaint_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Risse im Ventilblock",
        "description": "Zwölf Ventilblöcke der letzten Lieferung haben Haarrisse.",
        "category": ComplaintCategory.QUALITY,
        "severity": "high",
        "product": "Ventilblock VB-40",
    }
    data.update(overrides)
    return data


def complaint_input(account: Account, **overrides: Any) -> ComplaintInput:
    """A new case on `account` (the values of `complaint_data`, changed by `overrides`)."""
    return ComplaintInput(account_id=account.pk, **complaint_data(**overrides))
