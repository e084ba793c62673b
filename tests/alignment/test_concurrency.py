"""Answering twice at the same moment, and many answering at once: one answer per person, no lost count.

Runs on PostgreSQL (real row locks and unique indexes under concurrency); skipped on SQLite.
"""

from __future__ import annotations

from typing import Any

import pytest

from handschlag.alignment.inputs import SurveyAnswerInput, SurveyInput
from handschlag.alignment.models import SurveyParticipation, SurveyTally
from handschlag.alignment.services import surveys
from handschlag.core.enums import Role
from handschlag.core.errors import Conflict
from tests.alliances.test_concurrency import at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_double_answer_at_once_counts_once(postgres_only: None, make_user: Any) -> None:
    lead = make_user(Role.MARKETING)
    survey = surveys.survey_create(
        actor=lead, data=SurveyInput.model_validate({"title": "Q1", "year": 2026, "quarter": 1})
    )
    surveys.survey_open(actor=lead, survey=survey)
    data = SurveyAnswerInput.model_validate(
        {"answers": [{"item_id": item.pk, "value": 4} for item in survey.items.all()]}
    )
    seller = make_user(Role.SELLER)
    results, errors = at_once(
        lambda: surveys.survey_answer(actor=seller, survey=survey, data=data),
        lambda: surveys.survey_answer(actor=seller, survey=survey, data=data),
    )
    assert len(results) == 1
    assert len(errors) == 1
    assert isinstance(errors[0], Conflict)
    assert SurveyParticipation.objects.count() == 1
    assert sorted(SurveyTally.objects.filter(count__gt=0).values_list("count", flat=True)) == [1] * 6


def test_many_answers_at_once_lose_no_count(postgres_only: None, make_user: Any) -> None:
    lead = make_user(Role.MARKETING)
    survey = surveys.survey_create(
        actor=lead, data=SurveyInput.model_validate({"title": "Q2", "year": 2026, "quarter": 2})
    )
    surveys.survey_open(actor=lead, survey=survey)
    data = SurveyAnswerInput.model_validate(
        {"answers": [{"item_id": item.pk, "value": 2} for item in survey.items.all()]}
    )
    sellers = [make_user(Role.SELLER) for _ in range(6)]
    results, errors = at_once(
        *[
            lambda seller=seller: surveys.survey_answer(actor=seller, survey=survey, data=data)
            for seller in sellers
        ]
    )
    assert errors == []
    assert len(results) == 6
    assert sorted(SurveyTally.objects.filter(count__gt=0).values_list("count", flat=True)) == [6] * 6


def test_an_answer_rewrites_every_counter(postgres_only: None, make_user: Any) -> None:
    """PostgreSQL keeps the writing transaction (xmin) and a new physical position per row version: an answer
    rewrites all counters of the survey, so neither tells which counters it raised (docs/adr/0401)."""
    from django.db import connection

    lead = make_user(Role.MARKETING)
    survey = surveys.survey_create(
        actor=lead, data=SurveyInput.model_validate({"title": "Q3", "year": 2026, "quarter": 3})
    )
    surveys.survey_open(actor=lead, survey=survey)
    items = list(survey.items.all())
    for value in (1, 5):
        surveys.survey_answer(
            actor=make_user(Role.SELLER),
            survey=survey,
            data=SurveyAnswerInput.model_validate(
                {"answers": [{"item_id": item.pk, "value": value} for item in items]}
            ),
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(DISTINCT xmin::text) FROM alignment_surveytally WHERE survey_id = %s",
                [survey.pk],
            )
            assert cursor.fetchone()[0] == 1
