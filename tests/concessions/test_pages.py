"""The concession pages per role: sellers see their accounts' entries, management all and decides, marketing and
the others 403, partner users 404; the approver sees the account's history; German texts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from handschlag.accounts.enums import InsightKind
from handschlag.accounts.models import CustomerInsight
from handschlag.concessions.enums import ApprovalStatus
from handschlag.concessions.models import Concession
from handschlag.core.enums import Role
from handschlag.core.models import AuditEvent
from tests.concessions.helpers import record
from tests.factories import AccountFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(seller):
    return AccountFactory(owner=seller, name="Hohenlohe Antriebstechnik", customer_since=dt.date(2012, 3, 1))


@pytest.fixture
def waiting(seller, account):
    today = timezone.localdate()
    return record(
        seller,
        account.pk,
        granted_on=today,
        percent="8.00",
        get_kind="nothing",
        get_value=None,
        get_due_on=None,
        get_description="",
        nothing_reason="Kunde droht mit Wechsel",
        reason="threatened_to_leave",
    )


PAGES = ["/concessions/", "/concessions/approvals/"]


@pytest.mark.parametrize("role", [Role.MARKETING, Role.PROCESS_OWNER, Role.PARTNER_MANAGER])
def test_roles_without_concessions_get_403(page_as, make_user, role, waiting):
    client = page_as(make_user(role))
    for path in [*PAGES, f"/concessions/{waiting.pk}/", "/concessions/new/", "/concessions/figures/"]:
        assert client.get(path).status_code == 403, path


def test_partner_users_get_404_everywhere(page_as, partner_user, waiting):
    client = page_as(partner_user)
    paths = [
        *PAGES,
        f"/concessions/{waiting.pk}/",
        f"/concessions/{waiting.pk}/edit/",
        "/concessions/new/",
        "/concessions/figures/",
        "/concessions/figures/export/",
        "/concessions/settings/",
        "/concessions/delegations/",
    ]
    for path in paths:
        assert client.get(path).status_code == 404, path
    response = client.post(f"/concessions/{waiting.pk}/decide/", {"decision": "approve", "revision": 1})
    assert response.status_code == 404
    waiting.refresh_from_db()
    assert waiting.approval_status == ApprovalStatus.PENDING


def test_a_seller_sees_his_accounts_entries_only(page_as, seller, waiting, make_user):
    other_seller = make_user(Role.SELLER)
    foreign = record(other_seller, AccountFactory(owner=other_seller, name="Fremdkunde AG").pk)
    response = page_as(seller).get("/concessions/")
    body = response.content.decode()
    assert response.status_code == 200
    assert f'data-concession="{waiting.pk}"' in body
    assert f'data-concession="{foreign.pk}"' not in body
    assert page_as(seller).get(f"/concessions/{foreign.pk}/").status_code == 404


def test_a_seller_records_a_concession_without_a_return_and_it_waits(page_as, seller, account):
    response = page_as(seller).post(
        "/concessions/new/",
        {
            "account": str(account.pk),
            "granted_on": timezone.localdate().isoformat(),
            "kind": "discount_percent",
            "list_value": "80.000,00",
            "percent": "7,5",
            "reason": "threatened_to_leave",
            "get_kind": "nothing",
            "nothing_reason": "Der Kunde droht mit Liebesentzug.",
        },
    )
    entry = Concession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/concessions/{entry.pk}/"
    assert (entry.value, entry.approval_status) == (Decimal("6000.00"), ApprovalStatus.PENDING)


def test_bad_input_on_the_page_shows_german_messages(page_as, seller, account):
    response = page_as(seller).post(
        "/concessions/new/",
        {
            "account": str(account.pk),
            "granted_on": "2026-11-20",
            "kind": "discount_percent",
            "list_value": "1000",
            "percent": "120",
            "reason": "volume",
            "get_kind": "volume_commitment",
            "get_due_on": "2026-11-01",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Ein Nachlass kann nicht mehr als 100 % betragen." in body
    assert "Die Gegenleistung kann nicht vor dem Zugeständnis fällig sein." in body
    assert not Concession.objects.exists()


def test_the_approver_sees_the_account_and_rejects_with_a_reason(page_as, management_user, account, waiting):
    CustomerInsight.objects.create(
        account=account, kind=InsightKind.GOAL, text="Neue Verpackungslinie in Serie"
    )
    OrderFactory(account=account, number="AB-HOH-7", value=Decimal("95000.00"))
    client = page_as(management_user)
    page = client.get(f"/concessions/{waiting.pk}/").content.decode()
    assert 'id="decision"' in page
    assert "Neue Verpackungslinie in Serie" in page
    assert "AB-HOH-7" in page
    assert "Der Kunde vor Ihrer Entscheidung" in page
    gives_without_gets = page.split('id="gives-without-gets"')[1].split("</ul>")[0]
    assert f'href="/concessions/{waiting.pk}/"' in gives_without_gets
    assert "Zugeständnisquote der letzten vier Quartale" in page
    response = client.post(
        f"/concessions/{waiting.pk}/decide/",
        {"decision": "reject", "reason": "Ohne Gegenleistung nicht.", "revision": waiting.revision},
    )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert (waiting.approval_status, waiting.decision_reason) == (
        ApprovalStatus.REJECTED,
        "Ohne Gegenleistung nicht.",
    )
    assert AuditEvent.objects.filter(action="concession.reject").count() == 1


def test_a_rejection_without_a_reason_is_refused_on_the_page(page_as, management_user, waiting):
    response = page_as(management_user).post(
        f"/concessions/{waiting.pk}/decide/",
        {"decision": "reject", "reason": "", "revision": waiting.revision},
    )
    assert response.status_code == 400
    waiting.refresh_from_db()
    assert waiting.approval_status == ApprovalStatus.PENDING


def test_the_seller_cannot_decide_his_own_entry_on_the_page(page_as, seller, waiting):
    page = page_as(seller).get(f"/concessions/{waiting.pk}/").content.decode()
    assert 'id="decision"' not in page
    response = page_as(seller).post(
        f"/concessions/{waiting.pk}/decide/", {"decision": "approve", "revision": 1}
    )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.approval_status == ApprovalStatus.PENDING


def test_the_approvals_queue_lists_what_the_manager_may_decide(page_as, management_user, waiting):
    body = page_as(management_user).get("/concessions/approvals/").content.decode()
    assert f'data-concession="{waiting.pk}"' in body


def test_figures_page_and_csv_for_management(page_as, management_user, waiting):
    client = page_as(management_user)
    page = client.get("/concessions/figures/")
    assert page.status_code == 200
    assert "Preis-Wasserfall" in page.content.decode()
    for table in ["accounts", "sellers", "quarters", "trap", "waterfall"]:
        response = client.get("/concessions/figures/export/", {"table": table})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")


def test_figures_are_not_for_sellers(page_as, seller):
    assert page_as(seller).get("/concessions/figures/").status_code == 403


def test_settings_for_admins_only(page_as, admin_user, management_user, seller):
    assert page_as(admin_user).get("/concessions/settings/").status_code == 200
    assert page_as(management_user).get("/concessions/settings/").status_code == 403
    assert page_as(seller).get("/concessions/settings/").status_code == 403


def test_the_admin_changes_the_interest_rate(page_as, admin_user):
    response = page_as(admin_user).post(
        "/concessions/settings/",
        {
            "save_settings": "1",
            "interest_rate_percent": "8,5",
            "period_days": "120",
            "edit_tolerance_percent": "5",
            "trap_min_years": "3",
            "trap_max_complaints": "1",
            "trap_max_coverage_percent": "50",
        },
    )
    assert response.status_code == 302
    from handschlag.concessions.selectors import concession_settings_get

    assert concession_settings_get().interest_rate_percent == Decimal("8.50")


def test_the_account_page_shows_the_concessions_section(page_as, seller, account, waiting):
    body = page_as(seller).get(f"/accounts/{account.pk}/").content.decode()
    assert 'id="concessions"' in body
    assert f'data-concession="{waiting.pk}"' in body


def test_marketing_sees_no_concessions_on_the_account_page(page_as, make_user, account, waiting):
    body = page_as(make_user(Role.MARKETING)).get(f"/accounts/{account.pk}/").content.decode()
    assert 'id="concessions"' not in body


def test_the_home_page_tells_the_manager_what_waits(page_as, management_user, waiting, seller):
    body = page_as(management_user).get("/").content.decode()
    assert 'data-testid="home-concessions"' in body
    assert "1 Zugeständnis wartet auf Ihre Genehmigung" in body
    assert 'data-testid="home-concessions"' not in page_as(seller).get("/").content.decode()


def _edit_form(entry, **changes):
    data = {
        "granted_on": entry.granted_on.isoformat(),
        "kind": entry.kind,
        "list_value": str(entry.list_value),
        "percent": str(entry.percent or ""),
        "amount": "",
        "extra_days": "",
        "reason": entry.reason,
        "note": entry.note,
        "get_kind": entry.get_kind,
        "get_description": entry.get_description,
        "get_value": "",
        "get_due_on": "",
        "nothing_reason": entry.nothing_reason,
        "order_number": "",
    }
    data.update(changes)
    return data


def test_a_rejected_entry_is_submitted_again_on_the_page_only_changed(
    page_as, seller, management_user, waiting
):
    from handschlag.concessions.enums import Decision
    from handschlag.concessions.inputs import DecisionInput
    from handschlag.concessions.services import concession_decide

    rejected = concession_decide(
        actor=management_user,
        concession=waiting,
        data=DecisionInput(decision=Decision.REJECT, reason="Zu viel"),
    )
    client = page_as(seller)
    unchanged = client.post(f"/concessions/{rejected.pk}/edit/", _edit_form(rejected))
    assert unchanged.status_code == 200
    body = unchanged.content.decode()
    assert "erneut eingereicht werden" in body
    rejected.refresh_from_db()
    assert rejected.approval_status == ApprovalStatus.REJECTED
    changed = client.post(f"/concessions/{rejected.pk}/edit/", _edit_form(rejected, percent="6,00"))
    assert changed.status_code == 302
    rejected.refresh_from_db()
    assert (rejected.approval_status, rejected.value) == (ApprovalStatus.PENDING, Decimal("3000.00"))


def test_the_admin_sets_a_limit_on_the_settings_page(page_as, admin_user):
    from handschlag.concessions.access import approval_limits

    response = page_as(admin_user).post(
        "/concessions/settings/",
        {"save_limit": "1", "role": "seller", "max_value": "1.000,00", "max_percent": ""},
    )
    assert response.status_code == 302
    limit = approval_limits()[Role.SELLER]
    assert (limit.max_value, limit.max_percent) == (Decimal("1000.00"), None)


def test_a_manager_names_a_deputy_and_ends_it_on_the_page(page_as, management_user, seller):
    from handschlag.concessions.models import ApprovalDelegation

    client = page_as(management_user)
    today = timezone.localdate()
    response = client.post(
        "/concessions/delegations/",
        {"delegate": str(seller.pk), "starts_on": today.isoformat(), "ends_on": today.isoformat()},
    )
    assert response.status_code == 302
    delegation = ApprovalDelegation.objects.get()
    assert (delegation.delegator, delegation.delegate) == (management_user, seller)
    assert page_as(seller).post(f"/concessions/delegations/{delegation.pk}/end/").status_code == 404
    assert client.post(f"/concessions/delegations/{delegation.pk}/end/").status_code == 302
    assert not ApprovalDelegation.objects.exists()
    assert page_as(seller).get("/concessions/delegations/").status_code == 403
