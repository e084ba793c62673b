"""Writes of the partnership module: partners, agreements, opt-ins, fit scorecard, offers, enablement.

Every interface (pages, API, demo, tasks) calls these functions. Each one checks its actor first (the capability
with `require_capability`, the object with `alliances.access`), takes typed input (`alliances.inputs`) and leaves
an audit event in the same transaction.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from handschlag.alliances.access import access_partner_by_id, access_portal_user_of, check_opt_in_side
from handschlag.alliances.enums import AgreementStatus, OfferDecision, OfferStatus, PartnerStatus, PartnerType
from handschlag.alliances.inputs import (
    AgreementInput,
    AgreementPatch,
    FitRatingsInput,
    FitWeightsInput,
    OfferDecisionInput,
    OfferInput,
    OfferPatch,
    PartnerContactInput,
    PartnerInput,
    PartnerPatch,
    PortalUserInput,
    PortalUserPatch,
)
from handschlag.alliances.models import (
    Agreement,
    EnablementReminder,
    FitCriterion,
    FitRating,
    Offer,
    Partner,
    PartnerContact,
    ValuePropositionAcknowledgement,
)
from handschlag.alliances.selectors import enablement_coverage, portal_user_list
from handschlag.core.access import require_capability
from handschlag.core.enums import OrganisationKind, Role
from handschlag.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from handschlag.core.events import audit_record
from handschlag.core.models import Organisation, User
from handschlag.core.notifications import SUBJECT_PREFIX, absolute_url
from handschlag.core.roles import Capability, has_capability, is_internal
from handschlag.core.services import user_create

logger = logging.getLogger(__name__)


def _assign(instance: models.Model, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set the values that differ on `instance` (not saved). Returns the changes as (old, new)."""
    changes: dict[str, list[Any]] = {}
    for name, new in values.items():
        old = getattr(instance, name)
        if old != new:
            changes[name] = [old, new]
            setattr(instance, name, new)
    return changes


# --- partners ------------------------------------------------------------------------------------------------


def _name_taken() -> Conflict:
    return Conflict(_("A partner of this name exists already."), code="partner_name_taken")


def _manager_from(manager_id: int | None) -> User | None:
    """The partner manager: one of our users who manages partners (never a partner user)."""
    if manager_id is None:
        return None
    manager = User.objects.filter(pk=manager_id).first()
    if manager is None or not is_internal(manager) or not has_capability(manager, Capability.PARTNERS_MANAGE):
        raise InvalidInput.for_field(
            "manager_id", _("The partner manager must be one of our users who manages partners.")
        )
    return manager


def _partner_insert(
    *,
    name: str,
    partner_type: str,
    tier: str | None = None,
    website: str = "",
    description: str = "",
    manager: User | None = None,
) -> Partner:
    """The Organisation (kind partner) and its Partner row. The database keeps names unique (case-insensitive):
    the loser of two inserts of one name gets a 409, never a 500."""
    try:
        with transaction.atomic():
            organisation = Organisation.objects.create(name=name, kind=OrganisationKind.PARTNER)
            partner = Partner(
                organisation=organisation,
                name=name,
                partner_type=partner_type,
                website=website,
                description=description,
                manager=manager,
            )
            if tier is not None:
                partner.tier = tier
            partner.save()
    except IntegrityError:
        raise _name_taken() from None
    return partner


@transaction.atomic
def partner_create(*, actor: User, data: PartnerInput) -> Partner:
    """A partner company: its core Organisation (kind partner) and its partner record."""
    require_capability(actor, Capability.PARTNERS_MANAGE)
    manager = _manager_from(data.manager_id)
    partner = _partner_insert(
        name=data.name,
        partner_type=data.partner_type,
        tier=data.tier,
        website=data.website,
        description=data.description,
        manager=manager,
    )
    audit_record(
        actor=actor,
        action="partner.create",
        target=partner,
        summary=f"partner {partner.name} created",
        changes=data.model_dump(),
    )
    return partner


