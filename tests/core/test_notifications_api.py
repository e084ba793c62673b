"""/api/v1/notifications: every role lists and marks only his own; the e-mail choice in the API."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from handschlag.core.models import Notification
from handschlag.core.notifications import notify
from tests.conftest import ALL_ROLES

pytestmark = pytest.mark.django_db


def unread_of(user) -> list[str]:
    return list(
        Notification.objects.filter(user=user, read_at__isnull=True)
        .order_by("id")
        .values_list("title", flat=True)
    )


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_lists_only_his_own(api_as, make_user, role):
    user = make_user(role, language="en")
    other = make_user(language="en")
    for number in range(3):
        notify(users=[user], message=f"Yours {number}", url=f"/complaints/{number}/", email=False)
    notify(users=[other], message="Not yours", email=False)

    body = api_as(user).get("/api/v1/notifications", limit=2).json()

    assert body["count"] == 3
    assert [item["text"] for item in body["items"]] == ["Yours 2", "Yours 1"]
    assert set(body["items"][0]) == {"id", "text", "url", "created_at", "read_at"}
    assert body["items"][0]["url"] == "/complaints/2/"  # relative in the app


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_marks_only_his_own_read(api_as, make_user, role):
    user = make_user(role, language="en")
    other = make_user(language="en")
    (mine,) = notify(users=[user], message="Yours", email=False)
    (theirs,) = notify(users=[other], message="Not yours", email=False)
    client = api_as(user)

    denied = client.post(f"/api/v1/notifications/{theirs.pk}/read")
    ignored = client.post("/api/v1/notifications/read", {"ids": [theirs.pk]})
    marked = client.post(f"/api/v1/notifications/{mine.pk}/read")

    assert denied.status_code == 404
    assert ignored.json() == {"marked": 0}
    assert unread_of(other) == ["Not yours"]
    assert marked.status_code == 200
    assert marked.json()["read_at"] is not None
    assert unread_of(user) == []


def test_unread_filter_and_mark_all(api_as, make_user):
    user = make_user(language="en")
    first, _second, _third = (
        notify(users=[user], message=f"n{number}", email=False)[0] for number in range(3)
    )
    client = api_as(user)
    client.post(f"/api/v1/notifications/{first.pk}/read")

    assert client.get("/api/v1/notifications", unread="true").json()["count"] == 2
    assert client.post("/api/v1/notifications/read", {}).json() == {"marked": 2}
    assert client.get("/api/v1/notifications", unread="true").json()["count"] == 0


def test_the_list_takes_a_fixed_number_of_queries(api_as, make_user):
    user = make_user(language="en")
    client = api_as(user)
    notify(users=[user], message="one", email=False)
    client.get("/api/v1/notifications")  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/notifications")
    for number in range(20):
        notify(users=[user], message=f"more {number}", email=False)
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/notifications")

    assert len(many) == len(few)


def test_login_required(api_as):
    assert api_as(None).get("/api/v1/notifications").status_code == 401


@pytest.mark.parametrize("role", ALL_ROLES)
def test_the_email_choice_in_the_api(api_as, make_user, role):
    user = make_user(role, language="en")
    client = api_as(user)

    before = client.get("/api/v1/notifications/settings").json()
    changed = client.put("/api/v1/notifications/settings", {"notification_email": "daily"})
    refused = client.put("/api/v1/notifications/settings", {"notification_email": "hourly"})

    assert before == {"notification_email": "immediate", "weekly_digest": True}
    assert changed.json() == {"notification_email": "daily", "weekly_digest": True}
    switched_off = client.put(
        "/api/v1/notifications/settings", {"notification_email": "daily", "weekly_digest": False}
    )
    assert switched_off.json() == {"notification_email": "daily", "weekly_digest": False}
    assert refused.status_code == 400
    assert "notification_email" in refused.json()["error"]["fields"]
    user.refresh_from_db()
    assert user.notification_email == "daily"
