"""Long lists stop counting at a cap and serve no page beyond it (issue 15: no deep offset, no full count)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from handschlag.accounts.models import Account
from handschlag.core.models import User
from handschlag.core.pagination import BoundedPaginator
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_the_count_stops_at_the_cap() -> None:
    AccountFactory.create_batch(12)
    paginator = BoundedPaginator(Account.objects.order_by("pk"), 5, cap=10)
    assert paginator.count == 10
    assert paginator.capped
    assert paginator.num_pages == 2
    assert len(paginator.get_page(99).object_list) == 5  # the last page within the cap
    small = BoundedPaginator(Account.objects.order_by("pk"), 5, cap=100)
    assert small.count == 12
    assert not small.capped


def test_the_account_list_says_when_it_is_capped(
    management_user: User, page_as: Callable[..., Any], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("handschlag.core.pagination.LIST_CAP", 3)
    monkeypatch.setattr(BoundedPaginator.__init__, "__kwdefaults__", {"cap": 3})
    AccountFactory.create_batch(5)
    text = page_as(management_user).get("/accounts/").content.decode()
    assert 'data-testid="list-capped"' in text
    assert "Mehr als 3 Einträge" in text