@transaction.atomic
def partner_update(*, actor: User, partner: Partner, patch: PartnerPatch) -> Partner:
    """Change a partner; a new name is checked against the others (409 when taken) and kept on its Organisation."""
    require_capability(actor, Capability.PARTNERS_MANAGE)
    partner = Partner.objects.select_for_update().select_related("organisation").get(pk=partner.pk)
    values = patch.given()
    if "manager_id" in values:
        values["manager"] = _manager_from(values.pop("manager_id"))
    changes = _assign(partner, values)
    if not changes:
        return partner
    try:
        with transaction.atomic():
            partner.save(update_fields=[*changes, "updated_at"])
            if "name" in changes:
                partner.organisation.name = partner.name
                partner.organisation.save(update_fields=["name"])
    except IntegrityError:
        raise _name_taken() from None
    audit_record(
        actor=actor,
        action="partner.update",
        target=partner,
        summary=f"partner {partner} changed",
        changes=changes,
    )
    if "status" in changes and partner.status == PartnerStatus.INACTIVE:
        # the partnership has ended: nobody of the partner logs in any more (a manager may reactivate a login)
        for person in portal_user_list(partner=partner).filter(is_active=True).select_for_update():
            _portal_user_deactivate(actor=actor, partner=partner, person=person)
    return partner


@transaction.atomic
def partner_contact_create(*, actor: User, partner: Partner, data: PartnerContactInput) -> PartnerContact:
    require_capability(actor, Capability.PARTNERS_MANAGE)
    contact = PartnerContact.objects.create(partner=partner, **data.model_dump())
    audit_record(
        actor=actor,
        action="partner_contact.create",
        target=contact,
        summary=f"contact {contact} at {partner}",
    )
    return contact


@transaction.atomic
def partner_contact_delete(*, actor: User, contact: PartnerContact) -> None:
    require_capability(actor, Capability.PARTNERS_MANAGE)
    audit_record(
        actor=actor, action="partner_contact.delete", target=contact, summary=f"contact {contact} removed"
    )
    contact.delete()


@transaction.atomic
def portal_user_create(*, actor: User, partner: Partner, data: PortalUserInput) -> User:
    """A login for the partner's people: a partner user of the partner's organisation (the core service audits)."""
    require_capability(actor, Capability.PARTNERS_MANAGE)
    return user_create(
        actor=actor,
        username=data.username,
        password=data.password or None,
        role=Role.PARTNER_USER,
        email=data.email,
        first_name=data.first_name,
        last_name=data.last_name,
        organisation=partner.organisation,
        language=data.language,
    )


@transaction.atomic
def portal_user_deactivate(*, actor: User, partner: Partner, user_id: int) -> User:
    """Take a portal login away (the person left the partner company); his API tokens stop working with it."""
    require_capability(actor, Capability.PARTNERS_MANAGE)
    person = access_portal_user_of(partner, user_id, for_update=True)
    if person.is_active:
        _portal_user_deactivate(actor=actor, partner=partner, person=person)
    return person


def _portal_user_deactivate(*, actor: User, partner: Partner, person: User) -> None:
    person.is_active = False
    person.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="user.update",
        target=person,
        summary=f"portal login {person.username} of {partner} deactivated",
        changes={"is_active": [True, False]},
    )


@transaction.atomic
def portal_user_update(*, actor: User, partner: Partner, user_id: int, patch: PortalUserPatch) -> User:
    """Change a portal login's name, e-mail address or language, or (re)activate it; the user name stays.
    A login of an inactive partner is not reactivated (409)."""
    require_capability(actor, Capability.PARTNERS_MANAGE)
    person = access_portal_user_of(partner, user_id, for_update=True)
    values = patch.given()
    if values.get("is_active") and not person.is_active and partner.status == PartnerStatus.INACTIVE:
        raise Conflict(
            _("The partner is inactive. Make the partner active again first."), code="partner_inactive"
        )
    changes = _assign(person, values)
    if changes:
        person.save(update_fields=list(changes))
        audit_record(
            actor=actor,
            action="user.update",
            target=person,
            summary=f"portal login {person.username} of {partner} changed",
            changes=changes,
        )
    return person


