"""The audit log's sentences for partners, agreements, the fit scorecard and offers.

Registered with core in `AlliancesConfig.ready()` (core/audit_sentences.py says how).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from handschlag.alliances.models import Agreement, FitCriterion, Offer, Partner, PartnerContact
from handschlag.core.audit_sentences import (
    AuditLine,
    AuditObjectType,
    AuditSentence,
    audit_object_type_register,
    audit_sentence_register,
    numeric_target_ids,
)


def _partner_names(ids: Collection[str]) -> Mapping[str, str]:
    return {
        str(pk): name
        for pk, name in Partner.objects.filter(pk__in=numeric_target_ids(ids)).values_list("pk", "name")
    }


def _partner_contact_names(ids: Collection[str]) -> Mapping[str, str]:
    return {
        str(pk): f"{name} ({partner})"
        for pk, name, partner in PartnerContact.objects.filter(pk__in=numeric_target_ids(ids)).values_list(
            "pk", "name", "partner__name"
        )
    }


def _agreement_names(ids: Collection[str]) -> Mapping[str, str]:
    return {
        str(pk): f"{title} ({partner})"
        for pk, title, partner in Agreement.objects.filter(pk__in=numeric_target_ids(ids)).values_list(
            "pk", "title", "partner__name"
        )
    }


def _criterion_names(ids: Collection[str]) -> Mapping[str, str]:
    return {
        str(pk): name
        for pk, name in FitCriterion.objects.filter(pk__in=numeric_target_ids(ids)).values_list("pk", "name")
    }


def _offer_names(ids: Collection[str]) -> Mapping[str, str]:
    return {
        str(pk): name
        for pk, name in Offer.objects.filter(pk__in=numeric_target_ids(ids)).values_list("pk", "company_name")
    }


def _opt_in(line: AuditLine) -> str:
    names = {"actor": line.actor, "agreement": line.target()}
    if line.changes["side"] == "partner":
        return _("%(actor)s agreed to the sharing rules of “%(agreement)s” for the partner") % names
    return _("%(actor)s agreed to the sharing rules of “%(agreement)s” for our company") % names


def _reminder(line: AuditLine) -> str:
    count = len(line.changes["users"])
    return ngettext(
        "%(actor)s reminded %(count)s person to read the value proposition of “%(agreement)s”",
        "%(actor)s reminded %(count)s people to read the value proposition of “%(agreement)s”",
        count,
    ) % {"actor": line.actor, "count": line.number(count), "agreement": line.target()}


def _opt_in_invite(line: AuditLine) -> str:
    count = len(line.changes.get("users", []))
    return ngettext(
        "%(actor)s asked %(count)s person of the partner to agree to the sharing rules of “%(agreement)s”",
        "%(actor)s asked %(count)s people of the partner to agree to the sharing rules of “%(agreement)s”",
        count,
    ) % {"actor": line.actor, "count": line.number(count), "agreement": line.target()}


def _offer(line: AuditLine) -> dict[str, str]:
    return {"actor": line.actor, "company": line.target()}


def audit_sentences_alliances_register() -> None:
    for target_type, label, names in (
        ("alliances.partner", gettext_lazy("Partner"), _partner_names),
        ("alliances.partnercontact", gettext_lazy("Partner contact"), _partner_contact_names),
        ("alliances.agreement", gettext_lazy("Agreement"), _agreement_names),
        ("alliances.fitcriterion", gettext_lazy("Fit criteria"), _criterion_names),
        ("alliances.offer", gettext_lazy("Offer"), _offer_names),
    ):
        audit_object_type_register(AuditObjectType(target_type, label, names=names))
    audit_sentence_register(
        AuditSentence(
            "partner.create",
            lambda line: (
                _("%(actor)s created the partner “%(partner)s”")
                % {"actor": line.actor, "partner": line.target()}
            ),
        ),
        AuditSentence(
            "partner.update",
            lambda line: (
                _("%(actor)s changed the partner “%(partner)s” (%(fields)s)")
                % {"actor": line.actor, "partner": line.target(), "fields": line.field_names(Partner)}
            ),
        ),
        AuditSentence(
            "partner.fit_rated",
            lambda line: (
                _("%(actor)s rated the fit of the partner “%(partner)s”")
                % {"actor": line.actor, "partner": line.target()}
            ),
        ),
        AuditSentence(
            "partner.renamed_duplicate",
            lambda line: (
                _("The partner “%(old)s” was renamed to “%(new)s”: another partner has this name")
                % {"old": line.changes["name"][0], "new": line.changes["name"][1]}
            ),
        ),
        AuditSentence(
            "partner_contact.create",
            lambda line: (
                _("%(actor)s added the partner contact %(contact)s")
                % {"actor": line.actor, "contact": line.target()}
            ),
        ),
        AuditSentence(
            "partner_contact.delete",
            lambda line: (
                _("%(actor)s removed the partner contact %(contact)s")
                % {"actor": line.actor, "contact": line.target()}
            ),
        ),
        AuditSentence(
            "agreement.create",
            lambda line: (
                _("%(actor)s created the agreement “%(agreement)s”")
                % {"actor": line.actor, "agreement": line.target()}
            ),
        ),
        AuditSentence(
            "agreement.update",
            lambda line: (
                _("%(actor)s changed the agreement “%(agreement)s” (%(fields)s)")
                % {"actor": line.actor, "agreement": line.target(), "fields": line.field_names(Agreement)}
            ),
        ),
        AuditSentence("agreement.opt_in", _opt_in),
        AuditSentence(
            "agreement.opt_in_withdrawn",
            lambda line: (
                _("The approvals of “%(agreement)s” lapsed; both sides must agree again")
                % {"agreement": line.target()}
            ),
        ),
        AuditSentence(
            "agreement.value_proposition_read",
            lambda line: (
                _("%(actor)s read the value proposition of “%(agreement)s” (version %(version)s)")
                % {"actor": line.actor, "agreement": line.target(), "version": line.changes["version"]}
            ),
        ),
        AuditSentence("agreement.enablement_reminder", _reminder),
        AuditSentence("agreement.opt_in_invite", _opt_in_invite),
        AuditSentence(
            "fit_weights.update",
            lambda line: (
                _("%(actor)s changed the weights of the fit criteria (%(criteria)s)")
                % {"actor": line.actor, "criteria": ", ".join(line.changes)}
            ),
        ),
        AuditSentence(
            "offer.create", lambda line: _("%(actor)s recorded the offer of “%(company)s”") % _offer(line)
        ),
        AuditSentence(
            "offer.update",
            lambda line: (
                _("%(actor)s changed the offer of “%(company)s” (%(fields)s)")
                % {**_offer(line), "fields": line.field_names(Offer)}
            ),
        ),
        AuditSentence(
            "offer.accept", lambda line: _("%(actor)s accepted the offer of “%(company)s”") % _offer(line)
        ),
        AuditSentence(
            "offer.decline", lambda line: _("%(actor)s declined the offer of “%(company)s”") % _offer(line)
        ),
        AuditSentence(
            "offer.ask_for_more",
            lambda line: _("%(actor)s asked “%(company)s” for more about its offer") % _offer(line),
        ),
    )
