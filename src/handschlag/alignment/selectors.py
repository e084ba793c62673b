"""Reads of marketing and sales: survey results and trend (from counters only), material ratings, ICP fit and the
new customers outside the target group, exchanges."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Prefetch, Q, QuerySet

from handschlag.accounts.selectors import AccountFilters, account_list
from handschlag.alignment import icp, statistics
from handschlag.alignment.enums import CampaignPhase, SurveyGroup, SurveyStatus
from handschlag.alignment.models import (
    Campaign,
    CampaignLead,
    Exchange,
    IcpVersion,
    Material,
    MaterialFeedback,
    Survey,
    SurveyItem,
    SurveyParticipation,
    SurveyTally,
)
from handschlag.core.models import User
from handschlag.core.roles import ROLE_CAPABILITIES, Capability, has_capability

GROUPS = (SurveyGroup.SALES.value, SurveyGroup.MARKETING.value)
POOR_RATING = 2  # a material whose mean rating before launch is at most this is shown to marketing


# --- surveys -------------------------------------------------------------------------------------------------------


def survey_list(*, user: User) -> QuerySet[Survey]:
    surveys = Survey.objects.all()
    if not has_capability(user, Capability.SURVEYS_MANAGE):
        surveys = surveys.exclude(status=SurveyStatus.DRAFT)
    return surveys.order_by("-year", "-quarter")


def survey_open_for(*, user: User) -> Survey | None:
    """The open survey, if the user may answer it and has not."""
    if not has_capability(user, Capability.SURVEY_ANSWER):
        return None
    survey = Survey.objects.filter(status=SurveyStatus.OPEN).first()
    if survey is None or survey_has_answered(survey=survey, user=user):
        return None
    return survey


def survey_has_answered(*, survey: Survey, user: User) -> bool:
    return SurveyParticipation.objects.filter(survey=survey, user=user).exists()


def surveys_answered_by(*, user: User) -> list[int]:
    """The ids of the surveys the user has answered (one query)."""
    return list(SurveyParticipation.objects.filter(user=user).values_list("survey_id", flat=True))


def survey_respondents() -> QuerySet[User]:
    """Everyone who may answer the pulse survey (active users whose role has the capability)."""
    roles = [
        role for role, capabilities in ROLE_CAPABILITIES.items() if Capability.SURVEY_ANSWER in capabilities
    ]
    return User.objects.filter(is_active=True, role__in=roles)


def survey_pending_users(*, survey: Survey) -> list[User]:
    answered = SurveyParticipation.objects.filter(survey=survey).values("user_id")
    return list(survey_respondents().exclude(pk__in=answered))


@dataclass(frozen=True)
class GroupItemResult:
    answers: int
    mean: float | None  # 0-100
    favourable: int
    favourable_share: float | None  # 0-1


@dataclass(frozen=True)
class ItemResult:
    item_id: int
    code: str
    text: str
    groups: dict[str, GroupItemResult | None]  # None: the group is suppressed
    all_groups: GroupItemResult | None  # None: suppressed (a group is)
    gap: float | None  # |sales - marketing| of the means, 0-100
    z: float | None
    p_value: float | None
    significant: bool


@dataclass(frozen=True)
class SurveyResults:
    survey: Survey
    available: bool  # False while the survey runs (nothing shown, not even counts)
    min_group_size: int
    respondents: dict[str, int | None] = field(default_factory=dict)  # None: suppressed
    index: dict[str, float | None] = field(default_factory=dict)
    overall_index: float | None = None
    gap: float | None = None
    items: list[ItemResult] = field(default_factory=list)
    suppressed: tuple[str, ...] = ()

    @property
    def significant_items(self) -> int:
        return sum(1 for item in self.items if item.significant)


def _tallies(survey: Survey) -> dict[int, dict[str, dict[int, int]]]:
    """item id → group → value → count, from the counters (one query)."""
    counts: dict[int, dict[str, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    for item_id, group, value, count in SurveyTally.objects.filter(survey=survey).values_list(
        "item_id", "group", "value", "count"
    ):
        counts[item_id][group][value] = count
    return counts


def _group_item(counts: dict[int, int]) -> GroupItemResult:
    return GroupItemResult(
        answers=statistics.answer_count(counts),
        mean=statistics.mean_scaled(counts),
        favourable=statistics.favourable(counts),
        favourable_share=statistics.favourable_share(counts),
    )


def survey_results(*, survey: Survey) -> SurveyResults:
    """The figures of a closed survey, each group only from its minimum number of answers, the total only when no
    group is suppressed (docs/adr/0401). An open or draft survey shows nothing."""
    if survey.status != SurveyStatus.CLOSED:
        return SurveyResults(survey=survey, available=False, min_group_size=survey.min_group_size)
    items = list(survey.items.all())
    counts = _tallies(survey)
    # every item is answered by every respondent: a group's respondents are its answers to the first item
    sizes = {group: statistics.answer_count(counts[items[0].pk][group]) if items else 0 for group in GROUPS}
    disclosure = statistics.disclosure(sizes, min_group_size=survey.min_group_size)
    results = []
    for item in items:
        per_group: dict[str, GroupItemResult | None] = {}
        for group in GROUPS:
            per_group[group] = _group_item(counts[item.pk][group]) if group in disclosure.shown else None
        combined: dict[int, int] = defaultdict(int)
        for group in GROUPS:
            for value, count in counts[item.pk][group].items():
                combined[value] += count
        sales, marketing = per_group[SurveyGroup.SALES], per_group[SurveyGroup.MARKETING]
        gap = z = p_value = None
        significant = False
        if (
            sales is not None
            and marketing is not None
            and sales.mean is not None
            and marketing.mean is not None
        ):
            gap = abs(sales.mean - marketing.mean)
            test = statistics.two_proportion_test(
                sales.favourable, sales.answers, marketing.favourable, marketing.answers
            )
            if test is not None:
                z, p_value, significant = test.z, test.p_value, test.significant
        results.append(
            ItemResult(
                item_id=item.pk,
                code=item.code,
                text=item.text,
                groups=per_group,
                all_groups=_group_item(dict(combined)) if disclosure.total_shown else None,
                gap=gap,
                z=z,
                p_value=p_value,
                significant=significant,
            )
        )
    index = {
        group: statistics.index_of(
            result.mean for item in results if (result := item.groups[group]) is not None
        )
        if group in disclosure.shown
        else None
        for group in GROUPS
    }
    overall = (
        statistics.index_of(item.all_groups.mean for item in results if item.all_groups is not None)
        if disclosure.total_shown
        else None
    )
    sales_index, marketing_index = index[SurveyGroup.SALES], index[SurveyGroup.MARKETING]
    return SurveyResults(
        survey=survey,
        available=True,
        min_group_size=survey.min_group_size,
        respondents={group: sizes[group] if group in disclosure.shown else None for group in GROUPS},
        index=index,
        overall_index=overall,
        gap=abs(sales_index - marketing_index)
        if sales_index is not None and marketing_index is not None
        else None,
        items=results,
        suppressed=tuple(sorted(disclosure.suppressed)),
    )


@dataclass(frozen=True)
class TrendPoint:
    survey: Survey
    index: dict[str, float | None]
    gap: float | None
    comparable: bool  # False: the items differ from the previous quarter's


def _item_signature(items: Iterable[SurveyItem]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((item.code, item.text) for item in items))


def survey_trend() -> list[TrendPoint]:
    """Closed surveys oldest first; a quarter whose items differ from the quarter before is "not comparable"."""
    surveys = list(
        Survey.objects.filter(status=SurveyStatus.CLOSED)
        .order_by("year", "quarter")
        .prefetch_related(Prefetch("items", queryset=SurveyItem.objects.order_by("position", "id")))
    )
    points = []
    previous: tuple[tuple[str, str], ...] | None = None
    for survey in surveys:
        results = survey_results(survey=survey)
        signature = _item_signature(survey.items.all())
        points.append(
            TrendPoint(
                survey=survey,
                index=results.index,
                gap=results.gap,
                comparable=previous is None or signature == previous,
            )
        )
        previous = signature
    return points


# --- materials and campaigns ---------------------------------------------------------------------------------------


def campaign_phase_on(campaign: Campaign, day: dt.date) -> str:
    if day < campaign.starts_on:
        return CampaignPhase.BEFORE
    if day <= campaign.ends_on:
        return CampaignPhase.DURING
    return CampaignPhase.AFTER


def campaign_list() -> QuerySet[Campaign]:
    return Campaign.objects.annotate(material_count=Count("materials")).order_by("-starts_on", "name")


def material_list() -> QuerySet[Material]:
    """Materials with their usage and rating (overall and before launch), in one query."""
    return (
        Material.objects.select_related("campaign")
        .annotate(
            feedback_count=Count("feedback"),
            rating_mean=Avg("feedback__rating"),
            used_count=Count("feedback", filter=Q(feedback__used_with_customer=True)),
            before_count=Count("feedback", filter=Q(feedback__phase=CampaignPhase.BEFORE)),
            before_rating=Avg("feedback__rating", filter=Q(feedback__phase=CampaignPhase.BEFORE)),
            unanswered=Count("feedback", filter=Q(feedback__answer="")),
        )
        .order_by("title", "id")
    )


def materials_rated_poorly_before_launch() -> list[Material]:
    """Materials whose mean rating before launch is at most 2 of 5, with those comments (for marketing)."""
    materials: list[Material] = list(
        material_list()
        .filter(before_count__gt=0, before_rating__lte=POOR_RATING)  # type: ignore[misc]
        .prefetch_related(
            Prefetch(
                "feedback",
                queryset=MaterialFeedback.objects.filter(phase=CampaignPhase.BEFORE)
                .select_related("author")
                .order_by("rating", "-created_at"),
                to_attr="before_feedback",
            )
        )
    )
    return materials


def feedback_unanswered_count() -> int:
    return MaterialFeedback.objects.filter(answer="").count()


def material_feedback_list(*, material: Material) -> QuerySet[MaterialFeedback]:
    return material.feedback.select_related("author", "answered_by").order_by("-created_at", "-id")


# --- ICP -----------------------------------------------------------------------------------------------------------


def icp_version_list() -> QuerySet[IcpVersion]:
    return IcpVersion.objects.prefetch_related("criteria").order_by("-valid_from", "-number")


def icp_version_current(*, on: dt.date | None = None) -> IcpVersion | None:
    """The version valid on a day (default today): the latest whose `valid_from` is not after it."""
    from django.utils import timezone

    day = on or timezone.localdate()
    return (
        IcpVersion.objects.filter(valid_from__lte=day)
        .prefetch_related("criteria")
        .order_by("-valid_from", "-number")
        .first()
    )


def icp_criteria_of(version: IcpVersion) -> list[icp.Criterion]:
    criteria = []
    for criterion in version.criteria.all():
        values = icp.split_values(criterion.values)
        criteria.append(
            icp.Criterion(
                kind=criterion.kind,
                weight=criterion.weight,
                values=values,
                minimum=float(criterion.minimum) if criterion.minimum is not None else None,
                maximum=float(criterion.maximum) if criterion.maximum is not None else None,
            )
        )
    return criteria


FIT_FIELDS = ("pk", "industry", "employees", "annual_revenue", "country", "postal_code")


def icp_fit_for_accounts(
    *, user: User, account_ids: Iterable[int] | None = None, version: IcpVersion | None = None
) -> dict[int, icp.Fit]:
    """Fit of the accounts the user may see (all, or those among `account_ids`) against a version (default: the
    current one): one query, scored in bulk."""
    version = version or icp_version_current()
    if version is None:
        return {}
    accounts = account_list(user=user, filters=AccountFilters()).order_by()
    if account_ids is not None:
        accounts = accounts.filter(pk__in=list(account_ids))
    return dict(
        icp.fits_of(accounts.values_list(*FIT_FIELDS).iterator(chunk_size=5000), icp_criteria_of(version))
    )


def icp_band_counts(*, user: User) -> dict[str, int]:
    counts = {band: 0 for band, _limit in icp.BAND_LIMITS}
    for fit in icp_fit_for_accounts(user=user).values():
        counts[fit.band] += 1
    return counts


@dataclass(frozen=True)
class NewCustomer:
    account_id: int
    name: str
    owner_id: int | None
    owner_name: str
    customer_since: dt.date
    version_number: int | None
    score: int | None
    band: str | None
    reasons: tuple[tuple[str, str], ...]
    in_target: bool | None  # None: no ICP version was valid when it became a customer


@dataclass(frozen=True)
class SellerNewCustomers:
    owner_id: int | None
    owner_name: str
    new_customers: int
    outside_target: int
    unjudged: int

    @property
    def in_target_share(self) -> float | None:
        judged = self.new_customers - self.unjudged
        return None if judged == 0 else 100.0 * (judged - self.outside_target) / judged


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1) - dt.timedelta(days=1)
    return start, end


def new_customers(*, user: User, start: dt.date, end: dt.date) -> list[NewCustomer]:
    """Accounts that became customers in the period (`customer_since`), each judged against the ICP version valid
    on that day (not today's)."""
    versions = list(IcpVersion.objects.prefetch_related("criteria").order_by("valid_from", "number"))
    criteria = {version.pk: icp_criteria_of(version) for version in versions}
    rows = (
        account_list(user=user, filters=AccountFilters())
        .filter(customer_since__gte=start, customer_since__lte=end)
        .order_by("customer_since", "name")
        .values_list(
            *FIT_FIELDS,
            "name",
            "legal_form",
            "customer_since",
            "owner_id",
            "owner__first_name",
            "owner__last_name",
            "owner__username",
        )
    )
    result = []
    for (
        pk,
        industry,
        employees,
        revenue,
        country,
        postal,
        name,
        legal_form,
        since,
        owner_id,
        first,
        last,
        username,
    ) in rows:
        valid = [version for version in versions if version.valid_from <= since]
        version = valid[-1] if valid else None
        fit = (
            icp.fit_of(
                icp.CompanyFacts(industry or "", employees, revenue, country or "", postal or ""),
                criteria[version.pk],
            )
            if version is not None
            else None
        )
        result.append(
            NewCustomer(
                account_id=pk,
                name=f"{name} {legal_form}".strip(),
                owner_id=owner_id,
                owner_name=f"{first} {last}".strip() or (username or ""),
                customer_since=since,
                version_number=version.number if version else None,
                score=fit.score if fit else None,
                band=fit.band if fit else None,
                reasons=fit.reasons if fit else (),
                in_target=(fit.score >= version.target_threshold) if fit and version else None,
            )
        )
    return result


def new_customers_per_seller(customers: list[NewCustomer]) -> list[SellerNewCustomers]:
    grouped: dict[int | None, list[NewCustomer]] = defaultdict(list)
    for customer in customers:
        grouped[customer.owner_id].append(customer)
    rows = [
        SellerNewCustomers(
            owner_id=owner_id,
            owner_name=items[0].owner_name,
            new_customers=len(items),
            outside_target=sum(1 for item in items if item.in_target is False),
            unjudged=sum(1 for item in items if item.in_target is None),
        )
        for owner_id, items in grouped.items()
    ]
    return sorted(rows, key=lambda row: (-row.outside_target, row.owner_name))


# --- exchanges -----------------------------------------------------------------------------------------------------


def exchange_list() -> QuerySet[Exchange]:
    return (
        Exchange.objects.select_related("host", "guest").prefetch_related("feedback").order_by("-date", "-id")
    )


TOP_ACCOUNT_SHARE = Decimal(
    "0.2"
)  # the host's important accounts: his top fifth by annual revenue (at least one)


def host_top_account_ids(*, host: User) -> set[int]:
    revenues = list(
        account_list(user=host, filters=AccountFilters(owner_id=host.pk))
        .exclude(annual_revenue__isnull=True)
        .order_by("-annual_revenue", "pk")
        .values_list("pk", flat=True)
    )
    if not revenues:
        return set()
    keep = max(1, int(len(revenues) * TOP_ACCOUNT_SHARE))
    return set(revenues[:keep])


def alignment_summary(*, user: User) -> dict[str, Any]:
    """What the overview page shows a user."""
    return {
        "open_survey": survey_open_for(user=user),
    }


# --- leads from marketing (MQL → SAL) ------------------------------------------------------------------------------


def mql_list() -> QuerySet[CampaignLead]:
    """Marketing's leads with their co-selling lead (status, decision, reason) and campaign, newest first."""
    return CampaignLead.objects.select_related(
        "lead", "lead__receiver_user", "lead__decided_by", "campaign"
    ).order_by("-created_at", "-id")


@dataclass
class CampaignLeadFigures:
    campaign_id: int | None
    campaign_name: str
    handed_over: int = 0
    accepted: int = 0
    declined: int = 0
    expired: int = 0
    open: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def decided(self) -> int:
        return self.accepted + self.declined + self.expired

    @property
    def acceptance_rate(self) -> float | None:
        """MQL → SAL: accepted ÷ (accepted + declined + expired), in percent; None while none is decided."""
        return None if self.decided == 0 else 100.0 * self.accepted / self.decided


def mql_figures() -> list[CampaignLeadFigures]:
    """Per campaign (and one row for leads without a campaign): handed over, accepted, declined with their reasons,
    expired, still open; one query."""
    rows: dict[int | None, CampaignLeadFigures] = {}
    for campaign_id, name, status, reason in CampaignLead.objects.values_list(
        "campaign_id", "campaign__name", "lead__status", "lead__decline_reason"
    ):
        figures = rows.setdefault(
            campaign_id, CampaignLeadFigures(campaign_id=campaign_id, campaign_name=name or "")
        )
        figures.handed_over += 1
        if status == "accepted":
            figures.accepted += 1
        elif status == "declined":
            figures.declined += 1
            figures.reasons[reason or "other"] = figures.reasons.get(reason or "other", 0) + 1
        elif status == "expired":
            figures.expired += 1
        else:
            figures.open += 1
    return sorted(rows.values(), key=lambda row: (row.campaign_id is None, row.campaign_name))


def mql_fit(campaign_lead: CampaignLead, version: IcpVersion | None) -> icp.Fit | None:
    """The lead's fit against a profile version (the lead's address, the industry and size marketing gave)."""
    if version is None:
        return None
    lead = campaign_lead.lead
    return icp.fit_of(
        icp.CompanyFacts(
            industry=campaign_lead.industry,
            employees=campaign_lead.employees,
            revenue=campaign_lead.annual_revenue,
            country=lead.company_country,
            postal_code=lead.company_postal_code,
        ),
        icp_criteria_of(version),
    )
