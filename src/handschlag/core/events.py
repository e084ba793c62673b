"""The audit log. Every service that writes calls `audit_record` inside its own transaction."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from django.db import models

from handschlag.core.models import AuditEvent, User


def _json_safe(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    return value


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model,
    summary: str,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        summary=summary[:300],
        changes=_json_safe(changes or {}),
    )
