"""The weekly e-mail per user: what his home page shows (core/home.py sections' `digest_lines`), every Monday
from HANDSCHLAG_DIGEST_HOUR, exactly once per user and week (a conditional update claims the week before the
mail goes out, so two workers never send it twice). Each user can switch it off on his e-mail settings page."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from handschlag.core.enums import Role
from handschlag.core.home import home_sections_for
from handschlag.core.models import User

logger = logging.getLogger(__name__)
MONDAY = 0


def weekly_digest_lines(user: User) -> list[str]:
    lines: list[str] = []
    for visible in home_sections_for(user):
        if visible.section.digest_lines is not None:
            lines.extend(visible.section.digest_lines(visible.context))
    return lines


def weekly_digests_send(*, now: dt.datetime | None = None) -> int:
    """Send this week's summaries that are due; returns how many went out."""
    local = timezone.localtime(now or timezone.now())
    if local.weekday() != MONDAY or local.hour < settings.HANDSCHLAG_DIGEST_HOUR:
        return 0
    week = local.date()
    candidates = (
        User.objects.filter(is_active=True, weekly_digest=True)
        .exclude(role=Role.PARTNER_USER)
        .exclude(email="")
        .filter(Q(weekly_digest_sent_on__isnull=True) | Q(weekly_digest_sent_on__lt=week))
        .order_by("pk")
    )
    sent = 0
    for user in candidates:
        claimed = (
            User.objects.filter(pk=user.pk)
            .filter(Q(weekly_digest_sent_on__isnull=True) | Q(weekly_digest_sent_on__lt=week))
            .update(weekly_digest_sent_on=week)
        )
        if not claimed:
            continue  # another worker has it
        with translation.override(user.language):
            lines = weekly_digest_lines(user)
            if not lines:
                continue
            subject = _("Your week in handschlag")
            body = "\n".join(
                [
                    _("Good morning,"),
                    "",
                    _("this is what waits for you this week:"),
                    "",
                    *[f"- {line}" for line in lines],
                    "",
                    _("Your overview: %(url)s") % {"url": settings.HANDSCHLAG_BASE_URL.rstrip("/") + "/"},
                    _("You can switch this e-mail off under your e-mail settings."),
                ]
            )
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[user.email])
        sent += 1
    return sent
