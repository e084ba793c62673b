"""How many lists the users of one partner organisation may upload per hour (`HANDSCHLAG_PARTNER_UPLOADS_PER_HOUR`).

Every upload starts a mapping run in the worker; the limit keeps one partner from filling the worker's queue.
"""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from handschlag.core.errors import TooManyRequests
from handschlag.core.models import Organisation, User
from handschlag.mapping.models import MappingRun

UPLOAD_WINDOW = dt.timedelta(hours=1)


def partner_upload_rate_check(*, actor: User) -> None:
    """Refuse the upload when the actor's organisation already uploaded the hourly limit of lists.

    Call it inside the transaction that stores the upload: it locks the organisation's row, so two uploads at
    the same moment cannot both take the last place."""
    limit = int(settings.HANDSCHLAG_PARTNER_UPLOADS_PER_HOUR)
    Organisation.objects.select_for_update().filter(pk=actor.organisation_id).first()
    now = timezone.now()
    recent = MappingRun.objects.filter(
        created_by__organisation_id=actor.organisation_id, created_at__gt=now - UPLOAD_WINDOW
    )
    if recent.count() < limit:
        return
    oldest = recent.order_by("created_at").values_list("created_at", flat=True).first() or now
    wait = max(1, math.ceil((oldest + UPLOAD_WINDOW - now).total_seconds()))
    raise TooManyRequests(
        _(
            "Your organisation has uploaded %(limit)s lists within the last hour; at most %(limit)s are "
            "accepted per hour. Please try again in %(minutes)s minutes."
        )
        % {"limit": limit, "minutes": math.ceil(wait / 60)},
        retry_after_seconds=wait,
        field="file",
    )
