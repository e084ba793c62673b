"""The notifications inbox (core): list, unread badge in the top bar, mark one / all read, only one's own."""

from __future__ import annotations

import pytest
from django.utils import timezone

from handschlag.core.models import Notification
from handschlag.core.notifications import notify
from tests.conftest import ALL_ROLES

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox(make_user):
    user = make_user(language="en", username="reader")
    other = make_user(language="en", username="someone_else")
    notify(users=[user], message="Complaint #7 is routed to you", url="/complaints/7/", email=False)
    notify(users=[user], message="Complaint #8 escalated", url="/complaints/8/", email=False)
    notify(users=[other], message="Not yours", url="/complaints/9/", email=False)
    return user, other


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_has_an_inbox_with_its_own_notifications_only(page_as, make_user, role):
    user = make_user(role, language="en")
    notify(users=[user], message="For you", email=False)
    notify(users=[make_user(language="en")], message="For someone else", email=False)

    content = page_as(user).get("/notifications/").content.decode()

    assert "For you" in content
    assert "For someone else" not in content


def test_login_required(client):
    response = client.get("/notifications/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_top_bar_shows_the_unread_count(page_as, inbox):
    user, _other = inbox

    content = page_as(user).get("/").content.decode()

    assert 'id="notifications-link"' in content
    assert '<span class="count-badge" title="2 unread notifications">2</span>' in content


def test_no_badge_without_unread(page_as, make_user):
    content = page_as(make_user(language="en")).get("/").content.decode()

    assert 'id="notifications-link"' in content
    assert "count-badge" not in content


def test_mark_one_read(page_as, inbox):
    user, _other = inbox
    first = Notification.objects.filter(user=user).order_by("id").first()

    response = page_as(user).post(f"/notifications/{first.pk}/read/", {"next": "/notifications/"})

    assert response.status_code == 302
    assert response["Location"] == "/notifications/"
    first.refresh_from_db()
    assert first.read_at is not None
    assert Notification.objects.filter(user=user, read_at__isnull=True).count() == 1


def test_open_marks_read_and_follows_the_link(page_as, inbox):
    user, _other = inbox
    notification = Notification.objects.get(user=user, url="/complaints/8/")

    response = page_as(user).post(f"/notifications/{notification.pk}/read/", {"open": "1"})

    assert response["Location"] == "/complaints/8/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_open_never_leaves_the_site(page_as, make_user):
    user = make_user(language="en")
    (notification,) = notify(users=[user], message="x", url="https://evil.example/", email=False)

    response = page_as(user).post(f"/notifications/{notification.pk}/read/", {"open": "1"})

    assert response["Location"] == "/notifications/"


def test_htmx_mark_read_returns_the_row(page_as, inbox):
    user, _other = inbox
    notification = Notification.objects.filter(user=user).first()

    response = page_as(user).post(f"/notifications/{notification.pk}/read/", headers={"HX-Request": "true"})

    content = response.content.decode()
    assert response.status_code == 200
    assert content.strip().startswith(f'<li class="notification" id="notification-{notification.pk}">')
    assert "Mark as read" not in content
    # the top bar's count follows (htmx out-of-band swap)
    assert (
        '<a href="/notifications/" class="notifications-link" id="notifications-link" aria-current="page" hx-swap-oob="true">'
        in content
    )
    assert '<span class="count-badge" title="1 unread notification">1</span>' in content


def test_someone_elses_notification_is_not_found_and_stays_unread(page_as, inbox):
    user, other = inbox
    foreign = Notification.objects.get(user=other)

    response = page_as(user).post(f"/notifications/{foreign.pk}/read/")

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.read_at is None


def test_mark_all_read_touches_only_ones_own(page_as, inbox):
    user, other = inbox

    assert page_as(user).get("/notifications/read/").status_code == 405
    response = page_as(user).post("/notifications/read/", follow=True)

    assert Notification.objects.filter(user=user, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(user=other, read_at__isnull=True).count() == 1
    assert "2 notifications marked as read." in response.content.decode()


def test_unread_filter(page_as, inbox):
    user, _other = inbox
    Notification.objects.filter(user=user, url="/complaints/7/").update(read_at=timezone.now())

    content = page_as(user).get("/notifications/?unread=1").content.decode()

    assert "Complaint #8 escalated" in content
    assert "Complaint #7 is routed to you" not in content


def test_old_complaints_url_redirects(page_as, inbox):
    user, _other = inbox

    response = page_as(user).get("/complaints/notifications/")

    assert response.status_code == 301
    assert response["Location"] == "/notifications/"


def test_inbox_and_badge_queries_do_not_grow(page_as, make_user, django_assert_max_num_queries):
    user = make_user(language="en")
    client = page_as(user)
    notify(users=[user], message="one", email=False)
    with django_assert_max_num_queries(12) as small:
        client.get("/notifications/")
    for number in range(30):
        notify(users=[user], message=f"more {number}", email=False)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/notifications/")
