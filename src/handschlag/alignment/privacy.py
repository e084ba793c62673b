"""What marketing and sales holds about people (core/privacy.py): that a user answered a pulse survey (never what:
the answers are counts without a person, docs/adr/0401), his feedback on material, his exchanges and their
feedback."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from handschlag.alignment.enums import SurveyStatus
from handschlag.alignment.models import Exchange, ExchangeFeedback, MaterialFeedback, SurveyParticipation
from handschlag.core.privacy import (
    DataSubject,
    ErasureResult,
    PersonalDataSource,
    ProcessingActivity,
    personal_data_source_register,
)

USER = "core.user"


def alignment_export(subject: DataSubject) -> list[dict[str, Any]]:
    if subject.kind != USER:
        return []
    rows: list[dict[str, Any]] = [
        {"pulse_survey": participation.survey.title, "answered": True, "answers": "not stored per person"}
        for participation in SurveyParticipation.objects.filter(user_id=subject.id).select_related("survey")
    ]
    rows += [
        {
            "material": feedback.material.title,
            "rating": feedback.rating,
            "comment": feedback.comment,
            "used_with_customer": feedback.used_with_customer,
            "at": feedback.created_at.isoformat(),
        }
        for feedback in MaterialFeedback.objects.filter(author_id=subject.id).select_related("material")
    ]
    rows += [
        {
            "exchange": exchange.pk,
            "kind": exchange.kind,
            "date": exchange.date.isoformat(),
            "role": "host" if exchange.host_id == subject.id else "guest",
        }
        for exchange in Exchange.objects.filter(Q(host_id=subject.id) | Q(guest_id=subject.id))
    ]
    rows += [
        {"exchange": feedback.exchange_id, "feedback": feedback.text, "rating": feedback.rating}
        for feedback in ExchangeFeedback.objects.filter(author_id=subject.id)
    ]
    return rows


def alignment_erase(subject: DataSubject) -> ErasureResult:
    """Participation in closed surveys is deleted (it only served reminders); in a running survey it stays, or the
    person could answer twice. Feedback and exchanges stay as business records with the anonymised user."""
    if subject.kind != USER:
        return ErasureResult()
    erased, _detail = SurveyParticipation.objects.filter(
        user_id=subject.id, survey__status=SurveyStatus.CLOSED
    ).delete()
    kept = []
    if SurveyParticipation.objects.filter(user_id=subject.id).exists():
        kept.append(
            _("That the person answered the running pulse survey stays until it closes (no second answer).")
        )
    if (
        MaterialFeedback.objects.filter(author_id=subject.id).exists()
        or ExchangeFeedback.objects.filter(author_id=subject.id).exists()
        or Exchange.objects.filter(Q(host_id=subject.id) | Q(guest_id=subject.id)).exists()
    ):
        kept.append(
            _(
                "Feedback on material and exchanges stays as business records; it now shows the anonymised user."
            )
        )
    return ErasureResult(erased=erased, kept=tuple(kept))


def privacy_alignment_register() -> None:
    personal_data_source_register(
        PersonalDataSource(
            name="alignment",
            activity=ProcessingActivity(
                name=_("Marketing and sales"),
                purpose=_(
                    "Pulse survey of marketing and sales (only whether someone answered, to remind the others), "
                    "feedback on marketing material, job-rotation days and ride-alongs"
                ),
                subjects=_("Employees of marketing and sales"),
                categories=_(
                    "Name of the user, ratings and comments on material, exchanges and their feedback"
                ),
                recipients=_("Marketing, sales, management"),
                retention=_(
                    "Participation until the survey is erased; feedback as long as the material exists"
                ),
            ),
            export=alignment_export,
            erase=alignment_erase,
        )
    )
