"""Pages of marketing and sales: pulse survey (answer, manage, figures), materials and campaigns, ICP, exchanges.

Thin: access functions get the objects, services write, selectors read. Partner users get 404 on every page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from handschlag.alignment import charts
from handschlag.alignment.access import (
    access_exchange_by_id,
    access_feedback_by_id,
    access_material_by_id,
    access_survey_by_id,
    require_alignment_view,
    require_in_module,
)
from handschlag.alignment.enums import IcpCriterionKind, SurveyGroup, SurveyStatus
from handschlag.alignment.forms import (
    CampaignForm,
    ExchangeFeedbackForm,
    ExchangeForm,
    FeedbackAnswerForm,
    FeedbackForm,
    IcpVersionForm,
    MaterialForm,
    MaterialVersionForm,
    MqlForm,
    SurveyAnswerForm,
    SurveyForm,
    SurveyItemForm,
)
from handschlag.alignment.inputs import (
    CampaignInput,
    ExchangeFeedbackInput,
    ExchangeInput,
    FeedbackAnswerInput,
    FeedbackInput,
    IcpVersionInput,
    MaterialInput,
    MaterialPatch,
    MqlInput,
    SurveyAnswerInput,
    SurveyInput,
    SurveyItemInput,
)
from handschlag.alignment.selectors import (
    campaign_list,
    campaign_phase_on,
    exchange_list,
    icp_band_counts,
    icp_version_current,
    icp_version_list,
    material_feedback_list,
    material_list,
    materials_rated_poorly_before_launch,
    mql_figures,
    mql_fit,
    mql_list,
    new_customers,
    new_customers_per_seller,
    quarter_bounds,
    survey_has_answered,
    survey_list,
    survey_results,
    survey_trend,
    surveys_answered_by,
)
from handschlag.alignment.services import exchanges, icp, leads, marketing, surveys
from handschlag.core.csv_export import csv_response
from handschlag.core.errors import Conflict, InvalidInput
from handschlag.core.forms import form_add_service_errors
from handschlag.core.inputs import ServiceInput, input_build
from handschlag.core.models import User
from handschlag.core.roles import Capability, has_capability, is_internal
from handschlag.coselling.lead_enums import LeadDeclineReason, LeadStatus

InputT = TypeVar("InputT", bound=ServiceInput)
GROUP_LABELS = {
    SurveyGroup.SALES.value: SurveyGroup.SALES.label,
    SurveyGroup.MARKETING.value: SurveyGroup.MARKETING.label,
}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _submit(
    request: HttpRequest,
    form: forms.BaseForm,
    model: type[InputT],
    values: Callable[[], dict[str, Any]],
    write: Callable[[InputT], object],
    success: str,
) -> bool:
    """Validate the form, build the input, run the service; errors land on the form (or as a message)."""
    if not form.is_valid():
        return False
    try:
        write(input_build(model, values()))
    except InvalidInput as error:
        form_add_service_errors(form, error)
        return False
    except Conflict as error:
        messages.error(request, error.message)
        return False
    messages.success(request, success)
    return True


# --- surveys -------------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def survey_list_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_alignment_view(user)
    may_manage = has_capability(user, Capability.SURVEYS_MANAGE)
    today = timezone.localdate()
    form = SurveyForm(
        request.POST or None,
        initial={"year": today.year, "quarter": (today.month - 1) // 3 + 1, "min_group_size": 5},
    )
    if request.method == "POST":
        require_in_module(user, Capability.SURVEYS_MANAGE)
        created: list[Any] = []
        if _submit(
            request,
            form,
            SurveyInput,
            lambda: dict(form.cleaned_data),
            lambda data: created.append(surveys.survey_create(actor=user, data=data)),
            _("The survey was drafted."),
        ):
            return redirect("alignment:survey_detail", created[0].pk)
    answered = set(surveys_answered_by(user=user))
    rows = [(survey, survey.pk in answered) for survey in survey_list(user=user)]
    return render(
        request,
        "alignment/survey_list.html",
        {
            "rows": rows,
            "form": form,
            "may_manage": may_manage,
            "may_answer": has_capability(user, Capability.SURVEY_ANSWER),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_detail_view(request: HttpRequest, survey_id: int) -> HttpResponse:
    user = _user(request)
    survey = access_survey_by_id(user, survey_id)
    answered = survey_has_answered(survey=survey, user=user)
    may_answer = (
        has_capability(user, Capability.SURVEY_ANSWER) and survey.status == SurveyStatus.OPEN and not answered
    )
    form = SurveyAnswerForm(request.POST or None, survey=survey) if may_answer else None
    if request.method == "POST":
        require_in_module(user, Capability.SURVEY_ANSWER)
        if form is None:
            messages.error(
                request, _("This survey is not open for answers, or you have answered it already.")
            )
            return redirect("alignment:survey_detail", survey.pk)
        if _submit(
            request,
            form,
            SurveyAnswerInput,
            lambda: {"answers": form.answers()},
            lambda data: surveys.survey_answer(actor=user, survey=survey, data=data),
            _("Thank you. Your answer was counted; it is stored without your name."),
        ):
            return redirect("alignment:survey_detail", survey.pk)
    context = {
        "survey": survey,
        "items": list(survey.items.all()),
        "form": form,
        "answered": answered,
        "may_manage": has_capability(user, Capability.SURVEYS_MANAGE),
        "may_see_figures": has_capability(user, Capability.ALIGNMENT_FIGURES_VIEW),
        "item_form": SurveyItemForm(),
    }
    return render(request, "alignment/survey_detail.html", context)


@login_required
@require_POST
def survey_action_view(request: HttpRequest, survey_id: int, action: str) -> HttpResponse:
    user = _user(request)
    survey = access_survey_by_id(user, survey_id)
    require_in_module(user, Capability.SURVEYS_MANAGE)
    try:
        if action == "open":
            surveys.survey_open(actor=user, survey=survey)
            messages.success(request, _("The survey is open for answers."))
        elif action == "close":
            surveys.survey_close(actor=user, survey=survey)
            messages.success(request, _("The survey is closed; the results are shown."))
        elif action == "remind":
            surveys.survey_remind(actor=user, survey=survey)
            messages.success(request, _("Everyone who has not answered yet was reminded."))
        elif action == "add_item":
            form = SurveyItemForm(request.POST)
            if form.is_valid():
                surveys.survey_item_add(
                    actor=user, survey=survey, data=SurveyItemInput(text=form.cleaned_data["text"], code=None)
                )
                messages.success(request, _("The statement was added."))
            else:
                messages.error(request, _("Enter a statement."))
        elif action == "remove_item":
            item_id = request.POST.get("item", "")
            item = (
                survey.items.filter(pk=int(item_id)).first()
                if item_id.isdigit() and len(item_id) < 18
                else None
            )
            if item is not None:
                surveys.survey_item_remove(actor=user, item=item)
                messages.success(request, _("The statement was removed."))
        else:
            return redirect("alignment:survey_detail", survey.pk)
    except (InvalidInput, Conflict) as error:
        messages.error(request, error.message)
    return redirect("alignment:survey_detail", survey.pk)


def _figures_survey(request: HttpRequest, user: User) -> Any:
    closed = [survey for survey in survey_list(user=user) if survey.status == SurveyStatus.CLOSED]
    chosen = request.GET.get("survey", "")
    if chosen.isdigit():
        return access_survey_by_id(user, int(chosen)), closed
    return (closed[0] if closed else None), closed


@login_required
def figures_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_in_module(user, Capability.ALIGNMENT_FIGURES_VIEW)
    survey, closed = _figures_survey(request, user)
    results = survey_results(survey=survey) if survey is not None else None
    trend = survey_trend()
    context: dict[str, Any] = {
        "survey": survey,
        "closed": closed,
        "results": results,
        "trend": trend,
        "group_labels": GROUP_LABELS,
    }
    if results is not None and results.available:
        context["index_chart"] = charts.bar_rows(
            [(str(GROUP_LABELS[group]), value) for group, value in results.index.items()], scale_max=100
        )
        context["gap_chart"] = charts.bar_rows(
            [(item.text, item.gap) for item in results.items],
            scale_max=100,
            marks=[item.significant for item in results.items],
        )
    context["trend_chart"] = charts.trend_lines(
        [point.survey.period_label for point in trend],
        {
            str(GROUP_LABELS[group]): [point.index.get(group) for point in trend]
            for group in (SurveyGroup.SALES, SurveyGroup.MARKETING)
        },
        breaks=[not point.comparable for point in trend],
    )
    return render(request, "alignment/figures.html", context)


def _number(value: float | None, digits: int = 1) -> float | str:
    return "" if value is None else round(value, digits)


@login_required
def figures_export(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    require_in_module(user, Capability.ALIGNMENT_FIGURES_VIEW)
    if request.GET.get("table") == "trend":
        return csv_response(
            filename="alignment-trend.csv",
            header=[
                _("Quarter"),
                _("Index sales"),
                _("Index marketing"),
                _("Perception gap"),
                _("Comparable"),
            ],
            rows=[
                [
                    point.survey.period_label,
                    _number(point.index.get("sales")),
                    _number(point.index.get("marketing")),
                    _number(point.gap),
                    _("yes") if point.comparable else _("no, the statements changed"),
                ]
                for point in survey_trend()
            ],
        )
    survey, _closed = _figures_survey(request, user)
    results = survey_results(survey=survey) if survey is not None else None
    rows: list[list[Any]] = []
    if results is not None and results.available:
        for item in results.items:
            sales, marketing_ = item.groups.get("sales"), item.groups.get("marketing")
            rows.append(
                [
                    item.text,
                    _number(sales.mean) if sales else _("fewer answers than the minimum"),
                    _number(100 * sales.favourable_share)
                    if sales and sales.favourable_share is not None
                    else "",
                    _number(marketing_.mean) if marketing_ else _("fewer answers than the minimum"),
                    _number(100 * marketing_.favourable_share)
                    if marketing_ and marketing_.favourable_share is not None
                    else "",
                    _number(item.gap),
                    _number(item.p_value, 4),
                    _("yes") if item.significant else _("no"),
                ]
            )
    return csv_response(
        filename=f"alignment-{survey.period_label if survey else 'none'}.csv",
        header=[
            _("Statement"),
            _("Sales (0-100)"),
            _("Sales favourable (%)"),
            _("Marketing (0-100)"),
            _("Marketing favourable (%)"),
            _("Perception gap"),
            _("p-value"),
            _("Significant (p < 0.05)"),
        ],
        rows=rows,
    )


# --- materials and campaigns ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def material_list_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_alignment_view(user)
    may_manage = has_capability(user, Capability.MARKETING_MANAGE)
    campaigns = list(campaign_list())
    choices = [(campaign.pk, campaign.name) for campaign in campaigns]
    posted = request.POST.get("form")
    material_form = MaterialForm(
        request.POST if posted == "material" else None,
        request.FILES if posted == "material" else None,
        campaigns=choices,
    )
    campaign_form = CampaignForm(request.POST if posted == "campaign" else None)
    if request.method == "POST":
        require_in_module(user, Capability.MARKETING_MANAGE)
        if posted == "campaign" and _submit(
            request,
            campaign_form,
            CampaignInput,
            lambda: dict(campaign_form.cleaned_data),
            lambda data: marketing.campaign_create(actor=user, data=data),
            _("The campaign was created."),
        ):
            return redirect("alignment:material_list")
        if posted == "material" and _submit(
            request,
            material_form,
            MaterialInput,
            lambda: {key: value for key, value in material_form.cleaned_data.items() if key != "file"},
            lambda data: marketing.material_create(
                actor=user, data=data, file=material_form.cleaned_data.get("file")
            ),
            _("The material was added."),
        ):
            return redirect("alignment:material_list")
    today = timezone.localdate()
    context = {
        "materials": list(material_list()),
        "campaigns": [(campaign, campaign_phase_on(campaign, today)) for campaign in campaigns],
        "poorly_rated": materials_rated_poorly_before_launch() if may_manage else [],
        "may_manage": may_manage,
        "material_form": material_form,
        "campaign_form": campaign_form,
    }
    return render(request, "alignment/material_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def material_detail_view(request: HttpRequest, material_id: int) -> HttpResponse:
    user = _user(request)
    material = access_material_by_id(user, material_id)
    may_give = has_capability(user, Capability.MATERIAL_FEEDBACK)
    may_answer = has_capability(user, Capability.MARKETING_MANAGE)
    form = FeedbackForm(request.POST if request.POST.get("form") == "feedback" else None)
    if request.method == "POST":
        if request.POST.get("form") == "version":
            require_in_module(user, Capability.MARKETING_MANAGE)
            version_form = MaterialVersionForm(request.POST, request.FILES)
            if _submit(
                request,
                version_form,
                MaterialPatch,
                lambda: {
                    "new_version": True,
                    **{
                        key: value
                        for key, value in version_form.cleaned_data.items()
                        if key in ("link", "description") and value
                    },
                },
                lambda data: marketing.material_update(
                    actor=user, material=material, patch=data, file=version_form.cleaned_data.get("file")
                ),
                _("The new version was saved."),
            ):
                return redirect("alignment:material_detail", material.pk)
            messages.error(request, _("Give a link or upload a file."))
            return redirect("alignment:material_detail", material.pk)
        if request.POST.get("form") == "answer":
            require_in_module(user, Capability.MARKETING_MANAGE)
            feedback_id = request.POST.get("feedback", "")
            feedback = access_feedback_by_id(user, material, int(feedback_id) if feedback_id.isdigit() else 0)
            answer_form = FeedbackAnswerForm(request.POST)
            if _submit(
                request,
                answer_form,
                FeedbackAnswerInput,
                lambda: dict(answer_form.cleaned_data),
                lambda data: marketing.material_feedback_answer(actor=user, feedback=feedback, data=data),
                _("Your answer was saved."),
            ):
                return redirect("alignment:material_detail", material.pk)
            messages.error(request, _("Enter an answer."))
            return redirect("alignment:material_detail", material.pk)
        require_in_module(user, Capability.MATERIAL_FEEDBACK)
        if _submit(
            request,
            form,
            FeedbackInput,
            lambda: {
                key: value for key, value in form.cleaned_data.items() if value is not None or key != "phase"
            },
            lambda data: marketing.material_feedback_give(actor=user, material=material, data=data),
            _("Thank you for your feedback."),
        ):
            return redirect("alignment:material_detail", material.pk)
    context = {
        "material": material,
        "stats": material_list().get(pk=material.pk),
        "phase": campaign_phase_on(material.campaign, timezone.localdate()) if material.campaign else None,
        "feedback_list": list(material_feedback_list(material=material)),
        "form": form,
        "answer_form": FeedbackAnswerForm(),
        "version_form": MaterialVersionForm(
            initial={"link": material.link, "description": material.description}
        ),
        "may_give": may_give,
        "may_answer": may_answer,
    }
    return render(request, "alignment/material_detail.html", context)


@login_required
def material_download(request: HttpRequest, material_id: int) -> HttpResponseBase:
    material = access_material_by_id(_user(request), material_id)
    if not material.file:
        return redirect("alignment:material_detail", material.pk)
    name = (material.file.name or "material").rsplit("/", 1)[-1]
    return FileResponse(material.file.open("rb"), as_attachment=True, filename=name)


# --- ICP -----------------------------------------------------------------------------------------------------------


def _quarter_from(request: HttpRequest) -> tuple[int, int]:
    today = timezone.localdate()
    year, quarter = today.year, (today.month - 1) // 3 + 1
    text = request.GET.get("quarter", "")
    if len(text) == 7 and text[4:6] == "-Q" and text[:4].isdigit() and text[6] in "1234":
        return int(text[:4]), int(text[6])
    return year, quarter


def _recent_quarters(count: int = 8) -> list[str]:
    today = timezone.localdate()
    year, quarter = today.year, (today.month - 1) // 3 + 1
    labels = []
    for _index in range(count):
        labels.append(f"{year}-Q{quarter}")
        quarter -= 1
        if quarter == 0:
            year, quarter = year - 1, 4
    return labels


@login_required
@require_http_methods(["GET", "POST"])
def icp_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_alignment_view(user)
    may_manage = has_capability(user, Capability.MARKETING_MANAGE)
    current = icp_version_current()
    initial: dict[str, Any] = {"valid_from": timezone.localdate(), "target_threshold": 60}
    if current is not None:
        initial["target_threshold"] = current.target_threshold
        for criterion in current.criteria.all():
            initial[f"{criterion.kind}_weight"] = criterion.weight
            initial[f"{criterion.kind}_values"] = criterion.values
            initial[f"{criterion.kind}_minimum"] = criterion.minimum
            initial[f"{criterion.kind}_maximum"] = criterion.maximum
    form = IcpVersionForm(request.POST or None, initial=initial)
    if request.method == "POST":
        require_in_module(user, Capability.MARKETING_MANAGE)
        if _submit(
            request,
            form,
            IcpVersionInput,
            lambda: {
                "valid_from": form.cleaned_data["valid_from"],
                "note": form.cleaned_data["note"],
                "target_threshold": form.cleaned_data["target_threshold"],
                "criteria": form.criteria(),
            },
            lambda data: icp.icp_version_create(actor=user, data=data),
            _("The new version of the ideal customer profile was saved."),
        ):
            return redirect("alignment:icp")
    may_see_report = has_capability(user, Capability.ALIGNMENT_FIGURES_VIEW)
    year, quarter = _quarter_from(request)
    customers = (
        new_customers(user=user, start=quarter_bounds(year, quarter)[0], end=quarter_bounds(year, quarter)[1])
        if may_see_report
        else []
    )
    bands = icp_band_counts(user=user)
    context = {
        "current": current,
        "versions": list(icp_version_list()),
        "bands": bands,
        "band_chart": charts.bar_rows([(band, count) for band, count in bands.items()]),
        "criterion_labels": dict(IcpCriterionKind.choices),
        "form": form,
        "may_manage": may_manage,
        "may_see_report": may_see_report,
        "quarter": f"{year}-Q{quarter}",
        "quarters": _recent_quarters(),
        "customers": customers,
        "per_seller": new_customers_per_seller(customers),
    }
    return render(request, "alignment/icp.html", context)


@login_required
def new_customers_export(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    require_in_module(user, Capability.ALIGNMENT_FIGURES_VIEW)
    year, quarter = _quarter_from(request)
    start, end = quarter_bounds(year, quarter)
    labels = dict(IcpCriterionKind.choices)
    return csv_response(
        filename=f"new-customers-{year}-Q{quarter}.csv",
        header=[
            _("Account"),
            _("Seller"),
            _("Customer since"),
            _("ICP version"),
            _("Fit score"),
            _("Band"),
            _("In the target group"),
            _("Criteria not met"),
        ],
        rows=[
            [
                customer.name,
                customer.owner_name,
                customer.customer_since,
                customer.version_number or "",
                customer.score if customer.score is not None else "",
                customer.band or "",
                "" if customer.in_target is None else (_("yes") if customer.in_target else _("no")),
                ", ".join(
                    str(labels.get(kind, kind)) for kind, verdict in customer.reasons if verdict != "met"
                ),
            ]
            for customer in new_customers(user=user, start=start, end=end)
        ],
    )


# --- exchanges -----------------------------------------------------------------------------------------------------


def _people() -> list[tuple[int, str]]:
    return [
        (person.pk, str(person))
        for person in User.objects.filter(is_active=True)
        .exclude(role="partner_user")
        .order_by("last_name", "first_name")
        if is_internal(person)
    ]


@login_required
@require_http_methods(["GET", "POST"])
def exchange_list_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_alignment_view(user)
    form = ExchangeForm(
        request.POST or None, people=_people(), initial={"date": timezone.localdate(), "host_id": user.pk}
    )
    if request.method == "POST":
        require_in_module(user, Capability.EXCHANGES_RECORD)
        created: list[Any] = []
        if _submit(
            request,
            form,
            ExchangeInput,
            lambda: dict(form.cleaned_data),
            lambda data: created.append(exchanges.exchange_create(actor=user, data=data)),
            _("The exchange was recorded."),
        ):
            return redirect("alignment:exchange_detail", created[0].pk)
    context = {
        "exchanges": list(exchange_list()),
        "form": form,
        "may_record": has_capability(user, Capability.EXCHANGES_RECORD),
    }
    return render(request, "alignment/exchange_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def exchange_detail_view(request: HttpRequest, exchange_id: int) -> HttpResponse:
    user = _user(request)
    exchange = access_exchange_by_id(user, exchange_id)
    form = ExchangeFeedbackForm(request.POST or None)
    if request.method == "POST" and _submit(
        request,
        form,
        ExchangeFeedbackInput,
        lambda: dict(form.cleaned_data),
        lambda data: exchanges.exchange_feedback_give(actor=user, exchange=exchange, data=data),
        _("Thank you for your feedback."),
    ):
        return redirect("alignment:exchange_detail", exchange.pk)
    feedback = list(exchange.feedback.select_related("author"))
    given_sides = {item.side for item in feedback}
    my_side = "host" if user.pk == exchange.host_id else "guest" if user.pk == exchange.guest_id else None
    context = {
        "exchange": exchange,
        "accounts": list(exchange.accounts.all()),
        "feedback": feedback,
        "form": form if my_side and my_side not in given_sides else None,
        "top_share_percent": None
        if exchange.top_account_share is None
        else round(100 * float(exchange.top_account_share)),
    }
    return render(request, "alignment/exchange_detail.html", context)


# --- leads from marketing ------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def mql_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    require_alignment_view(user)
    may_manage = has_capability(user, Capability.MARKETING_MANAGE)
    campaigns = [(campaign.pk, campaign.name) for campaign in campaign_list()]
    form = MqlForm(request.POST or None, campaigns=campaigns)
    if request.method == "POST":
        require_in_module(user, Capability.MARKETING_MANAGE)
        if _submit(
            request,
            form,
            MqlInput,
            lambda: {
                key: value
                for key, value in form.cleaned_data.items()
                if value is not None or key == "campaign_id"
            },
            lambda data: leads.mql_hand_over(actor=user, data=data),
            _("The lead was handed to sales."),
        ):
            return redirect("alignment:mql")
    version = icp_version_current()
    items = [(item, mql_fit(item, version)) for item in mql_list()[:200]]
    context = {
        "items": items,
        "figures": mql_figures() if has_capability(user, Capability.ALIGNMENT_FIGURES_VIEW) else None,
        "reason_labels": dict(LeadDeclineReason.choices),
        "status_labels": dict(LeadStatus.choices),
        "form": form,
        "may_manage": may_manage,
        "may_work_leads": has_capability(user, Capability.LEADS_WORK),
    }
    return render(request, "alignment/mql.html", context)
