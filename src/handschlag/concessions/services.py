"""Writes on the concession ledger: record, change, decide, mark the return; the organisation's settings, the
approval limits and delegations. Every service checks its actor first and writes its audit row in its own
transaction.

Approval is a state beside the entry and never blocks the normal work: nothing else in handschlag waits for it.
The rules that keep it loophole-free (docs in the module docstring of `access` and ADR-like notes here):

- split-proof: an entry is counted with the account's other entries (not rejected) granted within the period
  (settings.period_days) before or after it; the value limit sees the sum, the percent limit the sum of the
  entries on the same deal (the same order, or without an order the same list value) ÷ that deal's list value;
- an approved entry raised beyond the tolerance waits again; any change of a waiting entry makes a new revision,
  and a decision on an older revision is refused (409);
- nobody decides an entry he recorded or last changed;
- a rejected entry is resubmitted only changed (its value or its return), never as it was;
- exactly one decision: the decision locks the row (SELECT … FOR UPDATE) and decides only a waiting entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from handschlag.accounts.access import access_account_by_id, can_edit_account
from handschlag.accounts.importing import ImportFileError
from handschlag.accounts.selectors import (
    account_id_by_reference,
    account_order_ids_by_number,
    account_orders_by_ids,
)
from handschlag.concessions.access import (
    check_concession_editable,
    check_recordable,
    check_settings_allowed,
    deciding_authority,
    limit_of,
    require_concessions_view,
)
from handschlag.concessions.enums import (
    ApprovalStatus,
    ConcessionKind,
    Decision,
    GetKind,
    GetStatus,
)
from handschlag.concessions.importing import read_lines
from handschlag.concessions.inputs import (
    ConcessionInput,
    ConcessionPatch,
    DecisionInput,
    DelegationInput,
    GetStatusInput,
    LimitInput,
    SettingsInput,
)
from handschlag.concessions.models import ApprovalDelegation, ApprovalLimit, Concession, ConcessionSettings
from handschlag.concessions.selectors import concession_settings_get
from handschlag.core.access import require_capability
from handschlag.core.enums import Role
from handschlag.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from handschlag.core.events import audit_record
from handschlag.core.inputs import input_build
from handschlag.core.models import User
from handschlag.core.money import to_money
from handschlag.core.notifications import notify
from handschlag.core.roles import Capability, has_capability
from handschlag.coselling.access import access_opportunity_by_id

CONTENT_FIELDS = (
    "order_id",
    "opportunity_id",
    "granted_on",
    "kind",
    "list_value",
    "percent",
    "amount",
    "extra_days",
    "reason",
    "note",
    "get_kind",
    "get_description",
    "get_value",
    "get_due_on",
    "nothing_reason",
)
# What makes a resubmission a different request: the give and the get, not the wording of a note.
SUBSTANCE_FIELDS = (
    "order_id",
    "granted_on",
    "kind",
    "list_value",
    "percent",
    "amount",
    "extra_days",
    "get_kind",
    "get_value",
    "get_due_on",
)
HUNDRED = Decimal("100")
DAYS_PER_YEAR = Decimal("360")  # German banking convention (30/360)


def concession_value(
    *,
    kind: str,
    list_value: Decimal,
    percent: Decimal | None,
    amount: Decimal | None,
    extra_days: int | None,
    interest_rate_percent: Decimal,
) -> Decimal:
    """Every kind in EUR: a percent of the list value; payment terms as the interest on the list value for the
    extra days; the other kinds as the amount typed."""
    if kind == ConcessionKind.DISCOUNT_PERCENT:
        return to_money(list_value * (percent or Decimal("0")) / HUNDRED)
    if kind == ConcessionKind.PAYMENT_TERMS:
        return to_money(
            list_value * interest_rate_percent / HUNDRED * Decimal(extra_days or 0) / DAYS_PER_YEAR
        )
    return to_money(amount or Decimal("0"))


def _fingerprint(values: dict[str, Any]) -> str:
    substance = {name: str(values.get(name)) for name in SUBSTANCE_FIELDS}
    return hashlib.sha256(json.dumps(substance, sort_keys=True).encode()).hexdigest()


def _values_of(concession: Concession) -> dict[str, Any]:
    return {name: getattr(concession, name) for name in CONTENT_FIELDS}


def _lock_account(concession: Concession) -> None:
    """Serialise the limit check per account: two entries recorded at once cannot both count without the other."""
    account_model = type(concession.account)
    list(account_model.objects.select_for_update().filter(pk=concession.account_id).values_list("pk"))


def _basis(concession: Concession, settings: ConcessionSettings) -> tuple[Decimal, Decimal]:
    """What counts against the limits: the account's entries within the period around this one, this one
    included (split-proof), as a value and as a percent of the deal's list value."""
    window = dt.timedelta(days=settings.period_days)
    others = list(
        Concession.objects.filter(
            account_id=concession.account_id,
            granted_on__gte=concession.granted_on - window,
            granted_on__lte=concession.granted_on + window,
        )
        .exclude(approval_status=ApprovalStatus.REJECTED)
        .exclude(pk=concession.pk)
        .values_list("value", "order_id", "list_value")
    )
    total = concession.value + sum((value for value, _order, _list in others), Decimal("0"))
    if concession.order_id is not None:
        same_deal = [(value, listed) for value, order, listed in others if order == concession.order_id]
    else:
        same_deal = [
            (value, listed)
            for value, order, listed in others
            if order is None and listed == concession.list_value
        ]
    deal_value = concession.value + sum((value for value, _listed in same_deal), Decimal("0"))
    deal_list = max([concession.list_value, *(listed for _value, listed in same_deal)])
    percent = (deal_value / deal_list * HUNDRED).quantize(Decimal("0.01")) if deal_list else Decimal("0")
    return to_money(total), min(percent, Decimal("99999.99"))


