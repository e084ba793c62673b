"""Core services: users, departments, API tokens, the audit log."""

from __future__ import annotations

import pytest
from django.utils import translation

from handschlag.core.enums import OrganisationKind, Role
from handschlag.core.errors import InvalidInput
from handschlag.core.models import ApiToken, AuditEvent, User
from handschlag.core.services import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    department_create,
    department_update,
    token_digest,
    user_create,
    user_update,
)
from tests.factories import DepartmentFactory, PartnerOrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


class TestUserCreate:
    def test_internal_user_belongs_to_the_home_company(self, admin_user):
        user = user_create(
            actor=admin_user, username="neu", password="ein-gutes-Passwort-42", role=Role.SELLER
        )

        assert user.organisation.kind == OrganisationKind.HOME
        assert user.check_password("ein-gutes-Passwort-42")
        event = AuditEvent.objects.get(action="user.create")
        assert (event.actor, event.changes) == (
            admin_user,
            {"role": "seller", "organisation": user.organisation_id},
        )

    @pytest.mark.parametrize(
        ("kwargs", "field", "message"),
        [
            ({"role": Role.PARTNER_USER}, "organisation", "A partner user belongs to a partner company."),
            ({"role": "king"}, "role", "Unknown role."),
            ({"username": "ADMIN"}, "username", "This user name is taken."),
            ({"password": "123"}, "password", None),
        ],
    )
    def test_rules(self, admin_user, kwargs, field, message):
        arguments = {"username": "neu", "password": None, "role": Role.SELLER, **kwargs}
        before = User.objects.count()

        with pytest.raises(InvalidInput) as caught:
            user_create(actor=admin_user, **arguments)

        assert list(caught.value.fields) == [field]
        if message:
            assert caught.value.fields[field] == [message]
        assert User.objects.count() == before

    def test_partner_user_needs_a_partner_company_and_no_department(self, admin_user):
        partner_company = PartnerOrganisationFactory()

        with pytest.raises(InvalidInput) as no_department:
            user_create(
                actor=admin_user,
                username="p",
                password=None,
                role=Role.PARTNER_USER,
                organisation=partner_company,
                department=DepartmentFactory(),
            )
        user = user_create(
            actor=admin_user,
            username="p",
            password=None,
            role=Role.PARTNER_USER,
            organisation=partner_company,
        )

        assert no_department.value.fields == {"department": ["A partner user has no department of ours."]}
        assert user.organisation == partner_company
        assert not user.has_usable_password()

    def test_internal_user_cannot_belong_to_a_partner_company(self, admin_user):
        with pytest.raises(InvalidInput) as caught:
            user_create(
                actor=admin_user,
                username="x",
                password=None,
                role=Role.SELLER,
                organisation=PartnerOrganisationFactory(),
            )

        assert list(caught.value.fields) == ["organisation"]

    def test_role_cannot_cross_the_company_border(self, admin_user, seller, partner_user):
        with pytest.raises(InvalidInput):
            user_update(actor=admin_user, user=seller, data={"role": Role.PARTNER_USER})
        with pytest.raises(InvalidInput):
            user_update(actor=admin_user, user=partner_user, data={"role": Role.ADMIN})
        with pytest.raises(InvalidInput):
            user_update(actor=admin_user, user=admin_user, data={"is_active": False})

        assert (User.objects.get(pk=seller.pk).role, User.objects.get(pk=partner_user.pk).role) == (
            Role.SELLER,
            Role.PARTNER_USER,
        )
        assert User.objects.get(pk=admin_user.pk).is_active


class TestDepartments:
    def test_names_are_unique_ignoring_case(self, admin_user):
        department_create(actor=admin_user, name=" Vertrieb-Test ")

        with pytest.raises(InvalidInput) as caught:
            department_create(actor=admin_user, name="vertrieb-test")

        assert caught.value.fields == {"name": ["A department of this name exists already."]}

    def test_partner_user_cannot_head_a_department(self, admin_user, partner_user):
        department = department_create(actor=admin_user, name="Einkauf-Test")

        with pytest.raises(InvalidInput):
            department_update(actor=admin_user, department=department, data={"head": partner_user})

        department.refresh_from_db()
        assert department.head is None


class TestApiTokens:
    def test_only_the_digest_is_stored(self, seller):
        _token, plaintext = api_token_create(actor=seller, user=seller, name=" CRM sync ")

        stored = ApiToken.objects.get()
        assert plaintext.startswith("hs_")
        assert stored.name == "CRM sync"
        assert stored.digest == token_digest(plaintext)
        assert plaintext not in {stored.digest, stored.prefix, stored.name}
        assert stored.prefix == plaintext[:10]
        assert api_token_authenticate(plaintext) == seller

    def test_revoked_token_authenticates_nobody(self, seller):
        token, plaintext = api_token_create(actor=seller, user=seller, name="x")

        api_token_revoke(actor=seller, token=token)
        api_token_revoke(actor=seller, token=token)

        assert api_token_authenticate(plaintext) is None
        assert AuditEvent.objects.filter(action="api_token.revoke").count() == 1

    @pytest.mark.parametrize("plaintext", ["", "hs_wrong", "Bearer hs_x", "hs_" + "a" * 300])
    def test_unknown_tokens(self, seller, plaintext):
        api_token_create(actor=seller, user=seller, name="x")

        assert api_token_authenticate(plaintext) is None

    @pytest.mark.parametrize(
        ("name", "message"), [(" ", "Give the token a name"), ("x" * 101, "At most 100")]
    )
    def test_token_name(self, seller, name, message):
        with pytest.raises(InvalidInput, match=message):
            api_token_create(actor=seller, user=seller, name=name)

        assert not ApiToken.objects.exists()


class TestAuditLog:
    def test_events_are_append_only(self, admin_user):
        department_create(actor=admin_user, name="Audit-Test")
        event = AuditEvent.objects.get(action="department.create")

        event.summary = "rewritten"
        with pytest.raises(ValueError, match="append-only"):
            event.save()
        with pytest.raises(ValueError, match="append-only"):
            event.delete()

        assert AuditEvent.objects.get(pk=event.pk).summary == "department Audit-Test created"
