"""Writes on opportunities: create, change, move between stages, at risk, partner involvement (docs/adr/0310).

Every stage change is kept (from, to, when, who); win rates, cycle times and rescue detection read that history.
A stage never goes backwards: an open deal moves forward or closes; a closed (won or lost) deal only goes back to
an open stage as an explicit reopen, which the history marks. A rescue is computed here, never typed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from handschlag.accounts.access import access_account_by_id
from handschlag.alliances.selectors import partner_list
from handschlag.core.enums import Role
from handschlag.core.errors import InvalidInput, NotFound
from handschlag.core.events import audit_record
from handschlag.core.inputs import input_build
from handschlag.core.models import User
from handschlag.coselling.access import check_opportunity_editable
from handschlag.coselling.enums import (
    InvolvementReason,
    InvolvementRole,
    OpportunitySource,
    OpportunityStatus,
    RescueReason,
    StageKind,
)
from handschlag.coselling.inputs import (
    InvolvementInput,
    OpportunityInput,
    OpportunityPatch,
    RiskInput,
    StageMoveInput,
)
from handschlag.coselling.models import (
    Opportunity,
    PartnerInvolvement,
    Pipeline,
    PipelineStage,
    ProductLine,
    RiskChange,
    StageChange,
)

STATUS_OF_KIND = {
    StageKind.OPEN: OpportunityStatus.OPEN,
    StageKind.WON: OpportunityStatus.WON,
    StageKind.LOST: OpportunityStatus.LOST,
}


DEFAULT_STAGES = (
    ("Qualifizierung", StageKind.OPEN),
    ("Bedarfsanalyse", StageKind.OPEN),
    ("Angebot", StageKind.OPEN),
    ("Verhandlung", StageKind.OPEN),
    ("Gewonnen", StageKind.WON),
    ("Verloren", StageKind.LOST),
)


@transaction.atomic
def pipeline_default_ensure() -> Pipeline:
    """The default pipeline; created with the German stages (as migration 0001 does) when there is none at all —
    a database emptied by a flush, or loaded without the migration's data."""
    pipeline = Pipeline.objects.filter(is_default=True).first() or Pipeline.objects.order_by("id").first()
    if pipeline is not None:
        return pipeline
    pipeline = Pipeline.objects.create(name="Vertrieb", is_default=True)
    stages = {
        name: PipelineStage.objects.create(pipeline=pipeline, name=name, position=position, kind=kind)
        for position, (name, kind) in enumerate(DEFAULT_STAGES, start=1)
    }
    pipeline.rescue_after_stage = stages["Angebot"]
    pipeline.save(update_fields=["rescue_after_stage"])
    return pipeline


def default_pipeline() -> Pipeline:
    return pipeline_default_ensure()


def _first_stage(pipeline: Pipeline) -> PipelineStage:
    stage = pipeline.stages.filter(kind=StageKind.OPEN).order_by("position").first()
    if stage is None:
        raise InvalidInput(_("The pipeline has no open stage."))
    return stage


def _stage(stage_id: int, *, pipeline: Pipeline | None = None, field: str = "stage_id") -> PipelineStage:
    stages = PipelineStage.objects.select_related("pipeline").filter(pk=stage_id)
    if pipeline is not None:
        stages = stages.filter(pipeline=pipeline)
    stage = stages.first()
    if stage is None:
        raise InvalidInput.for_field(field, _("No such stage in this pipeline."))
    return stage


def _product_line(product_line_id: int | None) -> ProductLine | None:
    if product_line_id is None:
        return None
    line = ProductLine.objects.filter(pk=product_line_id).first()
    if line is None:
        raise InvalidInput.for_field("product_line_id", _("No such product line."))
    return line


def _owner(owner_id: int | None) -> User | None:
    if owner_id is None:
        return None
    owner = User.objects.filter(pk=owner_id, is_active=True).exclude(role=Role.PARTNER_USER).first()
    if owner is None:
        raise InvalidInput.for_field("owner_id", _("The owner must be an active user of ours."))
    return owner


