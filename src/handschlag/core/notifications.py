"""In-app notifications with an e-mail alongside (console backend locally, SMTP from the environment).

    notify(
        users=[complaint.owner],
        message=gettext_noop("Complaint #%(number)s from %(account)s is now yours: %(title)s"),
        params={"number": complaint.pk, "account": account_name, "title": complaint.title},
        url=reverse("complaints:detail", args=[complaint.pk]),
    )

The text is stored untranslated (message + parameters, core/message_text.py) and shown in the reader's language of
the moment: the page and the API in the request's language, an e-mail in the recipient's (`user.language`). Links
in the app stay relative; e-mails carry them absolute, from HANDSCHLAG_BASE_URL.

Each user chooses how e-mail reaches him (`user.notification_email`): one per notification, right after the
commit; a daily digest with everything new, sent by the periodic `notification_digests_task` (core/tasks.py);
or none. Call `notify` inside the transaction of the change it reports: the rows commit with it (so an escalation
that is rolled back notifies nobody), and the e-mails leave only after the commit.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from handschlag.core.enums import NotificationEmail
from handschlag.core.errors import Forbidden, InvalidInput
from handschlag.core.events import audit_record
from handschlag.core.message_text import message_params_encode, message_render
from handschlag.core.models import Notification, NotificationDigest, User

logger = logging.getLogger(__name__)
_emails_suppressed: contextvars.ContextVar[bool] = contextvars.ContextVar("emails_suppressed", default=False)

SUBJECT_PREFIX = "[handschlag] "


@contextlib.contextmanager
def emails_suppressed() -> Iterator[None]:
    """In-app notifications only, no e-mail, none queued for a digest (the demo loader writes hundreds)."""
    token = _emails_suppressed.set(True)
    try:
        yield
    finally:
        _emails_suppressed.reset(token)


def absolute_url(path: str) -> str:
    """A link for an e-mail: the site's address (HANDSCHLAG_BASE_URL) before a path of ours."""
    if not path or path.startswith(("http://", "https://")):
        return path
    return f"{settings.HANDSCHLAG_BASE_URL}/{path.lstrip('/')}"


def _language_of(user: User) -> str:
    return user.language or settings.LANGUAGE_CODE


def notify(
    *,
    users: Iterable[User | None],
    message: str = "",
    params: Mapping[str, object] | None = None,
    url: str = "",
    email: bool = True,
    now: dt.datetime | None = None,
    title: str | Callable[[], str] | None = None,
) -> list[Notification]:
    """Notify each active user once.

    `message` is the English source text, marked with `gettext_noop` (translated when shown); `params` its named
    placeholders (see core/message_text.py for what they may be). `url` is a path of this site. `now` dates the
    notification when the change it reports happened at another time (the demo's past cases).

    `title` (a text, or a callable rendered in each recipient's language) is the old way, kept for callers not
    yet moved to `message`: such a row stays in the language it was written in.
    """
    if not message and title is None:
        raise ValueError("notify needs a message")
    stored = message_params_encode(params or {}) if message else {}
    recipients: dict[int, User] = {}
    for user in users:
        if user is not None and user.pk and user.is_active:
            recipients.setdefault(user.pk, user)
    created_at = now or timezone.now()
    mails_wanted = email and not _emails_suppressed.get()
    notifications = []
    immediate: list[tuple[User, str]] = []
    for user in recipients.values():
        with translation.override(_language_of(user)):
            text = message_render(message, stored) if message else str(title() if callable(title) else title)
        choice = user.notification_email
        wants_mail = mails_wanted and bool(user.email)
        notifications.append(
            Notification(
                user=user,
                title=text[:300],
                message=message,
                params=stored,
                url=url[:500],
                created_at=created_at,
                digest_pending=wants_mail and choice == NotificationEmail.DAILY,
            )
        )
        if wants_mail and choice == NotificationEmail.IMMEDIATE:
            immediate.append((user, text))
    created = Notification.objects.bulk_create(notifications)
    if immediate:
        transaction.on_commit(lambda: _send_immediate(immediate, message, stored, url))
    return created