# --- agreements -----------------------------------------------------------------------------------------------


def _active_clash() -> Conflict:
    return Conflict(
        _("This partner has an active agreement already. End it first."), code="active_agreement_exists"
    )


def _check_partner_active(agreement: Agreement) -> None:
    """An agreement is lived only with a partner we still work with: an inactive partner's agreement stays a
    draft or ended until the partner is active again."""
    if agreement.status == AgreementStatus.ACTIVE and agreement.partner.status == PartnerStatus.INACTIVE:
        raise Conflict(
            _("This partner is inactive. Make the partner active again before an agreement with it runs."),
            code="partner_inactive",
        )


def _check_term(starts_on: Any, ends_on: Any) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise InvalidInput.for_field("ends_on", _("The agreement cannot end before it starts."))


def _has_other_active(agreement: Agreement) -> bool:
    return (
        Agreement.objects.filter(partner_id=agreement.partner_id, status=AgreementStatus.ACTIVE)
        .exclude(pk=agreement.pk)
        .exists()
    )


def _agreement_save(agreement: Agreement, *, update_fields: list[str] | None = None) -> None:
    """Save; a second active agreement of the partner (the database refuses it) is a 409."""
    try:
        with transaction.atomic():
            agreement.save(update_fields=update_fields)
    except IntegrityError:
        if agreement.status == AgreementStatus.ACTIVE and _has_other_active(agreement):
            raise _active_clash() from None
        raise


@transaction.atomic
def agreement_create(*, actor: User, data: AgreementInput) -> Agreement:
    require_capability(actor, Capability.PARTNERS_MANAGE)
    partner = access_partner_by_id(actor, data.partner_id, for_write=True)
    _check_term(data.starts_on, data.ends_on)
    values = data.model_dump(exclude={"partner_id"})
    agreement = Agreement(partner=partner, **values)
    if agreement.value_proposition:
        agreement.value_proposition_version = 1
    _check_partner_active(agreement)
    if agreement.status == AgreementStatus.ACTIVE and _has_other_active(agreement):
        raise _active_clash()
    _agreement_save(agreement)
    audit_record(
        actor=actor,
        action="agreement.create",
        target=agreement,
        summary=f"agreement {agreement} with {partner} created",
        changes=values,
    )
    return agreement


@transaction.atomic
def agreement_update(*, actor: User, agreement: Agreement, patch: AgreementPatch) -> Agreement:
    require_capability(actor, Capability.PARTNERS_MANAGE)
    agreement = (
        Agreement.objects.select_for_update().select_related("partner__organisation").get(pk=agreement.pk)
    )
    values = patch.given()
    _check_term(values.get("starts_on", agreement.starts_on), values.get("ends_on", agreement.ends_on))
    changes = _assign(agreement, values)
    if not changes:
        return agreement
    if "value_proposition" in changes:
        # A new text must be read again by everybody: acknowledgements count per version.
        agreement.value_proposition_version += 1
    if "status" in changes:
        _check_partner_active(agreement)
    if "status" in changes and agreement.status == AgreementStatus.ACTIVE and _has_other_active(agreement):
        raise _active_clash()
    _agreement_save(agreement, update_fields=[*changes, "value_proposition_version", "updated_at"])
    audit_record(
        actor=actor,
        action="agreement.update",
        target=agreement,
        summary=f"agreement {agreement} changed",
        changes=changes,
    )
    return agreement


@transaction.atomic
def agreement_opt_in(*, actor: User, agreement: Agreement) -> Agreement:
    """Agree to the agreement's sharing rules for our side (partner managers) or the partner's side (its users,
    only for their own company's agreements)."""
    side = check_opt_in_side(actor, agreement)
    agreement = (
        Agreement.objects.select_for_update().select_related("partner__organisation").get(pk=agreement.pk)
    )
    field_at, field_by = f"{side}_opt_in_at", f"{side}_opt_in_by"
    if getattr(agreement, field_at) is not None:
        return agreement
    setattr(agreement, field_at, timezone.now())
    setattr(agreement, field_by, actor)
    agreement.save(update_fields=[field_at, field_by, "updated_at"])
    audit_record(
        actor=actor,
        action="agreement.opt_in",
        target=agreement,
        summary=f"agreement {agreement}: {side} side agreed to the sharing rules",
        changes={"side": side},
    )
    return agreement


