"""The ideal customer profile: a new version replaces the criteria from its day on; old versions stay, so new
customers are judged against the version valid when they became customers."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from handschlag.alignment.access import require_in_module
from handschlag.alignment.enums import IcpCriterionKind
from handschlag.alignment.inputs import IcpVersionInput
from handschlag.alignment.models import IcpCriterion, IcpVersion
from handschlag.core.errors import InvalidInput
from handschlag.core.events import audit_record
from handschlag.core.models import User
from handschlag.core.roles import Capability


def _check_criteria(data: IcpVersionInput) -> None:
    kinds = [criterion.kind for criterion in data.criteria]
    if len(set(kinds)) != len(kinds):
        raise InvalidInput.for_field("criteria", _("Each criterion may appear once."), code="duplicate")
    for criterion in data.criteria:
        if criterion.kind in (IcpCriterionKind.INDUSTRY, IcpCriterionKind.REGION):
            if not criterion.values.strip(", "):
                raise InvalidInput.for_field("criteria", _("Industry and region need at least one value."))
        else:
            if criterion.minimum is None and criterion.maximum is None:
                raise InvalidInput.for_field("criteria", _("Size and revenue need a minimum or a maximum."))
            if (
                criterion.minimum is not None
                and criterion.maximum is not None
                and criterion.minimum > criterion.maximum
            ):
                raise InvalidInput.for_field("criteria", _("The minimum must not be above the maximum."))


def icp_version_create(*, actor: User, data: IcpVersionInput) -> IcpVersion:
    require_in_module(actor, Capability.MARKETING_MANAGE)
    _check_criteria(data)
    if IcpVersion.objects.filter(valid_from=data.valid_from).exists():
        raise InvalidInput.for_field("valid_from", _("A version valid from this day exists already."))
    with transaction.atomic():
        number = (IcpVersion.objects.select_for_update().aggregate(last=Max("number"))["last"] or 0) + 1
        version = IcpVersion.objects.create(
            number=number,
            valid_from=data.valid_from,
            note=data.note,
            target_threshold=data.target_threshold,
            created_by=actor,
        )
        IcpCriterion.objects.bulk_create(
            IcpCriterion(
                version=version,
                kind=criterion.kind,
                values=", ".join(part.strip() for part in criterion.values.split(",") if part.strip()),
                minimum=criterion.minimum,
                maximum=criterion.maximum,
                weight=criterion.weight,
            )
            for criterion in data.criteria
        )
        audit_record(
            actor=actor,
            action="icp.version_create",
            target=version,
            summary=f"Created ICP version {number}",
            changes={
                "number": number,
                "valid_from": data.valid_from,
                "criteria": [f"{criterion.kind}:{criterion.weight}" for criterion in data.criteria],
            },
        )
    return version
