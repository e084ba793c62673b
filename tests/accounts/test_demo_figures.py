"""The demo's companies have head counts and revenues that fit each other, and the demo stays deterministic."""

from __future__ import annotations

from decimal import Decimal

import pytest

from handschlag.accounts.demo import build_accounts
from handschlag.accounts.models import Account
from handschlag.core.demo import build_organisation
from handschlag.core.passwords import demo_passwords_allowed

pytestmark = pytest.mark.django_db

# revenue per employee of German Mittelstand firms: about 80.000 € (services) to 400.000 € (wholesale)
LOW, HIGH = Decimal(80_000), Decimal(400_000)


def _figures(seed: int) -> list[tuple[str, int | None, Decimal | None]]:
    with demo_passwords_allowed():
        context = build_organisation(size="small", seed=seed)
        accounts = build_accounts(context, count=120)
    return [(account.name, account.employees, account.annual_revenue) for account in accounts]


def test_revenue_fits_the_head_count_of_every_demo_account() -> None:
    figures = _figures(2026)

    implausible = [
        (name, employees, revenue)
        for name, employees, revenue in figures
        if not employees or revenue is None or not LOW <= revenue / employees <= HIGH
    ]
    assert implausible == []
    small = [revenue for _name, employees, revenue in figures if employees is not None and employees <= 40]
    assert small
    assert max(small) < Decimal(20_000_000)  # a firm of 40 people does not make 299 Mio €


def test_the_demo_figures_are_deterministic() -> None:
    first = _figures(2026)
    Account.objects.all().delete()

    assert _figures(2026) == first
