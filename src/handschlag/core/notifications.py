"""In-app notifications with an e-mail alongside (console backend locally, SMTP from the environment).

Call `notify` inside the transaction of the change it reports: the rows commit with it (so an escalation that
is rolled back notifies nobody), and the e-mails leave only after the commit.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Callable, Iterable, Iterator

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation

from handschlag.core.models import Notification, User

logger = logging.getLogger(__name__)
_emails_suppressed: contextvars.ContextVar[bool] = contextvars.ContextVar("emails_suppressed", default=False)


@contextlib.contextmanager
def emails_suppressed() -> Iterator[None]:
    """In-app notifications only, no e-mail (the demo loader writes hundreds of them)."""
    token = _emails_suppressed.set(True)
    try:
        yield
    finally:
        _emails_suppressed.reset(token)


def notify(
    *,
    users: Iterable[User],
    title: str | Callable[[], str],
    url: str = "",
    email: bool = True,
) -> list[Notification]:
    """Notify each active user once. `title` may be a callable, rendered in each recipient's language."""
    recipients: dict[int, User] = {}
    for user in users:
        if user is not None and user.pk and user.is_active:
            recipients.setdefault(user.pk, user)
    notifications = []
    mails: list[tuple[str, str]] = []
    for user in recipients.values():
        with translation.override(user.language or settings.LANGUAGE_CODE):
            text = str(title() if callable(title) else title)[:300]
        notifications.append(Notification(user=user, title=text, url=url[:500]))
        if email and user.email and not _emails_suppressed.get():
            mails.append((user.email, text))
    created = Notification.objects.bulk_create(notifications)
    if mails:
        transaction.on_commit(lambda: _send(mails, url))
    return created


def _send(mails: list[tuple[str, str]], url: str) -> None:
    for address, text in mails:
        try:
            send_mail(
                subject=f"[handschlag] {text}"[:200],
                message=f"{text}\n\n{url}".strip(),
                from_email=None,
                recipient_list=[address],
            )
        except Exception:  # a mail server that is down must not undo the change
            logger.exception("notification e-mail to %s failed", address)


def notifications_mark_read(*, user: User, notification_ids: list[int] | None = None) -> int:
    """Mark the user's unread notifications read (all, or the given ones); returns how many changed.

    Only the user's own rows are touched, so an id of someone else's notification changes nothing.
    """
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())
