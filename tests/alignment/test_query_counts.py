"""List pages and endpoints make as many queries for many rows as for few."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from handschlag.alignment.inputs import (
    CampaignInput,
    ExchangeFeedbackInput,
    ExchangeInput,
    FeedbackInput,
    MaterialInput,
    SurveyInput,
)
from handschlag.alignment.services import exchanges, marketing, surveys
from handschlag.core.enums import Role
from handschlag.core.models import User
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


def _fill(count: int, marketing_user: User, seller: User, offset: int) -> None:
    for index in range(count):
        campaign = marketing.campaign_create(
            actor=marketing_user,
            data=CampaignInput.model_validate(
                {
                    "name": f"K{offset + index}",
                    "starts_on": dt.date(2026, 1, 1),
                    "ends_on": dt.date(2026, 2, 1),
                }
            ),
        )
        material = marketing.material_create(
            actor=marketing_user,
            data=MaterialInput.model_validate(
                {"title": f"M{offset + index}", "campaign_id": campaign.pk, "link": "https://example.test/m"}
            ),
        )
        marketing.material_feedback_give(
            actor=seller,
            material=material,
            data=FeedbackInput.model_validate({"rating": 2, "phase": "before"}),
        )
        exchange = exchanges.exchange_create(
            actor=seller,
            data=ExchangeInput.model_validate(
                {
                    "kind": "ride_along",
                    "host_id": seller.pk,
                    "guest_id": marketing_user.pk,
                    "date": "2026-11-01",
                }
            ),
        )
        exchanges.exchange_feedback_give(
            actor=seller,
            exchange=exchange,
            data=ExchangeFeedbackInput.model_validate({"rating": 4, "text": "gut"}),
        )
        surveys.survey_create(
            actor=marketing_user,
            data=SurveyInput.model_validate(
                {"title": f"S{index}", "year": 2000 + offset + index, "quarter": 1}
            ),
        )


def _queries(client: Client | ApiClient, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(queries)


PAGES = [
    "/alignment/surveys/",
    "/alignment/materials/",
    "/alignment/exchanges/",
    "/api/v1/surveys",
    "/api/v1/materials",
    "/api/v1/exchanges",
    "/api/v1/campaigns",
]


def test_query_counts_do_not_grow_with_rows(
    make_user: Callable[..., User], page_as: Callable[[User], Client], api_as: Callable[[User], ApiClient]
) -> None:
    marketing_user = make_user(Role.MARKETING)
    seller = make_user(Role.SELLER)
    page, api = page_as(marketing_user), api_as(marketing_user)
    _fill(2, marketing_user, seller, 0)
    api.get("/api/v1/surveys")  # the token's first use is recorded once
    few = {path: _queries(page if path.startswith("/alignment") else api, path) for path in PAGES}
    _fill(6, marketing_user, seller, 10)
    many = {path: _queries(page if path.startswith("/alignment") else api, path) for path in PAGES}
    assert many == few