def _evaluate(concession: Concession, settings: ConcessionSettings) -> None:
    """Set the basis and whether the entry waits: within the recorder's limit it needs no approval."""
    concession.basis_value, concession.basis_percent = _basis(concession, settings)
    if limit_of(concession.recorded_by).covers(concession.basis_value, concession.basis_percent):
        concession.approval_status = ApprovalStatus.NOT_NEEDED
    else:
        concession.approval_status = ApprovalStatus.PENDING
    concession.decided_by = concession.decided_for = None
    concession.decided_at = None
    concession.decision_reason = ""


def _approvers_for(concession: Concession) -> list[User]:
    from handschlag.concessions.access import approval_limits

    limits = approval_limits()
    candidates = User.objects.filter(is_active=True, role__in=[Role.MANAGEMENT]).exclude(
        pk__in=[concession.recorded_by_id, concession.changed_by_id or 0]
    )
    return [user for user in candidates if deciding_authority(user, concession, limits) is not None]


def _tell_approvers(concession: Concession) -> None:
    if concession.approval_status != ApprovalStatus.PENDING:
        return
    # inside the change's transaction (core/notifications.py): the rows commit with it, the mails after it
    notify(
        users=_approvers_for(concession),
        message=gettext_noop("A concession to %(account)s waits for your approval"),
        params={"account": concession.account.name},
        url=f"/concessions/{concession.pk}/",
    )


def _checked_values(*, actor: User, data: ConcessionInput) -> tuple[Any, Any]:
    try:
        account = access_account_by_id(actor, data.account_id)
    except NotFound:
        raise InvalidInput.for_field("account_id", _("No such account.")) from None
    if not (has_capability(actor, Capability.CONCESSIONS_VIEW_ALL) or can_edit_account(actor, account)):
        raise InvalidInput.for_field(
            "account_id", _("You can record concessions only for your own accounts.")
        )
    order = None
    if data.order_id is not None:
        orders = account_orders_by_ids(account=account, order_ids=[data.order_id])
        if not orders:
            raise InvalidInput.for_field("order_id", _("Only an order of this account can be referenced."))
        order = orders[0]
    if data.opportunity_id is not None:
        try:
            opportunity = access_opportunity_by_id(actor, data.opportunity_id)
        except NotFound:
            opportunity = None
        if opportunity is None or opportunity.account_id != account.pk:
            raise InvalidInput.for_field(
                "opportunity_id", _("Only an opportunity of this account can be referenced.")
            )
    return account, order


def _apply(concession: Concession, data: ConcessionInput, settings: ConcessionSettings) -> None:
    for name in CONTENT_FIELDS:
        if name not in {"order_id", "opportunity_id"}:
            setattr(concession, name, getattr(data, name))
    concession.order_id = data.order_id
    concession.opportunity_id = data.opportunity_id
    concession.interest_rate_percent = (
        settings.interest_rate_percent if data.kind == ConcessionKind.PAYMENT_TERMS else None
    )
    concession.value = concession_value(
        kind=data.kind,
        list_value=data.list_value,
        percent=data.percent,
        amount=data.amount,
        extra_days=data.extra_days,
        interest_rate_percent=settings.interest_rate_percent,
    )
    if data.get_kind == GetKind.NOTHING:
        concession.get_status = GetStatus.PENDING


