"""Demo of marketing and sales: the story of source 004. Generated and deterministic; dates relative to today.

- Sales rates the relationship far lower than marketing: two closed quarterly pulse surveys with a significant
  perception gap (ten sales, six marketing respondents — extra demo colleagues without real names), and the
  current quarter's survey open.
- Three small new customers outside the ideal customer profile, won by one seller in the last days of the last
  quarter.
- A product sheet for a campaign that launches in three weeks, rated 1 of 5 by sales before launch, with comments.
- A ride-along of marketing with a seller, with feedback from both.

The large demo (`demo --size large`) adds a staff of ~150 sales and ~50 marketing people (no login) and six earlier
quarterly rounds answered by them, written in bulk as the counters the service keeps (`large_history`); they answer
the story's two closed rounds too, so the trend shows eight comparable rounds with the gap widening to the story's.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db.models import F
from django.utils import timezone

from handschlag.accounts.enums import AccountStatus
from handschlag.accounts.inputs import AccountInput
from handschlag.accounts.selectors import AccountFilters, account_list
from handschlag.accounts.services import account_create
from handschlag.alignment.enums import (
    CampaignPhase,
    ExchangeKind,
    IcpCriterionKind,
    SurveyGroup,
    SurveyStatus,
)
from handschlag.alignment.inputs import (
    CampaignInput,
    CriterionInput,
    ExchangeFeedbackInput,
    ExchangeInput,
    FeedbackAnswerInput,
    FeedbackInput,
    IcpVersionInput,
    MaterialInput,
    SurveyAnswerInput,
    SurveyInput,
)
from handschlag.alignment.models import (
    LIKERT_VALUES,
    IcpVersion,
    Survey,
    SurveyItem,
    SurveyParticipation,
    SurveyTally,
)
from handschlag.alignment.selectors import quarter_bounds
from handschlag.alignment.services import exchanges, icp, marketing, surveys
from handschlag.core.demo import DEMO_PASSWORD, DemoContext
from handschlag.core.enums import Role
from handschlag.core.models import Department, User
from handschlag.core.services import user_create_by_system

# extra colleagues so that both departments reach the survey's minimum of answers (no real names)
EXTRA_SALES = [f"vertrieb{number}" for number in range(4, 10)]
EXTRA_MARKETING = [f"marketing{number}" for number in range(2, 7)]

# how the departments answer: sales low, marketing high (Likert 1-5), per statement
SALES_VALUES = (1, 1, 2, 2, 2, 3, 3, 4)
MARKETING_VALUES = (3, 4, 4, 4, 5, 5)

OUTSIDE_ICP = [
    ("Café Morgenrot", "Einzelhandel", 6, Decimal("300000.00"), "Pirna", "01796"),
    ("Blumen Schäfer", "Einzelhandel", 4, Decimal("250000.00"), "Heide", "25746"),
    ("Getränke Kraus", "Lebensmittel", 8, Decimal("900000.00"), "Passau", "94032"),
]


def _present() -> bool:
    return Survey.objects.exists() or IcpVersion.objects.exists()


def _quarter_of(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def _previous(year: int, quarter: int) -> tuple[int, int]:
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def _extra_users(context: DemoContext) -> tuple[list[User], list[User]]:
    departments = {department.name: department for department in Department.objects.all()}
    made: dict[str, User] = {}
    for usernames, role, department_name, label in (
        (EXTRA_SALES, Role.SELLER, "Vertrieb", "Vertrieb"),
        (EXTRA_MARKETING, Role.MARKETING, "Marketing", "Marketing"),
    ):
        for username in usernames:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = user_create_by_system(
                    username=username,
                    password=DEMO_PASSWORD,
                    role=role,
                    email=f"{username}@kessler-brandt.example",
                    first_name="Demo",
                    last_name=f"{label} {username.removeprefix(username.rstrip('0123456789'))}",
                    department=departments.get(department_name),
                )
            made[username] = user
            context.users.setdefault(username, user)
    sales = [user for user in context.users.values() if user.role in (Role.SELLER, Role.PARTNER_MANAGER)]
    marketing_people = [user for user in context.users.values() if user.role == Role.MARKETING]
    return sales, marketing_people


def _answer_all(survey: Survey, people: list[User], values: tuple[int, ...], context: DemoContext) -> None:
    items = list(survey.items.all())
    for person in people:
        answers = [{"item_id": item.pk, "value": context.random.choice(values)} for item in items]
        surveys.survey_answer(
            actor=person, survey=survey, data=SurveyAnswerInput.model_validate({"answers": answers})
        )


def _surveys(context: DemoContext, sales: list[User], marketing_people: list[User]) -> None:
    lead = context.users["marketing"]
    today = timezone.localdate()
    current = _quarter_of(today)
    last = _previous(*current)
    before_last = _previous(*last)
    for year, quarter in (before_last, last):
        survey = surveys.survey_create(
            actor=lead,
            data=SurveyInput.model_validate(
                {"title": f"Pulsbefragung {year}-Q{quarter}", "year": year, "quarter": quarter}
            ),
        )
        surveys.survey_open(actor=lead, survey=survey)
        _answer_all(survey, sales, SALES_VALUES, context)
        _answer_all(survey, marketing_people, MARKETING_VALUES, context)
        surveys.survey_close(actor=lead, survey=survey)
        _start, end = quarter_bounds(year, quarter)
        Survey.objects.filter(pk=survey.pk).update(opened_on=end - dt.timedelta(days=20), closed_on=end)
    survey = surveys.survey_create(
        actor=lead,
        data=SurveyInput.model_validate(
            {"title": f"Pulsbefragung {current[0]}-Q{current[1]}", "year": current[0], "quarter": current[1]}
        ),
    )
    surveys.survey_open(actor=lead, survey=survey)
    # a few have answered already; the seller `verkauf` has not (he can try it out)
    _answer_all(survey, [user for user in sales if user.username != "verkauf"][:3], SALES_VALUES, context)


def _icp(context: DemoContext) -> None:
    lead = context.users["marketing"]
    today = timezone.localdate()
    icp.icp_version_create(
        actor=lead,
        data=IcpVersionInput(
            valid_from=today - dt.timedelta(days=730),
            note="Mittelständische Industrie in DACH",
            target_threshold=60,
            criteria=[
                CriterionInput.model_validate(
                    {
                        "kind": IcpCriterionKind.INDUSTRY,
                        "weight": 4,
                        "values": "Maschinenbau, Automobilzulieferer, Elektrotechnik, Metallverarbeitung",
                    }
                ),
                CriterionInput.model_validate(
                    {"kind": IcpCriterionKind.EMPLOYEES, "weight": 3, "minimum": 100, "maximum": 5000}
                ),
                CriterionInput.model_validate(
                    {"kind": IcpCriterionKind.REVENUE, "weight": 2, "minimum": 10_000_000}
                ),
                CriterionInput.model_validate(
                    {"kind": IcpCriterionKind.REGION, "weight": 1, "values": "DE, AT, CH"}
                ),
            ],
        ),
    )
    # three tiny customers outside the target group, won in the last days of the last quarter
    seller = context.users["verkauf2"]
    _start, end = quarter_bounds(*_previous(*_quarter_of(today)))
    for offset, (name, industry, employees, revenue, city, postal_code) in enumerate(OUTSIDE_ICP):
        account_create(
            actor=seller,
            data=AccountInput.model_validate(
                {
                    "name": name,
                    "legal_form": "e.K.",
                    "city": city,
                    "postal_code": postal_code,
                    "country": "DE",
                    "industry": industry,
                    "employees": employees,
                    "annual_revenue": revenue,
                    "status": AccountStatus.CUSTOMER,
                    "customer_since": end - dt.timedelta(days=offset),
                    "confirm_duplicate": True,
                }
            ),
        )


def _materials(context: DemoContext) -> None:
    lead = context.users["marketing"]
    today = timezone.localdate()
    launch = marketing.campaign_create(
        actor=lead,
        data=CampaignInput(
            name="Frühjahrsoffensive Linearachsen",
            description="Neue Linearachse LX-200 für Bestandskunden im Maschinenbau.",
            starts_on=today + dt.timedelta(days=21),
            ends_on=today + dt.timedelta(days=81),
        ),
    )
    sheet = marketing.material_create(
        actor=lead,
        data=MaterialInput(
            title="Produktblatt LX-200 (Entwurf)",
            description="Vier Seiten, Fokus auf Technologie und Markenwerte.",
            campaign_id=launch.pk,
            link="https://intranet.kessler-brandt.example/marketing/lx-200-produktblatt.pdf",
        ),
    )
    comments = [
        (
            "verkauf",
            1,
            "Kein Preis, kein Liefertermin, keine Referenz. So kann ich das keinem Einkäufer geben.",
        ),
        (
            "verkauf3",
            1,
            "Vier Seiten Markenversprechen, aber die Tragzahlen fehlen. Der Kunde fragt als Erstes danach.",
        ),
        (
            "vertrieb4",
            2,
            "Bilder gut, Text zu lang. Bitte eine Seite mit den drei Argumenten gegen den Wettbewerb.",
        ),
    ]
    for username, rating, comment in comments:
        marketing.material_feedback_give(
            actor=context.users[username],
            material=sheet,
            data=FeedbackInput(rating=rating, comment=comment, phase=CampaignPhase.BEFORE),
        )
    past = marketing.campaign_create(
        actor=lead,
        data=CampaignInput(
            name="Messe Motek",
            starts_on=today - dt.timedelta(days=120),
            ends_on=today - dt.timedelta(days=90),
        ),
    )
    reference = marketing.material_create(
        actor=lead,
        data=MaterialInput(
            title="Referenzbericht Montagezelle MZ-3",
            campaign_id=past.pk,
            link="https://intranet.kessler-brandt.example/marketing/referenz-mz-3.pdf",
        ),
    )
    feedback = marketing.material_feedback_give(
        actor=context.users["verkauf2"],
        material=reference,
        data=FeedbackInput(
            rating=4,
            comment="Hat beim Kunden gezogen, der Ansprechpartner wollte gleich eine Besichtigung.",
            used_with_customer=True,
            phase=CampaignPhase.AFTER,
        ),
    )
    marketing.material_feedback_answer(
        actor=lead,
        feedback=feedback,
        data=FeedbackAnswerInput(answer="Danke! Wir bereiten zwei weitere Referenzen in diesem Format vor."),
    )


def _ride_along(context: DemoContext) -> None:
    host, guest = context.users["verkauf"], context.users["marketing"]
    owned = list(
        account_list(user=host, filters=AccountFilters(owner_id=host.pk))
        .exclude(annual_revenue__isnull=True)
        .order_by("-annual_revenue", "pk")
        .values_list("pk", flat=True)
    )
    # one of his big accounts and three from the middle of his list: a representative tour
    visited = [owned[0], *owned[len(owned) // 2 : len(owned) // 2 + 3]] if owned else []
    exchange = exchanges.exchange_create(
        actor=host,
        data=ExchangeInput(
            kind=ExchangeKind.RIDE_ALONG,
            host_id=host.pk,
            guest_id=guest.pk,
            date=timezone.localdate() - dt.timedelta(days=18),
            account_ids=visited,
            notes="Tour durch Baden-Württemberg, zwei Bestandskunden, zwei Interessenten.",
        ),
    )
    exchanges.exchange_feedback_give(
        actor=guest,
        exchange=exchange,
        data=ExchangeFeedbackInput(
            rating=5,
            text="Zum ersten Mal gehört, welche Fragen Einkäufer wirklich stellen: Lieferzeit und Tragzahl.",
        ),
    )
    exchanges.exchange_feedback_give(
        actor=host,
        exchange=exchange,
        data=ExchangeFeedbackInput(
            rating=4, text="Gute Fragen im Auto. Das Produktblatt wird jetzt überarbeitet."
        ),
    )


MQL_COMPANIES = [
    ("Remstal Automation GmbH", "Maschinenbau", 320, "accept", ""),
    ("Filder Elektronik AG", "Elektrotechnik", 180, "accept", ""),
    ("Kiosk am Markt", "Einzelhandel", 2, "decline", "outside_target_group"),
    ("Albtrauf Metall GmbH", "Metallverarbeitung", 90, "decline", "not_sales_ready"),
    ("Hohenlohe Antriebe GmbH", "Maschinenbau", 450, "", ""),
]


def _leads(context: DemoContext) -> None:
    """Leads from the trade fair handed to sales: two accepted, two declined with their reasons, one open."""
    from handschlag.alignment.inputs import MqlInput
    from handschlag.alignment.models import Campaign
    from handschlag.alignment.services.leads import mql_hand_over
    from handschlag.coselling.lead_inputs import LeadDecisionInput
    from handschlag.coselling.services.leads import lead_decide

    lead = context.users["marketing"]
    seller = context.users["verkauf3"]
    fair = Campaign.objects.filter(name="Messe Motek").first()
    for name, industry, employees, decision, reason in MQL_COMPANIES:
        item = mql_hand_over(
            actor=lead,
            data=MqlInput.model_validate(
                {
                    "campaign_id": fair.pk if fair else None,
                    "company_name": name,
                    "company_city": "Stuttgart",
                    "company_postal_code": "70173",
                    "contact_name": "Einkauf",
                    "industry": industry,
                    "employees": employees,
                    "need": "Anfrage vom Messestand",
                }
            ),
        )
        if decision:
            lead_decide(
                actor=seller,
                lead=item.lead,
                data=LeadDecisionInput.model_validate({"decision": decision, "reason": reason}),
            )


def demo_step(context: DemoContext) -> None:
    sales, marketing_people = _extra_users(context)
    _icp(context)
    _surveys(context, sales, marketing_people)
    _materials(context)
    _ride_along(context)
    _leads(context)
    if context.size == "large":
        large_history(context, sales=sales, marketing_people=marketing_people)


# --- the large demo's history --------------------------------------------------------------------------------------

LARGE_SALES_STAFF = 150
LARGE_MARKETING_STAFF = 50
LARGE_ROUNDS = 8  # closed rounds in all: six earlier ones and the story's two
TURNOUT = 0.85
# mean answer (Likert 1-5) of each department in the oldest and in the newest closed round; the story's gap at the end
SALES_MEANS = (3.6, 2.3)
MARKETING_MEANS = (3.8, 4.1)


def _staff(context: DemoContext, *, group: str, count: int) -> list[User]:
    """Colleagues without a login (unusable password, not among the printed logins), created in bulk."""
    role, department_name, prefix, label = (
        (Role.SELLER, "Vertrieb", "vertrieb-", "Vertrieb")
        if group == SurveyGroup.SALES
        else (Role.MARKETING, "Marketing", "marketing-", "Marketing")
    )
    department = Department.objects.filter(name=department_name).first()
    User.objects.bulk_create(
        User(
            username=f"{prefix}{number:03d}",
            password=make_password(None),
            email=f"{prefix}{number:03d}@kessler-brandt.example",
            first_name="Demo",
            last_name=f"{label} {number:03d}",
            role=role,
            organisation=context.home,
            department=department,
            language="de",
        )
        for number in range(1, count + 1)
    )
    return list(User.objects.filter(username__startswith=prefix).order_by("username"))


def _answer(context: DemoContext, mean: float) -> int:
    return min(max(round(context.random.gauss(mean, 0.9)), LIKERT_VALUES[0]), LIKERT_VALUES[-1])


def _tally_answers(
    context: DemoContext,
    survey: Survey,
    items: list[SurveyItem],
    people: dict[str, list[User]],
    means: dict[str, float],
) -> None:
    """What `survey_answer` leaves for these people: one participation each and +1 on one counter per item."""
    counts: dict[tuple[int, str, int], int] = {}
    answered: list[User] = []
    for group, members in people.items():
        for _person in members:
            for item in items:
                key = (item.pk, group, _answer(context, means[group]))
                counts[key] = counts.get(key, 0) + 1
        answered += members
    SurveyParticipation.objects.bulk_create(
        SurveyParticipation(survey=survey, user=person) for person in answered
    )
    for (item_id, group, value), count in counts.items():
        SurveyTally.objects.filter(survey=survey, item_id=item_id, group=group, value=value).update(
            count=F("count") + count
        )


def large_history(
    context: DemoContext,
    *,
    sales: list[User],
    marketing_people: list[User],
    sales_staff: int = LARGE_SALES_STAFF,
    marketing_staff: int = LARGE_MARKETING_STAFF,
    rounds: int = LARGE_ROUNDS,
) -> int:
    """Past quarterly rounds answered by a staff large enough for the anonymity thresholds: the rounds before the
    story's two closed ones are created closed, with every counter (item x group x value) as opening creates them and
    the answers added as the service adds them; the staff answers the story's closed rounds too. Returns the number of
    closed rounds. Only for `demo --size large`; the story goes through the services."""
    lead = context.users["marketing"]
    staff = {
        SurveyGroup.SALES.value: _staff(context, group=SurveyGroup.SALES, count=sales_staff),
        SurveyGroup.MARKETING.value: _staff(context, group=SurveyGroup.MARKETING, count=marketing_staff),
    }
    story = {SurveyGroup.SALES.value: sales, SurveyGroup.MARKETING.value: marketing_people}
    closed = list(Survey.objects.filter(status=SurveyStatus.CLOSED).order_by("year", "quarter"))
    template = Survey.objects.order_by("-year", "-quarter").first()
    if not closed or template is None:
        return 0
    texts = [(item.code, item.text) for item in template.items.order_by("position", "id")]
    periods: list[tuple[int, int]] = []
    year, quarter = closed[0].year, closed[0].quarter
    while len(periods) + len(closed) < rounds:
        year, quarter = _previous(year, quarter)
        periods.insert(0, (year, quarter))
    for year, quarter in periods:
        _start, end = quarter_bounds(year, quarter)
        survey = Survey.objects.create(
            title=f"Pulsbefragung {year}-Q{quarter}",
            year=year,
            quarter=quarter,
            status=SurveyStatus.CLOSED,
            opened_on=end - dt.timedelta(days=20),
            closed_on=end,
            created_by=lead,
        )
        SurveyItem.objects.bulk_create(
            SurveyItem(survey=survey, position=index, code=code, text=text)
            for index, (code, text) in enumerate(texts)
        )
        SurveyTally.objects.bulk_create(
            SurveyTally(survey=survey, item=item, group=group, value=value, count=0)
            for item in survey.items.all()
            for group in SurveyGroup.values
            for value in LIKERT_VALUES
        )
    everyone = list(Survey.objects.filter(status=SurveyStatus.CLOSED).order_by("year", "quarter"))
    story_ids = {survey.pk for survey in closed}
    for index, survey in enumerate(everyone):
        share = index / max(len(everyone) - 1, 1)
        means = {
            SurveyGroup.SALES.value: SALES_MEANS[0] + (SALES_MEANS[1] - SALES_MEANS[0]) * share,
            SurveyGroup.MARKETING.value: MARKETING_MEANS[0]
            + (MARKETING_MEANS[1] - MARKETING_MEANS[0]) * share,
        }
        people = {
            group: [person for person in members if context.random.random() < TURNOUT]
            + ([] if survey.pk in story_ids else story[group])
            for group, members in staff.items()
        }
        _tally_answers(context, survey, list(survey.items.all()), people, means)
    return len(everyone)


def demo_present() -> bool:
    return _present()


DEMO_LOGINS = tuple(
    (username, role, who)
    for username, role, who in [
        *[(name, "seller", "Demo-Vertrieb (Pulsbefragung)") for name in EXTRA_SALES[:1]],
        *[(name, "marketing", "Demo-Marketing (Pulsbefragung)") for name in EXTRA_MARKETING[:1]],
    ]
)
