"""A partner user never learns that one of our pages or operations exists: where others get 403, he gets 404."""

import pytest

from handschlag.core.enums import Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("role", "status"), [(Role.PARTNER_USER, 404), (Role.MARKETING, 403)])
def test_an_internal_write_in_the_api(role, status, make_user, api_as):
    answer = api_as(make_user(role)).post("/api/v1/accounts", {"name": "Probe GmbH"})
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == {404: "not_found", 403: "forbidden"}[status]


@pytest.mark.parametrize(("role", "status"), [(Role.PARTNER_USER, 404), (Role.SELLER, 403)])
def test_an_internal_page(role, status, make_user, page_as):
    assert page_as(make_user(role)).get("/settings/users/").status_code == status
