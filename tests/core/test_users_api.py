"""/api/v1/users: administrators list, read, create and change our users; nobody ever sees a password hash."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from handschlag.core.enums import Role
from handschlag.core.models import User


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.ADMIN, 200), (Role.MANAGEMENT, 403), (Role.SELLER, 403), (Role.PARTNER_USER, 404)],
)
def test_list_per_role(
    api_as: Callable[[User], Any], make_user: Callable[..., User], role: str, status: int
) -> None:
    assert api_as(make_user(role)).get("/api/v1/users").status_code == status


@pytest.mark.django_db
def test_list_and_read_without_password(
    api_as: Callable[[User], Any], admin_user: User, seller: User
) -> None:
    client = api_as(admin_user)
    answer = client.get("/api/v1/users").json()
    assert answer["count"] == 2
    assert all("password" not in item for item in answer["items"])
    read = client.get(f"/api/v1/users/{seller.pk}").json()
    assert read["username"] == "seller"
    assert "password" not in read


@pytest.mark.django_db
def test_create_and_update(api_as: Callable[[User], Any], admin_user: User) -> None:
    client = api_as(admin_user)
    response = client.post(
        "/api/v1/users",
        {"username": "tkern", "role": "process_owner", "first_name": "Tobias", "last_name": "Kern"},
    )
    assert response.status_code == 201
    created = response.json()
    assert "password" not in created
    assert User.objects.get(username="tkern").role == Role.PROCESS_OWNER
    response = client.patch(f"/api/v1/users/{created['id']}", {"is_active": False, "language": "en"})
    assert response.status_code == 200
    assert (response.json()["is_active"], response.json()["language"]) == (False, "en")


@pytest.mark.django_db
def test_create_refuses_an_unknown_department(api_as: Callable[[User], Any], admin_user: User) -> None:
    response = api_as(admin_user).post(
        "/api/v1/users", {"username": "x", "role": "seller", "department_id": 999}
    )
    assert response.status_code == 400
    assert not User.objects.filter(username="x").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "status"), [(Role.MANAGEMENT, 403), (Role.PARTNER_USER, 404)])
def test_others_change_nothing(
    api_as: Callable[[User], Any], make_user: Callable[..., User], seller: User, role: str, status: int
) -> None:
    client = api_as(make_user(role))
    assert client.post("/api/v1/users", {"username": "x", "role": "seller"}).status_code == status
    assert client.patch(f"/api/v1/users/{seller.pk}", {"is_active": False}).status_code == status
    assert client.get(f"/api/v1/users/{seller.pk}").status_code == status
    seller.refresh_from_db()
    assert seller.is_active
    assert not User.objects.filter(username="x").exists()
