"""Writes of the partnership module: partners, agreements, opt-ins, fit scorecard, offers, enablement.

Every interface (pages, API, demo, tasks) calls these functions; each write leaves an audit event in the same
transaction.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from handschlag.alliances.enums import (
    AgreementStatus,
    OfferAsk,
    OfferDecision,
    OfferGive,
    OfferStatus,
    PartnerTier,
    PartnerType,
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
from handschlag.core.enums import OrganisationKind, Role
from handschlag.core.errors import Conflict, Forbidden, InvalidInput
from handschlag.core.events import audit_record
from handschlag.core.models import Organisation, User
from handschlag.core.roles import Capability, has_capability, is_internal
from handschlag.core.services import model_update, user_create

PARTNER_FIELDS = ["partner_type", "tier", "website", "description", "manager"]
AGREEMENT_FIELDS = [
    "title",
    "status",
    "scope",
    "starts_on",
    "ends_on",
    "leads_to_us_per_quarter",
    "leads_to_partner_per_quarter",
    "joint_pipeline_target",
    "joint_wins_target",
    "incentive_plan",
    "value_proposition",
]
OFFER_FIELDS = ["company_name", "contact_name", "contact_email", "received_on", "summary", "gives", "asks"]


# --- partners ------------------------------------------------------------------------------------------------


def _clean_partner_values(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values = {key: value for key, value in data.items() if key in [*PARTNER_FIELDS, "name"]}
    for key in ("name", "website", "description"):
        if key in values:
            values[key] = (values[key] or "").strip()
    if "name" in values and not values["name"]:
        errors["name"] = [_("The partner needs a name.")]
    if "name" in values and len(values["name"]) > 200:
        errors["name"] = [_("At most 200 characters.")]
    if "partner_type" in values and values["partner_type"] not in PartnerType.values:
        errors["partner_type"] = [_("Unknown partner type.")]
    if "tier" in values and values["tier"] not in PartnerTier.values:
        errors["tier"] = [_("Unknown tier.")]
    manager = values.get("manager")
    if manager is not None and (
        not is_internal(manager) or not has_capability(manager, Capability.PARTNERS_MANAGE)
    ):
        errors["manager"] = [_("The partner manager must be one of our users who manages partners.")]
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)
    return values


@transaction.atomic
def partner_create(*, actor: User | None, data: dict[str, Any]) -> Partner:
    """A partner company: its core Organisation (kind partner) and its partner record."""
    values = _clean_partner_values({"partner_type": PartnerType.STRATEGIC_ALLIANCE, **data})
    if "name" not in values:
        raise InvalidInput.for_field("name", _("The partner needs a name."))
    if Partner.objects.filter(organisation__name__iexact=values["name"]).exists():
        raise InvalidInput.for_field("name", _("A partner of this name exists already."))
    organisation = Organisation.objects.create(name=values.pop("name"), kind=OrganisationKind.PARTNER)
    partner = Partner(organisation=organisation, **values)
    partner.full_clean()
    partner.save()
    audit_record(
        actor=actor,
        action="partner.create",
        target=partner,
        summary=f"partner {organisation.name} created",
        changes={key: values[key] for key in values},
    )
    return partner


@transaction.atomic
def partner_update(*, actor: User, partner: Partner, data: dict[str, Any]) -> Partner:
    values = _clean_partner_values(data)
    changes: dict[str, Any] = {}
    name = values.pop("name", None)
    if name is not None and name != partner.organisation.name:
        if Partner.objects.filter(organisation__name__iexact=name).exclude(pk=partner.pk).exists():
            raise InvalidInput.for_field("name", _("A partner of this name exists already."))
        changes["name"] = [partner.organisation.name, name]
        partner.organisation.name = name
        partner.organisation.save(update_fields=["name"])
    changes.update(model_update(instance=partner, fields=PARTNER_FIELDS, data=values))
    if changes:
        audit_record(
            actor=actor,
            action="partner.update",
            target=partner,
            summary=f"partner {partner} changed",
            changes=changes,
        )
    return partner


@transaction.atomic
def partner_contact_create(*, actor: User, partner: Partner, data: dict[str, Any]) -> PartnerContact:
    values = {key: (str(data.get(key) or "")).strip() for key in ("name", "position", "email", "phone")}
    if not values["name"]:
        raise InvalidInput.for_field("name", _("The contact needs a name."))
    contact = PartnerContact(partner=partner, **values)
    try:
        contact.full_clean(exclude=["partner"])
    except Exception as error:
        fields = getattr(error, "message_dict", {"": [str(error)]})
        raise InvalidInput(_("Please correct the marked fields."), fields=fields) from None
    contact.save()
    audit_record(
        actor=actor,
        action="partner_contact.create",
        target=contact,
        summary=f"contact {contact} at {partner}",
    )
    return contact


@transaction.atomic
def partner_contact_delete(*, actor: User, contact: PartnerContact) -> None:
    audit_record(
        actor=actor, action="partner_contact.delete", target=contact, summary=f"contact {contact} removed"
    )
    contact.delete()


def portal_user_create(
    *,
    actor: User,
    partner: Partner,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    password: str | None,
) -> User:
    """A login for the partner's people: a partner user of the partner's organisation (the core service audits)."""
    return user_create(
        actor=actor,
        username=username.strip(),
        password=password or None,
        role=Role.PARTNER_USER,
        email=email.strip(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        organisation=partner.organisation,
        language="de",
    )


# --- agreements -----------------------------------------------------------------------------------------------


def _clean_agreement_values(data: dict[str, Any], agreement: Agreement | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values = {key: value for key, value in data.items() if key in AGREEMENT_FIELDS}
    for key in ("title", "scope", "incentive_plan", "value_proposition"):
        if key in values:
            values[key] = (values[key] or "").strip()
    if "title" in values and not values["title"]:
        errors["title"] = [_("The agreement needs a title.")]
    if "status" in values and values["status"] not in AgreementStatus.values:
        errors["status"] = [_("Unknown status.")]
    for key in ("leads_to_us_per_quarter", "leads_to_partner_per_quarter", "joint_wins_target"):
        if key in values:
            if values[key] is None:
                values[key] = 0
            if values[key] < 0:
                errors[key] = [_("Must not be negative.")]
    if "joint_pipeline_target" in values:
        if values["joint_pipeline_target"] is None:
            values["joint_pipeline_target"] = Decimal("0")
        if values["joint_pipeline_target"] < 0:
            errors["joint_pipeline_target"] = [_("Must not be negative.")]
    starts = values.get("starts_on", agreement.starts_on if agreement else None)
    ends = values.get("ends_on", agreement.ends_on if agreement else None)
    if starts and ends and ends < starts:
        errors["ends_on"] = [_("The agreement cannot end before it starts.")]
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)
    return values


def _active_clash() -> InvalidInput:
    return InvalidInput.for_field(
        "status",
        _("This partner has an active agreement already. End it first."),
        code="active_agreement_exists",
    )


@transaction.atomic
def agreement_create(*, actor: User | None, partner: Partner, data: dict[str, Any]) -> Agreement:
    values = _clean_agreement_values(data, None)
    if not values.get("title"):
        raise InvalidInput.for_field("title", _("The agreement needs a title."))
    agreement = Agreement(partner=partner, **values)
    if agreement.value_proposition:
        agreement.value_proposition_version = 1
    try:
        with transaction.atomic():
            agreement.save()
    except IntegrityError:
        raise _active_clash() from None
    audit_record(
        actor=actor,
        action="agreement.create",
        target=agreement,
        summary=f"agreement {agreement} with {partner} created",
        changes={key: values[key] for key in values},
    )
    return agreement


@transaction.atomic
def agreement_update(*, actor: User, agreement: Agreement, data: dict[str, Any]) -> Agreement:
    values = _clean_agreement_values(data, agreement)
    proposition_changed = (
        "value_proposition" in values and values["value_proposition"] != agreement.value_proposition
    )
    try:
        with transaction.atomic():
            changes = model_update(instance=agreement, fields=AGREEMENT_FIELDS, data=values)
    except IntegrityError:
        raise _active_clash() from None
    if proposition_changed:
        # A new text must be read again by everybody: acknowledgements count per version.
        agreement.value_proposition_version += 1
        agreement.save(update_fields=["value_proposition_version"])
    if changes:
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
    """Agree to the agreement's sharing rules for our side (partner managers) or the partner's side (its users)."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    now = timezone.now()
    if is_internal(actor):
        if not has_capability(actor, Capability.PARTNERS_MANAGE):
            raise Forbidden
        side, field_at, field_by = "home", "home_opt_in_at", "home_opt_in_by"
    elif (
        has_capability(actor, Capability.PORTAL_USE)
        and actor.organisation_id == agreement.partner.organisation_id
    ):
        side, field_at, field_by = "partner", "partner_opt_in_at", "partner_opt_in_by"
    else:
        raise Forbidden
    if getattr(agreement, field_at) is not None:
        return agreement
    setattr(agreement, field_at, now)
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