@transaction.atomic
def concession_create(*, actor: User, data: ConcessionInput) -> Concession:
    """Record a concession with its EUR value and its return; above the recorder's limit it waits for approval
    (the entry counts at once: the ledger records what was given)."""
    check_recordable(actor)
    account, _order = _checked_values(actor=actor, data=data)
    settings = concession_settings_get()
    concession = Concession(account=account, recorded_by=actor)
    _apply(concession, data, settings)
    _lock_account(concession)
    _evaluate(concession, settings)
    concession.full_clean()
    concession.save()
    audit_record(
        actor=actor,
        action="concession.create",
        target=concession,
        summary=f"Concession {concession.get_kind_display()} {concession.value} EUR",
        changes={
            "account": account.pk,
            "kind": concession.kind,
            "value": concession.value,
            "get_kind": concession.get_kind,
            "approval_status": concession.approval_status,
            "basis_value": concession.basis_value,
        },
    )
    _tell_approvers(concession)
    return concession


def _merged_input(concession: Concession, patch: ConcessionPatch) -> ConcessionInput:
    values = _values_of(concession)
    values.update(patch.given())
    values["account_id"] = concession.account_id
    if values.get("get_kind") != GetKind.NOTHING and "nothing_reason" not in patch.model_fields_set:
        values["nothing_reason"] = ""
    return input_build(ConcessionInput, values)


@transaction.atomic
def concession_update(*, actor: User, concession: Concession, patch: ConcessionPatch) -> Concession:
    """Change an entry. Approved and raised beyond the tolerance → waits again; waiting → a new revision (an
    older one cannot be decided); rejected → resubmitted, but only changed."""
    check_concession_editable(actor, concession)
    locked = (
        Concession.objects.select_for_update().select_related("account", "recorded_by").get(pk=concession.pk)
    )
    data = _merged_input(locked, patch)
    if data.order_id != locked.order_id or data.opportunity_id != locked.opportunity_id:
        _checked_values(actor=actor, data=data)
    before = _values_of(locked)
    before_value, before_status = locked.value, locked.approval_status
    settings = concession_settings_get()
    _apply(locked, data, settings)
    after = _values_of(locked)
    changes = {name: [before[name], after[name]] for name in CONTENT_FIELDS if before[name] != after[name]}
    if not changes:
        if before_status == ApprovalStatus.REJECTED:
            raise InvalidInput(
                _("A rejected concession can be submitted again only with a change."), code="unchanged"
            )
        return locked
    if before_status == ApprovalStatus.REJECTED and _fingerprint(after) == locked.rejected_fingerprint:
        raise InvalidInput(
            _("A rejected concession can be submitted again only with a change of its value or its return."),
            code="unchanged",
        )
    locked.changed_by = actor
    locked.revision += 1
    _lock_account(locked)
    substance_changed = _fingerprint(before) != _fingerprint(after)
    if before_status == ApprovalStatus.APPROVED:
        tolerance = (locked.approved_value or before_value) * (1 + settings.edit_tolerance_percent / HUNDRED)
        return_weakened = before["get_kind"] != after["get_kind"] or (after["get_value"] or 0) < (
            before["get_value"] or 0
        )
        if locked.value > tolerance or return_weakened:
            _evaluate(locked, settings)
            if locked.approval_status == ApprovalStatus.NOT_NEEDED:
                locked.approved_value = None
    elif before_status != ApprovalStatus.APPROVED and (
        substance_changed or before_status == ApprovalStatus.REJECTED
    ):
        _evaluate(locked, settings)
    locked.full_clean()
    locked.save()
    changes["revision"] = [locked.revision - 1, locked.revision]
    if locked.approval_status != before_status:
        changes["approval_status"] = [before_status, locked.approval_status]
    audit_record(
        actor=actor,
        action="concession.update",
        target=locked,
        summary=f"Concession #{locked.pk} changed",
        changes=changes,
    )
    if locked.approval_status == ApprovalStatus.PENDING and before_status != ApprovalStatus.PENDING:
        _tell_approvers(locked)
    return locked


