"""Partnership figures for insights (core/figures.py): how many partnerships are lived, lukewarm, paper only.

The health verdict is about today (what partners did recently), so the period filter does not change it."""

from __future__ import annotations

from collections import Counter

from django.utils.translation import gettext_lazy as _

from handschlag.alliances.enums import HealthVerdict, PartnerStatus
from handschlag.alliances.selectors import PartnerOverview, partner_overview_list
from handschlag.core.figures import (
    Breakdown,
    BreakdownRow,
    FigureModule,
    FigureScope,
    Kpi,
    Measurement,
    breakdown_register,
    figure_module_register,
    kpi_register,
    rate,
)
from handschlag.core.models import User
from handschlag.core.roles import Capability

MODULE = "partnerships"
SEES = (Capability.PARTNERS_MANAGE,)


def _overviews(user: User, scope: FigureScope) -> list[PartnerOverview]:
    overviews = [item for item in partner_overview_list() if item.partner.status == PartnerStatus.ACTIVE]
    if scope.partner_id is not None:
        overviews = [item for item in overviews if item.partner.pk == scope.partner_id]
    return overviews


def _lived_share(overviews: list[PartnerOverview]) -> Measurement:
    lived = sum(1 for item in overviews if item.health.verdict == HealthVerdict.LIVED)
    return Measurement(rate(lived, len(overviews)), n=len(overviews))


def _by_verdict(user: User, scope: FigureScope) -> list[BreakdownRow]:
    counts = Counter(str(item.health.verdict) for item in _overviews(user, scope))
    return [BreakdownRow(str(label), counts.get(value, 0)) for value, label in HealthVerdict.choices]


def alliances_kpis_register() -> None:
    figure_module_register(FigureModule(MODULE, _("Partnerships"), order=20))
    kpi_register(
        Kpi(
            key="partnerships.lived_share",
            module=MODULE,
            label=_("Partnerships lived"),
            unit="percent",
            better="higher",
            source=_overviews,
            pick=_lived_share,
            capabilities=SEES,
            description=_("Share of active partners whose health verdict is “lived” (today)."),
            filters=("partner",),
        )
    )
    breakdown_register(
        Breakdown(
            key="partnerships.by_verdict",
            module=MODULE,
            label=_("Partners by health verdict"),
            unit="count",
            rows=_by_verdict,
            capabilities=SEES,
            filters=("partner",),
        )
    )
