"""Every API error, also Django's own, has the one error shape; NUL characters never reach the database."""

import pytest

from handschlag.accounts.models import Account

pytestmark = pytest.mark.django_db


def test_unknown_path_and_wrong_method_have_the_error_shape(api_as, admin_user):
    client = api_as(admin_user)

    unknown = client.get("/api/v1/no-such-thing")
    wrong_method = client.put("/api/v1/me", {})

    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "not_found"
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"
    assert "GET" in wrong_method["Allow"]


def test_nul_in_json_is_refused_before_anything_is_written(api_as, admin_user):
    response = api_as(admin_user).post("/api/v1/accounts", {"name": "Nul\u0000GmbH"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert not Account.objects.exists()


def test_nul_in_query_is_refused(api_as, admin_user):
    response = api_as(admin_user).get("/api/v1/accounts", q="a\x00b")

    assert response.status_code == 400


@pytest.mark.parametrize("query", [{"offset": 10**20}, {"limit": 0}, {"limit": 501}, {"owner_id": 2**70}])
def test_out_of_range_numbers_are_400_not_500(api_as, admin_user, query):
    response = api_as(admin_user).get("/api/v1/accounts", **query)

    assert response.status_code == 400
    assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_a_deep_offset_is_refused_with_the_bound_in_the_message(api_as, admin_user):
    assert api_as(admin_user).get("/api/v1/accounts", offset=10_000).status_code == 200

    response = api_as(admin_user).get("/api/v1/accounts", offset=10_001)

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"offset": ["Der Wert darf höchstens 10000 betragen."]}


def test_huge_id_in_the_path_is_not_a_server_error(api_as, admin_user):
    response = api_as(admin_user).get(f"/api/v1/accounts/{2**70}")

    assert response.status_code in {400, 404}