def _send_immediate(
    recipients: list[tuple[User, str]], message: str, params: dict[str, object], url: str
) -> None:
    for user, first_text in recipients:
        with translation.override(_language_of(user)):
            text = message_render(message, params) if message else first_text
            body = "\n\n".join(part for part in (text, absolute_url(url), _footer()) if part)
            subject = f"{SUBJECT_PREFIX}{text}"[:200]
        try:
            send_mail(subject=subject, message=body, from_email=None, recipient_list=[user.email])
        except Exception:  # a mail server that is down must not undo the change
            logger.exception("notification e-mail to user %s failed", user.pk)


def _footer() -> str:
    return "-- \n" + _("Choose how notifications reach you by e-mail: %(url)s") % {
        "url": absolute_url(reverse("core:notification_settings"))
    }


def notifications_mark_read(*, user: User, notification_ids: list[int] | None = None) -> int:
    """Mark the user's unread notifications read (all, or the given ones); returns how many changed.

    Only the user's own rows are touched, so an id of someone else's notification changes nothing.
    """
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())


@transaction.atomic
def user_notification_email_set(*, actor: User, user: User, notification_email: str) -> User:
    """A user's own choice of how notifications reach him by e-mail; nobody chooses it for someone else."""
    if actor.pk != user.pk:
        raise Forbidden
    if notification_email not in NotificationEmail.values:
        raise InvalidInput.for_field("notification_email", _("Choose one of the offered options."))
    before = user.notification_email
    if before != notification_email:
        user.notification_email = notification_email
        user.save(update_fields=["notification_email"])
        audit_record(
            actor=actor,
            action="user.notification_email",
            target=user,
            summary=f"notification e-mail {notification_email}",
            changes={"notification_email": [before, notification_email]},
        )
    return user


def user_weekly_digest_set(*, actor: User, user: User, enabled: bool) -> User:
    """A user's own choice to get the weekly summary by e-mail (opt-out); nobody chooses it for someone else."""
    if actor.pk != user.pk:
        raise Forbidden
    if user.weekly_digest != enabled:
        user.weekly_digest = enabled
        user.save(update_fields=["weekly_digest"])
        audit_record(
            actor=actor,
            action="user.weekly_digest",
            target=user,
            summary=f"weekly summary {'on' if enabled else 'off'}",
            changes={"weekly_digest": [not enabled, enabled]},
        )
    return user


# --- the daily digest -----------------------------------------------------------------------------------------


@dataclass
class DigestRun:
    sent: int = 0
    failed: list[int] = field(default_factory=list)  # user ids


