"""The alignment figures of DESIGN §3.8 as KPIs for insights and shared goals (core/figures.py): the alignment
index per department and the perception gap of the latest closed pulse survey of the period (as the survey
shows them: a department below its minimum of answers is "below threshold"), and the share of new customers
inside the target group (judged against the ICP version valid when each became a customer)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from handschlag.alignment.enums import SurveyGroup, SurveyStatus
from handschlag.alignment.models import Survey
from handschlag.alignment.selectors import SurveyResults, new_customers, survey_results
from handschlag.core.figures import (
    FigureModule,
    FigureScope,
    Kpi,
    Measurement,
    figure_module_register,
    kpi_register,
)
from handschlag.core.models import User
from handschlag.core.roles import Capability

MODULE = "alignment"
SEES = (Capability.ALIGNMENT_FIGURES_VIEW,)


def _survey_of(scope: FigureScope) -> SurveyResults | None:
    survey = (
        Survey.objects.filter(
            status=SurveyStatus.CLOSED, closed_on__gte=scope.start, closed_on__lte=scope.end
        )
        .order_by("-closed_on", "-pk")
        .first()
    )
    return survey_results(survey=survey) if survey is not None else None


def _survey(user: User, scope: FigureScope) -> SurveyResults | None:
    return _survey_of(scope)


def _index(results: SurveyResults | None, group: str) -> Measurement:
    if results is None:
        return Measurement(None)
    answers = results.respondents.get(group)
    value = results.index.get(group)
    if answers is None or (value is None and answers):
        return Measurement(None, below_threshold=True)
    return Measurement(value, n=answers)


def _gap(results: SurveyResults | None) -> Measurement:
    if results is None:
        return Measurement(None)
    if results.gap is None:
        suppressed = any(results.respondents.get(group) is None for group in SurveyGroup.values)
        return Measurement(None, below_threshold=suppressed)
    return Measurement(results.gap)


@dataclass(frozen=True)
class NewCustomerFit:
    judged: int
    in_target: int


def _fit(user: User, scope: FigureScope) -> NewCustomerFit:
    customers = new_customers(user=user, start=scope.start, end=scope.end)
    if scope.seller_id is not None:
        customers = [customer for customer in customers if customer.owner_id == scope.seller_id]
    judged = [customer for customer in customers if customer.in_target is not None]
    return NewCustomerFit(judged=len(judged), in_target=sum(1 for customer in judged if customer.in_target))


def alignment_kpis_register() -> None:
    figure_module_register(FigureModule(MODULE, _("Marketing and sales"), order=60))
    kpi_register(
        Kpi(
            key="alignment.index_sales",
            module=MODULE,
            label=_("Alignment index, sales"),
            unit="index",
            better="higher",
            source=_survey,
            pick=lambda results: _index(results, SurveyGroup.SALES),
            capabilities=SEES,
            description=_("Pulse survey closed in the period: mean of the statements, scaled 0 to 100."),
        ),
        Kpi(
            key="alignment.index_marketing",
            module=MODULE,
            label=_("Alignment index, marketing"),
            unit="index",
            better="higher",
            source=_survey,
            pick=lambda results: _index(results, SurveyGroup.MARKETING),
            capabilities=SEES,
        ),
        Kpi(
            key="alignment.gap",
            module=MODULE,
            label=_("Perception gap sales / marketing"),
            unit="index",
            better="lower",
            source=_survey,
            pick=_gap,
            capabilities=SEES,
        ),
        Kpi(
            key="alignment.new_customers_in_target",
            module=MODULE,
            label=_("New customers in the target group"),
            unit="percent",
            better="higher",
            source=_fit,
            pick=lambda fit: Measurement(
                round(100 * fit.in_target / fit.judged, 1) if fit.judged else None, n=fit.judged
            ),
            capabilities=SEES,
            description=_(
                "Share of the accounts that became customers in the period and fit the ICP valid then."
            ),
            filters=("seller",),
        ),
    )
