"""Notifications: stored as message + parameters and shown in the reader's language; e-mails with absolute links,
immediately or as one daily digest; the demo's inbox a realistic handful."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils.html import escape
from django.utils.translation import gettext_noop

from handschlag.complaints.enums import EscalationLevel, SlaClock
from handschlag.core.enums import NotificationEmail
from handschlag.core.errors import Forbidden, InvalidInput
from handschlag.core.models import AuditEvent, Notification, NotificationDigest
from handschlag.core.notifications import (
    digest_cutoff,
    emails_suppressed,
    notification_digests_send_as_system,
    notifications_tidy_for_demo,
    notify,
    user_notification_email_set,
)

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
YOURS = gettext_noop("Complaint #%(number)s from %(account)s is now yours: %(title)s")
OVERDUE = gettext_noop("Overdue: %(clock)s of complaint #%(number)s (%(account)s), escalated to %(level)s")
CASE = {"number": 44, "account": "Krause & Scholz AG", "title": "Risse im Schlitten"}
ENGLISH = "Complaint #44 from Krause & Scholz AG is now yours: Risse im Schlitten"
GERMAN = "Reklamation #44 von Krause & Scholz AG liegt jetzt bei Ihnen: Risse im Schlitten"


def berlin(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN)


@pytest.fixture
def base_url(settings):
    settings.HANDSCHLAG_BASE_URL = "https://handschlag.example.com"
    settings.HANDSCHLAG_DIGEST_HOUR = 7
    return settings.HANDSCHLAG_BASE_URL


def set_language(client, language: str) -> None:
    client.post("/language/", {"language": language})


class TestReadersLanguage:
    def test_the_same_notification_in_german_and_in_english(self, page_as, make_user):
        user = make_user(language="de")
        notify(users=[user], message=YOURS, params=CASE, url="/complaints/44/", email=False)
        client = page_as(user)

        german = client.get("/notifications/").content.decode()
        set_language(client, "en")
        english = client.get("/notifications/").content.decode()

        assert escape(GERMAN) in german
        assert escape(ENGLISH) not in german
        assert escape(ENGLISH) in english
        assert escape(GERMAN) not in english
        assert Notification.objects.get(user=user).message == YOURS  # stored once, untranslated

    def test_choice_parameters_are_translated_too(self, page_as, make_user):
        user = make_user(language="en")
        params = {**CASE, "clock": SlaClock.FIRST_RESPONSE, "level": EscalationLevel.OWNER}
        notify(users=[user], message=OVERDUE, params=params, email=False)
        client = page_as(user)

        english = client.get("/notifications/").content.decode()
        set_language(client, "de")
        german = client.get("/notifications/").content.decode()

        assert (
            "Overdue: First response of complaint #44 (Krause &amp; Scholz AG), escalated to Owner" in english
        )
        assert (
            "Überfällig: Erstreaktion bei Reklamation #44 (Krause &amp; Scholz AG), eskaliert an: Verantwortlicher"
            in german
        )
        assert Notification.objects.get().params["clock"] == {
            "choice": "handschlag.complaints.enums.SlaClock",
            "value": "first_response",
        }

    def test_the_api_answers_in_the_users_language(self, api_as, make_user):
        user = make_user(language="de")
        notify(users=[user], message=YOURS, params=CASE, email=False)
        client = api_as(user)

        german = client.get("/api/v1/notifications").json()["items"][0]["text"]
        user.language = "en"
        user.save(update_fields=["language"])
        english = client.get("/api/v1/notifications").json()["items"][0]["text"]

        assert (german, english) == (GERMAN, ENGLISH)

    def test_an_old_row_shows_its_stored_text(self, page_as, make_user):
        user = make_user(language="en")
        Notification.objects.create(user=user, title="Reklamation #3 ist abgeschlossen")

        content = page_as(user).get("/notifications/").content.decode()

        assert "Reklamation #3 ist abgeschlossen" in content

    def test_a_message_that_no_longer_fits_its_parameters_shows_the_first_text(self, make_user):
        user = make_user(language="en")
        (notification,) = notify(users=[user], message=YOURS, params=CASE, email=False)
        Notification.objects.filter(pk=notification.pk).update(params={"number": 44})
        notification.refresh_from_db()

        assert notification.text == ENGLISH

    def test_parameters_that_cannot_be_stored_are_refused(self, make_user):
        user = make_user()

        with pytest.raises(TypeError, match="'owner'"):
            notify(users=[user], message="%(owner)s", params={"owner": user})
        assert not Notification.objects.exists()


class TestImmediateEmail:
    def test_the_email_has_the_absolute_link_in_the_recipients_language(
        self, make_user, base_url, django_capture_on_commit_callbacks
    ):
        german = make_user(language="de", email="de@example.test")
        english = make_user(language="en", email="en@example.test")

        with django_capture_on_commit_callbacks(execute=True):
            notify(users=[german, english], message=YOURS, params=CASE, url="/complaints/44/")

        by_address = {message.to[0]: message for message in mail.outbox}
        assert by_address["de@example.test"].subject == f"[handschlag] {GERMAN}"
        assert by_address["en@example.test"].subject == f"[handschlag] {ENGLISH}"
        for message in mail.outbox:
            assert "https://handschlag.example.com/complaints/44/" in message.body
            assert "\n/complaints/44/" not in message.body
            assert "https://handschlag.example.com/settings/notifications/" in message.body
        # in the app the link stays relative
        assert set(Notification.objects.values_list("url", flat=True)) == {"/complaints/44/"}

    def test_no_email_before_the_commit_nor_when_suppressed(
        self, make_user, django_capture_on_commit_callbacks
    ):
        user = make_user()

        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            notify(users=[user], message=YOURS, params=CASE)
        assert len(callbacks) == 1
        assert mail.outbox == []
        with django_capture_on_commit_callbacks(execute=True), emails_suppressed():
            notify(users=[user], message=YOURS, params=CASE)
        assert mail.outbox == []
        assert not Notification.objects.filter(digest_pending=True).exists()

    @pytest.mark.parametrize("choice", [NotificationEmail.DAILY, NotificationEmail.NONE])
    def test_digest_and_none_users_get_no_immediate_email(
        self, make_user, choice, django_capture_on_commit_callbacks
    ):
        user = make_user(notification_email=choice)

        with django_capture_on_commit_callbacks(execute=True):
            notify(users=[user], message=YOURS, params=CASE)

        assert mail.outbox == []
        assert Notification.objects.get(user=user).digest_pending is (choice == NotificationEmail.DAILY)


class TestDailyDigest:
    def notify_at(self, users, moment, number=44):
        return notify(
            users=users,
            message=YOURS,
            params={**CASE, "number": number},
            url=f"/complaints/{number}/",
            now=moment,
        )

    def test_one_digest_a_day_with_what_came_in_and_never_twice(self, make_user, base_url):
        daily = make_user(language="en", notification_email=NotificationEmail.DAILY, email="d@example.test")
        self.notify_at([daily], berlin(2026, 3, 2, 15))
        self.notify_at([daily], berlin(2026, 3, 3, 6, 30), number=45)
        self.notify_at([daily], berlin(2026, 3, 3, 8), number=46)  # after the digest hour: tomorrow's

        run = notification_digests_send_as_system(now=berlin(2026, 3, 3, 7, 5))
        again = notification_digests_send_as_system(now=berlin(2026, 3, 3, 9))

        assert (run.sent, again.sent) == (1, 0)
        (message,) = mail.outbox
        assert message.to == ["d@example.test"]
        assert message.subject == "[handschlag] 2 new notifications"
        assert "Complaint #44 from Krause & Scholz AG is now yours" in message.body
        assert "https://handschlag.example.com/complaints/45/" in message.body
        assert "#46" not in message.body
        digest = NotificationDigest.objects.get()
        assert (digest.user, digest.day, digest.error) == (daily, dt.date(2026, 3, 3), "")
        assert digest.sent_at is not None
        assert sorted(digest.notifications.values_list("params__number", flat=True)) == [44, 45]

        tomorrow = notification_digests_send_as_system(now=berlin(2026, 3, 4, 7))

        assert tomorrow.sent == 1
        assert len(mail.outbox) == 2
        assert "#46" in mail.outbox[1].body
        assert "#44" not in mail.outbox[1].body
        assert NotificationDigest.objects.count() == 2

    def test_not_before_the_digest_hour(self, make_user):
        daily = make_user(notification_email=NotificationEmail.DAILY)
        self.notify_at([daily], berlin(2026, 3, 2, 15))

        run = notification_digests_send_as_system(now=berlin(2026, 3, 3, 6, 59))

        assert run.sent == 0
        assert mail.outbox == []
        assert not NotificationDigest.objects.exists()
        assert digest_cutoff(dt.date(2026, 3, 3)) == berlin(2026, 3, 3, 7)

    def test_immediate_users_get_no_digest(self, make_user):
        immediate = make_user(notification_email=NotificationEmail.IMMEDIATE)
        self.notify_at([immediate], berlin(2026, 3, 2, 15))
        mail.outbox.clear()

        run = notification_digests_send_as_system(now=berlin(2026, 3, 3, 8))

        assert run.sent == 0
        assert mail.outbox == []
        assert not NotificationDigest.objects.exists()

    def test_in_the_recipients_language(self, make_user):
        daily = make_user(language="de", notification_email=NotificationEmail.DAILY)
        self.notify_at([daily], berlin(2026, 3, 2, 15))

        notification_digests_send_as_system(now=berlin(2026, 3, 3, 8))

        (message,) = mail.outbox
        assert message.subject == "[handschlag] 1 neue Benachrichtigung"
        assert "02.03.2026 15:00" in message.body
        assert GERMAN in message.body

    def test_a_failing_mail_is_recorded_and_the_others_still_get_theirs(self, make_user, monkeypatch):
        first = make_user(notification_email=NotificationEmail.DAILY, email="broken@example.test")
        second = make_user(notification_email=NotificationEmail.DAILY, email="ok@example.test")
        self.notify_at([first, second], berlin(2026, 3, 2, 15))
        from handschlag.core import notifications

        real_send = notifications.send_mail

        def send(**kwargs):
            if kwargs["recipient_list"] == ["broken@example.test"]:
                raise ConnectionRefusedError("mail server down")
            return real_send(**kwargs)

        monkeypatch.setattr(notifications, "send_mail", send)

        run = notification_digests_send_as_system(now=berlin(2026, 3, 3, 8))

        assert (run.sent, run.failed) == (1, [first.pk])
        assert [message.to for message in mail.outbox] == [["ok@example.test"]]
        failed = NotificationDigest.objects.get(user=first)
        assert failed.sent_at is None
        assert "mail server down" in failed.error
        # recorded: the next run does not send the same digest again
        assert notification_digests_send_as_system(now=berlin(2026, 3, 3, 9)).sent == 0

    def test_the_worker_runs_it_as_a_bulk_periodic_task(self):
        from handschlag.core.tasks import periodic_tasks

        (task,) = [task for task in periodic_tasks() if task.name.endswith("notification_digests_task")]
        assert (task.queue, task.every) == ("bulk", dt.timedelta(minutes=15))


class TestSettings:
    def test_the_user_chooses_the_digest_on_his_settings_page(self, page_as, make_user):
        user = make_user(language="en")
        client = page_as(user)

        page = client.get("/settings/notifications/").content.decode()
        response = client.post("/settings/notifications/", {"notification_email": "daily"})

        assert "Once a day, one e-mail with everything new (daily digest)" in page
        assert response.status_code == 302
        user.refresh_from_db()
        assert user.notification_email == NotificationEmail.DAILY
        assert (
            AuditEvent.objects.filter(action="user.notification_email", target_id=str(user.pk)).count() == 1
        )

    def test_the_user_menu_links_to_it_in_german(self, page_as, make_user):
        content = page_as(make_user(language="de")).get("/notifications/").content.decode()

        assert '<a href="/settings/notifications/">E-Mail-Benachrichtigungen</a>' in content

    def test_an_unknown_choice_changes_nothing(self, page_as, make_user):
        user = make_user(language="en")

        response = page_as(user).post("/settings/notifications/", {"notification_email": "hourly"})

        assert response.status_code == 200
        user.refresh_from_db()
        assert user.notification_email == NotificationEmail.IMMEDIATE

    def test_nobody_chooses_for_someone_else(self, make_user):
        actor, other = make_user("admin"), make_user()

        with pytest.raises(Forbidden):
            user_notification_email_set(actor=actor, user=other, notification_email="none")
        with pytest.raises(InvalidInput):
            user_notification_email_set(actor=other, user=other, notification_email="hourly")
        other.refresh_from_db()
        assert other.notification_email == NotificationEmail.IMMEDIATE
        assert not AuditEvent.objects.filter(action="user.notification_email").exists()


class TestDemoInbox:
    def test_a_handful_per_user_the_recent_ones_unread_dated_when_they_happened(self, make_user):
        now = berlin(2026, 3, 3, 12)
        seller = make_user()
        for day in range(60):
            notify(
                users=[seller],
                message=YOURS,
                params={**CASE, "number": day},
                now=now - dt.timedelta(days=day, hours=1),
                email=False,
            )

        notifications_tidy_for_demo(now=now)

        kept = list(Notification.objects.filter(user=seller).order_by("-created_at"))
        assert len(kept) == 8
        assert [notification.params["number"] for notification in kept] == list(range(8))
        assert [notification.read_at is None for notification in kept] == [
            True,
            True,
            False,
            False,
            False,
            False,
            False,
            False,
        ]
        assert all(
            notification.read_at is None or notification.read_at > notification.created_at
            for notification in kept
        )


def test_the_loaded_demo_gives_each_user_a_handful_dated_at_load_time():
    from django.core.management import call_command
    from django.db.models import Count, Max, Min, Q
    from django.utils import timezone

    before = timezone.now()
    call_command("demo", "--size", "small", stdout=io.StringIO())

    per_user = Notification.objects.values("user__username").annotate(
        total=Count("id"),
        unread=Count("id", filter=Q(read_at__isnull=True)),
        newest=Max("created_at"),
        oldest=Min("created_at"),
    )
    counts = {row["user__username"]: (row["total"], row["unread"]) for row in per_user}
    assert counts["verkauf"][0] >= 3
    assert all(total <= 8 and unread <= 4 for total, unread in counts.values()), counts
    assert all(row["newest"] <= timezone.now() for row in per_user)
    assert any(
        row["oldest"] < before - dt.timedelta(days=1) for row in per_user
    )  # dated when their cases happened


def test_loading_the_demo_mails_no_one(django_capture_on_commit_callbacks):
    """The demo's history notifies in the app; its mails (also those of work run after the commit, such as the
    concessions' approval requests) would go to the demo's addresses through a real mail server."""
    from django.core.management import call_command

    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo", "--size", "small", stdout=io.StringIO())

    assert Notification.objects.exists()
    assert mail.outbox == []