def digest_cutoff(day: dt.date) -> dt.datetime:
    """The moment a day's digest is due (HANDSCHLAG_DIGEST_HOUR, local time); it carries what came in before."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(settings.HANDSCHLAG_DIGEST_HOUR)))


def notification_digests_send_as_system(*, now: dt.datetime | None = None) -> DigestRun:
    """Send today's digest to everyone with notifications waiting from before today's digest hour.

    Idempotent: each (user, day) is one `NotificationDigest` row, inserted in the transaction that assigns the
    notifications to it; a second run (or a second worker) gets an IntegrityError and sends nothing. The e-mail
    leaves after the commit (at most once: a crash in between loses that one e-mail, docs/adr/0002). A user whose
    digest fails is logged and recorded; the others still get theirs.
    """
    now = now or timezone.now()
    day = timezone.localdate(now)
    cutoff = digest_cutoff(day)
    run = DigestRun()
    if now < cutoff:
        return run
    user_ids = (
        Notification.objects.filter(digest_pending=True, created_at__lt=cutoff)
        .values_list("user_id", flat=True)
        .distinct()
        .order_by("user_id")
    )
    for user_id in list(user_ids):
        try:
            digest = _digest_record(user_id=user_id, day=day, cutoff=cutoff, now=now)
        except Exception:
            logger.exception("daily digest for user %s failed", user_id)
            run.failed.append(user_id)
            continue
        if digest is None:
            continue
        if _digest_send(digest):
            run.sent += 1
        else:
            run.failed.append(user_id)
    return run


def _digest_record(
    *, user_id: int, day: dt.date, cutoff: dt.datetime, now: dt.datetime
) -> NotificationDigest | None:
    try:
        with transaction.atomic():
            digest = NotificationDigest.objects.create(user_id=user_id, day=day, created_at=now)
            Notification.objects.filter(user_id=user_id, digest_pending=True, created_at__lt=cutoff).update(
                digest_pending=False, digest=digest
            )
    except IntegrityError:
        return None  # today's digest was recorded before, by this worker or another
    return digest


def _digest_send(digest: NotificationDigest) -> bool:
    user = digest.user
    notifications = list(digest.notifications.order_by("created_at", "id"))
    try:
        if user.is_active and user.email and notifications:
            subject, body = digest_email(user=user, notifications=notifications)
            send_mail(subject=subject, message=body, from_email=None, recipient_list=[user.email])
    except Exception as error:
        logger.exception("daily digest e-mail to user %s failed", user.pk)
        NotificationDigest.objects.filter(pk=digest.pk).update(
            error=f"{type(error).__name__}: {error}"[:2000]
        )
        return False
    NotificationDigest.objects.filter(pk=digest.pk).update(sent_at=timezone.now())
    return True


def digest_email(*, user: User, notifications: list[Notification]) -> tuple[str, str]:
    """Subject and body of a daily digest, in the recipient's language."""
    with translation.override(_language_of(user)):
        count = len(notifications)
        subject = SUBJECT_PREFIX + ngettext(
            "%(count)s new notification", "%(count)s new notifications", count
        ) % {"count": count}
        lines = [
            ngettext(
                "Good day, here is what came in for you since the last e-mail (%(count)s notification):",
                "Good day, here is what came in for you since the last e-mail (%(count)s notifications):",
                count,
            )
            % {"count": count},
            "",
        ]
        for notification in notifications:
            moment = formats.date_format(timezone.localtime(notification.created_at), "SHORT_DATETIME_FORMAT")
            lines.append(f"- {moment}  {notification.text}")
            if notification.url:
                lines.append(f"  {absolute_url(notification.url)}")
        lines += ["", _footer()]
        return subject[:200], "\n".join(lines)


# --- the demo ---------------------------------------------------------------------------------------------------

DEMO_KEEP_PER_USER = 8
DEMO_UNREAD_WITHIN = dt.timedelta(days=2)
DEMO_UNREAD_AT_MOST = 4
DEMO_READ_AFTER = dt.timedelta(hours=2)


def notifications_tidy_for_demo(*, now: dt.datetime | None = None) -> None:
    """What an inbox looks like after some weeks of use, not a flood on day one: each user keeps his newest few
    notifications; the ones of the last two days (at most a handful) are unread, the older ones read."""
    now = now or timezone.now()
    Notification.objects.filter(created_at__gt=now).delete()  # about what the demo dates after today
    for user_id in Notification.objects.values_list("user_id", flat=True).distinct().order_by("user_id"):
        rows = list(
            Notification.objects.filter(user_id=user_id)
            .order_by("-created_at", "-id")
            .values_list("pk", "created_at")
        )
        keep = rows[:DEMO_KEEP_PER_USER]
        unread = [pk for pk, created_at in keep if now - created_at <= DEMO_UNREAD_WITHIN][
            :DEMO_UNREAD_AT_MOST
        ]
        Notification.objects.filter(pk__in=[pk for pk, _created in rows[DEMO_KEEP_PER_USER:]]).delete()
        for pk, created_at in keep:  # read a little while after it came in
            read_at = None if pk in unread else min(created_at + DEMO_READ_AFTER, now)
            Notification.objects.filter(pk=pk).update(read_at=read_at)
