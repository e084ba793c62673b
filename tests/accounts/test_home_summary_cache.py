"""The home page's organisation totals and own count are counted once a minute, not on every view, and a write
counts again."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from handschlag.accounts.selectors import account_summary_for_user
from handschlag.core.models import User
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_totals_are_cached_and_dropped_on_a_write(seller: User) -> None:
    AccountFactory.create_batch(3)
    assert account_summary_for_user(user=seller)["total"] == 3
    with CaptureQueriesContext(connection) as cached:
        summary = account_summary_for_user(user=seller)
    assert summary["total"] == 3
    assert not cached.captured_queries  # the user's own count is kept as long, and dropped by the same writes
    AccountFactory(owner=seller)
    summary = account_summary_for_user(user=seller)
    assert summary["total"] == 4
    assert summary["own"] == 1
