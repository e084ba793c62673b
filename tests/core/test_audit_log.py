"""The audit log page, its CSV export and /api/v1/audit: filters, roles, query counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from handschlag.core.audit_filters import AuditPeriod, audit_period_range
from handschlag.core.enums import Role
from handschlag.core.events import audit_record
from handschlag.core.models import AuditEvent, User
from tests.factories import AccountFactory


@pytest.fixture
def tobias(make_user: Callable[..., User]) -> User:
    return make_user(Role.PROCESS_OWNER, username="tkern", first_name="Tobias", last_name="Kern")


def _account_events(actor: User, count: int) -> None:
    for number in range(count):
        account = AccountFactory(name=f"Firma {number}")
        audit_record(actor=actor, action="account.create", target=account, summary="created")


def _dated(event: AuditEvent, when: dt.datetime) -> None:
    AuditEvent.objects.filter(pk=event.pk).update(created_at=when)  # a test's way past append-only


@pytest.mark.django_db
def test_the_page_shows_sentences_in_the_readers_language(
    page_as: Callable[[User], Any], admin_user: User, tobias: User
) -> None:
    account = AccountFactory(name="Krause & Scholz", legal_form="AG")
    audit_record(actor=tobias, action="account.create", target=account, summary="account created")
    admin_user.language = "en"
    admin_user.save()
    client = page_as(admin_user)
    client.post("/language/", {"language": "en"})
    page = client.get("/audit/").content.decode()
    assert "Tobias Kern created the account “Krause &amp; Scholz AG”" in page


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "status"), [(Role.ADMIN, 200), (Role.MANAGEMENT, 200), (Role.SELLER, 403)])
def test_who_may_read_the_page_and_the_csv(
    page_as: Callable[[User], Any], make_user: Callable[..., User], role: str, status: int
) -> None:
    client = page_as(make_user(role))
    assert client.get("/audit/").status_code == status
    assert client.get("/audit/export.csv").status_code == status


@pytest.mark.django_db
def test_a_partner_user_gets_404(page_as: Callable[[User], Any], partner_user: User) -> None:
    client = page_as(partner_user)
    assert client.get("/audit/").status_code == 404
    assert client.get("/audit/export.csv").status_code == 404


@pytest.mark.django_db
def test_filters_by_object_type_user_and_period(
    page_as: Callable[[User], Any], admin_user: User, tobias: User, make_user: Callable[..., User]
) -> None:
    other = make_user(Role.SELLER, first_name="Eva", last_name="Lang")
    _account_events(tobias, 1)
    audit_record(actor=other, action="department.create", target=admin_user, summary="x")
    old = audit_record(
        actor=tobias, action="user.update", target=other, summary="x", changes={"is_active": [1, 0]}
    )
    _dated(old, timezone.now() - dt.timedelta(days=40))
    client = page_as(admin_user)

    def sentences(**query: Any) -> str:
        return client.get("/audit/", query).content.decode()

    assert "Firma 0" in sentences(object_type="accounts.account")
    assert "Eva Lang hat die Abteilung" not in sentences(object_type="accounts.account")
    assert "Eva Lang hat die Abteilung" in sentences(user=other.pk)
    assert "Firma 0" not in sentences(user=other.pk)
    assert "deaktiviert" not in sentences(period="last_7_days")
    assert "deaktiviert" in sentences()
    options = sentences()
    assert '<option value="accounts.account">Kunde</option>' in options
    assert '<option value="complaints.complaint">Reklamation</option>' in options


def test_periods_cover_whole_days() -> None:
    today = dt.date(2026, 3, 18)
    since, until = audit_period_range(
        period=AuditPeriod.THIS_MONTH, date_from=None, date_to=None, today=today
    )
    assert (timezone.localtime(since).date(), timezone.localtime(until).date()) == (
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 19),
    )
    since, until = audit_period_range(
        period=AuditPeriod.LAST_MONTH, date_from=None, date_to=None, today=today
    )
    assert (timezone.localtime(since).date(), timezone.localtime(until).date()) == (
        dt.date(2026, 2, 1),
        dt.date(2026, 3, 1),
    )
    assert audit_period_range(period=None, date_from=None, date_to=None, today=today) == (None, None)


@pytest.mark.django_db
def test_csv_has_names_german_dates_and_is_not_cached(
    page_as: Callable[[User], Any], management_user: User, tobias: User
) -> None:
    account = AccountFactory(name="Krause & Scholz", legal_form="AG")
    event = audit_record(actor=tobias, action="account.create", target=account, summary="x")
    _dated(event, timezone.make_aware(dt.datetime(2026, 11, 23, 9, 5)))
    response = page_as(management_user).get("/audit/export.csv", {"object_type": "accounts.account"})
    assert response["Cache-Control"] == "no-store"
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == "Zeitpunkt;Wer;Was geschah;Objekttyp;Objekt;Aktion"
    assert lines[1] == (
        "23.11.2026 09:05;Tobias Kern;Tobias Kern hat den Kunden „Krause & Scholz AG“ angelegt;Kunde;"
        "Krause & Scholz AG;account.create"
    )
    assert len(lines) == 2


@pytest.mark.django_db
def test_the_page_needs_the_same_queries_for_5_and_50_events(
    page_as: Callable[[User], Any], admin_user: User, tobias: User
) -> None:
    client = page_as(admin_user)
    _account_events(tobias, 5)
    client.get("/audit/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/audit/", {"user": tobias.pk}).status_code == 200
    _account_events(tobias, 45)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/audit/", {"user": tobias.pk}).status_code == 200
    assert len(many) == len(few)


# --- /api/v1/audit ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.ADMIN, 200), (Role.MANAGEMENT, 200), (Role.SELLER, 403), (Role.PARTNER_USER, 404)],
)
def test_api_audit_per_role(
    api_as: Callable[[User], Any], make_user: Callable[..., User], role: str, status: int
) -> None:
    assert api_as(make_user(role)).get("/api/v1/audit").status_code == status


@pytest.mark.django_db
def test_api_audit_items_carry_the_sentence_and_the_raw_data(
    api_as: Callable[[User], Any], make_user: Callable[..., User], tobias: User
) -> None:
    reader = make_user(Role.ADMIN, language="en")
    _account_events(tobias, 3)
    answer = (
        api_as(reader).get("/api/v1/audit", object_type="accounts.account", user_id=tobias.pk, limit=2).json()
    )
    assert answer["count"] == 3
    assert len(answer["items"]) == 2
    item = answer["items"][0]
    assert item["sentence"] == "Tobias Kern created the account “Firma 2 GmbH”"
    assert item["action"] == "account.create"
    assert item["target_type"] == "accounts.account"
    assert item["actor_name"] == "Tobias Kern"
    assert item["changes"] == {}


@pytest.mark.django_db
def test_api_audit_query_count_is_constant(
    api_as: Callable[[User], Any], admin_user: User, tobias: User
) -> None:
    client = api_as(admin_user)
    _account_events(tobias, 5)
    client.get("/api/v1/audit")
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/audit")
    _account_events(tobias, 45)
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/audit")
    assert len(many) == len(few)


@pytest.mark.django_db
def test_api_audit_refuses_an_end_before_the_start(api_as: Callable[[User], Any], admin_user: User) -> None:
    response = api_as(admin_user).get("/api/v1/audit", date_from="2026-03-02", date_to="2026-03-01")
    assert response.status_code == 400
    assert "date_to" in response.json()["error"]["fields"]
