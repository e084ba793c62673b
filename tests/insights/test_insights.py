"""Insights (issue 15, deliverables 1 and 2): the management dashboard from every module's registered figures,
actual vs previous vs target, filters, CSV/XLSX; shared goals measured from the data, owned across departments."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from handschlag.accounts.models import Account
from handschlag.complaints.enums import ComplaintCategory, Severity
from handschlag.complaints.models import Complaint
from handschlag.core.enums import Role
from handschlag.core.models import AuditEvent, Department, User
from handschlag.insights.models import Goal
from handschlag.insights.selectors import period_range
from tests.factories import AccountFactory, DepartmentFactory

pytestmark = pytest.mark.django_db


def _case(
    account: Account, reporter: User, department: Department | None, *, responded_in_time: bool
) -> Complaint:
    now = timezone.now()
    due = now - dt.timedelta(hours=1)
    return Complaint.objects.create(
        account=account,
        reporter=reporter,
        title="Lager laut",
        description="Geräusche",
        category=ComplaintCategory.choices[0][0],
        severity=Severity.choices[0][0],
        department=department,
        first_response_due=due,
        first_response_at=due - dt.timedelta(minutes=5)
        if responded_in_time
        else due + dt.timedelta(minutes=30),
        containment_due=now + dt.timedelta(days=2),
        resolution_due=now + dt.timedelta(days=10),
    )


@pytest.fixture
def departments() -> tuple[Department, Department]:
    return DepartmentFactory(name="Vertrieb"), DepartmentFactory(name="Produktion")


@pytest.fixture
def cases(management_user: User, departments: tuple[Department, Department]) -> list[Complaint]:
    sales, production = departments
    account = AccountFactory()
    return [
        _case(account, management_user, production, responded_in_time=True),
        _case(account, management_user, production, responded_in_time=True),
        _case(account, management_user, sales, responded_in_time=False),
    ]


def test_management_dashboard_shows_every_module_in_german(
    management_user: User, page_as: Callable[..., Any], cases: list[Complaint]
) -> None:
    response = page_as(management_user).get("/insights/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Geschäftsleitungs-Cockpit" in text
    assert 'data-testid="insights-module-complaints"' in text
    assert 'data-testid="insights-module-partnerships"' in text
    assert "Erstreaktion innerhalb SLA" in text
    assert "66,7 %" in text  # two of three cases answered in time
    assert 'data-testid="breakdown-complaints.open_by_department"' in text
    assert '<svg class="chart-svg"' in text  # the breakdown drawn beside its table
    assert "Vorperiode" in text
    assert "keine Daten" in text


def test_department_filter_narrows_the_complaint_figures(
    management_user: User,
    api_as: Callable[..., Any],
    cases: list[Complaint],
    departments: tuple[Department, Department],
) -> None:
    _sales, production = departments
    body = (
        api_as(management_user)
        .get("/api/v1/insights", module="complaints", department_id=production.pk)
        .json()
    )
    cards = {card["kpi"]["key"]: card for card in body["sections"][0]["kpis"]}
    first_response = cards["complaints.first_response_sla"]
    assert first_response["actual"] == {"value": 100.0, "n": 2, "status": "ok"}
    assert first_response["previous"]["status"] == "no_data"


def test_filters_a_figure_cannot_honour_are_named(
    management_user: User, page_as: Callable[..., Any], make_user: Callable[..., User]
) -> None:
    seller = make_user(Role.SELLER)
    text = page_as(management_user).get("/insights/complaints/", {"seller": seller.pk}).content.decode()
    assert "Diese Kennzahl lässt sich nicht filtern nach:" in text


def test_custom_period_must_be_complete(management_user: User, page_as: Callable[..., Any]) -> None:
    text = (
        page_as(management_user)
        .get("/insights/", {"period": "custom", "start": "2026-05-01"})
        .content.decode()
    )
    assert "Bitte geben Sie den ersten und den letzten Tag des Zeitraums an." in text


def test_csv_and_xlsx_carry_the_figures(
    management_user: User, page_as: Callable[..., Any], cases: list[Complaint]
) -> None:
    client = page_as(management_user)
    csv_response = client.get("/insights/export.csv")
    content = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert any("Erstreaktion innerhalb SLA" in row for row in rows)
    units = {row[1]: row[2] for row in rows[1:]}
    assert units["Erstreaktion innerhalb SLA"] == "%"  # the unit as a reader reads it, not the code "percent"
    assert units["Zeit bis zur Lösung (Median)"] == "Stunden"
    assert units["Offene Fälle nach Abteilung: Produktion"] == "Anzahl"
    xlsx = client.get("/insights/complaints/export.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    labels = [row[1] for row in sheet.iter_rows(values_only=True)]
    assert "Erstreaktion innerhalb SLA" in labels


@pytest.mark.parametrize(
    "role", [Role.SELLER, Role.PROCESS_OWNER, Role.MARKETING, Role.PARTNER_MANAGER, Role.ADMIN]
)
def test_only_management_opens_the_dashboards(
    role: str, make_user: Callable[..., User], page_as: Callable[..., Any], api_as: Callable[..., Any]
) -> None:
    user = make_user(role)
    assert page_as(user).get("/insights/").status_code == 403
    assert page_as(user).get("/insights/export.csv").status_code == 403
    assert api_as(user).get("/api/v1/insights").status_code == 403


def test_partner_users_get_404_everywhere(
    partner_user: User, page_as: Callable[..., Any], api_as: Callable[..., Any]
) -> None:
    for path in ("/insights/", "/insights/complaints/", "/insights/export.xlsx", "/insights/goals/"):
        assert page_as(partner_user).get(path).status_code == 404
    assert api_as(partner_user).get("/api/v1/insights").status_code == 404
    assert api_as(partner_user).get("/api/v1/goals").status_code == 404


def _goal_payload(owners: list[User], **overrides: Any) -> dict[str, Any]:
    start, end = period_range("quarter")
    return {
        "kpi_key": "complaints.first_response_sla",
        "title": "Schnelle Erstreaktion",
        "period_start": start.isoformat(),
        "period_end": (end + dt.timedelta(days=30)).isoformat(),
        "target": "90",
        "owner_ids": [owner.pk for owner in owners],
        **overrides,
    }


def test_shared_goal_needs_owners_from_two_departments_and_is_measured(
    management_user: User,
    api_as: Callable[..., Any],
    make_user: Callable[..., User],
    departments: tuple[Department, Department],
    cases: list[Complaint],
) -> None:
    sales, production = departments
    seller = make_user(Role.SELLER, department=sales)
    head_of_production = make_user(Role.PROCESS_OWNER, department=production)
    other_seller = make_user(Role.SELLER, department=sales)
    client = api_as(management_user)
    refused = client.post("/api/v1/goals", _goal_payload([seller, other_seller]))
    assert refused.status_code == 400
    assert "mindestens zwei Abteilungen" in refused.json()["error"]["message"]
    too_high = client.post("/api/v1/goals", _goal_payload([seller, head_of_production], target="120"))
    assert too_high.status_code == 400
    created = client.post("/api/v1/goals", _goal_payload([seller, head_of_production]))
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["actual"]["value"] == pytest.approx(66.7)  # measured, not typed in
    assert body["on_track"] is False
    assert AuditEvent.objects.filter(action="goal.create", target_id=str(body["id"])).exists()
    # the dashboard shows the goal's target beside the figure
    dashboard = api_as(management_user).get("/api/v1/insights", module="complaints", period="quarter").json()
    targets = {card["kpi"]["key"]: card["target"] for card in dashboard["sections"][0]["kpis"]}
    assert targets["complaints.first_response_sla"] == "90.00"  # the goal covers the period shown
    assert targets["complaints.repeat_rate"] is None
    # everyone internal reads the goals; only management sets them
    assert api_as(seller).get(f"/api/v1/goals/{body['id']}").status_code == 200
    assert (
        api_as(seller).post("/api/v1/goals", _goal_payload([seller, head_of_production])).status_code == 403
    )
    assert api_as(seller).delete(f"/api/v1/goals/{body['id']}").status_code == 403
    assert Goal.objects.count() == 1


def test_goal_pages(
    management_user: User,
    page_as: Callable[..., Any],
    make_user: Callable[..., User],
    departments: tuple[Department, Department],
) -> None:
    sales, production = departments
    owners = [make_user(Role.SELLER, department=sales), make_user(Role.PROCESS_OWNER, department=production)]
    client = page_as(management_user)
    start, end = period_range("quarter")
    response = client.post(
        "/insights/goals/",
        {
            "kpi_key": "complaints.resolution_hours",
            "title": "Reklamationen schneller lösen",
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "target": "40",
            "owner_ids": [owner.pk for owner in owners],
        },
    )
    assert response.status_code == 302
    goal = Goal.objects.get()
    detail = client.get(f"/insights/goals/{goal.pk}/").content.decode()
    assert "Reklamationen schneller lösen" in detail
    assert "keine Daten" in detail
    # the edit form's date pickers hold the period (ISO, what <input type="date"> shows; "01.10.2026" it drops)
    assert f'name="period_start" value="{start.isoformat()}"' in detail
    assert f'name="period_end" value="{end.isoformat()}"' in detail
    seller_view = page_as(owners[0]).get("/insights/goals/").content.decode()
    assert "Reklamationen schneller lösen" in seller_view
    assert "Neues gemeinsames Ziel" not in seller_view
    assert client.post(f"/insights/goals/{goal.pk}/delete/").status_code == 302
    assert not Goal.objects.exists()