def agreement_withdraw_opt_ins(*, actor: User, agreement: Agreement, reason: str) -> None:
    """Both sides must agree again (called when the sharing rules change). Runs inside the caller's transaction."""
    require_capability(actor, Capability.PARTNERS_MANAGE)
    if agreement.home_opt_in_at is None and agreement.partner_opt_in_at is None:
        return
    Agreement.objects.filter(pk=agreement.pk).update(
        home_opt_in_at=None,
        home_opt_in_by=None,
        partner_opt_in_at=None,
        partner_opt_in_by=None,
        updated_at=timezone.now(),
    )
    agreement.home_opt_in_at = agreement.partner_opt_in_at = None
    agreement.home_opt_in_by = agreement.partner_opt_in_by = None
    audit_record(
        actor=actor,
        action="agreement.opt_in_withdrawn",
        target=agreement,
        summary=f"agreement {agreement}: {reason}",
    )


@transaction.atomic
def agreement_opt_in_invite(*, actor: User, agreement: Agreement) -> list[User]:
    """Ask the partner's active portal users by e-mail to agree to the sharing rules for their side (each in his
    own language, with a link to the portal page where he agrees; sent after the commit). 409 when the partner
    has agreed already or nobody of the partner can be reached. Returns the people invited."""
    require_capability(actor, Capability.PARTNERS_MANAGE)
    if not is_internal(actor):  # pragma: no cover - partner users never have PARTNERS_MANAGE
        raise NotFound
    agreement = (
        Agreement.objects.select_for_update().select_related("partner__organisation").get(pk=agreement.pk)
    )
    if agreement.partner_opt_in_at is not None:
        raise Conflict(_("The partner has already agreed to the sharing rules."), code="partner_agreed")
    people = list(portal_user_list(partner=agreement.partner).filter(is_active=True))
    if not people:
        raise Conflict(
            _("Nobody of the partner can log in to the portal yet. Create a portal login first."),
            code="no_portal_user",
        )
    recipients = [person for person in people if person.email]
    if not recipients:
        raise Conflict(
            _("None of the partner's portal logins has an e-mail address."), code="no_portal_user_email"
        )
    link = absolute_url(reverse("portal:home")) + f"#agreement-{agreement.pk}"
    sender = actor.get_full_name() or actor.username
    title, partner_name = agreement.title, agreement.partner.name

    def send() -> None:
        for person in recipients:
            with translation.override(person.language or settings.LANGUAGE_CODE):
                subject = SUBJECT_PREFIX + _("Please agree to the sharing rules of “%(agreement)s”") % {
                    "agreement": title
                }
                body = _(
                    "Hello %(name)s,\n\n%(sender)s asks you to agree to the sharing rules of the agreement "
                    "“%(agreement)s” for %(partner)s. Account mapping starts only when both sides have agreed.\n\n"
                    "Please read the rules in the partner portal and agree there:\n%(url)s"
                ) % {
                    "name": person.get_full_name() or person.username,
                    "sender": sender,
                    "agreement": title,
                    "partner": partner_name,
                    "url": link,
                }
            try:
                send_mail(subject[:200], body, None, [person.email])
            except Exception:  # a mail server that is down must not undo the invitation
                logger.exception("opt-in invitation to user %s failed", person.pk)

    transaction.on_commit(send)
    audit_record(
        actor=actor,
        action="agreement.opt_in_invite",  # selectors.OPT_IN_INVITE_ACTION
        target=agreement,
        summary=f"{len(recipients)} portal users of {agreement.partner} asked to agree to {agreement}",
        changes={"users": [person.pk for person in recipients]},
    )
    return recipients


