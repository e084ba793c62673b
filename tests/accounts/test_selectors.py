"""Account reads: search, filters, tag exactness, ordering, the summary."""

from __future__ import annotations

from decimal import Decimal

import pytest

from handschlag.accounts.enums import AccountStatus, OrderStatus
from handschlag.accounts.selectors import (
    AccountFilters,
    account_detail,
    account_list,
    account_summary_for_user,
)
from handschlag.core.enums import Role
from tests.factories import AccountFactory, OrderFactory

pytestmark = pytest.mark.django_db


def names(user, **filters) -> list[str]:
    return [account.name for account in account_list(user=user, filters=AccountFilters(**filters))]


class TestAccountList:
    @pytest.mark.parametrize(
        ("search", "expected"),
        [
            ("hydr", ["Alpha Hydraulik"]),
            ("ULM", ["Alpha Hydraulik"]),
            ("beta-stahl.de", ["Beta Stahl"]),
            ("sf-2", ["Beta Stahl"]),
            ("SF", []),  # CRM ids match exactly, not as a substring
            ("701", ["Beta Stahl"]),  # postal codes match from the start
            ("173", []),
            ("DE 136 695 976", ["Beta Stahl"]),
            ("  ", ["Alpha Hydraulik", "Beta Stahl"]),
        ],
    )
    def test_search(self, seller, search, expected):
        AccountFactory(
            name="Alpha Hydraulik", city="Ulm", postal_code="89073", external_id="SF-1", domain="alpha.de"
        )
        AccountFactory(
            name="Beta Stahl",
            city="Stuttgart",
            postal_code="70173",
            external_id="SF-2",
            domain="beta-stahl.de",
            vat_id="DE136695976",
        )

        assert names(seller, search=search) == expected

    def test_filters(self, seller, make_user):
        other = make_user(Role.SELLER)
        AccountFactory(name="A", status=AccountStatus.CUSTOMER, owner=seller, country="DE")
        AccountFactory(name="B", status=AccountStatus.PROSPECT, owner=seller, country="AT")
        AccountFactory(name="C", status=AccountStatus.CUSTOMER, owner=other, country="AT")

        assert names(seller, status="customer") == ["A", "C"]
        assert names(seller, owner_id=seller.pk) == ["A", "B"]
        assert names(seller, country="at") == ["B", "C"]
        assert names(seller, status="customer", country="AT", owner_id=other.pk) == ["C"]

    @pytest.mark.parametrize(
        ("tag", "expected"),
        [
            ("A", ["only", "first", "middle", "last"]),
            ("a", ["only", "first", "middle", "last"]),
            ("AB", ["ab"]),
        ],
    )
    def test_tag_filter_is_exact(self, seller, tag, expected):
        AccountFactory(name="only", tags="A")
        AccountFactory(name="first", tags="A,X")
        AccountFactory(name="middle", tags="X,A,Y")
        AccountFactory(name="last", tags="X,A")
        AccountFactory(name="ab", tags="AB,BA")
        AccountFactory(name="none", tags="")

        assert sorted(names(seller, tag=tag)) == sorted(expected)

    def test_ordering(self, seller):
        AccountFactory(name="B", city="Aachen", annual_revenue=Decimal("5"))
        AccountFactory(name="A", city="Zwickau", annual_revenue=Decimal("50"))
        AccountFactory(name="C", city="Aachen", annual_revenue=None)

        assert names(seller) == ["A", "B", "C"]
        assert names(seller, ordering="-name") == ["C", "B", "A"]
        assert names(seller, ordering="city") == ["B", "C", "A"]
        # where accounts without revenue go differs between SQLite and PostgreSQL; the others are sorted
        assert [name for name in names(seller, ordering="-revenue") if name != "C"] == ["A", "B"]
        assert [name for name in names(seller, ordering="revenue") if name != "C"] == ["B", "A"]
        assert names(seller, ordering="nonsense") == ["A", "B", "C"]

    def test_partner_user_sees_nothing(self, partner_user):
        AccountFactory()

        assert names(partner_user) == []


class TestSummaryAndDetail:
    def test_summary_counts_and_open_order_value(self, seller, management_user):
        mine = AccountFactory(owner=seller, status=AccountStatus.CUSTOMER)
        AccountFactory(status=AccountStatus.PROSPECT)
        OrderFactory(account=mine, value=Decimal("100.50"), status=OrderStatus.OPEN)
        OrderFactory(account=mine, value=Decimal("50.00"), status=OrderStatus.SHIPPED)
        OrderFactory(account=mine, value=Decimal("999.00"), status=OrderStatus.DELIVERED)
        OrderFactory(account=mine, value=Decimal("999.00"), status=OrderStatus.CANCELLED)

        assert account_summary_for_user(user=seller) == {
            "total": 2,
            "customers": 1,
            "own": 1,
            "open_order_value": Decimal("150.50"),
        }
        assert account_summary_for_user(user=management_user)["own"] is None

    def test_detail_open_order_value(self):
        account = AccountFactory()
        OrderFactory(account=account, value=Decimal("10.00"), status=OrderStatus.CONFIRMED)
        OrderFactory(account=account, value=Decimal("7.00"), status=OrderStatus.DELIVERED)

        detail = account_detail(account=account)

        assert detail["open_order_value"] == Decimal("10.00")
        assert len(detail["orders"]) == 2
        assert account_detail(account=AccountFactory())["open_order_value"] == Decimal("0.00")


class TestUmlautSearch:
    @pytest.mark.parametrize(
        "search", ["müller", "MÜLLER", "Mueller", "mueller hydraulik", "nürnberg", "NUERNBERG"]
    )
    def test_umlauts_and_case_find_each_other_on_every_database(self, seller, search):
        AccountFactory(name="Müller Hydraulik", city="Nürnberg")
        AccountFactory(name="Miller Stahl", city="Ulm")

        assert names(seller, search=search) == ["Müller Hydraulik"]

    def test_search_key_follows_a_renamed_account(self, seller):
        account = AccountFactory(name="Alt GmbH")
        account.name = "Größer Antriebe"
        account.save(update_fields=["name"])

        assert names(seller, search="groesser") == ["Größer Antriebe"]