# --- fit scorecard ----------------------------------------------------------------------------------------------


@transaction.atomic
def fit_weights_update(*, actor: User, weights: dict[int, int]) -> list[FitCriterion]:
    criteria = {criterion.pk: criterion for criterion in FitCriterion.objects.select_for_update()}
    errors: dict[str, list[str]] = {}
    for criterion_id, weight in weights.items():
        if criterion_id not in criteria:
            errors[f"weight_{criterion_id}"] = [_("No such criterion.")]
        elif not 0 <= weight <= 10:
            errors[f"weight_{criterion_id}"] = [_("A weight is between 0 and 10.")]
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)
    changes = {}
    for criterion_id, weight in weights.items():
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
def fit_ratings_set(*, actor: User, partner: Partner, scores: dict[int, int | None]) -> None:
    """Rate a partner on the criteria (0-5); None removes a rating."""
    known = set(FitCriterion.objects.values_list("pk", flat=True))
    errors: dict[str, list[str]] = {}
    for criterion_id, score in scores.items():
        if criterion_id not in known:
            errors[f"score_{criterion_id}"] = [_("No such criterion.")]
        elif score is not None and not 0 <= score <= 5:
            errors[f"score_{criterion_id}"] = [_("A score is between 0 and 5.")]
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)
    existing = {rating.criterion_id: rating for rating in FitRating.objects.filter(partner=partner)}
    changes: dict[str, Any] = {}
    for criterion_id, score in scores.items():
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


