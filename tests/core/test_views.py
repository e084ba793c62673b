"""Core pages against every role: tokens, departments, users, audit."""

from __future__ import annotations

import pytest

from handschlag.core.enums import Role
from handschlag.core.inputs import DepartmentInput
from handschlag.core.models import ApiToken, AuditEvent, Department, User
from handschlag.core.services import api_token_create, department_create
from tests.conftest import ALL_ROLES
from tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def _department(name: str) -> Department:
    from handschlag.core.models import User as UserModel

    admin = UserModel.objects.filter(role=Role.ADMIN, is_active=True).first()
    if admin is None:
        from tests.factories import UserFactory

        admin = UserFactory(username="department-admin", role=Role.ADMIN)
    return department_create(actor=admin, data=DepartmentInput(name=name))


PAGES = {
    "/settings/tokens/": set(ALL_ROLES),
    "/settings/departments/": {Role.ADMIN},
    "/settings/users/": {Role.ADMIN},
    "/audit/": {Role.ADMIN, Role.MANAGEMENT},
}


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("path", list(PAGES))
def test_pages_by_role(page_as, make_user, role, path):
    response = page_as(make_user(role)).get(path)

    denied = 404 if role == Role.PARTNER_USER else 403  # a partner user may not learn our pages exist
    assert response.status_code == (200 if role in PAGES[path] else denied)


@pytest.mark.parametrize("path", [*PAGES, "/"])
def test_anonymous_goes_to_login(client, path):
    response = client.get(path)

    assert (response.status_code, response["Location"]) == (302, f"/login/?next={path}")


class TestTokenPage:
    def test_plaintext_is_shown_once(self, page_as, seller):
        client = page_as(seller)

        created = client.post("/settings/tokens/", {"name": "CRM"}).content.decode()
        token = ApiToken.objects.get()
        later = client.get("/settings/tokens/").content.decode()

        plaintext = next(
            word for word in created.replace("<", " ").replace(">", " ").split() if word.startswith("hs_")
        )
        assert token.prefix == plaintext[:10]
        assert plaintext not in later
        assert "CRM" in later

    def test_revoke_own_but_not_someone_elses(self, page_as, seller, admin_user):
        own, _ = api_token_create(actor=seller, user=seller, name="mine")
        foreign, _ = api_token_create(actor=admin_user, user=admin_user, name="theirs")
        client = page_as(seller)

        assert client.post(f"/settings/tokens/{own.pk}/revoke/").status_code == 302
        assert client.post(f"/settings/tokens/{foreign.pk}/revoke/").status_code == 404
        assert client.get(f"/settings/tokens/{own.pk}/revoke/").status_code == 405
        assert (ApiToken.objects.get(pk=own.pk).is_active, ApiToken.objects.get(pk=foreign.pk).is_active) == (
            False,
            True,
        )


class TestDepartmentAndUserPages:
    @pytest.mark.parametrize("role", [role for role in ALL_ROLES if role != Role.ADMIN])
    def test_denied_posts_change_nothing(self, page_as, make_user, role):
        department = DepartmentFactory(name="Test-Bleibt")
        client = page_as(make_user(role))
        users_before = User.objects.count()

        statuses = [
            client.post("/settings/departments/", {"name": "Test-Neu"}).status_code,
            client.post(f"/settings/departments/{department.pk}/", {"name": "Test-Weg"}).status_code,
            client.post(
                "/settings/users/", {"username": "neu", "role": "seller", "password": "x" * 12}
            ).status_code,
        ]

        assert statuses == [404 if role == Role.PARTNER_USER else 403] * 3
        assert list(Department.objects.filter(name__startswith="Test-").values_list("name", flat=True)) == [
            "Test-Bleibt"
        ]
        assert User.objects.count() == users_before

    def test_admin_creates_a_department_and_sees_duplicate_errors(self, page_as, make_user):
        client = page_as(make_user(Role.ADMIN, language="en"))
        _department("Test-Da")

        created = client.post("/settings/departments/", {"name": "Test-Neu", "is_active": "on"})
        duplicate = client.post("/settings/departments/", {"name": "test-da"})

        assert created.status_code == 302
        assert duplicate.status_code == 200
        assert "A department of this name exists already." in duplicate.content.decode()

    def test_admin_creates_a_user(self, page_as, admin_user):
        response = page_as(admin_user).post(
            "/settings/users/",
            {"username": "neu", "role": "seller", "password": "ein-gutes-Passwort-42", "is_active": "on"},
        )

        assert response.status_code == 302
        assert User.objects.get(username="neu").role == Role.SELLER

    def test_audit_page_filters_by_target(self, page_as, management_user):
        department = _department("Test-Audit")
        _department("Test-Andere")

        content = (
            page_as(management_user)
            .get("/audit/", {"object_type": "core.department", "target_id": str(department.pk)})
            .content.decode()
        )

        assert "hat die Abteilung Test-Audit angelegt" in content
        assert "Test-Andere" not in content
        assert AuditEvent.objects.filter(action="department.create").count() == 2

    def test_audit_page_query_count(self, page_as, management_user, django_assert_max_num_queries):
        client = page_as(management_user)
        _department("Test-0")
        with django_assert_max_num_queries(20) as small:
            client.get("/audit/")
        for index in range(1, 20):
            _department(f"Test-{index}")
        with django_assert_max_num_queries(len(small.captured_queries)):
            client.get("/audit/")
