"""ICP fit score by hand, bulk = one by one, versions, and new customers judged against the version valid then."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from random import Random

import pytest

from handschlag.alignment import icp
from handschlag.alignment.inputs import IcpVersionInput
from handschlag.alignment.selectors import (
    icp_band_counts,
    icp_fit_for_accounts,
    icp_version_current,
    new_customers,
    new_customers_per_seller,
    quarter_bounds,
)
from handschlag.alignment.services.icp import icp_version_create
from handschlag.core.enums import Role
from handschlag.core.errors import Forbidden, InvalidInput
from handschlag.core.models import User
from tests.factories import AccountFactory

PROFILE = [
    icp.Criterion("industry", 4, ("maschinenbau", "elektrotechnik")),
    icp.Criterion("employees", 3, minimum=100, maximum=5000),
    icp.Criterion("revenue", 2, minimum=10_000_000),
    icp.Criterion("region", 1, ("de-7", "at")),
]


def test_fit_by_hand() -> None:
    # industry (4) and region DE-7 (1) met, employees 50 not met, revenue unknown: 5 of 10 → 50, band C
    fit = icp.fit_of(icp.CompanyFacts("Maschinenbau", 50, None, "DE", "70173"), PROFILE)
    assert fit is not None
    assert fit.score == 50
    assert fit.band == "C"
    assert fit.reasons == (
        ("industry", "met"),
        ("employees", "not_met"),
        ("revenue", "unknown"),
        ("region", "met"),
    )
    # everything met: 100, A; an Austrian company with any postal code meets "AT"
    best = icp.fit_of(icp.CompanyFacts("Elektrotechnik", 300, Decimal("12000000"), "AT", "1010"), PROFILE)
    assert best is not None
    assert (best.score, best.band) == (100, "A")
    # 3 + 2 = 5 of 10 … a region outside (DE-8) only: industry 0, employees 3, revenue 2 → 50
    assert (
        icp.fit_of(icp.CompanyFacts("Handel", 100, Decimal(10_000_000), "DE", "80331"), PROFILE).score == 50
    )  # type: ignore[union-attr]


def test_bands() -> None:
    assert [icp.band_of(score) for score in (100, 80, 79, 60, 59, 40, 39, 0)] == list("AABBCCDD")


def test_bulk_gives_the_same_as_one_by_one() -> None:
    rng = Random(3)
    rows = [
        (
            number,
            rng.choice(["Maschinenbau", "maschinenbau ", "Handel", ""]),
            rng.choice([None, 50, 100, 5000, 5001]),
            rng.choice([None, Decimal("9999999.99"), Decimal(10_000_000)]),
            rng.choice(["DE", "AT", "", "CH"]),
            rng.choice(["70173", "80331", ""]),
        )
        for number in range(500)
    ]
    bulk = dict(icp.fits_of(rows, PROFILE))
    for number, industry, employees, revenue, country, postal in rows:
        single = icp.fit_of(icp.CompanyFacts(industry, employees, revenue, country, postal), PROFILE)
        assert bulk[number] == single


def test_no_criteria_no_fit() -> None:
    assert icp.fit_of(icp.CompanyFacts(), []) is None
    assert list(icp.fits_of([(1, "", None, None, "", "")], [])) == []


def _version(actor: User, day: dt.date, industries: str, threshold: int = 60) -> None:
    icp_version_create(
        actor=actor,
        data=IcpVersionInput.model_validate(
            {
                "valid_from": day,
                "target_threshold": threshold,
                "criteria": [{"kind": "industry", "weight": 1, "values": industries}],
            }
        ),
    )


@pytest.mark.django_db
def test_versions_and_new_customers_judged_by_the_version_valid_then(
    make_user: Callable[..., User], marketing_user: User, management_user: User
) -> None:
    _version(marketing_user, dt.date(2026, 1, 1), "Maschinenbau")
    _version(marketing_user, dt.date(2026, 8, 1), "Einzelhandel")  # the profile changed in August
    seller = make_user(Role.SELLER)
    other = make_user(Role.SELLER)
    # July: judged by v1 (Maschinenbau) — the retailer is outside, the machine builder inside
    retail = AccountFactory(industry="Einzelhandel", owner=seller, customer_since=dt.date(2026, 7, 30))
    AccountFactory(industry="Maschinenbau", owner=seller, customer_since=dt.date(2026, 7, 10))
    # September: judged by v2 (Einzelhandel)
    AccountFactory(industry="Maschinenbau", owner=other, customer_since=dt.date(2026, 9, 30))
    AccountFactory(
        industry="Einzelhandel", owner=other, customer_since=dt.date(2025, 12, 31)
    )  # before any ICP: Q4
    start, end = quarter_bounds(2026, 3)
    customers = new_customers(user=management_user, start=start, end=end)
    assert len(customers) == 3
    outside = [customer for customer in customers if customer.in_target is False]
    assert {customer.account_id for customer in outside} == {retail.pk, customers[-1].account_id}
    assert [customer.version_number for customer in customers] == [1, 1, 2]
    per_seller = {row.owner_id: row for row in new_customers_per_seller(customers)}
    assert (per_seller[seller.pk].new_customers, per_seller[seller.pk].outside_target) == (2, 1)
    assert per_seller[seller.pk].in_target_share == 50.0
    assert (per_seller[other.pk].new_customers, per_seller[other.pk].outside_target) == (1, 1)
    # the quarter before any profile: unjudged, not "outside"
    q4 = new_customers(user=management_user, start=dt.date(2025, 10, 1), end=dt.date(2025, 12, 31))
    assert [(customer.in_target, customer.version_number) for customer in q4] == [(None, None)]
    # today's version is v2
    current = icp_version_current(on=dt.date(2026, 8, 2))
    assert current is not None
    assert current.number == 2


@pytest.mark.django_db
def test_fit_of_every_account_in_bulk(marketing_user: User, management_user: User) -> None:
    _version(marketing_user, dt.date(2020, 1, 1), "Maschinenbau")
    machine, shop = AccountFactory(industry="Maschinenbau"), AccountFactory(industry="Einzelhandel")
    fits = icp_fit_for_accounts(user=management_user)
    assert (fits[machine.pk].score, fits[shop.pk].score) == (100, 0)
    assert icp_band_counts(user=management_user) == {"A": 1, "B": 0, "C": 0, "D": 1}


@pytest.mark.django_db
def test_only_marketing_manages_the_profile(seller: User, management_user: User) -> None:
    for actor in (seller, management_user):
        with pytest.raises(Forbidden):
            _version(actor, dt.date(2026, 1, 1), "Maschinenbau")


@pytest.mark.django_db
def test_bad_profiles_are_refused(marketing_user: User) -> None:
    def create(criteria: list[dict[str, object]]) -> None:
        icp_version_create(
            actor=marketing_user,
            data=IcpVersionInput.model_validate({"valid_from": "2026-01-01", "criteria": criteria}),
        )

    with pytest.raises(InvalidInput):
        create([{"kind": "industry", "weight": 1, "values": ""}])
    with pytest.raises(InvalidInput):
        create([{"kind": "employees", "weight": 1}])
    with pytest.raises(InvalidInput):
        create([{"kind": "revenue", "weight": 1, "minimum": 10, "maximum": 5}])
    with pytest.raises(InvalidInput):
        create(
            [{"kind": "region", "weight": 1, "values": "DE"}, {"kind": "region", "weight": 2, "values": "AT"}]
        )