def _clean_offer_values(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values = {key: value for key, value in data.items() if key in OFFER_FIELDS}
    for key in ("company_name", "contact_name", "contact_email", "summary"):
        if key in values:
            values[key] = (values[key] or "").strip()
    if "company_name" in values and not values["company_name"]:
        errors["company_name"] = [_("Who proposes? The company name is required.")]
    for key, allowed in (("gives", OfferGive.values), ("asks", OfferAsk.values)):
        if key in values:
            items = [str(item) for item in (values[key] or [])]
            unknown = [item for item in items if item not in allowed]
            if unknown:
                errors[key] = [_("Unknown choices: %(choices)s") % {"choices": ", ".join(unknown)}]
            values[key] = sorted(set(items))
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), fields=errors)
    return values


@transaction.atomic
def offer_create(*, actor: User | None, data: dict[str, Any]) -> Offer:
    values = _clean_offer_values({"received_on": timezone.localdate(), **data})
    if not values.get("company_name"):
        raise InvalidInput.for_field("company_name", _("Who proposes? The company name is required."))
    offer = Offer(created_by=actor, **values)
    offer.full_clean(exclude=["gives", "asks"])
    offer.save()
    audit_record(
        actor=actor,
        action="offer.create",
        target=offer,
        summary=f"offer of {offer.company_name} received",
        changes={"gives": offer.gives, "asks": offer.asks},
    )
    return offer


@transaction.atomic
def offer_update(*, actor: User, offer: Offer, data: dict[str, Any]) -> Offer:
    changes = model_update(instance=offer, fields=OFFER_FIELDS, data=_clean_offer_values(data))
    if changes:
        audit_record(
            actor=actor,
            action="offer.update",
            target=offer,
            summary=f"offer of {offer} changed",
            changes=changes,
        )
    return offer


@transaction.atomic
def offer_decide(*, actor: User, offer: Offer, decision: str, note: str = "") -> Offer:
    """Accept (the proposer becomes a partner), decline, or ask for more. The decision goes to the audit log."""
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    note = note.strip()
    if decision not in OfferDecision.values:
        raise InvalidInput.for_field("decision", _("Choose accept, decline or ask for more."))
    if offer.status in {OfferStatus.ACCEPTED, OfferStatus.DECLINED}:
        raise Conflict(_("This offer has been decided already."), code="offer_decided")
    if decision in {OfferDecision.DECLINE, OfferDecision.ASK_FOR_MORE} and not note:
        raise InvalidInput.for_field(
            "note", _("Say why, or what you need to know: the proposer will hear it.")
        )
    previous = offer.status
    if decision == OfferDecision.ACCEPT:
        offer.status = OfferStatus.ACCEPTED
        existing = Partner.objects.filter(organisation__name__iexact=offer.company_name).first()
        offer.partner = existing or partner_create(
            actor=actor,
            data={
                "name": offer.company_name,
                "partner_type": PartnerType.REFERRAL,
                "description": offer.summary,
            },
        )
    elif decision == OfferDecision.DECLINE:
        offer.status = OfferStatus.DECLINED
    else:
        offer.status = OfferStatus.MORE_INFO
    offer.decision_note = note
    offer.decided_by = actor
    offer.decided_at = timezone.now()
    offer.save(update_fields=["status", "decision_note", "decided_by", "decided_at", "partner", "updated_at"])
    audit_record(
        actor=actor,
        action=f"offer.{decision}",
        target=offer,
        summary=f"offer of {offer.company_name}: {decision}",
        changes={"status": [previous, offer.status], "note": note},
    )
    return offer


# --- enablement -------------------------------------------------------------------------------------------------


@transaction.atomic
def value_proposition_acknowledge(*, actor: User, agreement: Agreement) -> ValuePropositionAcknowledgement:
    if not has_capability(actor, Capability.PARTNERS_VIEW) or not is_internal(actor):
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
def enablement_remind(*, actor: User, agreement: Agreement, missing: list[User]) -> int:
    """Remind everybody who has not read the current value proposition: an in-app reminder, and an e-mail to
    those with an address (sent after commit). Returns how many were reminded."""
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