def _external_id_free(external_id: str, *, opportunity: Opportunity | None = None) -> None:
    if not external_id:
        return
    taken = Opportunity.objects.filter(external_id=external_id)
    if opportunity is not None:
        taken = taken.exclude(pk=opportunity.pk)
    if taken.exists():
        raise InvalidInput.for_field(
            "external_id", _("Another opportunity already has this CRM id."), code="duplicate"
        )


def _status_fields(opportunity: Opportunity, stage: PipelineStage, now: dt.datetime) -> None:
    opportunity.stage = stage
    opportunity.status = STATUS_OF_KIND[StageKind(stage.kind)]
    opportunity.stage_entered_at = now
    opportunity.closed_at = now if stage.is_closed else None


@transaction.atomic
def opportunity_create(
    *,
    actor: User,
    data: OpportunityInput,
    source: OpportunitySource = OpportunitySource.MANUAL,
    now: dt.datetime | None = None,
) -> Opportunity:
    """A new opportunity on an account we know, with its first history row (and at-risk mark, if set).

    `source` says where it came from (the leads and registrations pass theirs); the account must be one the
    actor may see."""
    check_opportunity_editable(actor)
    try:
        account = access_account_by_id(actor, data.account_id)
    except NotFound:
        raise InvalidInput.for_field("account_id", _("No such account.")) from None
    now = now or timezone.now()
    stage = _stage(data.stage_id) if data.stage_id is not None else _first_stage(default_pipeline())
    if stage.kind == StageKind.LOST and not data.lost_reason:
        raise InvalidInput.for_field("lost_reason", _("Say why the deal was lost."))
    if data.at_risk and not data.at_risk_reason:
        raise InvalidInput.for_field("at_risk_reason", _("Say why the deal is at risk."))
    _external_id_free(data.external_id)
    opportunity = Opportunity(
        account=account,
        title=data.title,
        product_line=_product_line(data.product_line_id),
        amount=data.amount,
        owner=_owner(data.owner_id) if data.owner_id is not None else actor,
        expected_close_date=data.expected_close_date,
        at_risk=data.at_risk,
        at_risk_reason=data.at_risk_reason if data.at_risk else "",
        lost_reason=data.lost_reason if stage.kind == StageKind.LOST else "",
        external_id=data.external_id,
        source=source,
        created_by=actor,
        created_at=now,
    )
    _status_fields(opportunity, stage, now)
    opportunity.full_clean(exclude=["account", "stage", "owner", "product_line", "created_by"])
    try:
        with transaction.atomic():
            opportunity.save()
    except IntegrityError:
        raise InvalidInput.for_field(
            "external_id", _("Another opportunity already has this CRM id."), code="duplicate"
        ) from None
    StageChange.objects.create(
        opportunity=opportunity, from_stage=None, to_stage=stage, changed_at=now, changed_by=actor
    )
    if data.at_risk:
        RiskChange.objects.create(
            opportunity=opportunity,
            at_risk=True,
            reason=data.at_risk_reason,
            changed_at=now,
            changed_by=actor,
        )
    audit_record(
        actor=actor,
        action="opportunity.create",
        target=opportunity,
        summary=opportunity.title,
        changes={"amount": str(opportunity.amount), "stage": stage.name, "source": source},
    )
    return opportunity


def _lock(opportunity: Opportunity) -> Opportunity:
    return (
        Opportunity.objects.select_for_update()
        .select_related("stage", "stage__pipeline")
        .get(pk=opportunity.pk)
    )


@transaction.atomic
def opportunity_update(*, actor: User, opportunity: Opportunity, patch: OpportunityPatch) -> Opportunity:
    check_opportunity_editable(actor)
    locked = _lock(opportunity)
    given = patch.given()
    values: dict[str, Any] = {}
    for name in ("title", "amount", "expected_close_date", "external_id"):
        if name in given:
            if given[name] is None and name in {"title", "amount"}:
                raise InvalidInput.for_field(name, _("This field cannot be null."))
            values[name] = given[name] if given[name] is not None or name != "external_id" else ""
    if "external_id" in values:
        _external_id_free(values["external_id"], opportunity=locked)
    if "product_line_id" in given:
        values["product_line"] = _product_line(given["product_line_id"])
    if "owner_id" in given:
        values["owner"] = _owner(given["owner_id"])
    changes: dict[str, list[Any]] = {}
    for name, new in values.items():
        old = getattr(locked, name)
        if old != new:
            changes[name] = [str(old) if old is not None else None, str(new) if new is not None else None]
            setattr(locked, name, new)
    if changes:
        locked.save()
        audit_record(
            actor=actor, action="opportunity.update", target=locked, summary=locked.title, changes=changes
        )
    return locked