# --- fit scorecard ----------------------------------------------------------------------------------------------


@transaction.atomic
def fit_weights_update(*, actor: User, data: FitWeightsInput) -> list[FitCriterion]:
    require_capability(actor, Capability.FIT_WEIGHTS_EDIT)
    criteria = {criterion.pk: criterion for criterion in FitCriterion.objects.select_for_update()}
    unknown = {
        f"weights.{criterion_id}": [_("No such criterion.")]
        for criterion_id in data.weights
        if criterion_id not in criteria
    }
    if unknown:
        raise InvalidInput(_("Please correct the marked fields."), fields=unknown)
    changes = {}
    for criterion_id, weight in data.weights.items():
        criterion = criteria[criterion_id]
        if criterion.weight != weight:
            changes[criterion.name] = [criterion.weight, weight]
            criterion.weight = weight
            criterion.save(update_fields=["weight"])
    if changes:
        audit_record(
            actor=actor,
            action="fit_weights.update",
            target=next(iter(criteria.values())),
            summary="fit scorecard weights changed",
            changes=changes,
        )
    return list(criteria.values())


@transaction.atomic
def fit_ratings_set(*, actor: User, partner: Partner, data: FitRatingsInput) -> None:
    """Rate a partner on the criteria (0-5); None removes a rating."""
    require_capability(actor, Capability.PARTNERS_MANAGE)
    known = set(FitCriterion.objects.values_list("pk", flat=True))
    unknown = {
        f"scores.{criterion_id}": [_("No such criterion.")]
        for criterion_id in data.scores
        if criterion_id not in known
    }
    if unknown:
        raise InvalidInput(_("Please correct the marked fields."), fields=unknown)
    existing = {
        rating.criterion_id: rating
        for rating in FitRating.objects.select_for_update().filter(partner=partner)
    }
    changes: dict[str, Any] = {}
    for criterion_id, score in data.scores.items():
        rating = existing.get(criterion_id)
        if score is None:
            if rating is not None:
                changes[str(criterion_id)] = [rating.score, None]
                rating.delete()
        elif rating is None:
            FitRating.objects.create(partner=partner, criterion_id=criterion_id, score=score)
            changes[str(criterion_id)] = [None, score]
        elif rating.score != score:
            changes[str(criterion_id)] = [rating.score, score]
            rating.score = score
            rating.save(update_fields=["score"])
    if changes:
        audit_record(
            actor=actor,
            action="partner.fit_rated",
            target=partner,
            summary=f"fit of {partner} rated",
            changes=changes,
        )


# --- offers -------------------------------------------------------------------------------------------------------


@transaction.atomic
def offer_create(*, actor: User, data: OfferInput) -> Offer:
    require_capability(actor, Capability.OFFERS_TRIAGE)
    values = data.model_dump()
    if values["received_on"] is None:
        values["received_on"] = timezone.localdate()
    offer = Offer.objects.create(created_by=actor, **values)
    audit_record(
        actor=actor,
        action="offer.create",
        target=offer,
        summary=f"offer of {offer.company_name} received",
        changes={"gives": offer.gives, "asks": offer.asks},
    )
    return offer


@transaction.atomic
def offer_update(*, actor: User, offer: Offer, patch: OfferPatch) -> Offer:
    require_capability(actor, Capability.OFFERS_TRIAGE)
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    changes = _assign(offer, patch.given())
    if changes:
        offer.save(update_fields=[*changes, "updated_at"])
        audit_record(
            actor=actor,
            action="offer.update",
            target=offer,
            summary=f"offer of {offer} changed",
            changes=changes,
        )
    return offer


def _partner_for_offer(offer: Offer) -> Partner:
    """The partner an accepted offer becomes: an existing one of that name, else a new one. Two acceptances of
    offers of one company at once: the database lets one insert win, the other takes the winner's partner."""
    existing = Partner.objects.filter(name__iexact=offer.company_name).first()
    if existing is not None:
        return existing
    try:
        return _partner_insert(
            name=offer.company_name, partner_type=PartnerType.REFERRAL, description=offer.summary
        )
    except Conflict:
        return Partner.objects.get(name__iexact=offer.company_name)


