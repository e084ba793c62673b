"""Writes to accounts and orders drop the cached home-page totals (accounts/selectors.py)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from handschlag.accounts.models import Account, Order
from handschlag.accounts.selectors import account_summary_invalidate


def _changed(sender: Any, **kwargs: Any) -> None:
    account_summary_invalidate()


def account_signals_connect() -> None:
    for model in (Account, Order):
        post_save.connect(_changed, sender=model, dispatch_uid=f"summary-{model.__name__}-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"summary-{model.__name__}-delete")