@transaction.atomic
def opportunity_move(
    *, actor: User, opportunity: Opportunity, data: StageMoveInput, now: dt.datetime | None = None
) -> Opportunity:
    """Move to another stage of the same pipeline. Forward only; a won or lost deal goes back to an open stage
    only with `reopen` (the history marks it). Lost needs a reason."""
    check_opportunity_editable(actor)
    locked = _lock(opportunity)
    now = now or timezone.now()
    current = locked.stage
    target = _stage(data.stage_id, pipeline=current.pipeline)
    if target.pk == current.pk:
        raise InvalidInput.for_field("stage_id", _("The opportunity is already in this stage."))
    reopening = current.is_closed and not target.is_closed
    if current.is_closed and target.is_closed:
        raise InvalidInput.for_field(
            "stage_id",
            _("A closed deal cannot go straight from %(from)s to %(to)s; reopen it first.")
            % {"from": current.name, "to": target.name},
        )
    if reopening and not data.reopen:
        raise InvalidInput.for_field(
            "stage_id",
            _("The deal is closed (%(stage)s). To work on it again, reopen it.") % {"stage": current.name},
            code="stage_backwards",
        )
    if not current.is_closed and not target.is_closed and target.position < current.position:
        raise InvalidInput.for_field(
            "stage_id",
            _(
                "A deal does not go back from %(from)s to %(to)s. Keep it in its stage, mark it at risk, or "
                "close it as lost and reopen it."
            )
            % {"from": current.name, "to": target.name},
            code="stage_backwards",
        )
    if data.reopen and not reopening:
        raise InvalidInput.for_field("reopen", _("Only a won or lost deal can be reopened."))
    if target.kind == StageKind.LOST and not data.lost_reason:
        raise InvalidInput.for_field("lost_reason", _("Say why the deal was lost."))
    if target.kind == StageKind.LOST:
        locked.lost_reason = data.lost_reason
    _status_fields(locked, target, now)
    locked.save()
    StageChange.objects.create(
        opportunity=locked,
        from_stage=current,
        to_stage=target,
        changed_at=now,
        changed_by=actor,
        reopened=reopening,
        note=data.note,
    )
    audit_record(
        actor=actor,
        action="opportunity.reopen" if reopening else "opportunity.move",
        target=locked,
        summary=locked.title,
        changes={
            "stage": [current.name, target.name],
            **({"lost_reason": data.lost_reason} if data.lost_reason else {}),
        },
    )
    return locked


@transaction.atomic
def opportunity_mark_risk(
    *, actor: User, opportunity: Opportunity, data: RiskInput, now: dt.datetime | None = None
) -> Opportunity:
    check_opportunity_editable(actor)
    locked = _lock(opportunity)
    now = now or timezone.now()
    if data.at_risk and not data.reason:
        raise InvalidInput.for_field("reason", _("Say why the deal is at risk."))
    if locked.at_risk == data.at_risk and (not data.at_risk or locked.at_risk_reason == data.reason):
        return locked
    locked.at_risk = data.at_risk
    locked.at_risk_reason = data.reason if data.at_risk else ""
    locked.save(update_fields=["at_risk", "at_risk_reason", "updated_at"])
    RiskChange.objects.create(
        opportunity=locked, at_risk=data.at_risk, reason=data.reason, changed_at=now, changed_by=actor
    )
    audit_record(
        actor=actor,
        action="opportunity.risk" if data.at_risk else "opportunity.risk_cleared",
        target=locked,
        summary=locked.title,
        changes={"reason": data.reason} if data.at_risk else {},
    )
    return locked


