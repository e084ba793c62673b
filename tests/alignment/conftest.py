from __future__ import annotations

from collections.abc import Callable

import pytest

from handschlag.alignment.inputs import SurveyAnswerInput, SurveyInput
from handschlag.alignment.models import Survey
from handschlag.alignment.services import surveys
from handschlag.core.enums import Role
from handschlag.core.models import User


@pytest.fixture
def marketing_user(make_user: Callable[..., User]) -> User:
    return make_user(Role.MARKETING, username="marketing")


@pytest.fixture
def open_survey(marketing_user: User) -> Survey:
    survey = surveys.survey_create(
        actor=marketing_user, data=SurveyInput(title="Pulse 2026-Q3", year=2026, quarter=3, min_group_size=5)
    )
    return surveys.survey_open(actor=marketing_user, survey=survey)


@pytest.fixture
def answer() -> Callable[[User, Survey, list[int]], None]:
    """Answer every item of the survey with the given values (in item order)."""

    def give(user: User, survey: Survey, values: list[int]) -> None:
        items = list(survey.items.all())
        assert len(values) == len(items)
        surveys.survey_answer(
            actor=user,
            survey=survey,
            data=SurveyAnswerInput.model_validate(
                {
                    "answers": [
                        {"item_id": item.pk, "value": value}
                        for item, value in zip(items, values, strict=True)
                    ]
                }
            ),
        )

    return give
