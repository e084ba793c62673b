"""Template helpers of the concession pages."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from handschlag.concessions.enums import GetStatus
from handschlag.concessions.models import Concession

register = template.Library()


@register.simple_tag
def get_status_label(entry: Concession, today: dt.date | None = None) -> tuple[str, str]:
    """The return's status on a day (pending past its due date reads overdue) and its label."""
    status = entry.get_status_on(today or timezone.localdate())
    return status, str(GetStatus(status).label)
