"""The API per role, bad input, and the survey over the API (no single answer ever comes back)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from handschlag.alignment.models import Exchange, Material, Survey, SurveyParticipation, SurveyTally
from handschlag.alignment.services import surveys
from handschlag.core.enums import Role
from handschlag.core.models import User
from tests.conftest import ALL_ROLES, ApiClient
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

READS = [
    "/api/v1/surveys",
    "/api/v1/campaigns",
    "/api/v1/materials",
    "/api/v1/icp/versions",
    "/api/v1/icp/fit",
    "/api/v1/exchanges",
]
FIGURES = ["/api/v1/surveys/trend", "/api/v1/icp/new-customers?year=2026&quarter=3"]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_reads_per_role(
    make_user: Callable[..., User], api_as: Callable[[User], ApiClient], role: str
) -> None:
    client = api_as(make_user(role))
    for path in READS:
        assert client.get(path).status_code == (404 if role == Role.PARTNER_USER else 200), path
    for path in FIGURES:
        expected = {Role.PARTNER_USER: 404, Role.MARKETING: 200, Role.MANAGEMENT: 200}.get(role, 403)
        assert client.get(path).status_code == expected, path


def _answers(survey: Survey, value: int) -> dict[str, Any]:
    return {"answers": [{"item_id": item.pk, "value": value} for item in survey.items.all()]}


def test_survey_over_the_api(
    make_user: Callable[..., User], api_as: Callable[[User], ApiClient], marketing_user: User
) -> None:
    marketing_api = api_as(marketing_user)
    created = marketing_api.post("/api/v1/surveys", {"title": "Puls", "year": 2026, "quarter": 2})
    assert created.status_code == 201
    survey_id = created.json()["id"]
    assert len(created.json()["items"]) == 6
    added = marketing_api.post(
        f"/api/v1/surveys/{survey_id}/items", {"text": "Wir feiern Erfolge gemeinsam."}
    )
    assert added.status_code == 201
    assert marketing_api.post(f"/api/v1/surveys/{survey_id}/open").json()["status"] == "open"
    survey = Survey.objects.get(pk=survey_id)
    sellers = [make_user(Role.SELLER) for _ in range(5)]
    for seller in sellers:
        response = api_as(seller).post(f"/api/v1/surveys/{survey_id}/answer", _answers(survey, 2))
        assert response.status_code == 201
        assert response.json() == {"answered": True}
    # twice: 409, nothing counted
    again = api_as(sellers[0]).post(f"/api/v1/surveys/{survey_id}/answer", _answers(survey, 5))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_answered"
    assert not SurveyTally.objects.filter(value=5, group="sales", count__gt=0).exists()
    # while it runs: no results, no counts
    running = marketing_api.get(f"/api/v1/surveys/{survey_id}/results").json()
    assert running["available"] is False
    assert running["respondents"] == {}
    assert running["items"] == []
    for index in range(5):
        api_as(make_user(Role.MARKETING, username=f"mk{index}")).post(
            f"/api/v1/surveys/{survey_id}/answer", _answers(survey, 4)
        )
    marketing_api.post(f"/api/v1/surveys/{survey_id}/close")
    results = marketing_api.get(f"/api/v1/surveys/{survey_id}/results").json()
    assert results["respondents"] == {"sales": 5, "marketing": 5}
    assert results["index"] == {"sales": 25.0, "marketing": 75.0}
    assert results["gap"] == 50.0
    first = results["items"][0]
    assert first["sales"] == {"answers": 5, "mean": 25.0, "favourable_share": 0.0}
    assert first["marketing"] == {"answers": 5, "mean": 75.0, "favourable_share": 100.0}
    # 0/5 vs 5/5: z = -3.162, p = 0.0016
    assert (first["z"], first["p_value"], first["significant"]) == (-3.162, 0.0016, True)
    trend = marketing_api.get("/api/v1/surveys/trend").json()
    assert trend == [
        {
            "survey_id": survey_id,
            "period": "2026-Q2",
            "index_sales": 25.0,
            "index_marketing": 75.0,
            "gap": 50.0,
            "comparable": True,
        }
    ]
    # nothing in any answer names a person
    assert "user" not in str(results).lower()


def test_results_suppressed_for_a_small_group(
    make_user: Callable[..., User],
    api_as: Callable[[User], ApiClient],
    marketing_user: User,
    open_survey: Survey,
) -> None:
    for _ in range(5):
        api_as(make_user(Role.SELLER)).post(
            f"/api/v1/surveys/{open_survey.pk}/answer", _answers(open_survey, 3)
        )
    api_as(marketing_user).post(f"/api/v1/surveys/{open_survey.pk}/answer", _answers(open_survey, 5))
    surveys.survey_close(actor=marketing_user, survey=open_survey)
    results = api_as(make_user(Role.MANAGEMENT)).get(f"/api/v1/surveys/{open_survey.pk}/results").json()
    assert results["respondents"] == {"sales": 5, "marketing": None}
    assert results["suppressed"] == ["marketing"]
    assert results["overall_index"] is None
    assert results["gap"] is None
    assert all(item["marketing"] is None and item["gap"] is None for item in results["items"])


@pytest.mark.parametrize(
    "payload",
    [
        {"answers": []},
        {"answers": [{"item_id": 1, "value": 6}]},
        {"answers": [{"item_id": 1, "value": 0}]},
        {"answers": [{"item_id": "x", "value": 3}]},
        {"answers": "3"},
        {"answers": [{"item_id": 1, "value": 3}], "user_id": 1},
    ],
)
def test_bad_answers_change_nothing(
    seller: User, api_as: Callable[[User], ApiClient], open_survey: Survey, payload: dict[str, Any]
) -> None:
    response = api_as(seller).post(f"/api/v1/surveys/{open_survey.pk}/answer", payload)
    assert response.status_code == 400
    assert not SurveyParticipation.objects.exists()
    assert not SurveyTally.objects.filter(count__gt=0).exists()


def test_partial_answer_is_refused(
    seller: User, api_as: Callable[[User], ApiClient], open_survey: Survey
) -> None:
    first = open_survey.items.first()
    assert first is not None
    response = api_as(seller).post(
        f"/api/v1/surveys/{open_survey.pk}/answer", {"answers": [{"item_id": first.pk, "value": 3}]}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "incomplete"


def test_partner_user_cannot_answer_or_read(
    partner_user: User, api_as: Callable[[User], ApiClient], open_survey: Survey
) -> None:
    client = api_as(partner_user)
    assert (
        client.post(f"/api/v1/surveys/{open_survey.pk}/answer", _answers(open_survey, 3)).status_code == 404
    )
    assert client.get(f"/api/v1/surveys/{open_survey.pk}").status_code == 404
    assert client.get(f"/api/v1/surveys/{open_survey.pk}/results").status_code == 404
    assert not SurveyParticipation.objects.exists()


def test_drafts_hidden_from_sellers(
    seller: User, marketing_user: User, api_as: Callable[[User], ApiClient]
) -> None:
    draft = (
        api_as(marketing_user)
        .post("/api/v1/surveys", {"title": "Entwurf", "year": 2027, "quarter": 1})
        .json()
    )
    assert api_as(seller).get(f"/api/v1/surveys/{draft['id']}").status_code == 404
    assert api_as(seller).get("/api/v1/surveys").json() == []
    assert (
        api_as(seller).post("/api/v1/surveys", {"title": "X", "year": 2027, "quarter": 2}).status_code == 403
    )


def test_materials_feedback_over_the_api(
    seller: User, marketing_user: User, api_as: Callable[[User], ApiClient]
) -> None:
    today = dt.date.today()
    campaign = api_as(marketing_user).post(
        "/api/v1/campaigns",
        {
            "name": "Herbst",
            "starts_on": str(today + dt.timedelta(days=5)),
            "ends_on": str(today + dt.timedelta(days=30)),
        },
    )
    assert campaign.status_code == 201
    assert campaign.json()["phase"] == "before"
    material = api_as(marketing_user).post(
        "/api/v1/materials",
        {"title": "Flyer", "campaign_id": campaign.json()["id"], "link": "https://example.test/f"},
    )
    assert material.status_code == 201
    material_id = material.json()["id"]
    # sellers may not create material; marketing may not rate it
    assert (
        api_as(seller).post("/api/v1/materials", {"title": "X", "link": "https://example.test"}).status_code
        == 403
    )
    assert (
        api_as(marketing_user).post(f"/api/v1/materials/{material_id}/feedback", {"rating": 5}).status_code
        == 403
    )
    feedback = api_as(seller).post(
        f"/api/v1/materials/{material_id}/feedback",
        {"rating": 1, "comment": "Kein Preis.", "used_with_customer": False},
    )
    assert feedback.status_code == 201
    assert feedback.json()["phase"] == "before"
    assert api_as(seller).post(f"/api/v1/materials/{material_id}/feedback", {"rating": 9}).status_code == 400
    poorly = api_as(marketing_user).get("/api/v1/materials/poorly-rated").json()
    assert [(row["title"], row["comments"][0]["comment"]) for row in poorly] == [("Flyer", "Kein Preis.")]
    assert api_as(seller).get("/api/v1/materials/poorly-rated").status_code == 403
    answered = api_as(marketing_user).post(
        f"/api/v1/materials/{material_id}/feedback/{feedback.json()['id']}/answer", {"answer": "Kommt in v2."}
    )
    assert answered.status_code == 200
    assert answered.json()["answer"] == "Kommt in v2."
    again = api_as(marketing_user).post(
        f"/api/v1/materials/{material_id}/feedback/{feedback.json()['id']}/answer", {"answer": "Nochmal."}
    )
    assert again.status_code == 409
    listed = api_as(seller).get(f"/api/v1/materials/{material_id}").json()
    assert (listed["feedback_count"], listed["rating_mean"], listed["before_rating"]) == (1, 1.0, 1.0)
    updated = api_as(marketing_user).patch(
        f"/api/v1/materials/{material_id}", {"new_version": True, "title": "Flyer 2"}
    )
    assert (updated.json()["version"], updated.json()["title"]) == (2, "Flyer 2")
    assert Material.objects.get().version == 2
    assert api_as(marketing_user).post("/api/v1/materials", {"title": "Ohne"}).status_code == 400
    assert (
        api_as(marketing_user)
        .post("/api/v1/materials", {"title": "FTP", "link": "ftp://example.test"})
        .status_code
        == 400
    )


def test_icp_over_the_api(
    marketing_user: User, management_user: User, seller: User, api_as: Callable[[User], ApiClient]
) -> None:
    body = {
        "valid_from": "2026-01-01",
        "target_threshold": 60,
        "criteria": [
            {"kind": "industry", "weight": 3, "values": "Maschinenbau"},
            {"kind": "employees", "weight": 1, "minimum": 100},
        ],
    }
    assert api_as(seller).post("/api/v1/icp/versions", body).status_code == 403
    created = api_as(marketing_user).post("/api/v1/icp/versions", body)
    assert created.status_code == 201
    assert created.json()["number"] == 1
    inside = AccountFactory(
        industry="Maschinenbau", employees=50, owner=seller, customer_since=dt.date(2026, 8, 1)
    )
    AccountFactory(industry="Handel", employees=500, owner=seller, customer_since=dt.date(2026, 8, 2))
    fits = api_as(seller).get("/api/v1/icp/fit").json()
    assert fits["items"][0] == {
        "account_id": inside.pk,
        "score": 75,
        "band": "B",
        "reasons": [
            {"criterion": "industry", "verdict": "met"},
            {"criterion": "employees", "verdict": "not_met"},
        ],
    }
    assert [row["score"] for row in api_as(seller).get("/api/v1/icp/fit", band="D").json()["items"]] == [25]
    assert api_as(seller).get("/api/v1/icp/fit", band="X").status_code == 400
    report = api_as(management_user).get("/api/v1/icp/new-customers", year=2026, quarter=3).json()
    assert [
        (row["new_customers"], row["outside_target"], row["in_target_share"]) for row in report["per_seller"]
    ] == [(2, 1, 50.0)]
    assert api_as(management_user).get("/api/v1/icp/new-customers", year=2026, quarter=5).status_code == 400
    assert api_as(marketing_user).post("/api/v1/icp/versions", {**body, "criteria": []}).status_code == 400


def test_exchange_representative_and_feedback(
    make_user: Callable[..., User], marketing_user: User, api_as: Callable[[User], ApiClient]
) -> None:
    host = make_user(Role.SELLER)
    accounts = [
        AccountFactory(owner=host, annual_revenue=Decimal(1_000_000 * (index + 1))) for index in range(10)
    ]
    top_two = [accounts[-1].pk, accounts[-2].pk]  # the top fifth by revenue
    body = {"kind": "ride_along", "host_id": host.pk, "guest_id": marketing_user.pk, "date": "2026-11-20"}
    cherry_picked = api_as(host).post("/api/v1/exchanges", {**body, "account_ids": top_two})
    assert cherry_picked.status_code == 201
    assert (cherry_picked.json()["representative"], cherry_picked.json()["top_account_share"]) == (False, 1.0)
    mixed = api_as(host).post(
        "/api/v1/exchanges", {**body, "account_ids": [accounts[-1].pk, accounts[0].pk, accounts[3].pk]}
    )
    assert (mixed.json()["representative"], mixed.json()["top_account_share"]) == (True, 0.33)
    exchange_id = mixed.json()["id"]
    # host and guest give feedback once each; others may not
    assert (
        api_as(make_user(Role.SELLER))
        .post(f"/api/v1/exchanges/{exchange_id}/feedback", {"rating": 3, "text": "x"})
        .status_code
        == 403
    )
    guest = api_as(marketing_user).post(
        f"/api/v1/exchanges/{exchange_id}/feedback", {"rating": 5, "text": "Lehrreich."}
    )
    assert guest.status_code == 201
    assert (
        api_as(marketing_user)
        .post(f"/api/v1/exchanges/{exchange_id}/feedback", {"rating": 5, "text": "Nochmal."})
        .status_code
        == 409
    )
    api_as(host).post(f"/api/v1/exchanges/{exchange_id}/feedback", {"rating": 4, "text": "Gute Fragen."})
    sides = {
        item["side"]: item["text"]
        for item in Exchange.objects.get(pk=exchange_id).feedback.values("side", "text")
    }
    assert sides == {"host": "Gute Fragen.", "guest": "Lehrreich."}
    # a seller records only exchanges he takes part in; host = guest is refused
    other = make_user(Role.SELLER)
    assert api_as(other).post("/api/v1/exchanges", {**body, "account_ids": []}).status_code == 403
    assert api_as(host).post("/api/v1/exchanges", {**body, "guest_id": host.pk}).status_code == 400
    assert api_as(host).post("/api/v1/exchanges", {**body, "account_ids": [999999]}).status_code == 400


def test_statements_edited_only_in_a_draft(
    seller: User, marketing_user: User, api_as: Callable[[User], ApiClient]
) -> None:
    client = api_as(marketing_user)
    survey = client.post("/api/v1/surveys", {"title": "Q1", "year": 2027, "quarter": 1}).json()
    first, second = survey["items"][0]["id"], survey["items"][1]["id"]
    path = f"/api/v1/surveys/{survey['id']}/items"
    assert client.patch(f"{path}/{first}", {"text": "Neu formuliert."}).json()["text"] == "Neu formuliert."
    assert (
        api_as(seller).patch(f"{path}/{first}", {"text": "x"}).status_code == 404
    )  # a draft does not exist for him
    assert client.delete(f"{path}/{second}").status_code == 204
    assert client.patch(f"{path}/999999", {"text": "x"}).status_code == 404
    client.post(f"/api/v1/surveys/{survey['id']}/open")
    assert client.patch(f"{path}/{first}", {"text": "Zu spät."}).status_code == 409
    assert client.delete(f"{path}/{first}").status_code == 409
    assert (
        next(item["text"] for item in client.get(f"/api/v1/surveys/{survey['id']}").json()["items"])
        == "Neu formuliert."
    )
