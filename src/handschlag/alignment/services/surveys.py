"""The pulse survey: drafting, opening, answering (anonymously by construction), closing, reminding.

docs/adr/0401-survey-anonymity.md: an answer adds one to counters that exist before the first answer; the user is
recorded only as "has answered" in a separate table without time, group or values; answering is not audited.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Case, F, Max, Q, Value, When
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from handschlag.alignment.access import require_in_module, survey_group_of
from handschlag.alignment.enums import SurveyGroup, SurveyStatus
from handschlag.alignment.inputs import (
    SurveyAnswerInput,
    SurveyInput,
    SurveyItemInput,
    SurveyItemPatch,
    SurveyPatch,
)
from handschlag.alignment.models import LIKERT_VALUES, Survey, SurveyItem, SurveyParticipation, SurveyTally
from handschlag.alignment.selectors import survey_pending_users
from handschlag.core.errors import Conflict, InvalidInput
from handschlag.core.events import audit_record
from handschlag.core.models import User
from handschlag.core.notifications import notify
from handschlag.core.roles import Capability

# the three self-test questions of source 004 and three more; (code, English source text)
DEFAULT_ITEMS: tuple[tuple[str, str], ...] = (
    (
        "asked-before-campaign",
        gettext_noop("Marketing asks sales for its opinion before it develops a campaign."),
    ),
    (
        "praise-and-suggestions",
        gettext_noop(
            "Sales approaches marketing on its own, with praise or with suggestions for improvement."
        ),
    ),
    (
        "email-feels-positive",
        gettext_noop(
            "When I get an e-mail or a call from the other department, my first feeling is a good one."
        ),
    ),
    (
        "material-usable",
        gettext_noop("The sales material marketing provides can be used with customers as it is."),
    ),
    ("shared-goals", gettext_noop("Marketing and sales work towards the same goals.")),
    ("target-customers", gettext_noop("We agree on which customers we want to win.")),
)


def _require_manage(actor: User) -> None:
    require_in_module(actor, Capability.SURVEYS_MANAGE)


def _require_draft(survey: Survey) -> None:
    if survey.status != SurveyStatus.DRAFT:
        raise Conflict(_("The items can only be changed while the survey is a draft."), code="not_draft")


def survey_create(*, actor: User, data: SurveyInput) -> Survey:
    """A draft for a quarter, with the items of the latest survey (so the trend stays comparable) or the defaults."""
    _require_manage(actor)
    if Survey.objects.filter(year=data.year, quarter=data.quarter).exists():
        raise InvalidInput.for_field(
            "quarter", _("There is already a survey for this quarter."), code="duplicate"
        )
    previous = Survey.objects.order_by("-year", "-quarter").first()
    with transaction.atomic():
        try:
            with transaction.atomic():
                survey = Survey.objects.create(
                    title=data.title,
                    year=data.year,
                    quarter=data.quarter,
                    min_group_size=data.min_group_size,
                    created_by=actor,
                )
        except IntegrityError:
            raise InvalidInput.for_field(
                "quarter", _("There is already a survey for this quarter."), code="duplicate"
            ) from None
        if previous is not None and previous.items.exists():
            items = [(item.code, item.text) for item in previous.items.all()]
        else:
            with translation.override(actor.language or None):
                items = [(code, _(text)) for code, text in DEFAULT_ITEMS]
        SurveyItem.objects.bulk_create(
            SurveyItem(survey=survey, position=index, code=code, text=text)
            for index, (code, text) in enumerate(items)
        )
        audit_record(
            actor=actor,
            action="survey.create",
            target=survey,
            summary=f"Created survey {survey.period_label}",
            changes={"period": survey.period_label, "items": len(items)},
        )
    return survey


def survey_update(*, actor: User, survey: Survey, patch: SurveyPatch) -> Survey:
    _require_manage(actor)
    _require_draft(survey)
    changes = {}
    for name, value in patch.given().items():
        if value is not None and getattr(survey, name) != value:
            changes[name] = [getattr(survey, name), value]
            setattr(survey, name, value)
    if changes:
        with transaction.atomic():
            survey.save(update_fields=list(changes))
            audit_record(
                actor=actor, action="survey.update", target=survey, summary="Changed survey", changes=changes
            )
    return survey


def survey_item_add(*, actor: User, survey: Survey, data: SurveyItemInput) -> SurveyItem:
    _require_manage(actor)
    _require_draft(survey)
    code = data.code or slugify(data.text)[:40].strip("-") or "item"
    if survey.items.filter(code=code).exists():
        raise InvalidInput.for_field("code", _("An item with this code exists already."), code="duplicate")
    position = (survey.items.aggregate(last=Max("position"))["last"] or 0) + 1
    with transaction.atomic():
        item = SurveyItem.objects.create(survey=survey, position=position, code=code, text=data.text)
        audit_record(
            actor=actor,
            action="survey.item_add",
            target=survey,
            summary=f"Added item {code}",
            changes={"code": code, "text": data.text},
        )
    return item


def survey_item_update(*, actor: User, item: SurveyItem, patch: SurveyItemPatch) -> SurveyItem:
    _require_manage(actor)
    _require_draft(item.survey)
    if patch.text is not None and patch.text != item.text:
        with transaction.atomic():
            old = item.text
            item.text = patch.text
            item.save(update_fields=["text"])
            audit_record(
                actor=actor,
                action="survey.item_update",
                target=item.survey,
                summary=f"Changed item {item.code}",
                changes={"code": item.code, "text": [old, item.text]},
            )
    return item


def survey_item_remove(*, actor: User, item: SurveyItem) -> None:
    _require_manage(actor)
    _require_draft(item.survey)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="survey.item_remove",
            target=item.survey,
            summary=f"Removed item {item.code}",
            changes={"code": item.code, "text": item.text},
        )
        item.delete()


def survey_open(*, actor: User, survey: Survey) -> Survey:
    """Open for answers: the counters for every item, group and value are created now, all at zero."""
    _require_manage(actor)
    given = survey
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.status != SurveyStatus.DRAFT:
            raise Conflict(_("Only a draft can be opened."), code="not_draft")
        items = list(survey.items.all())
        if not items:
            raise InvalidInput(_("A survey needs at least one item."), code="no_items")
        if Survey.objects.filter(status=SurveyStatus.OPEN).exists():
            raise Conflict(_("Another survey is open; close it first."), code="another_open")
        SurveyTally.objects.bulk_create(
            SurveyTally(survey=survey, item=item, group=group, value=value, count=0)
            for item in items
            for group in SurveyGroup.values
            for value in LIKERT_VALUES
        )
        survey.status = SurveyStatus.OPEN
        survey.opened_on = timezone.localdate()
        survey.save(update_fields=["status", "opened_on"])
        audit_record(actor=actor, action="survey.open", target=survey, summary="Opened survey")
    return _refreshed(given, survey)


def _refreshed(survey: Survey, locked: Survey) -> Survey:
    survey.status, survey.opened_on, survey.closed_on = locked.status, locked.opened_on, locked.closed_on
    return survey


def survey_close(*, actor: User, survey: Survey) -> Survey:
    """Close: no more answers; the results appear (for each group from its minimum number of answers)."""
    _require_manage(actor)
    given = survey
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.status != SurveyStatus.OPEN:
            raise Conflict(_("Only an open survey can be closed."), code="not_open")
        survey.status = SurveyStatus.CLOSED
        survey.closed_on = timezone.localdate()
        survey.save(update_fields=["status", "closed_on"])
        audit_record(actor=actor, action="survey.close", target=survey, summary="Closed survey")
    return _refreshed(given, survey)


def survey_answer(*, actor: User, survey: Survey, data: SurveyAnswerInput) -> None:
    """Record one person's answer: every item once, 1-5.

    What is written: a participation row (survey, user) — which makes a second answer fail on its unique
    constraint — and +1 on one existing counter per item. Nothing links the two; nothing is audited.
    """
    require_in_module(actor, Capability.SURVEY_ANSWER)
    group = survey_group_of(actor)
    if group is None:
        raise InvalidInput(_("Only marketing and sales answer the pulse survey."), code="not_a_respondent")
    item_ids = set(survey.items.values_list("pk", flat=True))
    given = {answer.item_id: answer.value for answer in data.answers}
    if len(given) != len(data.answers) or set(given) != item_ids:
        raise InvalidInput.for_field("answers", _("Please answer every statement once."), code="incomplete")
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if locked.status != SurveyStatus.OPEN:
            raise Conflict(_("This survey is not open for answers."), code="not_open")
        try:
            with transaction.atomic():
                SurveyParticipation.objects.create(survey=locked, user=actor)
        except IntegrityError:
            raise Conflict(_("You have answered this survey already."), code="already_answered") from None
        # One statement rewrites every counter of the survey (+1 on the chosen ones, +0 on the rest), so no row
        # version, physical position or transaction id tells which counters this answer changed.
        chosen = Q()
        for item_id, value in given.items():
            chosen |= Q(item_id=item_id, value=value)
        expected = len(item_ids) * len(SurveyGroup.values) * len(LIKERT_VALUES)
        updated = SurveyTally.objects.filter(survey=locked).update(
            count=F("count") + Case(When(Q(group=group) & chosen, then=Value(1)), default=Value(0))
        )
        if updated != expected:
            raise Conflict(_("This survey is not open for answers."), code="not_open")


def survey_remind(*, actor: User, survey: Survey) -> int:
    """Notify everyone who may answer and has not yet. Returns how many (shown to nobody while the survey runs)."""
    _require_manage(actor)
    if survey.status != SurveyStatus.OPEN:
        raise Conflict(_("Only an open survey can be reminded of."), code="not_open")
    users = survey_pending_users(survey=survey)
    with transaction.atomic():
        notify(
            users=users,
            message=gettext_noop(
                "Please answer the pulse survey %(title)s: it takes two minutes and is anonymous."
            ),
            params={"title": survey.title},
            url=f"/alignment/surveys/{survey.pk}/",
        )
        audit_record(actor=actor, action="survey.remind", target=survey, summary="Sent survey reminders")
    return len(users)
