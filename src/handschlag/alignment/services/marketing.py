"""Campaigns, materials and sales' feedback on them (with marketing's answer)."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from handschlag.alignment.access import require_in_module
from handschlag.alignment.inputs import (
    CampaignInput,
    FeedbackAnswerInput,
    FeedbackInput,
    MaterialInput,
    MaterialPatch,
)
from handschlag.alignment.models import Campaign, Material, MaterialFeedback
from handschlag.alignment.selectors import campaign_phase_on
from handschlag.core.errors import Conflict, InvalidInput
from handschlag.core.events import audit_record
from handschlag.core.models import User
from handschlag.core.roles import Capability

MAX_MATERIAL_BYTES = 20 * 1024 * 1024
ALLOWED_EXTENSIONS = (".pdf", ".pptx", ".docx", ".xlsx", ".png", ".jpg", ".jpeg", ".zip", ".mp4")


def _check_link(link: str) -> None:
    if link and not link.startswith(("https://", "http://")):
        raise InvalidInput.for_field("link", _("Enter a web address starting with https:// or http://."))


def _check_file(file: UploadedFile | None) -> None:
    if file is None:
        return
    if file.size is not None and file.size > MAX_MATERIAL_BYTES:
        raise InvalidInput.for_field("file", _("The file is larger than 20 MB."), code="too_large")
    name = (file.name or "").lower()
    if not name.endswith(ALLOWED_EXTENSIONS):
        raise InvalidInput.for_field(
            "file",
            _("Allowed are PDF, PowerPoint, Word, Excel, images, ZIP and MP4 files."),
            code="file_type",
        )


def _campaign(campaign_id: int | None) -> Campaign | None:
    if campaign_id is None:
        return None
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        raise InvalidInput.for_field("campaign_id", _("No such campaign."))
    return campaign


def campaign_create(*, actor: User, data: CampaignInput) -> Campaign:
    require_in_module(actor, Capability.MARKETING_MANAGE)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=data.name,
            description=data.description,
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="campaign.create",
            target=campaign,
            summary=f"Created campaign {campaign.name}",
            changes={"name": campaign.name, "starts_on": campaign.starts_on, "ends_on": campaign.ends_on},
        )
    return campaign


def material_create(*, actor: User, data: MaterialInput, file: UploadedFile | None = None) -> Material:
    require_in_module(actor, Capability.MARKETING_MANAGE)
    _check_link(data.link)
    _check_file(file)
    if not data.link and file is None:
        raise InvalidInput.for_field("link", _("Give a link or upload a file."), code="no_content")
    campaign = _campaign(data.campaign_id)
    with transaction.atomic():
        material = Material(
            title=data.title,
            description=data.description,
            campaign=campaign,
            link=data.link,
            created_by=actor,
        )
        if file is not None:
            material.file.save(file.name or "material", file, save=False)
        material.save()
        audit_record(
            actor=actor,
            action="material.create",
            target=material,
            summary=f"Created material {material.title}",
            changes={"title": material.title, "campaign": campaign.pk if campaign else None},
        )
    return material


def material_update(
    *, actor: User, material: Material, patch: MaterialPatch, file: UploadedFile | None = None
) -> Material:
    """Change a material; a new file, or `new_version`, counts the version up (feedback keeps the version it
    was given on)."""
    require_in_module(actor, Capability.MARKETING_MANAGE)
    given = patch.given()
    given.pop("new_version", None)
    if "link" in given and given["link"] is not None:
        _check_link(given["link"])
    _check_file(file)
    changes: dict[str, object] = {}
    if "campaign_id" in given:
        campaign = _campaign(given.pop("campaign_id"))
        if material.campaign_id != (campaign.pk if campaign else None):
            changes["campaign"] = [material.campaign_id, campaign.pk if campaign else None]
            material.campaign = campaign
    for name, value in given.items():
        if value is not None and getattr(material, name) != value:
            changes[name] = [getattr(material, name), value]
            setattr(material, name, value)
    if not material.link and file is None and not material.file:
        raise InvalidInput.for_field("link", _("Give a link or upload a file."), code="no_content")
    with transaction.atomic():
        if file is not None:
            material.file.save(file.name or "material", file, save=False)
            changes["file"] = file.name or ""
        if file is not None or patch.new_version:
            changes["version"] = [material.version, material.version + 1]
            material.version += 1
        if changes:
            material.save()
            audit_record(
                actor=actor,
                action="material.update",
                target=material,
                summary=f"Changed material {material.title}",
                changes=changes,
            )
    return material


def material_feedback_give(*, actor: User, material: Material, data: FeedbackInput) -> MaterialFeedback:
    """A seller's rating and comment, in the campaign's phase today (before launch, during, after) unless given;
    materials without a campaign count as during."""
    require_in_module(actor, Capability.MATERIAL_FEEDBACK)
    today = timezone.localdate()
    phase = data.phase or (campaign_phase_on(material.campaign, today) if material.campaign else "during")
    with transaction.atomic():
        feedback = MaterialFeedback.objects.create(
            material=material,
            material_version=material.version,
            author=actor,
            phase=phase,
            rating=data.rating,
            comment=data.comment,
            used_with_customer=data.used_with_customer,
        )
        audit_record(
            actor=actor,
            action="material.feedback",
            target=material,
            summary=f"Rated material {material.title} {data.rating}/5",
            changes={"feedback": feedback.pk, "rating": data.rating, "phase": phase},
        )
    return feedback


def material_feedback_answer(
    *, actor: User, feedback: MaterialFeedback, data: FeedbackAnswerInput
) -> MaterialFeedback:
    """Marketing's answer to a feedback (once; a second answer is refused)."""
    require_in_module(actor, Capability.MARKETING_MANAGE)
    with transaction.atomic():
        locked = MaterialFeedback.objects.select_for_update().get(pk=feedback.pk)
        if locked.answer:
            raise Conflict(_("This feedback has been answered already."), code="already_answered")
        locked.answer = data.answer
        locked.answered_by = actor
        locked.answered_at = timezone.now()
        locked.save(update_fields=["answer", "answered_by", "answered_at"])
        audit_record(
            actor=actor,
            action="material.feedback_answer",
            target=locked.material,
            summary="Answered feedback on material",
            changes={"feedback": locked.pk, "author": locked.author_id},
        )
    return locked