# --- partner involvement and rescue deals ---------------------------------------------------------------------


@dataclass(frozen=True)
class EntryFacts:
    """What the history says about the moment a partner came in."""

    stage: PipelineStage
    was_at_risk: bool
    was_lost: bool


def rescue_reason_of(*, facts: EntryFacts, rescue_after: PipelineStage | None) -> RescueReason:
    """Lost before the partner came in, at risk before, or in a stage later than the pipeline's rescue stage."""
    if facts.was_lost:
        return RescueReason.LOST
    if facts.was_at_risk:
        return RescueReason.AT_RISK
    if (
        rescue_after is not None
        and facts.stage.kind == StageKind.OPEN
        and facts.stage.position > rescue_after.position
    ):
        return RescueReason.LATE_STAGE
    return RescueReason.NONE


def entry_facts(opportunity: Opportunity, moment: dt.datetime) -> EntryFacts:
    changes = list(
        StageChange.objects.filter(opportunity=opportunity, changed_at__lte=moment)
        .select_related("to_stage")
        .order_by("changed_at", "id")
    )
    if not changes:
        raise InvalidInput.for_field("joined_at", _("The partner cannot come in before the deal existed."))
    stage = changes[-1].to_stage
    was_lost = any(change.to_stage.kind == StageKind.LOST for change in changes)
    was_at_risk = RiskChange.objects.filter(
        opportunity=opportunity, at_risk=True, changed_at__lte=moment
    ).exists()
    return EntryFacts(stage=stage, was_at_risk=was_at_risk, was_lost=was_lost)


@transaction.atomic
def involvement_add(
    *, actor: User, opportunity: Opportunity, data: InvolvementInput, now: dt.datetime | None = None
) -> PartnerInvolvement:
    """The partner comes into the deal: the stage at entry and whether it is a rescue follow from the history."""
    check_opportunity_editable(actor)
    locked = _lock(opportunity)
    now = now or timezone.now()
    partner = partner_list().filter(pk=data.partner_id).first()
    if partner is None:
        raise InvalidInput.for_field("partner_id", _("No such partner."))
    joined_at = data.joined_at or now
    if joined_at > now:
        raise InvalidInput.for_field("joined_at", _("The partner cannot come in in the future."))
    if PartnerInvolvement.objects.filter(opportunity=locked, partner=partner).exists():
        raise InvalidInput.for_field(
            "partner_id", _("This partner is already on the deal."), code="duplicate"
        )
    facts = entry_facts(locked, joined_at)
    rescue = rescue_reason_of(facts=facts, rescue_after=locked.stage.pipeline.rescue_after_stage)
    involvement = PartnerInvolvement.objects.create(
        opportunity=locked,
        partner=partner,
        role=data.role,
        reason=data.reason,
        joined_at=joined_at,
        stage_at_entry=facts.stage,
        rescue_reason=rescue,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="opportunity.partner_add",
        target=locked,
        summary=partner.name,
        changes={
            "partner": partner.name,
            "role": data.role,
            "stage": facts.stage.name,
            "rescue": rescue.value,
        },
    )
    return involvement


def partner_sourced_add(*, actor: User, opportunity: Opportunity, partner_id: int, now: dt.datetime) -> None:
    """The partner brought this new deal (an accepted lead, an approved registration): it joins as the source."""
    involvement_add(
        actor=actor,
        opportunity=opportunity,
        now=now,
        data=input_build(
            InvolvementInput,
            {"partner_id": partner_id, "role": InvolvementRole.SOURCED, "reason": InvolvementReason.NEW},
        ),
    )


@transaction.atomic
def involvement_remove(*, actor: User, involvement: PartnerInvolvement) -> None:
    check_opportunity_editable(actor)
    opportunity = involvement.opportunity
    name = involvement.partner.name
    involvement.delete()
    audit_record(
        actor=actor,
        action="opportunity.partner_remove",
        target=opportunity,
        summary=name,
        changes={"partner": name},
    )
