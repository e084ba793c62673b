"""Watchers: the seller is one from the start; the owner's side and management add and remove others.
Every role against the API; a denied request changes nothing."""

from __future__ import annotations

import pytest
from django.utils import translation

from handschlag.complaints.models import ComplaintWatcher
from handschlag.complaints.services.cases import complaint_create
from handschlag.core.enums import Role
from handschlag.core.models import AuditEvent, Notification
from tests.complaints.conftest import complaint_input
from tests.conftest import ALL_ROLES

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(org):
    return complaint_create(
        actor=org.seller,
        data=complaint_input(
            org.account,
        ),
    )


def snapshot(case):
    return (
        sorted(ComplaintWatcher.objects.filter(complaint=case).values_list("user_id", "reason")),
        AuditEvent.objects.filter(action__startswith="complaint.watcher").count(),
    )


def test_the_seller_watches_from_the_start(api_as, org, case):
    body = api_as(org.seller).get(f"/api/v1/complaints/{case.pk}/watchers").json()

    assert [(row["user_id"], row["reason"]) for row in body] == [(org.seller.pk, "seller")]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_strangers_of_every_role(api_as, make_user, org, case, role):
    """Someone unrelated to the case: management and admins may add and remove; others cannot even see it."""
    actor = make_user(role)
    colleague = make_user(Role.MARKETING)
    client = api_as(actor)
    before = snapshot(case)

    added = client.post(f"/api/v1/complaints/{case.pk}/watchers", {"user_id": colleague.pk})

    if role in {Role.MANAGEMENT, Role.ADMIN}:
        assert added.status_code == 201, added.json()
        assert added.json()["user_id"] == colleague.pk
        assert added.json()["reason"] == "added"
        removed = client.delete(f"/api/v1/complaints/{case.pk}/watchers/{colleague.pk}")
        assert removed.status_code == 204
        assert snapshot(case)[0] == before[0]
        assert snapshot(case)[1] == before[1] + 2
    else:
        assert added.status_code == 404
        assert client.delete(f"/api/v1/complaints/{case.pk}/watchers/{org.seller.pk}").status_code == 404
        assert snapshot(case) == before


def test_owner_side_adds_and_the_colleague_is_notified_and_sees_the_case(api_as, org, make_user, case):
    colleague = make_user(Role.SELLER, language="en")
    assert api_as(colleague).get(f"/api/v1/complaints/{case.pk}").status_code == 404

    response = api_as(org.owner).post(f"/api/v1/complaints/{case.pk}/watchers", {"user_id": colleague.pk})

    assert response.status_code == 201
    assert api_as(colleague).get(f"/api/v1/complaints/{case.pk}").status_code == 200
    notification = Notification.objects.get(user=colleague)
    assert notification.title.startswith(f"You are informed about complaint #{case.pk}")
    assert notification.url == f"/complaints/{case.pk}/"
    # the head of the department (same department) may remove him again
    assert api_as(org.head).delete(f"/api/v1/complaints/{case.pk}/watchers/{colleague.pk}").status_code == 204


def test_seller_and_reporter_may_not_manage_watchers(api_as, org, make_user, case):
    colleague = make_user(Role.SELLER)
    before = snapshot(case)

    added = api_as(org.seller).post(f"/api/v1/complaints/{case.pk}/watchers", {"user_id": colleague.pk})

    assert added.status_code == 403
    assert snapshot(case) == before


def test_the_seller_cannot_be_removed(api_as, org, case):
    before = snapshot(case)

    response = api_as(org.management).delete(f"/api/v1/complaints/{case.pk}/watchers/{org.seller.pk}")

    assert response.status_code == 409
    assert snapshot(case) == before


@pytest.mark.parametrize(
    ("who", "status", "field"),
    [
        ("owner", 400, "user_id"),  # the owner owns, he does not watch
        ("partner", 400, "user_id"),  # never someone of a partner company
        ("missing", 400, "user_id"),
        ("seller", 409, None),  # watches already
    ],
)
def test_who_cannot_be_added(api_as, org, make_user, case, who, status, field):
    user_id = {
        "owner": org.owner.pk,
        "partner": make_user(Role.PARTNER_USER).pk,
        "missing": 999_999,
        "seller": org.seller.pk,
    }[who]
    before = snapshot(case)

    with translation.override("en"):
        response = api_as(org.management).post(f"/api/v1/complaints/{case.pk}/watchers", {"user_id": user_id})

    assert response.status_code == status, response.json()
    if field:
        assert field in response.json()["error"]["fields"]
    assert snapshot(case) == before


def test_removing_someone_who_does_not_watch_is_404(api_as, org, make_user, case):
    stranger = make_user(Role.SELLER)

    response = api_as(org.management).delete(f"/api/v1/complaints/{case.pk}/watchers/{stranger.pk}")

    assert response.status_code == 404


def test_case_page_adds_and_removes_watchers(page_as, org, make_user, case):
    colleague = make_user(Role.MARKETING, language="en")
    org.owner.language = "en"
    org.owner.save(update_fields=["language"])
    client = page_as(org.owner)

    content = client.get(f"/complaints/{case.pk}/").content.decode()
    assert "Inform a colleague" in content
    client.post(f"/complaints/{case.pk}/watch/", {"user": colleague.pk})
    assert ComplaintWatcher.objects.filter(complaint=case, user=colleague).exists()
    client.post(f"/complaints/{case.pk}/unwatch/", {"user": colleague.pk})
    assert not ComplaintWatcher.objects.filter(complaint=case, user=colleague).exists()


def test_case_page_hides_watcher_controls_from_the_seller(page_as, org, case):
    org.seller.language = "en"
    org.seller.save(update_fields=["language"])
    content = page_as(org.seller).get(f"/complaints/{case.pk}/").content.decode()

    assert "Inform a colleague" not in content
    assert page_as(org.seller).post(f"/complaints/{case.pk}/watch/", {"user": org.head.pk}).status_code == 403
