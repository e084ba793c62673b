"""Core API: /me, tokens, departments against every role. A denied request changes nothing."""

from __future__ import annotations

import pytest

from handschlag.core.enums import Role
from handschlag.core.models import ApiToken, Department
from tests.conftest import ALL_ROLES
from tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def departments() -> list[tuple[object, ...]]:
    return list(Department.objects.order_by("pk").values_list("pk", "name", "head_id", "is_active"))


class TestMe:
    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_me(self, api_as, make_user, role):
        user = make_user(role, username=f"me_{role}")

        body = api_as(user).get("/api/v1/me").json()

        assert (body["id"], body["username"], body["role"], body["department"]) == (
            user.pk,
            f"me_{role}",
            role,
            None,
        )

    def test_anonymous(self, api_as):
        assert api_as(None).get("/api/v1/me").status_code == 401


class TestTokens:
    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_lifecycle(self, api_as, make_user, role):
        user = make_user(role)
        client = api_as(user)

        created = client.post("/api/v1/tokens", {"name": "CRM"})
        body = created.json()
        listed = client.get("/api/v1/tokens").json()
        new_client = client.__class__(None)
        new_client.headers["Authorization"] = f"Bearer {body['token']}"

        assert created.status_code == 201
        assert body["token"].startswith(body["prefix"])
        assert sorted(token["name"] for token in listed) == ["CRM", "tests"]
        assert all("token" not in token for token in listed)
        assert new_client.get("/api/v1/me").json()["id"] == user.pk
        assert client.delete(f"/api/v1/tokens/{body['id']}").json()["revoked_at"] is not None
        assert new_client.get("/api/v1/me").status_code == 401

    def test_someone_elses_token_is_404_and_stays_active(self, api_as, seller, make_user):
        other = make_user(Role.ADMIN)
        api_as(other)
        foreign = ApiToken.objects.get(user=other)

        response = api_as(seller).delete(f"/api/v1/tokens/{foreign.pk}")

        assert response.status_code == 404
        foreign.refresh_from_db()
        assert foreign.revoked_at is None

    def test_empty_name(self, api_as, seller):
        response = api_as(seller).post("/api/v1/tokens", {"name": ""})

        assert response.status_code == 400
        assert "name" in response.json()["error"]["fields"]
        assert ApiToken.objects.filter(user=seller).count() == 1  # the client's own


class TestDepartments:
    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_list(self, api_as, make_user, role):
        DepartmentFactory(name="Test-Vertrieb")

        response = api_as(make_user(role)).get("/api/v1/departments")

        if role == Role.PARTNER_USER:
            assert response.status_code == 404
        else:
            assert response.status_code == 200
            assert "Test-Vertrieb" in [item["name"] for item in response.json()]

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_create_and_update(self, api_as, make_user, role):
        department = DepartmentFactory(name="Test-Alt")
        client = api_as(make_user(role))
        before = departments()

        created = client.post("/api/v1/departments", {"name": "Test-Neu"})
        updated = client.put(
            f"/api/v1/departments/{department.pk}", {"name": "Test-Umbenannt", "is_active": False}
        )

        if role == Role.ADMIN:
            assert (created.status_code, updated.status_code) == (201, 200)
            assert updated.json()["is_active"] is False
            assert Department.objects.filter(name="Test-Neu").exists()
        else:
            denied = 404 if role == Role.PARTNER_USER else 403
            assert (created.status_code, updated.status_code) == (denied, denied)
            assert departments() == before

    def test_duplicate_and_unknown_head(self, api_as, admin_user):
        DepartmentFactory(name="Test-Doppelt")
        client = api_as(admin_user)

        duplicate = client.post("/api/v1/departments", {"name": "test-doppelt"})
        no_head = client.post("/api/v1/departments", {"name": "Test-X", "head_id": 999999})

        assert list(duplicate.json()["error"]["fields"]) == ["name"]
        assert list(no_head.json()["error"]["fields"]) == ["head_id"]
        assert not Department.objects.filter(name="Test-X").exists()

    def test_list_query_count(self, api_as, admin_user, django_assert_max_num_queries):
        client = api_as(admin_user)
        DepartmentFactory(name="Test-1", head=admin_user)
        with django_assert_max_num_queries(8) as small:
            client.get("/api/v1/departments")
        for index in range(10):
            DepartmentFactory(name=f"Test-more-{index}", head=admin_user)
        with django_assert_max_num_queries(len(small.captured_queries)):
            client.get("/api/v1/departments")


def test_openapi_is_served(api_as):
    body = api_as(None).get("/api/v1/openapi.json").json()

    assert "/api/v1/imports" in body["paths"]
    assert "/api/v1/tokens" in body["paths"]
