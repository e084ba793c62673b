"""Shared helpers of the concession tests: an entry recorded through the service, as the pages and the API do."""

from __future__ import annotations

import datetime as dt
from typing import Any

from handschlag.concessions.inputs import ConcessionInput
from handschlag.concessions.models import Concession
from handschlag.concessions.services import concession_create
from handschlag.core.inputs import input_build
from handschlag.core.models import User

TODAY = dt.date(2026, 11, 20)


def values(account_id: int, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "account_id": account_id,
        "granted_on": TODAY,
        "kind": "discount_percent",
        "percent": "2.00",
        "list_value": "50000.00",
        "reason": "competitor_price",
        "get_kind": "volume_commitment",
        "get_value": "10000.00",
        "get_due_on": TODAY + dt.timedelta(days=90),
        "get_description": "Zwei Maschinen mehr im nächsten Jahr",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def record(actor: User, account_id: int, **overrides: Any) -> Concession:
    return concession_create(actor=actor, data=input_build(ConcessionInput, values(account_id, **overrides)))
