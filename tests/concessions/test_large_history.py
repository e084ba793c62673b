"""The large demo's concession history (written in bulk) holds what the services would have written, and the pages
and figures read it: values in EUR per kind, approval states with their deciders, returns with due dates, a short
trap list of the creeping accounts only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from handschlag.concessions.access import can_decide
from handschlag.concessions.analytics import concession_figures
from handschlag.concessions.demo import large_history
from handschlag.concessions.enums import ApprovalStatus, ConcessionKind, GetKind, GetStatus
from handschlag.concessions.models import Concession
from handschlag.concessions.selectors import ConcessionFilters, approvals_waiting, concession_list
from handschlag.concessions.services import concession_value
from handschlag.core.demo import build_organisation
from handschlag.core.passwords import demo_passwords_allowed
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 20)
COUNT = 2000


@pytest.fixture
def history():
    with demo_passwords_allowed():
        context = build_organisation(size="small")
    sellers = context.sellers
    accounts = [
        AccountFactory(owner=sellers[index % len(sellers)], customer_since=TODAY - dt.timedelta(days=3000))
        for index in range(300)
    ]
    written = large_history(context, accounts, COUNT, today=TODAY, creep_accounts=4)
    return context, written


def test_every_entry_is_consistent_with_what_the_services_compute(history):
    context, written = history
    entries = list(Concession.objects.select_related("recorded_by", "account"))
    assert written == len(entries) >= COUNT
    assert {entry.kind for entry in entries} == set(ConcessionKind.values)
    first_quarter = TODAY.replace(month=1, day=1) - dt.timedelta(days=366)
    assert min(entry.granted_on for entry in entries) >= first_quarter
    assert max(entry.granted_on for entry in entries) <= TODAY
    for entry in entries:
        assert entry.recorded_by_id == entry.account.owner_id
        assert entry.value == concession_value(
            kind=entry.kind,
            list_value=entry.list_value,
            percent=entry.percent,
            amount=entry.amount,
            extra_days=entry.extra_days,
            interest_rate_percent=entry.interest_rate_percent or Decimal("0"),
        )
        assert (entry.interest_rate_percent is not None) == (entry.kind == ConcessionKind.PAYMENT_TERMS)
        assert entry.value <= entry.list_value * Decimal("0.2")  # no concession worth more than the deal
        assert entry.basis_value >= entry.value
        assert entry.created_at.date() == entry.granted_on
        if entry.approval_status == ApprovalStatus.NOT_NEEDED:
            assert entry.basis_value <= Decimal("2500.00")
            assert entry.basis_percent <= Decimal("5.00")
            assert entry.decided_by is None
        elif entry.approval_status in {ApprovalStatus.APPROVED, ApprovalStatus.REJECTED}:
            assert entry.decided_by == context.users["leitung"]
            assert entry.decided_at is not None
            assert entry.decision_reason
            assert (entry.approved_value == entry.value) == (entry.approval_status == ApprovalStatus.APPROVED)
            assert bool(entry.rejected_fingerprint) == (entry.approval_status == ApprovalStatus.REJECTED)
        else:
            assert entry.granted_on > TODAY - dt.timedelta(days=3)
            assert can_decide(context.users["leitung"], entry)
        if entry.get_kind == GetKind.NOTHING:
            assert entry.nothing_reason
            assert entry.get_status == GetStatus.PENDING
            assert entry.get_due_on is None
        else:
            assert entry.get_due_on is not None
            assert entry.get_due_on > entry.granted_on
    statuses = {entry.approval_status for entry in entries}
    assert statuses == set(ApprovalStatus.values)
    waiting = {entry.pk for entry in entries if entry.approval_status == ApprovalStatus.PENDING}
    assert {entry.pk for entry in approvals_waiting(user=context.users["leitung"])} == waiting


def test_the_lists_and_figures_read_the_history(history):
    context, _written = history
    leitung = context.users["leitung"]
    overdue = concession_list(
        user=leitung, filters=ConcessionFilters(get_status=GetStatus.OVERDUE), today=TODAY
    )
    without = concession_list(user=leitung, filters=ConcessionFilters(without_return=True), today=TODAY)
    assert overdue.count() > 0
    assert 0 < without.count() < Concession.objects.count() / 3
    figures = concession_figures(user=leitung, today=TODAY)
    assert figures.total.entries > COUNT / 3
    assert figures.total.rate is not None
    assert 0 < figures.total.rate < 10
    assert figures.total.coverage is not None
    assert figures.total.coverage > 50
    assert [group.entries > 0 for group in figures.by_quarter] == [True] * 4
    # the creeping accounts stand on the trap list, and only they
    assert 1 <= len(figures.trap) <= 4
    for trapped in figures.trap:
        assert trapped.account.creep is not None
        assert trapped.account.creep > 0
        assert trapped.account.window_coverage in (None, 0.0)


def test_a_seller_sees_only_his_accounts_entries_on_the_page(history, page_as):
    context, _written = history
    seller = context.users["verkauf"]
    page = page_as(seller).get("/concessions/")
    assert page.status_code == 200
    mine = Concession.objects.filter(account__owner=seller).count()
    assert concession_list(user=seller, filters=ConcessionFilters(), today=TODAY).count() == mine
    assert page_as(context.users["leitung"]).get("/concessions/figures/").status_code == 200
    assert page_as(context.users["leitung"]).get("/concessions/approvals/").status_code == 200


def test_the_figures_page_shows_the_top_accounts_and_the_export_all(history, page_as):
    context, _written = history
    leitung = context.users["leitung"]
    client = page_as(leitung)
    page = client.get("/concessions/figures/").content.decode()
    accounts_table = page.split('id="accounts"', 1)[1].split("</table>", 1)[0]
    accounts = concession_figures(user=leitung).account_count

    assert accounts > 50
    assert accounts_table.count("<tr data-account=") == 50
    assert 'data-testid="accounts-shown"' in page
    waterfall_choice = page.split('name="account"', 1)[1].split("</select>", 1)[0]
    assert waterfall_choice.count("<option") <= 1 + 50 + 4  # all, the shown accounts, the trap list's
    export = b"".join(client.get("/concessions/figures/export/?table=accounts").streaming_content).decode(
        "utf-8-sig"
    )
    assert len(export.strip().splitlines()) == 1 + accounts


def test_the_figures_are_kept_until_a_concession_changes(history):
    context, _written = history
    leitung = context.users["leitung"]
    before = concession_figures(user=leitung, today=TODAY).total.entries
    first = Concession.objects.filter(granted_on__gte=TODAY - dt.timedelta(days=60)).order_by("pk").first()
    assert first is not None

    Concession.objects.filter(pk=first.pk).update(granted_on=TODAY - dt.timedelta(days=3000))  # no signal
    assert concession_figures(user=leitung, today=TODAY).total.entries == before  # the kept figures

    first.refresh_from_db()
    first.save()  # a write through the model, as every service does
    assert concession_figures(user=leitung, today=TODAY).total.entries == before - 1


def test_the_approvals_page_pages_what_waits(history, page_as, monkeypatch):
    from handschlag.concessions import views

    context, _written = history
    leitung = context.users["leitung"]
    waiting = len(approvals_waiting(user=leitung))
    assert waiting > 2
    monkeypatch.setattr(views, "PAGE_SIZE", 2)

    first = page_as(leitung).get("/concessions/approvals/").content.decode()
    last = page_as(leitung).get(f"/concessions/approvals/?page={-(-waiting // 2)}").content.decode()

    assert first.count("<tr data-concession=") == 2
    assert 'rel="next"' in first
    assert last.count("<tr data-concession=") == waiting - 2 * (-(-waiting // 2) - 1)
