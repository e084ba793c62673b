"""The ledger's services: value in EUR for every kind, bad input, and the loophole cases of the approvals (split,
edit after approval, self-approval, resubmission, limits, delegation)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from handschlag.concessions.enums import ApprovalStatus, Decision, GetStatus
from handschlag.concessions.inputs import (
    ConcessionPatch,
    DecisionInput,
    DelegationInput,
    GetStatusInput,
    LimitInput,
    SettingsInput,
)
from handschlag.concessions.models import Concession
from handschlag.concessions.services import (
    approval_limit_set,
    concession_decide,
    concession_get_status_set,
    concession_settings_update,
    concession_update,
    delegation_create,
)
from handschlag.core.enums import Role
from handschlag.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from handschlag.core.models import AuditEvent
from tests.concessions.helpers import TODAY, record
from tests.factories import AccountFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def account(seller):
    return AccountFactory(owner=seller, name="Hohenlohe Antriebstechnik")


def approve(actor, entry, **kwargs):
    return concession_decide(
        actor=actor, concession=entry, data=DecisionInput(decision=Decision.APPROVE, **kwargs)
    )


def reject(actor, entry, reason="Zu viel"):
    return concession_decide(
        actor=actor, concession=entry, data=DecisionInput(decision=Decision.REJECT, reason=reason)
    )


# --- value in EUR --------------------------------------------------------------------------------------------------


def test_every_kind_counts_in_eur(seller, account):
    percent = record(seller, account.pk, percent="3.50", list_value="40000.00")
    terms = record(
        seller, account.pk, kind="payment_terms", percent=None, extra_days=60, list_value="36000.00"
    )
    service = record(seller, account.pk, kind="free_service", percent=None, amount="1250.00")
    assert percent.value == Decimal("1400.00")
    # 36,000 EUR x 6 % a year x 60/360 days = 360 EUR (the organisation's default rate)
    assert (terms.value, terms.interest_rate_percent) == (Decimal("360.00"), Decimal("6.00"))
    assert service.value == Decimal("1250.00")
    assert AuditEvent.objects.filter(action="concession.create").count() == 3


def test_payment_terms_follow_the_rate_the_admin_sets(admin_user, seller, account):
    concession_settings_update(
        actor=admin_user,
        data=SettingsInput(
            interest_rate_percent=Decimal("9.00"),
            period_days=90,
            edit_tolerance_percent=Decimal("5"),
            trap_min_years=3,
            trap_max_complaints=1,
            trap_max_coverage_percent=Decimal("50"),
        ),
    )
    terms = record(
        seller, account.pk, kind="payment_terms", percent=None, extra_days=30, list_value="48000.00"
    )
    assert terms.value == Decimal("360.00")  # 48,000 x 9 % x 30/360


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"percent": "-2"}, "percent", "The percent must be greater than 0."),
        ({"percent": "120"}, "percent", "A discount cannot be more than 100 %."),
        ({"kind": "free_service", "percent": None, "amount": "-50"}, "amount", "Must be at least 0."),
        ({"list_value": "-1000"}, "list_value", "Must be greater than 0."),
        ({"kind": "bribe"}, "kind", "Choose one of"),
        ({"get_due_on": TODAY - dt.timedelta(days=1)}, "get_due_on", "The return cannot be due before"),
        (
            {"get_kind": "nothing", "get_value": None, "get_due_on": None, "get_description": ""},
            "nothing_reason",
            "Say why we get nothing in return.",
        ),
        ({"kind": "payment_terms", "percent": None}, "extra_days", "Enter the extra payment days"),
        ({"get_value": "-5"}, "get_value", "Must be at least 0."),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(seller, account, overrides, field, message):
    with pytest.raises(InvalidInput) as caught:
        record(seller, account.pk, **overrides)
    assert message in caught.value.fields[field][0]
    assert not Concession.objects.exists()


def test_a_seller_records_only_for_his_own_accounts(seller, make_user):
    other = AccountFactory(owner=make_user(Role.SELLER))
    with pytest.raises(InvalidInput) as caught:
        record(seller, other.pk)
    assert "account_id" in caught.value.fields


def test_an_order_of_another_account_is_refused(seller, account):
    foreign = OrderFactory()
    with pytest.raises(InvalidInput) as caught:
        record(seller, account.pk, order_id=foreign.pk)
    assert "order_id" in caught.value.fields


@pytest.mark.parametrize("role", [Role.MARKETING, Role.PROCESS_OWNER, Role.PARTNER_MANAGER])
def test_roles_without_concessions_may_not_record(make_user, role):
    account = AccountFactory()
    with pytest.raises(Forbidden):
        record(make_user(role), account.pk)


def test_partner_users_learn_nothing(partner_user):
    with pytest.raises(NotFound):
        record(partner_user, AccountFactory().pk)


# --- approvals -----------------------------------------------------------------------------------------------------


def test_within_the_limit_no_approval_above_it_waits(seller, account):
    small = record(seller, account.pk, percent="2.00", list_value="50000.00")  # 1,000 EUR, 2 %
    big = record(
        seller, account.pk, percent="8.00", list_value="50000.00", granted_on=TODAY - dt.timedelta(days=200)
    )
    assert small.approval_status == ApprovalStatus.NOT_NEEDED
    assert big.approval_status == ApprovalStatus.PENDING  # 8 % is above the seller's 5 %


def test_splitting_one_discount_into_small_ones_does_not_stay_under_the_limit(seller, account):
    # 3 x 2 % on the same order: each alone within 5 % and 2,500 EUR, together 6 % and 3,000 EUR
    order = OrderFactory(account=account, value=Decimal("50000.00"))
    first = record(seller, account.pk, order_id=order.pk)
    second = record(seller, account.pk, order_id=order.pk, granted_on=TODAY - dt.timedelta(days=10))
    third = record(seller, account.pk, order_id=order.pk, granted_on=TODAY - dt.timedelta(days=20))
    assert [first.approval_status, second.approval_status] == [ApprovalStatus.NOT_NEEDED] * 2
    assert third.approval_status == ApprovalStatus.PENDING
    assert (third.basis_value, third.basis_percent) == (Decimal("3000.00"), Decimal("6.00"))


def test_split_amounts_over_the_period_add_up_against_the_value_limit(seller, account):
    entries = [
        record(
            seller,
            account.pk,
            kind="free_service",
            percent=None,
            amount="900.00",
            granted_on=TODAY - dt.timedelta(days=days),
        )
        for days in (0, 30, 60)
    ]
    assert [entry.approval_status for entry in entries] == [
        ApprovalStatus.NOT_NEEDED,
        ApprovalStatus.NOT_NEEDED,
        ApprovalStatus.PENDING,
    ]
    # outside the period (90 days by default) it counts alone again
    alone = record(
        seller,
        account.pk,
        kind="free_service",
        percent=None,
        amount="900.00",
        granted_on=TODAY - dt.timedelta(days=400),
    )
    assert alone.approval_status == ApprovalStatus.NOT_NEEDED


def test_nobody_approves_his_own_entry(management_user):
    account = AccountFactory(owner=management_user)
    approval_limit_set(
        actor=_admin(), data=LimitInput(role=Role.MANAGEMENT, max_value=Decimal("1000"), max_percent=None)
    )
    entry = record(management_user, account.pk, percent="4.00")
    assert entry.approval_status == ApprovalStatus.PENDING
    with pytest.raises(Forbidden):
        approve(management_user, entry)
    entry.refresh_from_db()
    assert entry.approval_status == ApprovalStatus.PENDING


def _admin():
    from tests.factories import UserFactory

    return UserFactory(role=Role.ADMIN, username="limits-admin")


def test_a_manager_approves_and_the_recorder_is_told(seller, account, management_user):
    entry = record(seller, account.pk, percent="8.00")
    approved = approve(management_user, entry, revision=entry.revision)
    assert (approved.approval_status, approved.decided_by, approved.approved_value) == (
        ApprovalStatus.APPROVED,
        management_user,
        Decimal("4000.00"),
    )
    assert AuditEvent.objects.filter(action="concession.approve", target_id=str(entry.pk)).count() == 1


def test_a_seller_may_not_decide(seller, account, make_user):
    entry = record(seller, account.pk, percent="8.00")
    colleague = make_user(Role.SELLER)
    with pytest.raises((Forbidden, NotFound)):
        approve(colleague, entry)


def test_a_decision_on_an_older_revision_is_refused(seller, account, management_user):
    entry = record(seller, account.pk, percent="8.00")
    seen = entry.revision
    concession_update(actor=seller, concession=entry, patch=ConcessionPatch(percent=Decimal("9.00")))
    with pytest.raises(Conflict) as caught:
        approve(management_user, entry, revision=seen)
    assert caught.value.code == "changed"


def test_deciding_twice_is_a_conflict(seller, account, management_user, make_user):
    entry = record(seller, account.pk, percent="8.00")
    approve(management_user, entry)
    with pytest.raises(Conflict) as caught:
        reject(make_user(Role.MANAGEMENT), entry)
    assert caught.value.code == "decided"


def test_raising_an_approved_entry_beyond_the_tolerance_needs_approval_again(
    seller, account, management_user
):
    entry = record(seller, account.pk, percent="8.00")  # 4,000 EUR
    approve(management_user, entry)
    within = concession_update(actor=seller, concession=entry, patch=ConcessionPatch(percent=Decimal("8.20")))
    assert within.approval_status == ApprovalStatus.APPROVED  # 4,100 EUR: within 5 %
    raised = concession_update(
        actor=seller, concession=within, patch=ConcessionPatch(percent=Decimal("9.00"))
    )
    assert raised.approval_status == ApprovalStatus.PENDING  # 4,500 EUR: more than 4,000 + 5 %
    assert raised.decided_by is None


def test_lowering_an_approved_entry_keeps_the_approval(seller, account, management_user):
    entry = approve(management_user, record(seller, account.pk, percent="8.00"))
    lowered = concession_update(
        actor=seller, concession=entry, patch=ConcessionPatch(percent=Decimal("7.00"))
    )
    assert lowered.approval_status == ApprovalStatus.APPROVED


def test_taking_the_return_away_after_approval_needs_approval_again(seller, account, management_user):
    entry = approve(management_user, record(seller, account.pk, percent="8.00"))
    changed = concession_update(
        actor=seller,
        concession=entry,
        patch=ConcessionPatch(
            get_kind="nothing", get_value=None, get_due_on=None, nothing_reason="Kunde will nicht"
        ),
    )
    assert changed.approval_status == ApprovalStatus.PENDING


def test_raising_an_entry_within_the_limit_above_it_makes_it_wait(seller, account):
    entry = record(seller, account.pk, percent="2.00")
    raised = concession_update(actor=seller, concession=entry, patch=ConcessionPatch(percent=Decimal("7.00")))
    assert raised.approval_status == ApprovalStatus.PENDING


def test_a_rejected_entry_cannot_be_resubmitted_unchanged(seller, account, management_user):
    entry = reject(management_user, record(seller, account.pk, percent="8.00"))
    with pytest.raises(InvalidInput) as caught:
        concession_update(actor=seller, concession=entry, patch=ConcessionPatch(percent=Decimal("8.00")))
    assert caught.value.code == "unchanged"
    with pytest.raises(InvalidInput):  # a new note is no new request
        concession_update(
            actor=seller, concession=entry, patch=ConcessionPatch(note="Bitte noch einmal prüfen")
        )
    entry.refresh_from_db()
    assert entry.approval_status == ApprovalStatus.REJECTED
    resubmitted = concession_update(
        actor=seller, concession=entry, patch=ConcessionPatch(percent=Decimal("6.00"))
    )
    assert resubmitted.approval_status == ApprovalStatus.PENDING
    assert resubmitted.decision_reason == ""


def test_a_rejection_needs_a_reason(seller, account, management_user):
    entry = record(seller, account.pk, percent="8.00")
    with pytest.raises(Exception) as caught:
        DecisionInput(decision=Decision.REJECT, reason="")
    assert "Say why you reject it." in str(caught.value)
    assert entry.approval_status == ApprovalStatus.PENDING


def test_a_delegate_decides_while_the_manager_is_away(seller, account, management_user, make_user):
    deputy = make_user(Role.SELLER, username="deputy")
    entry = record(seller, account.pk, percent="8.00")
    with pytest.raises((Forbidden, NotFound)):
        approve(deputy, entry)
    today = dt.date.today()
    delegation_create(
        actor=management_user,
        data=DelegationInput(delegate_id=deputy.pk, starts_on=today, ends_on=today + dt.timedelta(days=7)),
    )
    decided = approve(deputy, entry)
    assert (decided.decided_by, decided.decided_for) == (deputy, management_user)


def test_an_expired_delegation_gives_no_right(seller, account, management_user, make_user):
    deputy = make_user(Role.SELLER, username="deputy")
    today = dt.date.today()
    delegation_create(
        actor=management_user,
        data=DelegationInput(
            delegate_id=deputy.pk,
            starts_on=today - dt.timedelta(days=10),
            ends_on=today - dt.timedelta(days=1),
        ),
    )
    entry = record(seller, account.pk, percent="8.00")
    with pytest.raises((Forbidden, NotFound)):
        approve(deputy, entry)


def test_a_delegate_does_not_approve_his_own_entry(management_user):
    seller_deputy_account = AccountFactory()
    from tests.factories import UserFactory

    deputy = UserFactory(role=Role.SELLER, username="deputy2")
    seller_deputy_account.owner = deputy
    seller_deputy_account.save()
    today = dt.date.today()
    delegation_create(
        actor=management_user,
        data=DelegationInput(delegate_id=deputy.pk, starts_on=today, ends_on=today),
    )
    entry = record(deputy, seller_deputy_account.pk, percent="8.00")
    with pytest.raises(Forbidden):
        approve(deputy, entry)


def test_an_approver_above_his_limit_may_not_approve(seller, account, make_user, admin_user):
    approval_limit_set(
        actor=admin_user,
        data=LimitInput(role=Role.MANAGEMENT, max_value=Decimal("3000.00"), max_percent=None),
    )
    manager = make_user(Role.MANAGEMENT)
    entry = record(seller, account.pk, percent="8.00")  # 4,000 EUR
    with pytest.raises(Forbidden):
        approve(manager, entry)


def test_limits_are_for_admins(management_user):
    with pytest.raises(Forbidden):
        approval_limit_set(
            actor=management_user, data=LimitInput(role=Role.SELLER, max_value=Decimal("1"), max_percent=None)
        )


def test_the_return_is_marked_delivered_or_failed_without_approval(seller, account):
    entry = record(seller, account.pk, percent="8.00")
    failed = concession_get_status_set(
        actor=seller, concession=entry, data=GetStatusInput(status=GetStatus.FAILED)
    )
    assert failed.get_status == GetStatus.FAILED
    assert failed.approval_status == ApprovalStatus.PENDING
    assert AuditEvent.objects.filter(action="concession.get_status").count() == 1


def test_a_pending_return_past_its_due_date_reads_overdue(seller, account):
    entry = record(seller, account.pk, get_due_on=TODAY + dt.timedelta(days=5))
    assert entry.get_status_on(TODAY) == GetStatus.PENDING
    assert entry.get_status_on(TODAY + dt.timedelta(days=6)) == GetStatus.OVERDUE


def test_an_opportunity_of_the_account_may_be_named_another_not(seller, account):
    from tests.coselling.opportunity_helpers import create

    own = create(seller, account_id=account.pk)
    entry = record(seller, account.pk, opportunity_id=own.pk)
    assert entry.opportunity_id == own.pk
    with pytest.raises(InvalidInput) as caught:
        record(seller, account.pk, opportunity_id=create(seller).pk)
    assert "opportunity_id" in caught.value.fields
