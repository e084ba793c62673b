"""The large demo's survey history (counters written in bulk) reads as eight comparable closed rounds with every
department above the anonymity threshold, participation matching the counters, and the story's gap in the newest
round."""

from __future__ import annotations

import pytest
from django.urls import reverse

from handschlag.alignment.demo import _extra_users, _surveys, large_history
from handschlag.alignment.enums import SurveyGroup, SurveyStatus
from handschlag.alignment.models import LIKERT_VALUES, Survey, SurveyParticipation, SurveyTally
from handschlag.alignment.selectors import survey_results, survey_trend
from handschlag.core.demo import build_organisation
from handschlag.core.models import User
from handschlag.core.passwords import demo_passwords_allowed

pytestmark = pytest.mark.django_db


@pytest.fixture
def history():
    with demo_passwords_allowed():
        context = build_organisation(size="small")
        sales, marketing_people = _extra_users(context)
        _surveys(context, sales, marketing_people)
    rounds = large_history(
        context, sales=sales, marketing_people=marketing_people, sales_staff=40, marketing_staff=15
    )
    return context, rounds


def test_eight_comparable_rounds_with_the_gap_widening_to_the_story(history):
    _context, rounds = history
    assert rounds == 8
    trend = survey_trend()
    assert len(trend) == 8
    assert all(point.comparable for point in trend)
    assert all(point.gap is not None for point in trend)
    assert all(None not in point.index.values() for point in trend)
    assert trend[-1].gap > trend[0].gap + 15  # type: ignore[operator]
    assert trend[-1].index[SurveyGroup.SALES] < trend[-1].index[SurveyGroup.MARKETING]  # type: ignore[operator]
    newest = survey_results(survey=trend[-1].survey)
    assert newest.significant_items > 0
    assert not newest.suppressed
    assert Survey.objects.filter(status=SurveyStatus.OPEN).count() == 1


def test_counters_and_participation_are_what_the_service_leaves(history):
    for survey in Survey.objects.filter(status=SurveyStatus.CLOSED):
        items = list(survey.items.all())
        tallies = list(SurveyTally.objects.filter(survey=survey))
        assert len(tallies) == len(items) * len(SurveyGroup.values) * len(LIKERT_VALUES)
        per_item = {
            item.pk: sum(tally.count for tally in tallies if tally.item_id == item.pk) for item in items
        }
        participants = SurveyParticipation.objects.filter(survey=survey).count()
        assert set(per_item.values()) == {participants}
        assert participants > 40


def test_the_staff_cannot_log_in_and_the_figures_page_shows_the_trend(history, page_as):
    context, _rounds = history
    staff = User.objects.filter(username__startswith="vertrieb-")
    assert staff.count() == 40
    assert not any(user.has_usable_password() for user in staff)
    assert not staff.first().check_password("demo-handschlag")  # type: ignore[union-attr]
    page = page_as(context.users["marketing"]).get(reverse("alignment:figures"))
    assert page.status_code == 200
