"""The co-selling figures of DESIGN §3.8 as charts, each with its table and a CSV (core/charts.py).

For all partners (the partner list and /coselling/figures/) or for one partner (its page). Win rates come with
their Wilson interval and read "not enough history (n < 10)" below ten closed deals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from handschlag.alliances.enums import AgreementStatus
from handschlag.alliances.extensions import SIGNAL_LEADS, LeadFigures, partnership_signals_for
from handschlag.alliances.selectors import agreement_list, partner_list
from handschlag.core.charts import Chart, ChartRow, bar_chart, chart_table
from handschlag.coselling.calculator import MIN_SAMPLE, WinRate
from handschlag.coselling.selectors.figures import (
    deal_figures_by_partner,
    figures_without_partner,
    joint_by_quarter,
)

if TYPE_CHECKING:
    from handschlag.alliances.models import Partner

MAX_PARTNERS = 30  # the charts of the list show the partners with the most joint deals


def not_enough() -> str:
    return _("not enough history (n < %(min)d)") % {"min": MIN_SAMPLE}


def _rate_row(label: str, rate: WinRate) -> ChartRow:
    if rate.rate is None or rate.interval is None:
        return ChartRow(label, [None], texts=[f"{not_enough()} · n = {rate.closed}"])
    low, high = rate.interval
    return ChartRow(
        label,
        [round(rate.rate * 100, 1)],
        intervals=[(low * 100, high * 100)],
        texts=[
            _("%(rate)d %% (%(low)d to %(high)d %%) · n = %(n)d")
            % {
                "rate": round(rate.rate * 100),
                "low": round(low * 100),
                "high": round(high * 100),
                "n": rate.closed,
            }
        ],
    )


def _money(value: float) -> str:
    return f"{value:,.0f} €".replace(",", ".")


def _entry(key: str, chart: Chart, partner: Partner | None) -> dict[str, Any]:
    url = reverse("coselling:figures_export") + f"?chart={key}"
    if partner is not None:
        url += f"&partner={partner.pk}"
    return {"key": key, "chart": chart, "table": chart_table(chart), "csv_url": url}


def _lead_figures(partner_ids: list[int]) -> dict[int, LeadFigures]:
    """The lead figures co-selling's leads register, by partner (through each partner's active agreement)."""
    agreements = dict(
        agreement_list()
        .filter(partner_id__in=partner_ids, status=AgreementStatus.ACTIVE)
        .values_list("pk", "partner_id")
    )
    by_agreement = partnership_signals_for(list(agreements)).get(SIGNAL_LEADS, {})
    return {agreements[agreement_id]: figures for agreement_id, figures in by_agreement.items()}


# the charts read every joint deal (80,000 of a million opportunities in the large demo: seconds of database
# time); five minutes old is fresh enough for a figures page
FIGURES_CACHE_SECONDS = 300


def partner_figures_context(
    *, partner: Partner | None, partner_ids: list[int] | None = None
) -> dict[str, Any]:
    """The charts (with tables and CSV links) for one partner, or for all (or the `partner_ids`, e.g. those the
    partner list's filters leave); kept for a minute per language."""
    scope = (
        partner.pk if partner is not None else ("all" if partner_ids is None else hash(tuple(partner_ids)))
    )
    key = f"coselling:figures:{scope}:{translation.get_language()}"
    cached = cache.get(key)
    if cached is not None:
        return dict(cached)
    result = _figures_context(partner=partner, partner_ids=partner_ids)
    cache.set(key, result, FIGURES_CACHE_SECONDS)
    return result


def _figures_context(*, partner: Partner | None, partner_ids: list[int] | None) -> dict[str, Any]:
    without, cycle_without = figures_without_partner()
    if partner is not None:
        return {"charts": _one_partner(partner, without, cycle_without), "figures_partner": partner}
    partners = list(partner_list())
    if partner_ids is not None:
        partners = [each for each in partners if each.pk in set(partner_ids)]
    figures = deal_figures_by_partner([partner.pk for partner in partners])
    shown = sorted(
        (partner for partner in partners if partner.pk in figures),
        key=lambda partner: (-figures[partner.pk].involved, partner.name),
    )[:MAX_PARTNERS]
    leads = _lead_figures([partner.pk for partner in partners])
    charts = [
        _entry(
            "pipeline",
            bar_chart(
                title=_("Joint pipeline and wins (EUR)"),
                series=[_("open joint pipeline"), _("won with the partner")],
                rows=[
                    ChartRow(
                        partner.name,
                        [figures[partner.pk].open_pipeline, figures[partner.pk].won_amount],
                        texts=[
                            _money(figures[partner.pk].open_pipeline),
                            _money(figures[partner.pk].won_amount),
                        ],
                    )
                    for partner in shown
                ],
            ),
            None,
        ),
        _entry(
            "win_rate",
            bar_chart(
                title=_("Win rate with the partner vs. without any partner"),
                unit=" %",
                scale_max=100,
                rows=[_rate_row(_("without a partner"), without)]
                + [
                    _rate_row(partner.name, WinRate(figures[partner.pk].won, figures[partner.pk].closed))
                    for partner in shown
                ],
            ),
            None,
        ),
        _entry(
            "rescue",
            bar_chart(
                title=_("Rescue share (rescue deals ÷ joint deals)"),
                unit=" %",
                scale_max=100,
                rows=[
                    ChartRow(
                        partner.name,
                        [round(100 * (figures[partner.pk].rescue_share or 0), 1)],
                        danger=(figures[partner.pk].rescue_share or 0) > 0.5,
                        texts=[
                            f"{round(100 * (figures[partner.pk].rescue_share or 0))} % "
                            f"({figures[partner.pk].rescues} / {figures[partner.pk].involved})"
                        ],
                    )
                    for partner in shown
                ],
            ),
            None,
        ),
        _entry(
            "cycle",
            bar_chart(
                title=_("Median days to close a won deal"),
                unit=_(" days"),
                rows=[ChartRow(_("without a partner"), [cycle_without])]
                + [ChartRow(partner.name, [figures[partner.pk].cycle_days_with]) for partner in shown],
            ),
            None,
        ),
        _entry(
            "leads",
            bar_chart(
                title=_("Leads in the last 90 days, each way"),
                series=[_("from the partner"), _("to the partner")],
                rows=[
                    ChartRow(partner.name, [leads[partner.pk].received, leads[partner.pk].sent])
                    for partner in partners
                    if partner.pk in leads
                ],
            ),
            None,
        ),
    ]
    return {"charts": charts, "figures_partner": None}


def _one_partner(partner: Partner, without: WinRate, cycle_without: float | None) -> list[dict[str, Any]]:
    figures = deal_figures_by_partner([partner.pk]).get(partner.pk)
    quarters = joint_by_quarter(partner)
    leads = _lead_figures([partner.pk]).get(partner.pk)
    with_rate = WinRate(figures.won, figures.closed) if figures else WinRate(0, 0)
    charts = [
        _entry(
            "quarter_pipeline",
            bar_chart(
                title=_("Joint pipeline by quarter the partner came in (EUR)"),
                rows=[
                    ChartRow(row["label"], [float(row["pipeline"])], texts=[_money(float(row["pipeline"]))])
                    for row in quarters
                ],
            ),
            partner,
        ),
        _entry(
            "quarter_wins",
            bar_chart(
                title=_("Joint wins by quarter"),
                rows=[ChartRow(row["label"], [row["wins"]]) for row in quarters],
            ),
            partner,
        ),
        _entry(
            "win_rate",
            bar_chart(
                title=_("Win rate with the partner vs. without any partner"),
                unit=" %",
                scale_max=100,
                rows=[
                    _rate_row(_("with %(partner)s") % {"partner": partner.name}, with_rate),
                    _rate_row(_("without a partner"), without),
                ],
            ),
            partner,
        ),
        _entry(
            "cycle",
            bar_chart(
                title=_("Median days to close a won deal"),
                unit=_(" days"),
                rows=[
                    ChartRow(
                        _("with %(partner)s") % {"partner": partner.name},
                        [figures.cycle_days_with if figures else None],
                    ),
                    ChartRow(_("without a partner"), [cycle_without]),
                ],
            ),
            partner,
        ),
        _entry(
            "rescue",
            bar_chart(
                title=_("How the partner came into deals"),
                rows=[
                    ChartRow(_("early"), [(figures.involved - figures.rescues) if figures else 0]),
                    ChartRow(
                        _("to rescue a deal (late, at risk or lost)"),
                        [figures.rescues if figures else 0],
                        danger=True,
                    ),
                ],
            ),
            partner,
        ),
        _entry(
            "leads",
            bar_chart(
                title=_("Leads in the last 90 days, each way"),
                rows=[
                    ChartRow(_("from the partner"), [leads.received if leads else 0]),
                    ChartRow(_("to the partner"), [leads.sent if leads else 0]),
                ],
            ),
            partner,
        ),
    ]
    return charts