@transaction.atomic
def offer_decide(*, actor: User, offer: Offer, data: OfferDecisionInput) -> Offer:
    """Accept (the proposer becomes a partner), decline, or ask for more. The decision goes to the audit log.
    The offer row is locked, so accepting one offer twice at once creates one partner; the second gets a 409."""
    require_capability(actor, Capability.OFFERS_TRIAGE)
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    if offer.status in {OfferStatus.ACCEPTED, OfferStatus.DECLINED}:
        raise Conflict(_("This offer has been decided already."), code="offer_decided")
    if data.decision in {OfferDecision.DECLINE, OfferDecision.ASK_FOR_MORE} and not data.note:
        raise InvalidInput.for_field(
            "note", _("Say why, or what you need to know: the proposer will hear it.")
        )
    previous = offer.status
    changes: dict[str, Any] = {}
    if data.decision == OfferDecision.ACCEPT:
        offer.status = OfferStatus.ACCEPTED
        offer.partner = _partner_for_offer(offer)
        changes["partner"] = offer.partner.pk
    elif data.decision == OfferDecision.DECLINE:
        offer.status = OfferStatus.DECLINED
    else:
        offer.status = OfferStatus.MORE_INFO
    offer.decision_note = data.note
    offer.decided_by = actor
    offer.decided_at = timezone.now()
    offer.save(update_fields=["status", "decision_note", "decided_by", "decided_at", "partner", "updated_at"])
    audit_record(
        actor=actor,
        action=f"offer.{data.decision.value}",
        target=offer,
        summary=f"offer of {offer.company_name}: {data.decision.value}",
        changes={"status": [previous, offer.status], "note": data.note, **changes},
    )
    return offer


# --- enablement -------------------------------------------------------------------------------------------------


@transaction.atomic
def value_proposition_acknowledge(*, actor: User, agreement: Agreement) -> ValuePropositionAcknowledgement:
    require_capability(actor, Capability.PARTNERS_VIEW)
    if not is_internal(actor):  # pragma: no cover - partner users never have PARTNERS_VIEW
        raise Forbidden
    if not agreement.value_proposition:
        raise Conflict(_("This agreement has no value proposition to read yet."), code="no_value_proposition")
    acknowledgement, created = ValuePropositionAcknowledgement.objects.get_or_create(
        agreement=agreement, user=actor, version=agreement.value_proposition_version
    )
    if created:
        audit_record(
            actor=actor,
            action="agreement.value_proposition_read",
            target=agreement,
            summary=f"{actor.username} read the value proposition of {agreement}",
            changes={"version": agreement.value_proposition_version},
        )
    return acknowledgement


@transaction.atomic
def enablement_remind(*, actor: User, agreement: Agreement) -> int:
    """Remind everybody who has not read the current value proposition: an in-app reminder, and an e-mail to
    those with an address (sent after commit). Returns how many were reminded."""
    require_capability(actor, Capability.PARTNERS_MANAGE)
    missing = enablement_coverage(agreement=agreement).missing
    if not missing:
        return 0
    EnablementReminder.objects.bulk_create(
        [EnablementReminder(agreement=agreement, user=user, sent_by=actor) for user in missing]
    )
    recipients = [user.email for user in missing if user.email]
    subject = _("Please read: how we work with %(partner)s") % {"partner": agreement.partner.name}
    body = _(
        "%(partner)s is our partner (%(agreement)s). Please read the value proposition in handschlag under "
        "Partnerships → To read, so you can present the partnership to your customers."
    ) % {"partner": agreement.partner.name, "agreement": agreement.title}
    if recipients:
        transaction.on_commit(
            lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=True)
        )
    audit_record(
        actor=actor,
        action="agreement.enablement_reminder",
        target=agreement,
        summary=f"{len(missing)} people reminded to read the value proposition of {agreement}",
        changes={"users": [user.pk for user in missing]},
    )
    return len(missing)