@transaction.atomic
def concession_decide(*, actor: User, concession: Concession, data: DecisionInput) -> Concession:
    """Approve or reject a waiting entry. The row is locked first, so of two approvers clicking at once exactly one
    decides; the other gets a 409."""
    require_concessions_view(actor)
    locked = Concession.objects.select_for_update().filter(pk=concession.pk).first()
    if locked is None:
        raise NotFound
    locked = Concession.objects.select_related("account", "recorded_by", "changed_by").get(pk=locked.pk)
    if locked.approval_status != ApprovalStatus.PENDING:
        raise Conflict(_("This concession was decided already."), code="decided")
    if data.revision is not None and data.revision != locked.revision:
        raise Conflict(
            _("The concession was changed since you opened it. Please look at it again."), code="changed"
        )
    if actor.pk in {locked.recorded_by_id, locked.changed_by_id}:
        raise Forbidden(_("Nobody approves his own concession."))
    authority = deciding_authority(actor, locked)
    if authority is None:
        raise Forbidden(_("This concession is above your approval limit."))
    now = timezone.now()
    locked.decided_by = actor
    locked.decided_for = authority if authority.pk != actor.pk else None
    locked.decided_at = now
    locked.decision_reason = data.reason
    if data.decision == Decision.APPROVE:
        locked.approval_status = ApprovalStatus.APPROVED
        locked.approved_value = locked.value
        locked.rejected_fingerprint = ""
    else:
        locked.approval_status = ApprovalStatus.REJECTED
        locked.rejected_fingerprint = _fingerprint(_values_of(locked))
    locked.save(
        update_fields=[
            "approval_status",
            "approved_value",
            "rejected_fingerprint",
            "decided_by",
            "decided_for",
            "decided_at",
            "decision_reason",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action="concession.approve" if data.decision == Decision.APPROVE else "concession.reject",
        target=locked,
        summary=f"Concession #{locked.pk} {locked.approval_status}",
        changes={
            "reason": data.reason,
            "revision": locked.revision,
            "on_behalf_of": locked.decided_for_id,
            "value": locked.value,
        },
    )
    recorder = locked.recorded_by
    message = (
        gettext_noop("Your concession to %(account)s was approved")
        if data.decision == Decision.APPROVE
        else gettext_noop("Your concession to %(account)s was rejected")
    )
    notify(
        users=[recorder],
        message=message,
        params={"account": locked.account.name},
        url=f"/concessions/{locked.pk}/",
    )
    return locked


@transaction.atomic
def concession_get_status_set(*, actor: User, concession: Concession, data: GetStatusInput) -> Concession:
    """Record whether the customer delivered his return (a promised volume can fail). No approval involved."""
    check_concession_editable(actor, concession)
    if concession.get_kind == GetKind.NOTHING:
        raise InvalidInput.for_field("status", _("This concession has nothing in return."))
    before = concession.get_status
    if before == data.status:
        return concession
    concession.get_status = data.status
    concession.changed_by = actor
    concession.save(update_fields=["get_status", "changed_by", "updated_at"])
    audit_record(
        actor=actor,
        action="concession.get_status",
        target=concession,
        summary=f"Return of concession #{concession.pk}: {data.status}",
        changes={"get_status": [before, data.status]},
    )
    return concession


# --- the organisation's settings, limits, delegations ------------------------------------------------------------


@transaction.atomic
def concession_settings_update(*, actor: User, data: SettingsInput) -> ConcessionSettings:
    check_settings_allowed(actor)
    settings = concession_settings_get()
    changes: dict[str, list[Any]] = {}
    for name, value in data.model_dump().items():
        if getattr(settings, name) != value:
            changes[name] = [getattr(settings, name), value]
            setattr(settings, name, value)
    if changes:
        settings.save()
        audit_record(
            actor=actor,
            action="concession_settings.update",
            target=settings,
            summary="Concession settings",
            changes=changes,
        )
    return settings


@transaction.atomic
def approval_limit_set(*, actor: User, data: LimitInput) -> ApprovalLimit:
    check_settings_allowed(actor)
    if data.role not in {role.value for role in Role} or data.role == Role.PARTNER_USER:
        raise InvalidInput.for_field("role", _("Choose a role of your organisation."))
    limit, _created = ApprovalLimit.objects.select_for_update().get_or_create(role=data.role)
    before = [limit.max_value, limit.max_percent]
    limit.max_value, limit.max_percent = data.max_value, data.max_percent
    limit.save()
    audit_record(
        actor=actor,
        action="approval_limit.set",
        target=limit,
        summary=f"Approval limit {data.role}",
        changes={"role": data.role, "limit": [before, [data.max_value, data.max_percent]]},
    )
    return limit


@transaction.atomic
def delegation_create(*, actor: User, data: DelegationInput) -> ApprovalDelegation:
    """While absent, an approver lets another internal user decide in his place (with his limit)."""
    require_concessions_view(actor)
    require_capability(actor, Capability.CONCESSIONS_APPROVE)
    delegate = User.objects.filter(pk=data.delegate_id, is_active=True).first()
    if delegate is None or not has_capability(delegate, Capability.CONCESSIONS_VIEW):
        raise InvalidInput.for_field(
            "delegate_id", _("Choose an active colleague who works with concessions.")
        )
    if delegate.pk == actor.pk:
        raise InvalidInput.for_field("delegate_id", _("You cannot stand in for yourself."))
    overlapping = ApprovalDelegation.objects.filter(
        delegator=actor, starts_on__lte=data.ends_on, ends_on__gte=data.starts_on
    ).filter(~Q(delegate=delegate))
    if overlapping.exists():
        raise InvalidInput.for_field(
            "starts_on", _("Another colleague stands in for you in this period already.")
        )
    delegation = ApprovalDelegation.objects.create(
        delegator=actor, delegate=delegate, starts_on=data.starts_on, ends_on=data.ends_on
    )
    audit_record(
        actor=actor,
        action="delegation.create",
        target=delegation,
        summary=f"Delegation to {delegate}",
        changes={"delegate": delegate.pk, "starts_on": data.starts_on, "ends_on": data.ends_on},
    )
    return delegation


@transaction.atomic
def delegation_delete(*, actor: User, delegation: ApprovalDelegation) -> None:
    if delegation.delegator_id != actor.pk:
        check_settings_allowed(actor)
    audit_record(
        actor=actor,
        action="delegation.delete",
        target=delegation,
        summary=f"Delegation to {delegation.delegate} ended",
        changes={"delegate": delegation.delegate_id},
    )
    delegation.delete()


# --- import of existing discount lines -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportProblem:
    line: int
    field: str
    message: str


@dataclass(frozen=True)
class ImportResult:
    created: int
    problems: list[ImportProblem]


def concession_import(*, actor: User, path: Path, source: str) -> ImportResult:
    """Existing discount lines from a CSV or XLSX file, all or nothing: every line goes through
    `concession_create` (the same rules, limits and audit); if any line is bad, nothing is written and every bad
    line is reported with its number and the reason."""
    check_recordable(actor)
    try:
        lines = read_lines(path, source=source)
    except ImportFileError as error:
        raise InvalidInput.for_field("file", error.message) from None
    if not lines:
        raise InvalidInput.for_field("file", _("The file has no lines."))
    problems: list[ImportProblem] = []
    created = 0
    with transaction.atomic():
        for line in lines:
            if line.problems:
                problems += [ImportProblem(line.line, name, message) for name, message in line.problems]
                continue
            account_id = account_id_by_reference(reference=line.account)
            account = None
            if account_id is not None:
                try:
                    account = access_account_by_id(actor, account_id)
                except NotFound:
                    account = None
            if account is None:
                problems.append(
                    ImportProblem(
                        line.line, "account", _("No such account: %(value)s.") % {"value": line.account}
                    )
                )
                continue
            values = {**line.values, "account_id": account.pk}
            if line.order_number:
                ids = account_order_ids_by_number(account=account, numbers=[line.order_number])
                if not ids:
                    problems.append(
                        ImportProblem(
                            line.line, "order_number", _("Only an order of this account can be referenced.")
                        )
                    )
                    continue
                values["order_id"] = next(iter(ids.values()))
            try:
                with transaction.atomic():
                    concession_create(actor=actor, data=input_build(ConcessionInput, values))
            except InvalidInput as error:
                for name, messages in (error.fields or {"": [error.message]}).items():
                    problems += [ImportProblem(line.line, name, message) for message in messages]
            else:
                created += 1
        if problems:
            transaction.set_rollback(True)
            created = 0
    return ImportResult(created=created, problems=problems)
