"""Insights pages: the management dashboard, one per module, their CSV/XLSX, and the shared goals."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST

from handschlag.alliances.selectors import partner_list
from handschlag.core.access import require_capability
from handschlag.core.charts import ChartRow, bar_chart
from handschlag.core.csv_export import csv_response, neutralise_cell
from handschlag.core.errors import InvalidInput, NotFound
from handschlag.core.figures import FigureScope, figure_modules
from handschlag.core.forms import form_add_service_errors
from handschlag.core.inputs import input_from_form
from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability
from handschlag.insights import selectors, services
from handschlag.insights.access import access_goal_by_id
from handschlag.insights.enums import PeriodPreset
from handschlag.insights.forms import FiltersForm, GoalForm
from handschlag.insights.ibcs import kpi_graphic
from handschlag.insights.inputs import GoalInput
from handschlag.insights.models import Goal

GOAL_FIELD_ALIASES = {"department_id": "department_id", "owner_ids": "owner_ids"}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _filters(request: HttpRequest) -> tuple[FiltersForm, FigureScope]:
    partners = [(partner.pk, partner.name) for partner in partner_list()]
    form = FiltersForm(request.GET or None, partners=partners)
    preset = PeriodPreset.QUARTER.value
    start, end = selectors.period_range(preset)
    department_id = partner_id = seller_id = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        preset = data.get("period") or preset
        if preset == PeriodPreset.CUSTOM:
            start, end = data["start"], data["end"]
        else:
            start, end = selectors.period_range(preset)
        department_id = data["department"].pk if data.get("department") else None
        partner_id = data.get("partner")
        seller_id = data["seller"].pk if data.get("seller") else None
    scope = FigureScope(
        start=start, end=end, department_id=department_id, partner_id=partner_id, seller_id=seller_id
    )
    return form, scope


def _cards(sections: list[selectors.ModuleSection]) -> list[dict[str, Any]]:
    return [
        {
            "module": section.module,
            "cards": [
                {
                    "card": card,
                    "graphic": kpi_graphic(
                        card.actual, card.previous, float(card.target) if card.target is not None else None
                    ),
                }
                for card in section.cards
            ],
            "tables": [{"table": table, "chart": _breakdown_chart(table)} for table in section.tables],
        }
        for section in sections
    ]


UNIT_SUFFIX = {"percent": " %", "eur": " €", "hours": " h", "days": " d"}


def _breakdown_chart(table: selectors.BreakdownTable) -> Any:
    """The breakdown as a bar chart (core/charts.py), drawn beside its table."""
    unit = table.breakdown.unit
    return bar_chart(
        title=str(table.breakdown.label),
        rows=[ChartRow(row.label, [row.value]) for row in table.rows],
        unit=UNIT_SUFFIX.get(unit, ""),
        scale_max=100 if unit == "percent" else None,
    )


@login_required
def dashboard_view(request: HttpRequest, module: str | None = None) -> HttpResponse:
    user = _user(request)
    require_capability(user, Capability.INSIGHTS_VIEW)
    if module is not None and module not in {item.key for item in figure_modules()}:
        raise NotFound
    form, scope = _filters(request)
    sections = selectors.dashboard(user=user, scope=scope, module=module)
    goals = []
    if module is None:
        goals = [selectors.goal_progress(goal) for goal in selectors.goal_list(user=user, current_only=True)]
    return render(
        request,
        "insights/dashboard.html",
        {
            "form": form,
            "scope": scope,
            "previous": scope.previous(),
            "sections": _cards(sections),
            "modules": figure_modules(),
            "module": module,
            "goals": goals,
            "query": request.GET.urlencode(),
        },
    )


def _status_text(status: str) -> str:
    return {"ok": "", "no_data": _("no data"), "below_threshold": _("below threshold")}.get(status, status)


def _unit_text(unit: str) -> str:
    """The unit as the reader of the CSV or workbook reads it (the code, e.g. "percent", is no column heading)."""
    return {
        "count": pgettext("unit", "count"),
        "percent": "%",
        "eur": "€",
        "hours": pgettext("unit", "hours"),
        "days": pgettext("unit", "days"),
        "index": pgettext("unit", "index (0 to 100)"),
    }.get(unit, unit)


def _export_rows(sections: list[selectors.ModuleSection]) -> tuple[list[str], list[list[Any]]]:
    header = [
        _("Module"),
        _("Figure"),
        _("Unit"),
        _("Actual"),
        _("Based on"),
        _("Note"),
        _("Previous period"),
        _("Target"),
    ]
    rows: list[list[Any]] = []
    for section in sections:
        for card in section.cards:
            rows.append(
                [
                    str(section.module.label),
                    str(card.kpi.label),
                    _unit_text(card.kpi.unit),
                    card.actual.value,
                    card.actual.n,
                    _status_text(card.actual.status),
                    card.previous.value,
                    card.target,
                ]
            )
        for table in section.tables:
            for row in table.rows:
                rows.append(
                    [
                        str(section.module.label),
                        f"{table.breakdown.label}: {row.label}",
                        _unit_text(table.breakdown.unit),
                        row.value,
                        "",
                        "",
                        "",
                        "",
                    ]
                )
    return header, rows


@login_required
def export_csv(request: HttpRequest, module: str | None = None) -> HttpResponse:
    user = _user(request)
    require_capability(user, Capability.INSIGHTS_VIEW)
    _form, scope = _filters(request)
    header, rows = _export_rows(selectors.dashboard(user=user, scope=scope, module=module))
    response = csv_response(filename=f"insights-{scope.start}-{scope.end}.csv", header=header, rows=rows)
    return response  # type: ignore[return-value]


def _xlsx_cell(value: Any) -> Any:
    return neutralise_cell(value) if isinstance(value, str) else value


@login_required
def export_xlsx(request: HttpRequest, module: str | None = None) -> HttpResponse:
    from openpyxl import Workbook

    user = _user(request)
    require_capability(user, Capability.INSIGHTS_VIEW)
    _form, scope = _filters(request)
    header, rows = _export_rows(selectors.dashboard(user=user, scope=scope, module=module))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Figures")[:31])
    sheet.append([_("Period"), f"{scope.start.isoformat()}/{scope.end.isoformat()}"])
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_cell(value) for value in _plain(row)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="insights-{scope.start}-{scope.end}.xlsx"'
    return response


def _plain(row: Iterable[Any]) -> list[Any]:
    return [float(value) if value.__class__.__name__ == "Decimal" else value for value in row]


# --- shared goals -------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def goal_list_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    goals = [selectors.goal_progress(goal) for goal in selectors.goal_list(user=user)]
    form = None
    if has_capability(user, Capability.GOALS_MANAGE):
        form = GoalForm(request.POST or None, kpis=selectors.kpi_choices(user=user))
        if request.method == "POST" and form.is_valid():
            goal = _save_goal(request, form, user, None)
            if goal is not None:
                messages.success(request, _("Shared goal created."))
                return redirect("insights:goal_list")
    elif request.method == "POST":
        require_capability(user, Capability.GOALS_MANAGE)
    return render(request, "insights/goal_list.html", {"goals": goals, "form": form})


def _save_goal(request: HttpRequest, form: GoalForm, user: User, goal: Goal | None) -> Goal | None:
    department = form.cleaned_data["department_id"]
    data = input_from_form(
        form,
        GoalInput,
        department_id=department.pk if department else None,
        owner_ids=[owner.pk for owner in form.cleaned_data["owner_ids"]],
    )
    if data is None:
        return None
    try:
        if goal is None:
            return services.goal_create(actor=user, data=data)
        return services.goal_update(actor=user, goal=goal, data=data)
    except InvalidInput as error:
        form_add_service_errors(form, error, aliases=GOAL_FIELD_ALIASES)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def goal_detail_view(request: HttpRequest, goal_id: int) -> HttpResponse:
    user = _user(request)
    goal = access_goal_by_id(user, goal_id)
    form = None
    if has_capability(user, Capability.GOALS_MANAGE):
        initial = {
            "kpi_key": goal.kpi_key,
            "title": goal.title,
            "period_start": goal.period_start,
            "period_end": goal.period_end,
            "target": goal.target,
            "department_id": goal.department,
            "owner_ids": list(goal.owners.all()),
        }
        form = GoalForm(request.POST or None, initial=initial, kpis=selectors.kpi_choices(user=user))
        if request.method == "POST" and form.is_valid() and _save_goal(request, form, user, goal) is not None:
            messages.success(request, _("Shared goal saved."))
            return redirect("insights:goal_detail", goal_id=goal.pk)
    elif request.method == "POST":
        require_capability(user, Capability.GOALS_MANAGE)
    return render(
        request,
        "insights/goal_detail.html",
        {"progress": selectors.goal_progress(goal), "goal": goal, "form": form},
    )


@login_required
@require_POST
def goal_delete_view(request: HttpRequest, goal_id: int) -> HttpResponse:
    user = _user(request)
    goal = access_goal_by_id(user, goal_id)
    services.goal_delete(actor=user, goal=goal)
    messages.success(request, _("Shared goal deleted."))
    return redirect("insights:goal_list")
