"""Deal registrations: a partner registers, we approve (protection period) / reject / mark a duplicate; the
partner asks for an extension, which needs approval again; the worker expires and warns, each exactly once.

One registration at a time holds an account and product line (pending or approved): a conditional unique
constraint in the database, so a hundred partners registering the same deal at once leave exactly one, and every
other gets 409 `registration_exists` with a message in his language.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from handschlag.accounts.enums import AccountStatus
from handschlag.accounts.inputs import AccountInput
from handschlag.accounts.selectors import CompanyFields, account_duplicate_candidates, account_list_by_ids
from handschlag.accounts.services import account_create
from handschlag.alliances.access import portal_partner_for
from handschlag.alliances.enums import PartnerStatus
from handschlag.core.errors import Conflict, InvalidInput, NotFound
from handschlag.core.events import audit_record
from handschlag.core.inputs import input_build
from handschlag.core.models import User
from handschlag.core.notifications import notify
from handschlag.core.roles import Capability, has_capability, is_internal
from handschlag.coselling.lead_access import check_registrations_decide
from handschlag.coselling.lead_enums import (
    EXPIRING_SOON_DAYS,
    AccountResolution,
    ExtensionStatus,
    RegistrationStatus,
)
from handschlag.coselling.lead_inputs import (
    DealRegistrationInput,
    ExtensionDecisionInput,
    ExtensionRequestInput,
    RegistrationDecisionInput,
)
from handschlag.coselling.models import DealRegistration, ProductLine

logger = logging.getLogger(__name__)

REGISTRATION_EXISTS = (
    "This account and product line are already registered. Talk to your partner manager if you think the deal "
    "is yours."
)
REGISTRATION_EXISTS_FOR_US = (
    "Another registration already holds this account and product line. Decide or mark that one first."
)


def _company(data: DealRegistrationInput) -> CompanyFields:
    return CompanyFields(
        name=data.company_name,
        domain=data.company_domain,
        street=data.company_street,
        postal_code=data.company_postal_code,
        city=data.company_city,
        country=data.company_country,
    )


def _portal_url(registration: DealRegistration) -> str:
    return f"/portal/registrations/{registration.pk}/"


def _our_url(registration: DealRegistration) -> str:
    return f"/coselling/registrations/{registration.pk}/"


def _partner_people(registration: DealRegistration) -> list[User]:
    return list(registration.partner.organisation.users.filter(is_active=True))


def _approvers(registration: DealRegistration) -> list[User]:
    manager = registration.partner.manager
    return [manager] if manager is not None and manager.is_active else []


def _tell(users: list[User], registration: DealRegistration, message: str, params: dict[str, object]) -> None:
    for user in users:
        url = _our_url(registration) if is_internal(user) else _portal_url(registration)
        notify(users=[user], message=message, params=params, url=url)


@transaction.atomic
def registration_create(*, actor: User, data: DealRegistrationInput) -> DealRegistration:
    """A partner user registers a deal. The engine resolves the account (or the registration proposes a new one);
    a second active registration on the same account and product line is refused with 409."""
    partner = portal_partner_for(actor)
    if partner.status != PartnerStatus.ACTIVE:
        raise NotFound
    product_line = ProductLine.objects.filter(pk=data.product_line_id, is_active=True).first()
    if product_line is None:
        raise InvalidInput.for_field("product_line_id", _("Choose an active product line."))
    candidates = account_duplicate_candidates(company=_company(data), limit=1)
    registration = DealRegistration(
        partner=partner,
        registered_by=actor,
        account_id=candidates[0].account_id if candidates else None,
        resolution=AccountResolution.MATCHED if candidates else AccountResolution.PROPOSED_NEW,
        resolution_score=candidates[0].score if candidates else None,
        company_name=data.company_name,
        company_domain=data.company_domain,
        company_street=data.company_street,
        company_postal_code=data.company_postal_code,
        company_city=data.company_city,
        company_country=data.company_country,
        product_line=product_line,
        title=data.title,
        amount=data.amount,
        expected_close_date=data.expected_close_date,
        description=data.description,
    )
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError:
        raise Conflict(_(REGISTRATION_EXISTS), code="registration_exists") from None
    audit_record(
        actor=actor,
        action="registration.create",
        target=registration,
        summary=f"deal registration {registration.title} by partner {partner.pk}",
        changes={
            "partner": partner.pk,
            "company_name": registration.company_name,
            "account": registration.account_id,
            "resolution": registration.resolution,
            "product_line": product_line.pk,
            "amount": registration.amount,
        },
    )
    _tell(
        _approvers(registration),
        registration,
        gettext_noop("Deal registration to decide: %(title)s (%(partner)s)"),
        {"title": registration.title, "partner": partner.name},
    )
    account = registration.account
    owner = account.owner if account is not None else None
    if (
        account is not None
        and owner is not None
        and is_internal(owner)
        and owner not in _approvers(registration)
    ):
        _tell(
            [owner],
            registration,
            gettext_noop("%(partner)s registered a deal on your account %(account)s: %(title)s"),
            {
                "title": registration.title,
                "partner": partner.name,
                "account": account.display_name,
            },
        )
    return registration


def _account_for_approval(*, actor: User, registration: DealRegistration, account_id: int | None) -> int:
    if account_id is not None:
        if not account_list_by_ids(account_ids=[account_id]).exists():
            raise InvalidInput.for_field("account_id", _("This account does not exist."))
        return account_id
    if registration.account_id is not None:
        return registration.account_id
    if not has_capability(actor, Capability.ACCOUNTS_CREATE):
        raise InvalidInput.for_field(
            "account_id",
            _("Our accounts do not hold this company yet. Choose its account, or ask a seller to create it."),
        )
    account = account_create(
        actor=actor,
        data=input_build(
            AccountInput,
            {
                "name": registration.company_name,
                "domain": registration.company_domain,
                "street": registration.company_street,
                "postal_code": registration.company_postal_code,
                "city": registration.company_city,
                "country": registration.company_country or "DE",
                "status": AccountStatus.PROSPECT,
                "confirm_duplicate": True,
            },
        ),
    )
    return account.pk


def _joint_opportunity(*, actor: User, registration: DealRegistration, now: dt.datetime) -> int:
    """The opportunity an approved registration is on: our open one on the account and product line, with the
    partner added as "influenced", else a new one with the partner as "sourced" (owner: the account's owner)."""
    from handschlag.coselling.enums import (
        InvolvementRole,
        OpportunitySource,
        OpportunityStatus,
    )
    from handschlag.coselling.inputs import InvolvementInput, OpportunityInput
    from handschlag.coselling.models import Opportunity, PartnerInvolvement
    from handschlag.coselling.services.opportunities import (
        involvement_add,
        opportunity_create,
        partner_sourced_add,
    )

    assert registration.account_id is not None  # approved: the database refuses one without an account
    ours = (
        Opportunity.objects.filter(
            account_id=registration.account_id,
            product_line_id=registration.product_line_id,
            status=OpportunityStatus.OPEN,
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if ours is not None:
        if not PartnerInvolvement.objects.filter(
            opportunity=ours, partner_id=registration.partner_id
        ).exists():
            involvement_add(
                actor=actor,
                opportunity=ours,
                now=now,
                data=input_build(
                    InvolvementInput,
                    {"partner_id": registration.partner_id, "role": InvolvementRole.INFLUENCED},
                ),
            )
        return ours.pk
    account = registration.account
    owner = account.owner if account is not None else None
    opportunity = opportunity_create(
        actor=actor,
        data=input_build(
            OpportunityInput,
            {
                "account_id": registration.account_id,
                "title": registration.title,
                "product_line_id": registration.product_line_id,
                "amount": registration.amount,
                "expected_close_date": registration.expected_close_date,
                "owner_id": owner.pk
                if owner is not None and owner.is_active and is_internal(owner)
                else None,
            },
        ),
        source=OpportunitySource.REGISTRATION,
        now=now,
    )
    partner_sourced_add(actor=actor, opportunity=opportunity, partner_id=registration.partner_id, now=now)
    return opportunity.pk


def _locked_pending(registration: DealRegistration) -> DealRegistration:
    locked = DealRegistration.objects.select_for_update().filter(pk=registration.pk).first()
    if locked is None:
        raise NotFound
    if locked.status != RegistrationStatus.PENDING:
        raise Conflict(_("This registration was already decided."), code="registration_decided")
    return locked


@transaction.atomic
def registration_decide(
    *,
    actor: User,
    registration: DealRegistration,
    data: RegistrationDecisionInput,
    now: dt.datetime | None = None,
) -> DealRegistration:
    """Approve with a protection period, reject with a reason, or mark a duplicate (of another registration)."""
    check_registrations_decide(actor)
    now = now or timezone.now()
    locked = _locked_pending(registration)
    changes: dict[str, object] = {"decision": data.decision, "reason": data.reason}
    if data.decision == "approve":
        locked.account_id = _account_for_approval(
            actor=actor, registration=locked, account_id=data.account_id
        )
        locked.status = RegistrationStatus.APPROVED
        locked.protection_days = data.protection_days
        locked.protected_until = timezone.localdate(now) + dt.timedelta(days=data.protection_days)
        changes.update(
            account=locked.account_id,
            protection_days=data.protection_days,
            protected_until=locked.protected_until,
        )
    elif data.decision == "reject":
        if not data.reason:
            raise InvalidInput.for_field(
                "reason", _("Say why you reject the registration; the partner sees it.")
            )
        locked.status = RegistrationStatus.REJECTED
    else:
        locked.status = RegistrationStatus.DUPLICATE
        if data.duplicate_of_id is not None:
            original = DealRegistration.objects.filter(pk=data.duplicate_of_id).exclude(pk=locked.pk).first()
            if original is None:
                raise InvalidInput.for_field("duplicate_of_id", _("This registration does not exist."))
            locked.duplicate_of = original
            changes["duplicate_of"] = original.pk
    locked.decision_reason = data.reason
    locked.decided_by = actor
    locked.decided_at = now
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError:
        raise Conflict(_(REGISTRATION_EXISTS_FOR_US), code="registration_exists") from None
    if locked.status == RegistrationStatus.APPROVED:
        locked.opportunity_id = _joint_opportunity(actor=actor, registration=locked, now=now)
        locked.save(update_fields=["opportunity", "updated_at"])
        changes["opportunity"] = locked.opportunity_id
    audit_record(
        actor=actor,
        action=f"registration.{data.decision}",
        target=locked,
        summary=f"deal registration {locked.title} {locked.status}",
        changes=changes,
    )
    messages = {
        "approve": gettext_noop("Your deal registration %(title)s was approved, protected until %(until)s"),
        "reject": gettext_noop("Your deal registration %(title)s was rejected: %(reason)s"),
        "duplicate": gettext_noop("Your deal registration %(title)s was marked as a duplicate"),
    }
    _tell(
        _partner_people(locked),
        locked,
        messages[data.decision],
        {"title": locked.title, "until": locked.protected_until, "reason": data.reason},
    )
    return locked


@transaction.atomic
def registration_extension_request(
    *,
    actor: User,
    registration: DealRegistration,
    data: ExtensionRequestInput,
    now: dt.datetime | None = None,
) -> DealRegistration:
    """The partner asks for more protection; it needs approval again (registration_extension_decide)."""
    partner = portal_partner_for(actor)
    if registration.partner_id != partner.pk:
        raise NotFound
    now = now or timezone.now()
    locked = DealRegistration.objects.select_for_update().get(pk=registration.pk)
    if locked.status != RegistrationStatus.APPROVED:
        raise Conflict(_("Only an approved registration can be extended."), code="registration_not_approved")
    if locked.extension_status == ExtensionStatus.REQUESTED:
        raise Conflict(
            _("An extension was already requested and waits for a decision."), code="extension_open"
        )
    locked.extension_status = ExtensionStatus.REQUESTED
    locked.extension_days = data.days
    locked.extension_reason = data.reason
    locked.extension_requested_at = now
    locked.extension_decided_by = None
    locked.extension_decided_at = None
    locked.extension_decision_reason = ""
    locked.save()
    audit_record(
        actor=actor,
        action="registration.extension_request",
        target=locked,
        summary=f"extension of deal registration {locked.title} by {data.days} days requested",
        changes={"days": data.days, "reason": data.reason},
    )
    _tell(
        _approvers(locked),
        locked,
        gettext_noop("Extension requested for the deal registration %(title)s (%(days)s days)"),
        {"title": locked.title, "days": data.days},
    )
    return locked


@transaction.atomic
def registration_extension_decide(
    *,
    actor: User,
    registration: DealRegistration,
    data: ExtensionDecisionInput,
    now: dt.datetime | None = None,
) -> DealRegistration:
    check_registrations_decide(actor)
    now = now or timezone.now()
    locked = DealRegistration.objects.select_for_update().get(pk=registration.pk)
    if locked.extension_status != ExtensionStatus.REQUESTED:
        raise Conflict(_("No extension waits for a decision."), code="extension_not_requested")
    if locked.status != RegistrationStatus.APPROVED:
        raise Conflict(_("Only an approved registration can be extended."), code="registration_not_approved")
    changes: dict[str, object] = {"decision": data.decision, "reason": data.reason}
    if data.decision == "approve":
        assert locked.protected_until is not None
        assert locked.extension_days is not None
        locked.protected_until = locked.protected_until + dt.timedelta(days=locked.extension_days)
        locked.expiry_warned_at = None  # warned again before the new end
        locked.extension_status = ExtensionStatus.APPROVED
        changes["protected_until"] = locked.protected_until
    else:
        if not data.reason:
            raise InvalidInput.for_field(
                "reason", _("Say why you reject the extension; the partner sees it.")
            )
        locked.extension_status = ExtensionStatus.REJECTED
    locked.extension_decided_by = actor
    locked.extension_decided_at = now
    locked.extension_decision_reason = data.reason
    locked.save()
    audit_record(
        actor=actor,
        action=f"registration.extension_{data.decision}",
        target=locked,
        summary=f"extension of deal registration {locked.title} {locked.extension_status}",
        changes=changes,
    )
    message = (
        gettext_noop("The extension of %(title)s was approved, protected until %(until)s")
        if data.decision == "approve"
        else gettext_noop("The extension of %(title)s was rejected: %(reason)s")
    )
    _tell(
        _partner_people(locked),
        locked,
        message,
        {"title": locked.title, "until": locked.protected_until, "reason": data.reason},
    )
    return locked


# --- the worker: expiry and "expiring soon", each exactly once ---------------------------------------------------


@dataclass
class RegistrationSweep:
    expired: list[int] = field(default_factory=list)
    warned: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def registration_expire_as_system(*, registration_id: int, now: dt.datetime | None = None) -> bool:
    """Expire one approved registration whose protection has ended. The conditional UPDATE has one winner: only
    the worker that moved it audits it and tells the partner, however many run at once."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        if not DealRegistration.objects.filter(
            pk=registration_id, status=RegistrationStatus.APPROVED, protected_until__lt=today
        ).update(status=RegistrationStatus.EXPIRED, expired_at=now, updated_at=now):
            return False
        registration = DealRegistration.objects.select_related(
            "partner__organisation", "partner__manager"
        ).get(pk=registration_id)
        audit_record(
            actor=None,
            action="registration.expire",
            target=registration,
            summary=f"deal registration {registration.title} expired",
            changes={"status": RegistrationStatus.EXPIRED, "protected_until": registration.protected_until},
        )
        _tell(
            _partner_people(registration) + _approvers(registration),
            registration,
            gettext_noop("The deal registration %(title)s has expired"),
            {"title": registration.title},
        )
    return True


def registration_warn_expiring_as_system(*, registration_id: int, now: dt.datetime | None = None) -> bool:
    """Tell the partner and his manager once that the protection ends soon (`expiry_warned_at` set by a
    conditional UPDATE: one winner)."""
    now = now or timezone.now()
    soon = timezone.localdate(now) + dt.timedelta(days=EXPIRING_SOON_DAYS)
    with transaction.atomic():
        if not DealRegistration.objects.filter(
            pk=registration_id,
            status=RegistrationStatus.APPROVED,
            protected_until__lte=soon,
            expiry_warned_at__isnull=True,
        ).update(expiry_warned_at=now):
            return False
        registration = DealRegistration.objects.select_related(
            "partner__organisation", "partner__manager"
        ).get(pk=registration_id)
        audit_record(
            actor=None,
            action="registration.expiry_warning",
            target=registration,
            summary=f"deal registration {registration.title} expires on {registration.protected_until}",
            changes={"protected_until": registration.protected_until},
        )
        _tell(
            _partner_people(registration) + _approvers(registration),
            registration,
            gettext_noop(
                "The deal registration %(title)s expires on %(until)s; ask for an extension if needed"
            ),
            {"title": registration.title, "until": registration.protected_until},
        )
    return True


def registrations_sweep_as_system(*, now: dt.datetime | None = None) -> RegistrationSweep:
    """The worker's run: warn those expiring soon, expire those whose protection ended; one failure does not stop
    the rest. Safe to run twice, or on two workers at once."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    result = RegistrationSweep()
    approved = DealRegistration.objects.filter(status=RegistrationStatus.APPROVED)
    for registration_id in list(
        approved.filter(protected_until__lt=today).values_list("pk", flat=True)[:5000]
    ):
        try:
            if registration_expire_as_system(registration_id=registration_id, now=now):
                result.expired.append(registration_id)
        except Exception:
            logger.exception("deal registration %s: expiry failed", registration_id)
            result.failed.append(registration_id)
    soon = today + dt.timedelta(days=EXPIRING_SOON_DAYS)
    warn = approved.filter(
        protected_until__lte=soon, protected_until__gte=today, expiry_warned_at__isnull=True
    )
    for registration_id in list(warn.values_list("pk", flat=True)[:5000]):
        try:
            if registration_warn_expiring_as_system(registration_id=registration_id, now=now):
                result.warned.append(registration_id)
        except Exception:
            logger.exception("deal registration %s: expiry warning failed", registration_id)
            result.failed.append(registration_id)
    return result
