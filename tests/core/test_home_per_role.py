"""Home page per role (issue 15, deliverable 3): each person sees his work today; the same figures go out as a
weekly e-mail on Monday mornings, exactly once, unless the user switched it off."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from handschlag.accounts.models import Account
from handschlag.complaints.enums import ComplaintCategory, Severity
from handschlag.complaints.models import Complaint, ComplaintWatcher
from handschlag.core.enums import Role
from handschlag.core.models import User
from handschlag.core.weekly_digest import weekly_digests_send
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def _case(account: Account, reporter: User, owner: User | None, **fields: Any) -> Complaint:
    now = timezone.now()
    values: dict[str, Any] = {
        "first_response_due": now + dt.timedelta(hours=4),
        "containment_due": now + dt.timedelta(days=2),
        "resolution_due": now + dt.timedelta(days=10),
        **fields,
    }
    return Complaint.objects.create(
        account=account,
        reporter=reporter,
        owner=owner,
        title=fields.pop("title", "Dichtung undicht"),
        description="Leckage",
        category=ComplaintCategory.choices[0][0],
        severity=Severity.choices[0][0],
        **{key: value for key, value in values.items() if key != "title"},
    )


@pytest.fixture
def people(make_user: Callable[..., User]) -> dict[str, User]:
    return {
        "owner": make_user(
            Role.PROCESS_OWNER, username="prozess", email="prozess@firma.example", language="de"
        ),
        "seller": make_user(Role.SELLER, username="verkauf", email="verkauf@firma.example", language="de"),
        "management": make_user(
            Role.MANAGEMENT, username="leitung", email="leitung@firma.example", language="de"
        ),
        "marketing": make_user(
            Role.MARKETING, username="marketing", email="marketing@firma.example", language="de"
        ),
    }


@pytest.fixture
def cases(people: dict[str, User]) -> list[Complaint]:
    account = AccountFactory(name="Beispielwerk", owner=people["seller"])
    now = timezone.now()
    overdue = _case(
        account,
        people["seller"],
        people["owner"],
        title="Lager überhitzt",
        first_response_due=now - dt.timedelta(hours=3),
        cancellation_threat=True,
        cancellation_deadline=now + dt.timedelta(days=5),
        revenue_at_risk=Decimal("250000.00"),
        escalation_level=1,
    )
    ComplaintWatcher.objects.create(complaint=overdue, user=people["seller"])
    return [overdue, _case(account, people["seller"], people["owner"], title="Kratzer am Gehäuse")]


def test_process_owner_sees_his_open_and_overdue_cases(
    people: dict[str, User], cases: list[Complaint], page_as: Callable[..., Any]
) -> None:
    text = page_as(people["owner"]).get("/").content.decode()
    assert 'data-testid="home-complaints"' in text
    assert "2 offene Fälle gehören Ihnen" in text
    assert "1 überfällig" in text
    assert "Lager überhitzt" in text
    assert "Erstreaktion fällig seit" in text
    assert "Eindämmung (D3) fällig" in text


def test_process_owners_home_shows_a_case_handed_to_him_at_once(
    people: dict[str, User], cases: list[Complaint], page_as: Callable[..., Any]
) -> None:
    # given his home page was drawn (its complaints part is kept a minute)
    client = page_as(people["owner"])
    assert "2 offene Fälle gehören Ihnen" in client.get("/").content.decode()
    # when a third case becomes his
    _case(cases[0].account, people["seller"], people["owner"], title="Pumpe defekt")
    # then the next view counts it
    text = client.get("/").content.decode()
    assert "3 offene Fälle gehören Ihnen" in text


def test_seller_sees_the_cases_he_watches_not_management_figures(
    people: dict[str, User], cases: list[Complaint], page_as: Callable[..., Any]
) -> None:
    text = page_as(people["seller"]).get("/").content.decode()
    assert "1 Fall, den Sie beobachten" in text
    assert "Kündigungsdrohung" not in text


def test_management_sees_cancellation_threats_with_revenue_at_risk_and_escalations(
    people: dict[str, User], cases: list[Complaint], page_as: Callable[..., Any]
) -> None:
    text = page_as(people["management"]).get("/").content.decode()
    assert "Kündigungsdrohungen" in text
    assert "250.000 €" in text
    assert "Eskalationen" in text


def test_a_role_without_that_work_sees_no_complaint_section(
    people: dict[str, User], cases: list[Complaint], page_as: Callable[..., Any]
) -> None:
    assert 'data-testid="home-complaints"' not in page_as(people["marketing"]).get("/").content.decode()


def _monday(hour: int) -> dt.datetime:
    return dt.datetime(2026, 12, 7, hour, 5, tzinfo=BERLIN)


def test_weekly_summary_goes_out_on_monday_once_and_not_to_who_opted_out(
    people: dict[str, User], cases: list[Complaint], page_as: Callable[..., Any]
) -> None:
    assert weekly_digests_send(now=_monday(8) - dt.timedelta(days=1)) == 0  # Sunday
    assert weekly_digests_send(now=_monday(5)) == 0  # before the digest hour
    page_as(people["management"]).post(
        "/settings/notifications/", {"notification_email": people["management"].notification_email}
    )  # the box left unticked switches the weekly summary off
    people["management"].refresh_from_db()
    assert people["management"].weekly_digest is False
    sent = weekly_digests_send(now=_monday(8))
    recipients = {message.to[0] for message in mail.outbox}
    assert recipients == {"prozess@firma.example", "verkauf@firma.example"}  # marketing has nothing to do
    assert sent == 2
    owner_mail = next(message for message in mail.outbox if message.to == ["prozess@firma.example"])
    assert owner_mail.subject == "Ihre Woche in handschlag"
    assert "2 offene Reklamationen gehören Ihnen, davon 1 überfällig." in owner_mail.body
    assert weekly_digests_send(now=_monday(9)) == 0  # exactly once per week
    assert len(mail.outbox) == 2


def test_management_mail_counts_one_threat_in_the_singular_and_the_amount_in_german_notation(
    people: dict[str, User], cases: list[Complaint]
) -> None:
    # given one open case with a cancellation threat of 250,000 EUR that is escalated
    # when the Monday mails go out
    weekly_digests_send(now=_monday(8))
    # then management reads it as the home page writes it
    body = next(message.body for message in mail.outbox if message.to == ["leitung@firma.example"])
    assert "- 1 offene Reklamation mit Kündigungsdrohung; gefährdeter Umsatz: 250.000 €." in body
    assert "- 1 offene Reklamation ist eskaliert." in body
